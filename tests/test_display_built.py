"""rs_dicom.display on hand-built files (written by pydicom, read by rs_dicom), checked against
pydicom's functions: SIGMOID, LINEAR_EXACT, LUT byte orders, segmented palettes, MONOCHROME1,
overlays, colour conversion and to_display."""

from __future__ import annotations

import io
import os
import warnings
from typing import Any

import numpy as np
import pytest

if os.environ.get("CI", "").lower() != "true":
    pytest.importorskip("pydicom")

import pydicom  # noqa: E402
import rs_dicom  # noqa: E402
from display_oracle import check as _check  # noqa: E402
from display_oracle import same as _same  # noqa: E402
from pydicom.dataset import Dataset as PDataset  # noqa: E402
from pydicom.dataset import FileMetaDataset  # noqa: E402
from pydicom.overlays import get_overlay_array  # noqa: E402
from pydicom.pixels import processing as pp  # noqa: E402
from pydicom.uid import (  # noqa: E402
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)
from rs_dicom import display  # noqa: E402

# --------------------------------------------------------------------------------------------
# Hand-built datasets: written by pydicom, read back by rs_dicom


def _build(
    tsyntax: str = ExplicitVRLittleEndian, pixels: np.ndarray | None = None, **elements: Any
) -> tuple[Any, Any]:
    """(pydicom dataset, rs_dicom dataset) of a small image with `elements` set."""
    ds = PDataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = tsyntax
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3.4"
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.SOPInstanceUID = "1.2.3.4"
    ds.Rows, ds.Columns = 4, 4
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    for keyword, value in elements.items():
        setattr(ds, keyword, value)
    if pixels is not None:
        ds.Rows, ds.Columns = pixels.shape[-2:]
        order = ">" if tsyntax == ExplicitVRBigEndian else "<"
        ds.PixelData = pixels.astype(pixels.dtype.newbyteorder(order)).tobytes()
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds.save_as(buf, enforce_file_format=True)
    raw = buf.getvalue()
    return pydicom.dcmread(io.BytesIO(raw)), rs_dicom.dcmread(raw)


def _lut_item(desc: list[int], data: Any, vr: str = "OW", order: str = "<", **kw: Any) -> Any:
    item = PDataset()
    item.add_new(0x00283002, "SS" if desc[1] < 0 else "US", desc)
    if vr == "OW":
        item.add_new(0x00283006, "OW", np.asarray(data, dtype=f"{order}u2").tobytes())
    else:
        item.add_new(0x00283006, "US", [int(v) for v in data])
    for k, v in kw.items():
        setattr(item, k, v)
    return item


RAMP = np.arange(-40, 4200, 37).astype(np.int64)


@pytest.mark.parametrize(
    "function,center,width",
    [
        ("LINEAR", 1024, 1),
        ("LINEAR", 1024, 2),
        ("LINEAR", 2000.5, 511),
        ("LINEAR", 2000, 0.5),
        ("LINEAR_EXACT", 2000, 511),
        ("LINEAR_EXACT", 100, 0.25),
        ("LINEAR_EXACT", 100, 0),
        ("SIGMOID", 2048, 1000),
        ("SIGMOID", 10, 0.001),  # exp overflows
        ("SIGMOID", 10, -1),
        ("BOGUS", 10, 10),
    ],
)
@pytest.mark.parametrize("signed", [0, 1])
def test_windowing_functions(function: str, center: float, width: float, signed: int) -> None:
    pds, rds = _build(
        PixelRepresentation=signed,
        VOILUTFunction=function,
        WindowCenter=[center, 300],
        WindowWidth=[width, 600],
        RescaleSlope=2,
        RescaleIntercept=-1024,
    )
    arr = RAMP.astype(np.int16 if signed else np.uint16)
    for index in (0, 1):
        _check(
            display.apply_windowing,
            arr,
            rds,
            index,
            oracle=pp.apply_windowing,
            oracle_args=(arr, pds, index),
        )
        _check(
            display.apply_voi_lut,
            arr,
            rds,
            index,
            oracle=pp.apply_voi_lut,
            oracle_args=(arr, pds, index),
        )


def test_windowing_single_value_ignores_index() -> None:
    pds, rds = _build(WindowCenter=100, WindowWidth=50)
    arr = RAMP.astype(np.uint16)
    _same(display.apply_windowing(arr, rds, 3), pp.apply_windowing(arr, pds, 3))


def test_windowing_needs_monochrome() -> None:
    _, rds = _build(PhotometricInterpretation="RGB", WindowCenter=100, WindowWidth=50)
    with pytest.raises(ValueError):
        display.apply_windowing(RAMP, rds)
    _, rds = _build()
    assert display.apply_windowing(RAMP, rds) is RAMP
    assert display.apply_voi_lut(RAMP, rds) is RAMP
    assert display.apply_voi(RAMP, rds) is RAMP
    assert display.apply_modality_lut(RAMP, rds) is RAMP


@pytest.mark.parametrize("tsyntax", [ExplicitVRLittleEndian, ExplicitVRBigEndian])
@pytest.mark.parametrize("vr", ["OW", "US"])
@pytest.mark.parametrize("first_map", [0, 100, -2048])
def test_modality_lut_sequence(tsyntax: str, vr: str, first_map: int) -> None:
    order = ">" if tsyntax == ExplicitVRBigEndian else "<"
    signed = int(first_map < 0)
    table = (np.arange(300) * 211 + 7) % 65536
    item = _lut_item([300, first_map, 16], table, vr, order, ModalityLUTType="HU")
    pds, rds = _build(
        tsyntax,
        PixelRepresentation=signed,
        ModalityLUTSequence=[item],
        RescaleSlope=3,  # ignored: the LUT wins
        RescaleIntercept=1,
        WindowCenter=40000,
        WindowWidth=20000,
    )
    arr = np.arange(-2100 if signed else 0, 500, 7).astype(np.int16 if signed else np.uint16)
    _check(
        display.apply_modality_lut, arr, rds, oracle=pp.apply_modality_lut, oracle_args=(arr, pds)
    )
    out = display.apply_modality_lut(arr, rds)
    _check(display.apply_windowing, out, rds, oracle=pp.apply_windowing, oracle_args=(out, pds))
    assert display.rescale_type(rds) == "HU"


def test_modality_lut_implicit_vr_signed_first_map() -> None:
    """Implicit VR: rs_dicom reports LUT Descriptor as US; Pixel Representation 1 makes the
    first mapped value signed, as pydicom resolves the "US or SS" VR."""
    table = np.arange(4096) * 3
    item = _lut_item([4096, -2048, 16], table)
    pds, rds = _build(ImplicitVRLittleEndian, PixelRepresentation=1, ModalityLUTSequence=[item])
    assert rds.ModalityLUTSequence[0].LUTDescriptor[1] in (-2048, 63488)
    arr = np.arange(-3000, 3000, 13).astype(np.int16)
    _check(
        display.apply_modality_lut, arr, rds, oracle=pp.apply_modality_lut, oracle_args=(arr, pds)
    )


def test_modality_lut_8bit_entries() -> None:
    # one 8-bit entry per 16-bit word (pydicom's reading)
    table = np.arange(256)[::-1]
    pds, rds = _build(ModalityLUTSequence=[_lut_item([256, 0, 8], table)])
    arr = np.arange(0, 400, 3).astype(np.uint16)
    _check(
        display.apply_modality_lut, arr, rds, oracle=pp.apply_modality_lut, oracle_args=(arr, pds)
    )
    assert display.apply_modality_lut(arr, rds).dtype == np.uint8
    # packed two per word, low byte first (pydicom cannot read these)
    for tsyntax, order in ((ExplicitVRLittleEndian, "<"), (ExplicitVRBigEndian, ">")):
        packed = (table[1::2] << 8 | table[0::2]).astype(f"{order}u2").tobytes()
        item = PDataset()
        item.LUTDescriptor = [256, 0, 8]
        item.add_new(0x00283006, "OW", packed)
        _, rds = _build(tsyntax, ModalityLUTSequence=[item])
        _same(display.apply_modality_lut(arr, rds), table[np.clip(arr, 0, 255)].astype(np.uint8))


@pytest.mark.parametrize("tsyntax", [ExplicitVRLittleEndian, ExplicitVRBigEndian])
@pytest.mark.parametrize("bits", [8, 12, 16])
def test_voi_lut_sequence(tsyntax: str, bits: int) -> None:
    order = ">" if tsyntax == ExplicitVRBigEndian else "<"
    n = 200
    table = (np.arange(n) * 7) % (2**bits)
    items = [
        _lut_item([n, 10, bits], table, "OW", order),
        _lut_item([n, -5, bits], table[::-1], "US"),
    ]
    pds, rds = _build(tsyntax, VOILUTSequence=items, WindowCenter=[50, 60], WindowWidth=[20, 30])
    # int16: pydicom's ``arr - first_map`` overflows for uint16 input and a negative first
    # mapped value; below 250: pydicom's uint8 index array wraps past 255
    arr = np.arange(0, 250, 3).astype(np.int16)
    for index in (0, 1):
        for prefer_lut in (True, False):
            _check(
                display.apply_voi_lut,
                arr,
                rds,
                index,
                prefer_lut,
                oracle=pp.apply_voi_lut,
                oracle_args=(arr, pds, index, prefer_lut),
            )
        _check(
            display.apply_voi, arr, rds, index, oracle=pp.apply_voi, oracle_args=(arr, pds, index)
        )
    farr = arr.astype(np.float64) + 0.75  # truncated to an index, as pydicom
    _check(display.apply_voi, farr, rds, oracle=pp.apply_voi, oracle_args=(farr, pds))
    img = display.to_display(arr.reshape(-1, 1)[:80].reshape(8, 10), ds=rds)
    assert img.dtype == np.uint8


def test_voi_lut_unsupported_depth() -> None:
    pds, rds = _build(VOILUTSequence=[_lut_item([4, 0, 9], [1, 2, 3, 4])])
    with pytest.raises(NotImplementedError):
        display.apply_voi(RAMP, rds)


def _segmented(order: str, bits: int) -> bytes:
    """Discrete, linear (up, down, flat) and indirect segments; an indirect segment that
    starts with a linear one continues from the last value."""
    dt = f"{order}u{bits // 8}"
    head = [0, 4, 10, 20, 30, 40, 1, 10, 200, 1, 5, 100, 1, 3, 100]
    if bits == 8:
        # offset 0 as 4 bytes (pydicom's 8-bit indirect layout)
        off = [0, 0, 0, 0]
        segs = head + [2, 2, *off, 0, 2, 7, 7]
    else:
        segs = head + [2, 2, 0, 0, 1, 6, 30000, 0, 2, 7, 7]
    return np.asarray(segs, dtype=dt).tobytes()


@pytest.mark.parametrize("tsyntax", [ExplicitVRLittleEndian, ExplicitVRBigEndian])
@pytest.mark.parametrize("bits", [8, 16])
def test_segmented_palette(tsyntax: str, bits: int) -> None:
    order = ">" if tsyntax == ExplicitVRBigEndian else "<"
    data = _segmented(order, bits)
    elements: dict[str, Any] = {
        "PhotometricInterpretation": "PALETTE COLOR",
        "BitsAllocated": 8,
        "BitsStored": 8,
        "HighBit": 7,
    }
    pds, rds = _build(tsyntax, **elements)
    for colour in ("Red", "Green", "Blue"):
        for target in (pds,):
            target[f"{colour}PaletteColorLookupTableDescriptor"] = pydicom.DataElement(
                0x00281101 + ("Red", "Green", "Blue").index(colour), "US", [0, 5, bits]
            )
            target.add_new(0x00281221 + ("Red", "Green", "Blue").index(colour), "OW", data)
    buf = io.BytesIO()
    pds.save_as(buf, enforce_file_format=True)
    pds = pydicom.dcmread(io.BytesIO(buf.getvalue()))
    rds = rs_dicom.dcmread(buf.getvalue())
    arr = np.arange(0, 40).astype(np.uint8).reshape(4, 10)  # first mapped value 5: 35 entries
    _check(display.apply_color_lut, arr, rds, oracle=pp.apply_color_lut, oracle_args=(arr, pds))
    img = display.to_display(arr, ds=rds)
    assert img.shape == (4, 10, 3) and img.dtype == np.uint8


def test_segmented_palette_errors() -> None:
    with pytest.raises(ValueError):
        display._expand_segmented_lut([1, 3, 5], False, True)  # linear first
    with pytest.raises(ValueError):
        display._expand_segmented_lut([2, 1, 0, 0], False, True)  # indirect first
    with pytest.raises(ValueError):
        display._expand_segmented_lut([7, 1, 0], False, True)  # unknown opcode
    with pytest.raises(ValueError):  # an indirect segment that points at itself
        display._expand_segmented_lut([0, 1, 5, 2, 1, 3, 0], False, True)
    with pytest.raises(ValueError):  # expands past 2**16 entries
        display._expand_segmented_lut([0, 1, 0] + [1, 65535, 9] * 3, False, True)


@pytest.mark.parametrize("tsyntax", [ExplicitVRLittleEndian, ExplicitVRBigEndian])
@pytest.mark.parametrize("bits", [8, 16])
def test_palette_lut_data(tsyntax: str, bits: int) -> None:
    """Plain palettes with 8-bit (packed) and 16-bit entries, first mapped value 3, alpha."""
    order = ">" if tsyntax == ExplicitVRBigEndian else "<"
    n = 10
    elements: dict[str, Any] = {"PhotometricInterpretation": "PALETTE COLOR"}
    pds, _ = _build(tsyntax, **elements)
    for i, colour in enumerate(("Red", "Green", "Blue", "Alpha")):
        values = (np.arange(n) * (i + 3) * (1 if bits == 8 else 997)) % (2**bits)
        if bits == 8:
            raw = values.astype(np.uint8)
            if order == ">":
                raw = raw.reshape(-1, 2)[:, ::-1]
            data = raw.tobytes()
        else:
            data = values.astype(f"{order}u2").tobytes()
        if colour != "Alpha":
            pds.add_new(0x00281101 + i, "US", [n, 3, bits])
        pds.add_new(0x00281201 + i if colour != "Alpha" else 0x00281204, "OW", data)
    buf = io.BytesIO()
    pds.save_as(buf, enforce_file_format=True)
    rds = rs_dicom.dcmread(buf.getvalue())
    arr = np.arange(0, 16).astype(np.uint16).reshape(4, 4)
    ours = display.apply_color_lut(arr, rds)
    assert ours.shape == (4, 4, 4) and ours.dtype == (np.uint8 if bits == 8 else np.uint16)
    little = pydicom.dcmread(io.BytesIO(buf.getvalue()))
    if order == ">":  # pydicom reads palette data as little endian: give it that
        for i in range(4):
            tag = 0x00281201 + i if i < 3 else 0x00281204
            v = np.frombuffer(little[tag].value, np.uint8 if bits == 8 else ">u2")
            v = v.reshape(-1, 2)[:, ::-1].ravel() if bits == 8 else v.astype("<u2")
            little[tag].value = v.tobytes()
    _same(ours, pp.apply_color_lut(arr, little))


def test_color_lut_errors() -> None:
    with pytest.raises(ValueError):
        display.apply_color_lut(RAMP)
    with pytest.raises(ValueError):
        display.apply_color_lut(RAMP, palette="NOT_A_PALETTE")
    with pytest.raises(NotImplementedError):
        display.apply_color_lut(RAMP, palette="1.2.840.10008.1.5.1")
    _, rds = _build()
    with pytest.raises(ValueError):
        display.apply_color_lut(RAMP, rds)


def test_monochrome1() -> None:
    arr = np.array([[0, 1], [4094, 4095]], dtype=np.uint16)
    _, rds = _build(PhotometricInterpretation="MONOCHROME1")
    _same(display.invert_monochrome1(arr, rds), np.array([[4095, 4094], [1, 0]], np.uint16))
    _same(display.invert_monochrome1(arr.astype(float), rds, (0, 255)), 255 - arr.astype(float))
    _, signed = _build(PhotometricInterpretation="MONOCHROME1", PixelRepresentation=1)
    sarr = np.array([-2048, 0, 2047], dtype=np.int16)
    _same(display.invert_monochrome1(sarr, signed), np.array([2047, -1, -2048], np.int16))
    _, mono2 = _build()
    assert display.invert_monochrome1(arr, mono2) is arr
    # to_display: lowest value shows white; same picture as MONOCHROME2 inverted
    img1 = display.to_display(arr, ds=rds)
    img2 = display.to_display(arr, ds=mono2)
    _same(img1, 255 - img2)
    assert img1[0, 0] == 255 and img1[1, 1] == 0
    _, win1 = _build(PhotometricInterpretation="MONOCHROME1", WindowCenter=2048, WindowWidth=4096)
    assert display.to_display(arr, ds=win1)[0, 0] == 255


def test_presentation_lut() -> None:
    arr = np.arange(16, dtype=np.uint16).reshape(4, 4) * 100
    item = _lut_item([256, 0, 10], (np.arange(256) * 3) | 0xF000)
    pds, rds = _build(PresentationLUTSequence=[item])
    _check(
        display.apply_presentation_lut,
        arr,
        rds,
        oracle=pp.apply_presentation_lut,
        oracle_args=(arr, pds),
    )
    for shape in ("INVERSE", "IDENTITY", "BOGUS"):
        pds, rds = _build(PresentationLUTShape=shape)
        _check(
            display.apply_presentation_lut,
            arr,
            rds,
            oracle=pp.apply_presentation_lut,
            oracle_args=(arr, pds),
        )


def _overlay_ds(tsyntax: str, frames: int, odd: bool = False) -> tuple[Any, Any, np.ndarray]:
    rng = np.random.default_rng(7)
    bitmap = rng.integers(0, 2, size=(frames, 5, 7), dtype=np.uint8)
    packed = np.packbits(bitmap.ravel(), bitorder="little")
    if len(packed) % 2 and not odd:
        packed = np.append(packed, np.uint8(0))
    pds, _ = _build(tsyntax)
    pds.add_new(0x60020010, "US", 5)
    pds.add_new(0x60020011, "US", 7)
    pds.add_new(0x60020015, "IS", frames)
    pds.add_new(0x60020050, "SS", [2, -1])
    pds.add_new(0x60020051, "US", 2)
    pds.add_new(0x60020100, "US", 1)
    pds.add_new(0x60020102, "US", 0)
    data = packed.tobytes()
    if tsyntax == ExplicitVRBigEndian:  # OW words in big endian byte order
        data = np.frombuffer(data + b"\0" * (len(data) % 2), "<u2").astype(">u2").tobytes()
    pds.add_new(0x60023000, "OW" if not odd else "OB", data)
    buf = io.BytesIO()
    pds.save_as(buf, enforce_file_format=True)
    return pds, rs_dicom.dcmread(buf.getvalue()), bitmap


@pytest.mark.parametrize("frames", [1, 3])
def test_overlay_hand_built(frames: int) -> None:
    pds, rds, bitmap = _overlay_ds(ExplicitVRLittleEndian, frames)
    assert display.overlay_groups(rds) == [0x6002]
    expected = bitmap[0] if frames == 1 else bitmap
    _same(display.overlay_array(rds, 0x6002), expected)
    _same(display.overlay_array(rds, 0x6002), get_overlay_array(pds, 0x6002))
    # big endian OW: byte-swapped back per word (pydicom's handler reads the bytes as they are)
    _, rbe, _ = _overlay_ds(ExplicitVRBigEndian, frames)
    _same(display.overlay_array(rbe, 0x6002), expected)
    # placed on the 4x4 image at origin (2, -1), overlay frame 0 on image frame 1
    mask = display.overlay_mask(rds, 0x6002, frame=1)
    want = np.zeros((4, 4), dtype=bool)
    want[1:4, 0:4] = expected.reshape(-1, 5, 7)[0][0:3, 2:6] != 0
    _same(mask, want)
    if frames > 1:
        assert not display.overlay_mask(rds, 0x6002, frame=0).any()
    with pytest.raises(ValueError):
        display.overlay_array(rds, 0x5000)
    with pytest.raises(AttributeError):
        display.overlay_array(rds, 0x6000)


def test_overlay_odd_length() -> None:
    pds, _, bitmap = _overlay_ds(ExplicitVRLittleEndian, 1, odd=True)
    pds[0x60023000].value = pds[0x60023000].value[:5]  # 35 bits: 5 bytes, no padding byte
    with pytest.warns(UserWarning):
        ours = display.overlay_array(pds, 0x6002)
    _same(ours, bitmap[0])
    pds[0x60023000].value += b"\0\0\0"  # excess padding
    with pytest.warns(UserWarning):
        _same(display.overlay_array(pds, 0x6002), bitmap[0])
    pds[0x60023000].value = b"\0\0"  # too short
    with pytest.raises(ValueError):
        display.overlay_array(pds, 0x6002)


def test_convert_color_space_hand_built() -> None:
    rng = np.random.default_rng(3)
    arr = rng.integers(0, 256, size=(2, 8, 9, 3), dtype=np.uint8)
    for cur, want in (("RGB", "YBR_FULL"), ("YBR_FULL", "RGB"), ("YBR_FULL_422", "YBR_FULL")):
        _same(display.convert_color_space(arr, cur, want), pp.convert_color_space(arr, cur, want))
    with pytest.raises(ValueError):
        display.convert_color_space(arr.astype(np.uint16), "RGB", "YBR_FULL")
    with pytest.raises(NotImplementedError):
        display.convert_color_space(arr, "RGB", "YBR_ICT")
    # to_display converts arrays that still hold YBR when told so
    _, rds = _build(
        PhotometricInterpretation="YBR_FULL",
        SamplesPerPixel=3,
        BitsAllocated=8,
        BitsStored=8,
        HighBit=7,
    )
    ybr = display.convert_color_space(arr[0], "RGB", "YBR_FULL")
    _same(
        display.to_display(ybr, ds=rds, ybr_input=True),
        pp.convert_color_space(ybr, "YBR_FULL", "RGB"),
    )
    _same(display.to_display(ybr, ds=rds), ybr)


def test_to_display_defaults() -> None:
    arr = np.arange(16, dtype=np.uint16).reshape(4, 4) * 1000
    # no metadata: min..max
    img = display.to_display(arr)
    assert img.dtype == np.uint8 and img.min() == 0 and img.max() == 255
    assert display.to_display(np.zeros((3, 3))).max() == 0
    # explicit window beats the file's
    _, rds = _build(WindowCenter=100, WindowWidth=10)
    assert (display.to_display(arr, ds=rds)[0, 1:] == 255).all()
    img = display.to_display(arr, ds=rds, window=(8000, 16000))
    assert 120 <= img[2, 0] <= 135 and img[0, 0] == 0
    # bad file window (LINEAR width < 1): the data range instead
    _, bad = _build(WindowCenter=100, WindowWidth=0)
    _same(display.to_display(arr, ds=bad), display.to_display(arr))
    # multi-frame: frame selection
    stack = np.stack([arr, arr[::-1]])
    _, mf = _build(NumberOfFrames=2)
    _same(display.to_display(stack, frame=1, ds=mf), display.to_display(arr[::-1], ds=mf))
    # 16-bit RGB scaled by Bits Stored
    rgb = np.full((2, 2, 3), 4095, dtype=np.uint16)
    _, c16 = _build(PhotometricInterpretation="RGB", SamplesPerPixel=3)
    assert (display.to_display(rgb, ds=c16) == 255).all()
    assert display.to_display(rgb).dtype == np.uint8


def test_to_display_functional_groups() -> None:
    """Enhanced multi-frame: per-frame Pixel Value Transformation and Frame VOI LUT."""
    frames = []
    for slope in (1, 2):
        pvt = PDataset()
        pvt.RescaleSlope, pvt.RescaleIntercept, pvt.RescaleType = slope, 0, "US"
        voi = PDataset()
        voi.WindowCenter, voi.WindowWidth = 1000 * slope, 2000 * slope
        fg = PDataset()
        fg.PixelValueTransformationSequence = [pvt]
        fg.FrameVOILUTSequence = [voi]
        frames.append(fg)
    _, rds = _build(NumberOfFrames=2, PerFrameFunctionalGroupsSequence=frames)
    arr = np.full((2, 4, 4), 1000, dtype=np.uint16)
    assert abs(int(display.to_display(arr, 0, ds=rds)[0, 0]) - 128) <= 1
    # frame 1: 1000 * 2 = 2000 in a window of 2000 ± 2000
    assert abs(int(display.to_display(arr, 1, ds=rds)[0, 0]) - 128) <= 1
