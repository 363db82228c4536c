"""Planar Configuration 1 on compressed pixel data: the codestream defines the layout.

JPEG, JPEG-LS, JPEG 2000 and HTJ2K codestreams carry their components in their own
arrangement, so the dataset's (0028,0006) Planar Configuration says nothing about the decoded
samples, which must come out interleaved whatever it is (as DCMTK's and GDCM's decoders give
them). Files labelled 1 are common: pydicom's ``compress`` keeps the 1 of a planar source (with
pylibjpeg-openjpeg), and other writers copy it from the uncompressed source.

The sources are colour images written plane by plane (Planar Configuration 1) with pydicom;
they are compressed by DCMTK (``dcmcjpeg``, ``dcmcjpls``), GDCM (``gdcmconv``), OpenJPH
(``ojph_compress``) and pydicom + pylibjpeg-openjpeg, and labelled Planar Configuration 1.
Every pixel is compared with the uncompressed source (lossless), with DCMTK's or GDCM's own
decompression of the same file, and with pydicom + pylibjpeg's decode of the codestreams.
pydicom 3.0.2 reshapes JPEG and JPEG 2000 output by the dataset's Planar Configuration (it
scrambles these files), so its decode is taken with the attribute reset to 0: the layout the
codestream defines.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")

import rs_dicom  # noqa: E402
from helpers import reference_tool, run_tool, write_uncompressed  # noqa: E402
from pydicom.encaps import encapsulate  # noqa: E402
from pydicom.uid import (  # noqa: E402
    JPEG2000,
    HTJ2KLossless,
    JPEG2000Lossless,
)

HTJ2K = "1.2.840.10008.1.2.4.203"


def _image(frames: int, rows: int = 37, cols: int = 45) -> np.ndarray:
    """Smooth colour frames with some noise (frames, rows, cols, 3), distinct per channel so
    that a planar/interleaved mix-up cannot go unnoticed."""
    rng = np.random.default_rng(frames)
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
    out = []
    for f in range(frames):
        chans = [
            0.5 + 0.3 * np.sin(x / (6.0 + c + f)) * np.cos(y / (9.0 - 2 * c)) + 0.05 * c
            for c in range(3)
        ]
        out.append(np.stack(chans, axis=-1))
    arr = np.clip(np.stack(out) * 255 + rng.normal(0, 1.5, (frames, rows, cols, 3)), 0, 255)
    return np.round(arr).astype(np.uint8)


def _source(path: Path, arr: np.ndarray, pi: str, planar: bool = True) -> Path:
    """An uncompressed file storing `arr` (frames, rows, cols, 3) plane by plane (Planar
    Configuration 1), or pixel by pixel (0) when not `planar`."""
    frames = arr.shape[0]
    pixels = arr if frames > 1 else arr[0]
    return write_uncompressed(path, pixels, spp=3, bits=8, frames=frames, pi=pi, planar=planar)


_run = run_tool


def _label_planar(path: Path) -> Path:
    """Sets Planar Configuration 1 on a compressed file (the tools write 0)."""
    ds = pydicom.dcmread(path)
    ds.PlanarConfiguration = 1
    ds.save_as(path)
    return path


def _pydicom(path: Path, as_rgb: bool) -> np.ndarray:
    """pydicom + pylibjpeg's decode of the codestreams, in the layout they define."""
    pytest.importorskip("pylibjpeg")
    ds = pydicom.dcmread(path)
    ds.PlanarConfiguration = 0
    ds.pixel_array_options(as_rgb=as_rgb)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ds.pixel_array


def _decompressed_by_tool(path: Path, tmp_path: Path) -> np.ndarray:
    """The peer's own decompression of `path` (DCMTK for JPEG and JPEG-LS, GDCM for JPEG 2000),
    read back as pydicom reads uncompressed data."""
    ts = str(pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID)
    out = tmp_path / "decompressed.dcm"
    if ts.startswith("1.2.840.10008.1.2.4.8"):
        _run([reference_tool("dcmdjpls"), str(path), str(out)])
    elif ts in ("1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.50"):
        _run([reference_tool("dcmdjpeg"), "+cn", str(path), str(out)])
    else:
        _run([reference_tool("gdcmconv"), "--raw", str(path), str(out)])
    ds = pydicom.dcmread(out)
    assert not ds.file_meta.TransferSyntaxUID.is_compressed
    ds.pixel_array_options(as_rgb=False)
    return ds.pixel_array


def _check(path: Path, src: Path, tmp_path: Path, *, lossless: bool, peer: bool) -> None:
    """rs_dicom's decode of `path` (labelled Planar Configuration 1) against the uncompressed
    `src` (exact when lossless), pydicom's decode of the codestreams (exact, but for lossy JPEG
    where pylibjpeg-libjpeg and libjpeg-turbo differ by a few levels) and, with `peer`, DCMTK's
    or GDCM's decompression."""
    assert pydicom.dcmread(path, stop_before_pixels=True).PlanarConfiguration == 1
    source = pydicom.dcmread(src)
    ds = rs_dicom.dcmread(str(path))
    raw, rgb = ds.pixel_data.array(as_rgb=False), ds.pixel_array
    if lossless:
        source.pixel_array_options(as_rgb=False)
        np.testing.assert_array_equal(raw, source.pixel_array)
    source.pixel_array_options(as_rgb=True)
    err = np.abs(rgb.astype(np.int64) - source.pixel_array.astype(np.int64))
    assert err.mean() < (1e-9 if lossless else 2.5) and err.max() < 40, (err.mean(), err.max())
    jpeg_lossy = str(ds.transfer_syntax_uid) in ("1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51")
    for got, want in ((raw, _pydicom(path, as_rgb=False)), (rgb, _pydicom(path, as_rgb=True))):
        assert got.shape == want.shape
        diff = np.abs(got.astype(np.int64) - want.astype(np.int64)).max()
        assert diff <= (3 if jpeg_lossy else 0), diff
    frames = int(source.get("NumberOfFrames", 1))
    if frames > 1:
        np.testing.assert_array_equal(ds.pixel_data.frame(1, as_rgb=False), raw[1])
    if peer:
        np.testing.assert_array_equal(raw, _decompressed_by_tool(path, tmp_path).reshape(raw.shape))


# (name, compressor, options, photometric interpretation, frames, lossless, check the peer).
# dcmcjpeg (DCMTK 3.6.7) codes a multi-frame planar source as if its planes spanned all frames
# (every decoder then agrees on pixels that differ from the source), so its sources have one
# frame; the other tools handle multi-frame planar sources.
TOOL_CASES = [
    ("jpeg_p14_dcmtk", "dcmcjpeg", ["+el"], "RGB", 1, True, True),
    ("jpeg_sv1_dcmtk_ybr", "dcmcjpeg", ["+e1"], "YBR_FULL", 1, True, True),
    ("jpeg_sv1_gdcm", "gdcmconv", ["-J"], "RGB", 1, True, True),
    ("jpeg_baseline_dcmtk", "dcmcjpeg", ["+eb", "+s4", "+q", "95"], "RGB", 1, False, False),
    ("jpeg_sv1_gdcm_multi", "gdcmconv", ["-J"], "RGB", 2, True, True),
    ("jpegls_dcmtk_ilv_none", "dcmcjpls", ["+in"], "RGB", 2, True, True),
    ("jpegls_dcmtk_ilv_line", "dcmcjpls", ["+il"], "RGB", 1, True, True),
    ("jpegls_gdcm", "gdcmconv", ["-L"], "RGB", 1, True, True),
    ("j2k_gdcm", "gdcmconv", ["--j2k"], "RGB", 2, True, True),
    ("j2k_gdcm_ybr", "gdcmconv", ["--j2k"], "YBR_FULL", 1, True, True),
]


@pytest.mark.parametrize(
    ("name", "tool", "opts", "pi", "frames", "lossless", "peer"),
    TOOL_CASES,
    ids=[c[0] for c in TOOL_CASES],
)
def test_planar_configuration_1_from_dcmtk_and_gdcm(
    tmp_path: Path,
    name: str,
    tool: str,
    opts: list[str],
    pi: str,
    frames: int,
    lossless: bool,
    peer: bool,
) -> None:
    src = _source(tmp_path / f"{name}_src.dcm", _image(frames), pi)
    dst = tmp_path / f"{name}.dcm"
    _run([reference_tool(tool), *opts, str(src), str(dst)])
    _check(_label_planar(dst), src, tmp_path, lossless=lossless, peer=peer)


@pytest.mark.parametrize(
    ("uid", "kwargs", "pi", "frames", "lossless"),
    [
        (JPEG2000Lossless, {}, "RGB", 2, True),
        (JPEG2000Lossless, {}, "YBR_FULL", 1, True),
        (JPEG2000, {"j2k_cr": [8]}, "RGB", 2, False),
        (JPEG2000, {"j2k_psnr": [45]}, "YBR_FULL", 1, False),
    ],
    ids=["j2k-lossless-rgb", "j2k-lossless-ybr", "j2k-lossy-rgb", "j2k-lossy-ybr"],
)
def test_planar_configuration_1_after_pydicom_compress(
    tmp_path: Path, uid: str, kwargs: dict, pi: str, frames: int, lossless: bool
) -> None:
    """JPEG 2000 from pydicom + pylibjpeg-openjpeg, then labelled 1."""
    pytest.importorskip("openjpeg")
    src = _source(tmp_path / "src.dcm", _image(frames), pi, planar=False)
    ds = pydicom.dcmread(src)
    ds.compress(uid, encoding_plugin="pylibjpeg", **kwargs)
    ds.PlanarConfiguration = 1
    path = tmp_path / "pydicom_j2k.dcm"
    ds.save_as(path)
    _check(path, src, tmp_path, lossless=lossless, peer=lossless)


def test_pydicom_compress_of_a_planar_source_decodes_as_gdcm_decodes_it(tmp_path: Path):
    """pydicom 3.0.2's ``compress`` hands OpenJPEG a planar source's bytes as if they were
    interleaved and keeps Planar Configuration 1; its own decoder undoes that by reshaping
    the output by the attribute. The codestream is what it is: rs_dicom decodes it as GDCM
    does (and as pydicom does once the attribute says 0)."""
    pytest.importorskip("openjpeg")
    src = _source(tmp_path / "src.dcm", _image(1), "RGB")
    ds = pydicom.dcmread(src)
    ds.compress(JPEG2000Lossless, encoding_plugin="pylibjpeg")
    assert ds.PlanarConfiguration == 1
    path = tmp_path / "pydicom_planar_j2k.dcm"
    ds.save_as(path)
    got = rs_dicom.dcmread(str(path)).pixel_data.array(as_rgb=False)
    np.testing.assert_array_equal(got, _decompressed_by_tool(path, tmp_path).reshape(got.shape))
    np.testing.assert_array_equal(got, _pydicom(path, as_rgb=False))


@pytest.mark.parametrize(
    ("ts", "extra", "lossless"),
    [(HTJ2KLossless, ["-reversible", "true"], True), (HTJ2K, ["-qstep", "0.004"], False)],
    ids=["htj2k-lossless", "htj2k-lossy"],
)
def test_planar_configuration_1_htj2k(tmp_path: Path, ts: str, extra: list[str], lossless: bool):
    exe = reference_tool("ojph_compress")
    arr = _image(2)
    streams = []
    for i, frame in enumerate(arr):
        ppm, j2c = tmp_path / f"f{i}.ppm", tmp_path / f"f{i}.j2c"
        rows, cols = frame.shape[:2]
        ppm.write_bytes(f"P6\n{cols} {rows}\n255\n".encode() + frame.tobytes())
        _run([exe, "-i", str(ppm), "-o", str(j2c), *extra])
        streams.append(j2c.read_bytes())
    src = _source(tmp_path / "src.dcm", arr, "RGB", planar=False)
    ds = pydicom.dcmread(src)
    ds.file_meta.TransferSyntaxUID = ts
    ds.PixelData = encapsulate(streams)
    ds["PixelData"].VR = "OB"
    ds.PlanarConfiguration = 1
    path = tmp_path / "htj2k.dcm"
    ds.save_as(path, enforce_file_format=True)
    _check(path, src, tmp_path, lossless=lossless, peer=False)
