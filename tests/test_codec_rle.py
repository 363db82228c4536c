"""RLE Lossless round trips: images written uncompressed with pydicom, RLE-compressed by
DCMTK's dcmcrle, decoded by rs_dicom, must equal the originals exactly (and pydicom's
decoding of the compressed file). Without dcmcrle the tests skip, except under CI."""

from __future__ import annotations

import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")

import rs_dicom  # noqa: E402
from helpers import reference_tool  # noqa: E402

RLE_UID = "1.2.840.10008.1.2.5"


def _dcmcrle() -> str:
    return reference_tool("dcmcrle")


def _image(rows, cols, frames, spp, bits_alloc, bits_stored, signed, seed=3):
    """Random data with long runs mixed in, so both PackBits run kinds are exercised."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(f"{'i' if signed else 'u'}{bits_alloc // 8}")
    hi = 1 << (bits_stored - 1 if signed else bits_stored)
    lo = -hi if signed else 0
    shape = (frames, rows, cols, spp)
    data = rng.integers(lo, hi, size=shape, dtype=np.int64)
    # Flat runs in the upper half of every frame.
    data[:, : rows // 2, : cols // 2 + 1, :] = lo + (hi - lo) // 3
    return data.astype(dtype)


def _write(path: Path, data: np.ndarray, bits_stored: int, photometric=None, planar=0):
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    frames, rows, cols, spp = data.shape
    ds = pydicom.Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.Rows, ds.Columns = rows, cols
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.SamplesPerPixel = spp
    ds.PhotometricInterpretation = photometric or ("RGB" if spp == 3 else "MONOCHROME2")
    if spp > 1:
        ds.PlanarConfiguration = planar
    bits = data.dtype.itemsize * 8
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = bits, bits_stored, bits_stored - 1
    ds.PixelRepresentation = int(data.dtype.kind == "i")
    if spp > 1 and planar == 1:
        raw = np.ascontiguousarray(data.transpose(0, 3, 1, 2))
    else:
        raw = data
    pixel_bytes = raw.astype(data.dtype.newbyteorder("<")).tobytes()
    if len(pixel_bytes) % 2:
        pixel_bytes += b"\0"
    ds.PixelData = pixel_bytes
    ds["PixelData"].VR = "OB" if bits == 8 else "OW"
    ds.save_as(path, enforce_file_format=True)


def _compress(tmp_path: Path, src: Path, *args: str) -> Path:
    exe = _dcmcrle()
    dst = tmp_path / "rle.dcm"
    subprocess.run([exe, *args, str(src), str(dst)], check=True, capture_output=True)
    return dst


def _expected_array(data: np.ndarray) -> np.ndarray:
    """pydicom's pixel_array shape: frames axis only when > 1, samples axis only when > 1."""
    out = data
    if out.shape[3] == 1:
        out = out[..., 0]
    if out.shape[0] == 1:
        out = out[0]
    return out


CASES = {
    # id: (rows, cols, frames, spp, bits_alloc, bits_stored, signed)
    "u8-7x13": (7, 13, 1, 1, 8, 8, False),
    "i8-13x7": (13, 7, 1, 1, 8, 8, True),
    "u16-7x13": (7, 13, 1, 1, 16, 16, False),
    "i16-33x31": (33, 31, 1, 1, 16, 16, True),
    "u16-bs12": (31, 17, 1, 1, 16, 12, False),
    "i16-bs12": (17, 31, 1, 1, 16, 12, True),
    "rgb8-7x13": (7, 13, 1, 3, 8, 8, False),
    "rgb8-5frames": (9, 11, 5, 3, 8, 8, False),
    "u16-5frames": (64, 48, 5, 1, 16, 16, False),
    "i16-bs12-5frames": (7, 13, 5, 1, 16, 12, True),
    "u8-1x1": (1, 1, 1, 1, 8, 8, False),
    "u8-300x2": (300, 2, 1, 1, 8, 8, False),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_round_trip(tmp_path: Path, case: str) -> None:
    rows, cols, frames, spp, bits_alloc, bits_stored, signed = CASES[case]
    data = _image(rows, cols, frames, spp, bits_alloc, bits_stored, signed)
    src = tmp_path / "orig.dcm"
    _write(src, data, bits_stored)
    rle = _compress(tmp_path, src)

    ds = rs_dicom.dcmread(str(rle))
    assert str(ds.file_meta.TransferSyntaxUID) == RLE_UID
    expected = _expected_array(data)
    arr = ds.pixel_array
    assert arr.shape == expected.shape
    assert arr.dtype == expected.dtype
    np.testing.assert_array_equal(arr, expected)
    # The uncompressed original reads the same.
    np.testing.assert_array_equal(rs_dicom.dcmread(str(src)).pixel_array, expected)
    # And pydicom (+ its RLE decoder) agrees.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pydicom.dcmread(rle).pixel_array
    np.testing.assert_array_equal(arr, ref)
    # Single frames.
    px = ds.pixel_data
    assert px.frames == frames
    for i in sorted({0, frames // 2, frames - 1}):
        np.testing.assert_array_equal(px.frame(i), expected[i] if frames > 1 else expected)


def test_rgb_planar_configuration_1(tmp_path: Path) -> None:
    """RLE is always by plane in the codestream; the output is interleaved regardless."""
    data = _image(7, 13, 2, 3, 8, 8, False, seed=11)
    src = tmp_path / "orig.dcm"
    _write(src, data, 8, planar=1)
    rle = _compress(tmp_path, src)
    arr = rs_dicom.dcmread(str(rle)).pixel_array
    np.testing.assert_array_equal(arr, data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pydicom.dcmread(rle).pixel_array
    np.testing.assert_array_equal(arr, ref)


def test_ybr_full_matches_pydicom(tmp_path: Path) -> None:
    data = _image(8, 10, 1, 3, 8, 8, False, seed=5)
    src = tmp_path / "orig.dcm"
    _write(src, data, 8, photometric="YBR_FULL")
    rle = _compress(tmp_path, src)
    ds = rs_dicom.dcmread(str(rle))
    np.testing.assert_array_equal(ds.pixel_data.array(as_rgb=False), data[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pydicom.dcmread(rle).pixel_array
    np.testing.assert_array_equal(ds.pixel_array, ref)


@pytest.mark.parametrize("offset_table", [True, False], ids=["bot", "empty-bot"])
def test_fragmented_frames(tmp_path: Path, offset_table: bool) -> None:
    """dcmcrle +fs splits a frame's codestream over several fragments; without a Basic
    Offset Table the frame starts are found from the RLE headers."""
    data = _image(128, 96, 2, 1, 16, 16, False, seed=9)
    src = tmp_path / "orig.dcm"
    _write(src, data, 16)
    extra = () if offset_table else ("-ot",)
    rle = _compress(tmp_path, src, "+fs", "4", *extra)
    ds = rs_dicom.dcmread(str(rle))
    assert (ds.pixel_data.frame_method == "markers") != offset_table
    np.testing.assert_array_equal(ds.pixel_array, data[..., 0])


def test_corrupt_segment_is_a_clean_error(tmp_path: Path) -> None:
    data = _image(16, 16, 1, 1, 8, 8, False, seed=2)
    src = tmp_path / "orig.dcm"
    _write(src, data, 8)
    rle = _compress(tmp_path, src)
    raw = bytearray(rle.read_bytes())
    # The RLE header follows the empty/short offset table item: find its segment count.
    at = raw.rfind(b"\xfe\xff\x00\xe0")  # last item tag: the frame fragment
    header = at + 8
    assert raw[header : header + 4] == (1).to_bytes(4, "little")
    raw[header : header + 4] = (2).to_bytes(4, "little")
    bad = tmp_path / "bad.dcm"
    bad.write_bytes(bytes(raw))
    with pytest.raises(rs_dicom.DicomError):
        _ = rs_dicom.dcmread(str(bad)).pixel_array
