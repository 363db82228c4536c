"""The Rust display kernels of rs_dicom._core, directly: every sample type and array layout,
against numpy formulas and pydicom (the oracle) — what rs_dicom.display is built on."""

from __future__ import annotations

import os

import numpy as np
import pytest
import rs_dicom
from helpers import SAMPLE
from rs_dicom import _core

DTYPES = ["u1", "i1", "<u2", ">u2", "<i2", ">i2", "u4", "i4", "u8", "i8", "f2", "f4", ">f8"]


def _values(dtype: str) -> np.ndarray:
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return np.array([-3.5, -0.2, 0.0, 0.7, 5.9, 99.5, 6e4, np.nan], dtype=dt)
    info = np.iinfo(dt)
    vals = [info.min, info.min + 1, -1, 0, 1, 2, 5, 7, 100, info.max - 1, info.max]
    return np.array([v for v in vals if info.min <= v <= info.max], dtype=dt)


@pytest.mark.parametrize("dtype", DTYPES)
def test_lut_lookup_every_dtype(dtype: str) -> None:
    arr = _values(dtype)
    table = np.array([10, 20, 30, 40, 50], dtype=np.uint16)
    got = _core.lut_lookup(arr, table, 2, 5)
    wide = np.nan_to_num(arr.astype(np.float64), nan=2.0)
    want = table[np.clip(np.trunc(wide - 2), 0, 4).astype(int)]
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.uint16 and got.shape == arr.shape


def test_lut_lookup_layouts_and_channels() -> None:
    base = np.arange(-300, 900, dtype=np.int16).reshape(40, 30)
    table = np.arange(600, dtype=np.uint16).reshape(200, 3).astype(np.uint8)
    for arr in (base, base[::2, ::-3], base.T, base.astype(bool)):
        got = _core.lut_lookup(arr, table, -5, 200)
        idx = np.clip(arr.astype(np.int64) + 5, 0, 199)
        np.testing.assert_array_equal(got, table[idx])
    # large 16-bit input: the table of every value, same answer
    big = np.random.default_rng(2).integers(-32768, 32768, 300_000).astype(np.int16)
    flat = np.arange(1000, dtype=np.uint16)
    np.testing.assert_array_equal(
        _core.lut_lookup(big, flat, 100, 1000), flat[np.clip(big.astype(int) - 100, 0, 999)]
    )
    # a misaligned view (odd offset): copied first
    raw = np.zeros(2 * 50 + 1, np.uint8)[1:].view("<u2")
    assert not raw.flags.aligned
    np.testing.assert_array_equal(_core.lut_lookup(raw, flat, 0, 1000), flat[raw])
    with pytest.raises(ValueError):
        _core.lut_lookup(base, np.array([], np.uint8), 0, 5)
    with pytest.raises(TypeError):
        _core.lut_lookup(base.astype(np.complex64), flat, 0, 5)


@pytest.mark.parametrize("little", [True, False])
def test_lut_tables_from_bytes(little: bool) -> None:
    order = "<" if little else ">"
    words = np.array([1, 0x0203, 0xFFFF, 7], dtype=f"{order}u2").tobytes()
    np.testing.assert_array_equal(_core.lut_table_of(words, 3, 16, little), [1, 0x0203, 0xFFFF])
    assert _core.lut_table_of(words, 3, 16, little).dtype == np.uint16
    # 8-bit entries packed two per word, low byte first
    packed = np.array([0x0201, 0x0403], dtype=f"{order}u2").tobytes()
    np.testing.assert_array_equal(_core.lut_table_of(packed, 4, 8, little), [1, 2, 3, 4])
    assert _core.lut_table_of(memoryview(packed), 4, 8, little).dtype == np.uint8


def test_rescale_and_window_against_numpy() -> None:
    arr = np.arange(-2000, 4000, 7, dtype=np.int16)
    want = arr.astype(np.float64) * 1.5
    want += -1024.0
    np.testing.assert_array_equal(_core.rescale(arr, 1.5, -1024.0), want)
    x = arr.astype(np.float64)
    c, w = 40.0 - 0.5, 400.0 - 1
    lin = ((x - c) / w + 0.5) * 255.0 + 0.0
    lin[x <= c - w / 2] = 0
    lin[x > c + w / 2] = 255
    np.testing.assert_array_equal(_core.window(arr, 40, 400, "LINEAR", 0, 255), lin)
    with np.errstate(over="ignore"):
        sig = 1000.0 / (np.exp((x - 10) * -4 / 0.001) + 1) - 5.0
    np.testing.assert_array_equal(_core.window(arr, 10, 0.001, "sigmoid", -5, 995), sig)
    with pytest.raises(ValueError):
        _core.window(arr, 10, 0.5, "LINEAR", 0, 1)
    with pytest.raises(ValueError):
        _core.window(arr, 10, 5, "CUBIC", 0, 1)


def test_render_grey_and_scaling() -> None:
    arr = np.array([[0, 1000], [2000, 4000]], dtype=np.uint16)
    np.testing.assert_array_equal(_core.render_grey(arr), [[0, 64], [128, 255]])
    # 127.5 rounds half to even
    np.testing.assert_array_equal(_core.render_grey(arr, invert=True), [[255, 191], [128, 0]])
    out = _core.render_grey(arr, slope=2.0, intercept=-1000.0, window=(1000.0, 2001.0, "LINEAR"))
    np.testing.assert_array_equal(out, [[0, 128], [255, 255]])
    table = np.arange(4096, dtype=np.uint16)[::-1].copy()
    voi = (table, 0, 4096, 12)
    np.testing.assert_array_equal(_core.render_grey(arr, voi_lut=voi), [[255, 193], [130, 6]])
    assert _core.render_grey(np.zeros((2, 3))).max() == 0
    np.testing.assert_array_equal(
        _core.scale_to_uint8(np.array([0, 2048, 4095], np.uint16), 12), [0, 128, 255]
    )
    same = np.array([3, 200], np.uint8)
    np.testing.assert_array_equal(_core.scale_to_uint8(same, 8), same)


def test_convert_color_space_every_input_equals_pydicom() -> None:
    """All 2**24 RGB triplets both ways: the one Rust conversion (the one pixel_array uses
    for YBR_FULL) is pydicom's to the bit (numpy's float32 matmul, fused multiply-adds)."""
    if os.environ.get("CI", "").lower() != "true":
        pytest.importorskip("pydicom")
    from pydicom.pixels.processing import convert_color_space

    every = np.arange(2**24, dtype=np.uint32)
    rgb = np.stack([every >> 16, (every >> 8) & 255, every & 255], axis=-1).astype(np.uint8)
    rgb = rgb.reshape(4096, 4096, 3)
    for current, desired in (("RGB", "YBR_FULL"), ("YBR_FULL", "RGB")):
        want = convert_color_space(rgb, current, desired)
        got = _core.convert_color_space(rgb, current, desired)
        assert np.array_equal(got, want), (current, desired, int((got != want).sum()))
    frames = rgb[:8].reshape(2, 4, 4096, 3).copy()
    want = convert_color_space(frames, "YBR_FULL_422", "RGB")
    same = _core.convert_color_space(frames, "YBR_FULL_422", "RGB", in_place=True)
    assert same is frames and np.array_equal(frames, want)
    with pytest.raises(NotImplementedError):
        _core.convert_color_space(rgb[:1], "RGB", "YBR_ICT")


def test_palette_and_segments() -> None:
    red = np.array([0, 100, 200], "<u2").tobytes()
    green = np.array([5, 6, 7], ">u2").tobytes()
    table = _core.palette_table(
        [(red, True, False), (green, False, False), None, None], 3, 16, False
    )
    np.testing.assert_array_equal(table, [[0, 5], [100, 6], [200, 7]])
    seg = np.array([0, 2, 10, 20, 1, 2, 40], "<u2").tobytes()
    table = _core.palette_table([(seg, True, False)] * 3, 0, 16, True)
    np.testing.assert_array_equal(table[:, 0], [10, 20, 30, 40])
    assert _core.expand_segmented_lut([0, 2, 10, 20, 1, 2, 40], False, True) == [10, 20, 30, 40]
    with pytest.raises(ValueError):
        _core.palette_table([(red, True, False)], 3, 12, True)


def test_overlay_bits() -> None:
    bits, warning = _core.overlay_bits(b"\x05\x80", 3, 3, 1, False)
    np.testing.assert_array_equal(bits, [1, 0, 1, 0, 0, 0, 0, 0, 0])
    assert warning is None
    swapped, _ = _core.overlay_bits(b"\x80\x05", 3, 3, 1, True)
    np.testing.assert_array_equal(swapped, bits)
    _, warning = _core.overlay_bits(bytes(8), 2, 2, 1, False)
    assert warning is not None and "excess padding" in warning
    with pytest.raises(ValueError):
        _core.overlay_bits(b"\x00", 4, 4, 1, False)


def test_dataset_to_display_and_thumbnail_png() -> None:
    from rs_dicom.png import decode_png

    ds = rs_dicom.dcmread(SAMPLE)
    img = _core.to_display(ds)
    assert img.dtype == np.uint8 and img.shape == (64, 64)
    np.testing.assert_array_equal(_core.to_display(ds, pixels=ds.pixel_array), img)
    np.testing.assert_array_equal(decode_png(_core.thumbnail_png(ds, 64)), img)
    assert decode_png(_core.thumbnail_png(ds, 16)).shape == (16, 16)
    with pytest.raises(IndexError):
        _core.to_display(ds, 1)
    with pytest.raises(AttributeError):
        _core.to_display(rs_dicom.dcmread(SAMPLE, stop_before_pixels=True))
    small = _core.shrink_image(np.full((8, 4, 3), 9, np.uint8), 4, 2.0)
    assert small.shape == (4, 1, 3) and (small == 9).all()
    np.testing.assert_array_equal(
        _core.resample(np.arange(16.0).reshape(4, 4), 2, 2), [[2.5, 4.5], [10.5, 12.5]]
    )
    assert decode_png(_core.encode_png(np.full((3, 5), 7, np.uint16), 1)).dtype == np.uint16
