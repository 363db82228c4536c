"""JPEG decoding (baseline .50, extended .51, lossless .57, lossless SV1 .70) on images generated
here and compressed with DCMTK (`dcmcjpeg`) and GDCM (`gdcmconv`): lossless ones must decode back
to the originals exactly, lossy ones close to the originals (PSNR > 35 dB) and to pydicom +
pylibjpeg-libjpeg's decode (max abs diff ±1 for greyscale; colour data goes through a YBR → RGB
conversion that amplifies the decoders' ±1 chroma rounding, so ±3 there).

The tools are optional locally (tests skip), required when CI=true.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")

import rs_dicom  # noqa: E402
from helpers import reference_tool, run_tool, write_uncompressed  # noqa: E402

BASELINE = "1.2.840.10008.1.2.4.50"
EXTENDED = "1.2.840.10008.1.2.4.51"
LOSSLESS = "1.2.840.10008.1.2.4.57"
SV1 = "1.2.840.10008.1.2.4.70"


_tool = reference_tool


def _image(
    rows: int, cols: int, *, frames: int = 1, spp: int = 1, bits: int = 8, signed: bool = False
) -> np.ndarray:
    """A smooth image with some texture (so lossy coding stays well above 35 dB)."""
    rng = np.random.default_rng(rows * 7 + cols + frames + spp + bits)
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
    planes = []
    for f in range(frames):
        comps = []
        for c in range(spp):
            base = 0.5 + 0.25 * np.sin(x / (9.0 + c + f)) * np.cos(y / (13.0 - c))
            base += 0.15 * (x + y) / (rows + cols)
            comps.append(base)
        planes.append(np.stack(comps, axis=-1))
    img = np.stack(planes)  # frames, rows, cols, spp in [0, 1)
    hi = (1 << bits) - 1
    arr = np.clip(img * hi + rng.normal(0, hi * 0.004, img.shape), 0, hi)
    if signed:
        arr -= 1 << (bits - 1)
    dtype = {(8, False): np.uint8, (8, True): np.int8}.get(
        (8 if bits <= 8 else 16, signed), np.int16 if signed else np.uint16
    )
    arr = np.round(arr).astype(dtype)
    if spp == 1:
        arr = arr[..., 0]
    if frames == 1:
        arr = arr[0]
    return arr


_write = write_uncompressed
_run = run_tool


def _ts(path: Path) -> str:
    return str(pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID)


def _pydicom(path: Path) -> np.ndarray:
    pytest.importorskip("pylibjpeg")
    pytest.importorskip("libjpeg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(path).pixel_array


def _psnr(a: np.ndarray, b: np.ndarray, bits: int) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(((1 << bits) - 1) ** 2 / mse)


# (name, rows, cols, frames, spp, bits, signed)
LOSSLESS_IMAGES = [
    ("grey8", 67, 45, 1, 1, 8, False),
    ("grey12", 64, 80, 1, 1, 12, False),
    ("grey16", 50, 70, 1, 1, 16, False),
    ("grey16s", 50, 70, 1, 1, 16, True),
    ("grey12s", 40, 33, 1, 1, 12, True),
    ("rgb8", 48, 53, 1, 3, 8, False),
    ("rgb12", 21, 26, 1, 3, 12, False),
    ("rgb16", 20, 17, 1, 3, 16, False),
    ("multi8", 32, 40, 3, 1, 8, False),
    ("multi16", 24, 30, 2, 1, 16, False),
]


@pytest.mark.parametrize("sv", [1, 2, 3, 4, 5, 6, 7])
@pytest.mark.parametrize(
    ("name", "rows", "cols", "frames", "spp", "bits", "signed"),
    LOSSLESS_IMAGES,
    ids=[c[0] for c in LOSSLESS_IMAGES],
)
def test_dcmtk_lossless_roundtrip(
    tmp_path: Path,
    sv: int,
    name: str,
    rows: int,
    cols: int,
    frames: int,
    spp: int,
    bits: int,
    signed: bool,
) -> None:
    dcmcjpeg = _tool("dcmcjpeg")
    arr = _image(rows, cols, frames=frames, spp=spp, bits=bits, signed=signed)
    src = _write(tmp_path / f"{name}.dcm", arr, spp=spp, bits=bits, frames=frames)
    dst = tmp_path / f"{name}_sv{sv}.dcm"
    opts = ["+e1"] if sv == 1 else ["+el", "+sv", str(sv)]
    _run([dcmcjpeg, *opts, str(src), str(dst)])
    assert _ts(dst) == (SV1 if sv == 1 else LOSSLESS)
    got = rs_dicom.dcmread(str(dst)).pixel_array
    assert got.dtype == arr.dtype.newbyteorder("=")
    np.testing.assert_array_equal(got, arr)


@pytest.mark.parametrize(
    ("name", "rows", "cols", "frames", "spp", "bits", "signed"),
    [c for c in LOSSLESS_IMAGES if c[0] in ("grey8", "grey16", "grey16s", "rgb8", "multi8")],
    ids=["grey8", "grey16", "grey16s", "rgb8", "multi8"],
)
def test_gdcm_lossless_roundtrip(
    tmp_path: Path,
    name: str,
    rows: int,
    cols: int,
    frames: int,
    spp: int,
    bits: int,
    signed: bool,
) -> None:
    gdcmconv = _tool("gdcmconv")
    arr = _image(rows, cols, frames=frames, spp=spp, bits=bits, signed=signed)
    src = _write(tmp_path / f"{name}.dcm", arr, spp=spp, bits=bits, frames=frames)
    dst = tmp_path / f"{name}_gdcm.dcm"
    _run([gdcmconv, "--jpeg", str(src), str(dst)])
    assert _ts(dst) in (LOSSLESS, SV1)
    got = rs_dicom.dcmread(str(dst)).pixel_array
    np.testing.assert_array_equal(got, arr)


def _sof_table_selectors(path: Path) -> list[int]:
    """The quantisation table selectors (Tq) of the first frame's SOF components."""
    from pydicom.encaps import generate_frames

    ds = pydicom.dcmread(path)
    frame = next(generate_frames(ds.PixelData, number_of_frames=int(ds.get("NumberOfFrames", 1))))
    pos = 2
    while pos + 4 <= len(frame):
        marker = frame[pos + 1]
        length = int.from_bytes(frame[pos + 2 : pos + 4], "big")
        if marker in (0xC3, 0xC7, 0xCB, 0xCF):
            seg = frame[pos + 4 : pos + 2 + length]
            return [seg[6 + 3 * i + 2] for i in range(seg[5])]
        pos += 2 + length
    raise AssertionError("no lossless SOF marker")


# Colour lossless as DCMTK and GDCM write it: a YBR_FULL (or RGB) source, coded without a
# colour transform; for YBR_FULL both tools give the chroma components Tq = 1 (DCMTK with a JFIF
# marker, GDCM without), which a lossless decoder must ignore.
# (name, tool, options, photometric interpretation, frames)
COLOUR_LOSSLESS = [
    ("dcmtk_sv1_ybr", "dcmcjpeg", ["+e1"], "YBR_FULL", 1),
    ("dcmtk_p14_sv1_ybr", "dcmcjpeg", ["+el", "+sv", "1"], "YBR_FULL", 1),
    ("dcmtk_p14_sv6_ybr", "dcmcjpeg", ["+el"], "YBR_FULL", 2),
    ("dcmtk_p14_sv7_ybr", "dcmcjpeg", ["+el", "+sv", "7"], "YBR_FULL", 1),
    ("dcmtk_sv1_rgb", "dcmcjpeg", ["+e1"], "RGB", 2),
    ("dcmtk_p14_sv4_rgb", "dcmcjpeg", ["+el", "+sv", "4"], "RGB", 1),
    ("gdcm_ybr", "gdcmconv", ["--jpeg"], "YBR_FULL", 1),
    ("gdcm_rgb_multi", "gdcmconv", ["-J"], "RGB", 2),
    ("gdcm_rgb", "gdcmconv", ["-J"], "RGB", 1),
]


@pytest.mark.parametrize(
    ("name", "tool", "opts", "pi", "frames"),
    COLOUR_LOSSLESS,
    ids=[c[0] for c in COLOUR_LOSSLESS],
)
def test_colour_lossless_from_dcmtk_and_gdcm(
    tmp_path: Path, name: str, tool: str, opts: list[str], pi: str, frames: int
) -> None:
    exe = _tool(tool)
    arr = _image(37, 45, frames=frames, spp=3, bits=8)
    src = _write(tmp_path / f"{name}_src.dcm", arr, spp=3, bits=8, frames=frames, pi=pi)
    dst = tmp_path / f"{name}.dcm"
    _run([exe, *opts, str(src), str(dst)])
    assert _ts(dst) in (LOSSLESS, SV1)
    if pi == "YBR_FULL":
        # The case that failed ("invalid quantization table index 1"): chroma Tq = 1.
        assert _sof_table_selectors(dst)[1:] == [1, 1]
    ds = rs_dicom.dcmread(str(dst))
    # The components as coded are the uncompressed source's, sample for sample.
    np.testing.assert_array_equal(ds.pixel_data.array(as_rgb=False), arr)
    # pixel_array (YBR_FULL converted to RGB) equals pydicom + pylibjpeg-libjpeg's.
    got = ds.pixel_array
    expected = _pydicom(dst)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
    # ... and pydicom's conversion of the uncompressed source.
    np.testing.assert_array_equal(got, pydicom.dcmread(src).pixel_array)


# (name, dcmcjpeg options, rows, cols, frames, spp, bits, transfer syntax)
LOSSY_CASES = [
    ("baseline_grey8", ["+eb"], 64, 72, 1, 1, 8, BASELINE),
    ("baseline_grey8_odd", ["+eb"], 37, 51, 1, 1, 8, BASELINE),
    ("baseline_multi8", ["+eb"], 40, 48, 3, 1, 8, BASELINE),
    ("extended_grey12", ["+ee"], 64, 72, 1, 1, 12, EXTENDED),
    ("extended_grey8", ["+ee"], 48, 40, 1, 1, 8, EXTENDED),
    ("baseline_rgb422", ["+eb", "+s2"], 64, 72, 1, 3, 8, BASELINE),
    ("baseline_rgb444", ["+eb", "+s4"], 64, 72, 1, 3, 8, BASELINE),
    ("baseline_rgb422full", ["+eb", "+n2"], 50, 62, 1, 3, 8, BASELINE),
    ("baseline_rgb411", ["+eb", "+n1"], 48, 64, 1, 3, 8, BASELINE),
    ("baseline_rgb_as_rgb", ["+eb", "+cr"], 64, 72, 1, 3, 8, BASELINE),
    ("baseline_rgb_multi", ["+eb"], 32, 48, 2, 3, 8, BASELINE),
]


@pytest.mark.parametrize(
    ("name", "opts", "rows", "cols", "frames", "spp", "bits", "ts"),
    LOSSY_CASES,
    ids=[c[0] for c in LOSSY_CASES],
)
def test_dcmtk_lossy(
    tmp_path: Path,
    name: str,
    opts: list[str],
    rows: int,
    cols: int,
    frames: int,
    spp: int,
    bits: int,
    ts: str,
) -> None:
    dcmcjpeg = _tool("dcmcjpeg")
    arr = _image(rows, cols, frames=frames, spp=spp, bits=bits)
    src = _write(tmp_path / f"{name}.dcm", arr, spp=spp, bits=bits, frames=frames)
    dst = tmp_path / f"{name}_jpeg.dcm"
    # +sr: map the full stored range (dcmcjpeg otherwise stretches min..max to the range).
    _run([dcmcjpeg, *opts, "+sr", "+q", "95", str(src), str(dst)])
    assert _ts(dst) == ts
    got = rs_dicom.dcmread(str(dst)).pixel_array
    assert got.shape == arr.shape
    assert got.dtype == arr.dtype.newbyteorder("=")
    assert _psnr(got, arr, bits) > 35
    expected = _pydicom(dst)
    diff = np.abs(got.astype(np.int64) - expected.astype(np.int64)).max()
    assert diff <= (1 if spp == 1 else 3), diff


@pytest.mark.parametrize(("spp", "frames"), [(1, 1), (3, 1), (1, 2)])
def test_gdcm_lossy(tmp_path: Path, spp: int, frames: int) -> None:
    gdcmconv = _tool("gdcmconv")
    arr = _image(56, 60, frames=frames, spp=spp, bits=8)
    src = _write(tmp_path / "src.dcm", arr, spp=spp, bits=8, frames=frames)
    dst = tmp_path / "lossy.dcm"
    _run([gdcmconv, "--jpeg", "--lossy", "-q", "95", str(src), str(dst)])
    assert _ts(dst) in (BASELINE, EXTENDED)
    got = rs_dicom.dcmread(str(dst)).pixel_array
    assert got.shape == arr.shape
    if spp == 3:
        # GDCM keeps Photometric Interpretation RGB but codes YCbCr without a JFIF/Adobe
        # marker; pydicom (and so rs_dicom) return the components as stored, i.e. YCbCr.
        from pydicom.pixels import convert_color_space

        assert _psnr(convert_color_space(got, "YBR_FULL", "RGB"), arr, 8) > 35
    else:
        assert _psnr(got, arr, 8) > 35
    expected = _pydicom(dst)
    diff = np.abs(got.astype(np.int64) - expected.astype(np.int64)).max()
    assert diff <= (1 if spp == 1 else 3), diff


def _jpeg_dataset(tmp_path: Path) -> Path:
    dcmcjpeg = _tool("dcmcjpeg")
    arr = _image(32, 32, bits=8)
    src = _write(tmp_path / "g.dcm", arr, spp=1, bits=8)
    dst = tmp_path / "g_jpeg.dcm"
    _run([dcmcjpeg, "+eb", str(src), str(dst)])
    return dst


def _corrupt(path: Path, out: Path, mutate) -> Path:
    ds = pydicom.dcmread(path)
    from pydicom.encaps import encapsulate, generate_frames

    frame = bytearray(next(generate_frames(ds.PixelData, number_of_frames=1)))
    ds.PixelData = encapsulate([bytes(mutate(frame))])
    ds.save_as(out)
    return out


@pytest.mark.parametrize(
    "mutate",
    [
        lambda f: f[: len(f) // 2],  # truncated scan
        lambda f: f[:20],  # truncated header
        lambda f: b"\x00" * len(f),  # no SOI
        lambda f: f.replace(
            b"\xff\xc0\x00\x0b\x08\x00\x20", b"\xff\xc0\x00\x0b\x08\x00\x40"
        ),  # rows
        lambda f: f.replace(b"\xff\xc0\x00\x0b\x08", b"\xff\xc0\x00\x0b\x0c"),  # precision
        lambda f: f[:200] + bytes(range(256)) * 4 + f[200:],  # garbage in the scan
    ],
    ids=["truncated", "header-only", "no-soi", "wrong-rows", "wrong-precision", "garbage"],
)
def test_corrupt_streams_fail_cleanly(tmp_path: Path, mutate) -> None:
    src = _jpeg_dataset(tmp_path)
    bad = _corrupt(src, tmp_path / "bad.dcm", mutate)
    try:
        arr = rs_dicom.dcmread(str(bad)).pixel_array
    except rs_dicom.DicomError:
        return
    # libjpeg tolerates some damage (warnings): then the frame must still have the right shape.
    assert arr.shape == (32, 32)


def test_mismatched_samples_per_pixel_is_an_error(tmp_path: Path) -> None:
    src = _jpeg_dataset(tmp_path)
    ds = pydicom.dcmread(src)
    ds.SamplesPerPixel = 3
    ds.PhotometricInterpretation = "RGB"
    ds.PlanarConfiguration = 0
    ds.save_as(tmp_path / "spp.dcm")
    with pytest.raises(rs_dicom.DicomError):
        _ = rs_dicom.dcmread(str(tmp_path / "spp.dcm")).pixel_array


@pytest.mark.parametrize(
    ("opts", "wrong_pi"),
    [
        (["+eb"], "RGB"),  # JFIF YCbCr stream labelled RGB: pydicom treats it as YBR_FULL_422
        (["+eb", "+cr"], "YBR_FULL"),  # 'R','G','B' component IDs labelled YBR: treated as RGB
    ],
    ids=["jfif-labelled-rgb", "rgb-ids-labelled-ybr"],
)
def test_colorspace_conformed_like_pydicom(tmp_path: Path, opts: list[str], wrong_pi: str) -> None:
    dcmcjpeg = _tool("dcmcjpeg")
    arr = _image(40, 48, spp=3, bits=8)
    src = _write(tmp_path / "rgb.dcm", arr, spp=3, bits=8)
    dst = tmp_path / "jpeg.dcm"
    _run([dcmcjpeg, *opts, "+q", "95", str(src), str(dst)])
    ds = pydicom.dcmread(dst)
    ds.PhotometricInterpretation = wrong_pi
    ds.save_as(tmp_path / "wrong.dcm")
    got = rs_dicom.dcmread(str(tmp_path / "wrong.dcm")).pixel_array
    expected = _pydicom(tmp_path / "wrong.dcm")
    assert np.abs(got.astype(np.int64) - expected.astype(np.int64)).max() <= 3
    # Both end up RGB, close to the original.
    assert _psnr(got, arr, 8) > 35
