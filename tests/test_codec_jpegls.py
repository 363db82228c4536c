"""JPEG-LS decoding (lossless 1.2.840.10008.1.2.4.80, near-lossless .81) of images generated
here, written uncompressed with pydicom and compressed by DCMTK's dcmcjpls and GDCM's gdcmconv:
lossless must give back the originals exactly, near-lossless must stay within NEAR of them,
and both must equal pydicom + pyjpegls."""

from __future__ import annotations

import os
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")

import rs_dicom  # noqa: E402
from helpers import reference_tool  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() == "true"
LOSSLESS = "1.2.840.10008.1.2.4.80"
NEAR_LOSSLESS = "1.2.840.10008.1.2.4.81"


_tool = reference_tool


def _image(frames: int, rows: int, cols: int, spp: int, bits: int, signed: bool) -> np.ndarray:
    """A smooth gradient plus noise spanning the whole range of `bits` (so near-lossless
    and the sign bit are exercised), shaped like pydicom's pixel_array."""
    rng = np.random.default_rng(bits * 10 + spp + int(signed))
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    shape = (frames, rows, cols, spp)
    y = np.linspace(0.0, 1.0, rows)[None, :, None, None]
    x = np.linspace(0.0, 1.0, cols)[None, None, :, None]
    f = np.arange(frames)[:, None, None, None] / max(frames, 1)
    c = np.arange(spp)[None, None, None, :] / 3
    base = (x + y + f + c) % 1.0
    noise = rng.normal(0.0, 0.02, size=shape)
    vals = np.clip(np.rint(lo + (base + noise) * (hi - lo)), lo, hi)
    vals[:, 0, 0, :] = lo  # the extremes are always present
    vals[:, -1, -1, :] = hi
    dtype = {(8, False): np.uint8, (8, True): np.int8, (16, False): np.uint16, (16, True): np.int16}
    arr = vals.astype(dtype[(8 if bits <= 8 else 16, signed)])
    if spp == 1:
        arr = arr[..., 0]
    return arr[0] if frames == 1 else arr


def _write(path: Path, arr: np.ndarray, frames: int, spp: int, bits: int, signed: bool) -> None:
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    ds = pydicom.Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.PatientName = "JPEG-LS^Test"
    ds.Modality = "OT"
    rows, cols = arr.shape[-3:-1] if spp > 1 else arr.shape[-2:]
    ds.Rows, ds.Columns = rows, cols
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.SamplesPerPixel = spp
    ds.PhotometricInterpretation = "RGB" if spp == 3 else "MONOCHROME2"
    if spp == 3:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated = 8 if bits <= 8 else 16
    ds.BitsStored, ds.HighBit = bits, bits - 1
    ds.PixelRepresentation = int(signed)
    ds.PixelData = arr.tobytes()
    ds.save_as(path, enforce_file_format=True)


# (name, frames, rows, cols, samples, bits stored, signed)
IMAGES = [
    ("u8", 1, 61, 47, 1, 8, False),
    ("u12", 1, 64, 80, 1, 12, False),
    ("u16", 1, 50, 33, 1, 16, False),
    ("s16", 1, 40, 40, 1, 16, True),
    ("s12", 1, 37, 52, 1, 12, True),
    ("s8", 1, 20, 30, 1, 8, True),
    ("u2", 1, 16, 16, 1, 2, False),
    ("rgb8", 1, 45, 63, 3, 8, False),
    ("u16x3", 3, 32, 24, 1, 16, False),
    ("s16x4", 4, 16, 16, 1, 16, True),
    ("rgb8x2", 2, 20, 22, 3, 8, False),
]


def _source(tmp_path: Path, image: tuple) -> tuple[Path, np.ndarray]:
    name, frames, rows, cols, spp, bits, signed = image
    arr = _image(frames, rows, cols, spp, bits, signed)
    path = tmp_path / f"{name}_uncompressed.dcm"
    _write(path, arr, frames, spp, bits, signed)
    return path, arr


def _pydicom(path: Path) -> np.ndarray:
    pytest.importorskip("jpeg_ls")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(path).pixel_array


def _check(path: Path, original: np.ndarray, ts: str, near: int) -> None:
    ds = rs_dicom.dcmread(str(path))
    assert ds.file_meta.TransferSyntaxUID == ts
    got = ds.pixel_data.array(as_rgb=False)
    assert got.dtype == original.dtype
    assert got.shape == original.shape
    if near == 0:
        np.testing.assert_array_equal(got, original)
    else:
        diff = np.abs(got.astype(np.int64) - original.astype(np.int64))
        if original.dtype.kind == "i":
            # Signed samples are coded as their unsigned bit patterns, and near-lossless
            # reconstruction is modulo the sample range: -32768 may come back as 32767.
            span = 1 << (8 * original.dtype.itemsize)
            diff = np.minimum(diff, span - diff)
        assert diff.max() <= near
        assert diff.max() > 0 or original.size < 64  # it really is lossy
    np.testing.assert_array_equal(got, _pydicom(path))
    n = ds.pixel_data.frames
    if n > 1:
        for i in (0, n - 1):
            np.testing.assert_array_equal(ds.pixel_data.frame(i), got[i])


def _dcmcjpls(src: Path, dst: Path, *opts: str) -> None:
    subprocess.run([_tool("dcmcjpls"), *opts, str(src), str(dst)], check=True)


def _ids(images: list[tuple]) -> list[str]:
    return [i[0] for i in images]


@pytest.mark.parametrize("image", IMAGES, ids=_ids(IMAGES))
def test_dcmtk_lossless(tmp_path: Path, image: tuple) -> None:
    src, arr = _source(tmp_path, image)
    dst = tmp_path / "jlsl.dcm"
    _dcmcjpls(src, dst, "+el")
    _check(dst, arr, LOSSLESS, 0)


@pytest.mark.parametrize("mode", ["+in", "+il", "+is"], ids=["none", "line", "sample"])
@pytest.mark.parametrize("image", [i for i in IMAGES if i[4] == 3], ids=lambda i: i[0])
def test_dcmtk_interleave_modes(tmp_path: Path, image: tuple, mode: str) -> None:
    src, arr = _source(tmp_path, image)
    for process, near in (("+el", 0), ("+en", 3)):
        dst = tmp_path / f"jls{near}.dcm"
        _dcmcjpls(src, dst, process, mode, *(("+md", str(near)) if near else ()))
        _check(dst, arr, NEAR_LOSSLESS if near else LOSSLESS, near)


# dcmcjpls refuses near-lossless for signed images (GDCM's test below covers those).
NEAR_IMAGES = [i for i in IMAGES if i[5] >= 8 and not i[6]]


@pytest.mark.parametrize("near", [1, 4])
@pytest.mark.parametrize("image", NEAR_IMAGES, ids=_ids(NEAR_IMAGES))
def test_dcmtk_near_lossless(tmp_path: Path, image: tuple, near: int) -> None:
    src, arr = _source(tmp_path, image)
    dst = tmp_path / "jlsn.dcm"
    _dcmcjpls(src, dst, "+en", "+md", str(near))
    _check(dst, arr, NEAR_LOSSLESS, near)


GDCM_IMAGES = [i for i in IMAGES if i[0] in ("u8", "u12", "u16", "s16", "s12", "rgb8", "u16x3")]


@pytest.mark.parametrize("image", GDCM_IMAGES, ids=_ids(GDCM_IMAGES))
def test_gdcm_lossless_and_near_lossless(tmp_path: Path, image: tuple) -> None:
    gdcmconv = _tool("gdcmconv")
    src, arr = _source(tmp_path, image)
    dst = tmp_path / "gdcm_jlsl.dcm"
    subprocess.run([gdcmconv, "--jpegls", str(src), str(dst)], check=True)
    _check(dst, arr, LOSSLESS, 0)
    dst = tmp_path / "gdcm_jlsn.dcm"
    subprocess.run([gdcmconv, "--jpegls", "--lossy", "-e", "2", str(src), str(dst)], check=True)
    _check(dst, arr, NEAR_LOSSLESS, 2)


def test_corrupt_codestream_is_a_clean_error(tmp_path: Path) -> None:
    src, _ = _source(tmp_path, IMAGES[2])
    dst = tmp_path / "jlsl.dcm"
    _dcmcjpls(src, dst, "+el")
    data = bytearray(dst.read_bytes())
    soi = data.rfind(b"\xff\xd8\xff\xf7")
    assert soi > 0
    # Frame header says 50 rows: make it 51 → the header no longer matches the dataset.
    bad = bytearray(data)
    bad[soi + 7 : soi + 9] = (51).to_bytes(2, "big")
    (tmp_path / "bad_rows.dcm").write_bytes(bytes(bad))
    with pytest.raises(rs_dicom.DicomError, match="JPEG-LS"):
        _ = rs_dicom.dcmread(str(tmp_path / "bad_rows.dcm")).pixel_array
    # Scramble the entropy-coded data after the scan header.
    bad = bytearray(data)
    sos = bad.find(b"\xff\xda", soi)
    for k in range(sos + 12, len(bad) - 4):
        bad[k] = 0xFF if k % 7 == 0 else (bad[k] * 31 + 17) & 0xFF
    (tmp_path / "bad_scan.dcm").write_bytes(bytes(bad))
    with pytest.raises(rs_dicom.DicomError):
        _ = rs_dicom.dcmread(str(tmp_path / "bad_scan.dcm")).pixel_array
