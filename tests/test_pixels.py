"""Native pixel data: rs_dicom's pixel_array equals pydicom's (dtype, shape, values) on every
file with uncompressed pixel data in the pydicom / pydicom-data corpus."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")

import rs_dicom  # noqa: E402
from conformance import corpus_files  # noqa: E402


def _native_files():
    out = []
    for p in corpus_files():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds = pydicom.dcmread(p)
        except Exception:
            continue
        if not any(k in ds for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
            continue
        ts = ds.file_meta.get("TransferSyntaxUID") if ds.file_meta else None
        if ts is not None and ts.is_encapsulated:
            continue
        out.append(p)
    return out


FILES = _native_files()


def test_corpus_has_native_files() -> None:
    assert len(FILES) > 40


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_pixel_array_matches_pydicom(path) -> None:  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pds = pydicom.dcmread(path, force=True)
        try:
            expected = pds.pixel_array
        except Exception as exc:
            # pydicom cannot decode it: rs_dicom must fail cleanly or decode (it is more
            # lenient with e.g. an invalid Number of Frames), never crash.
            try:
                _ = rs_dicom.dcmread(str(path), force=True).pixel_array
            except (rs_dicom.DicomError, AttributeError):
                pass
            pytest.skip(f"pydicom cannot decode it: {exc}")
    ds = rs_dicom.dcmread(str(path), force=True)
    arr = ds.pixel_array
    assert arr.dtype == expected.dtype, (arr.dtype, expected.dtype)
    assert arr.shape == expected.shape
    np.testing.assert_array_equal(arr, expected)
    px = ds.pixel_data
    n = px.frames
    for i in sorted({0, n // 2, n - 1}):
        f = px.frame(i)
        np.testing.assert_array_equal(f, expected[i] if n > 1 else expected)


def _write_multiframe(path, frames=40, rows=256, cols=256, bits_stored=16, signed=False):
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    rng = np.random.default_rng(7)
    dtype = np.int16 if signed else np.uint16
    hi = 1 << (bits_stored - 1 if signed else bits_stored)
    lo = -hi if signed else 0
    data = rng.integers(lo, hi, size=(frames, rows, cols)).astype(dtype)
    ds = pydicom.Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.Rows, ds.Columns, ds.NumberOfFrames = rows, cols, frames
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, bits_stored, bits_stored - 1
    ds.PixelRepresentation = int(signed)
    ds.PixelData = data.tobytes()
    ds.save_as(path, enforce_file_format=True)
    return data


def test_pixel_array_is_a_zero_copy_view(tmp_path) -> None:
    import gc
    import tracemalloc

    path = tmp_path / "multi.dcm"
    data = _write_multiframe(path)  # 40 x 256 x 256 uint16 = 5 MiB
    tracemalloc.start()
    # mmap=True: views of the map (the default copies what it hands out from files it maps).
    ds = rs_dicom.dcmread(path, mmap=True)
    arr = ds.pixel_array
    frame = ds.pixel_data.frame(17)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 256 * 1024, f"{peak} bytes allocated: the pixels were copied"
    np.testing.assert_array_equal(arr, data)
    np.testing.assert_array_equal(frame, data[17])
    # A view of the source: the array does not own its memory, its base is the source.
    assert not arr.flags.owndata and not frame.flags.owndata
    base = arr
    while getattr(base, "base", None) is not None:
        base = base.base
    assert type(base).__name__ == "SourceBytes"
    assert np.shares_memory(arr[17], frame) or frame.ctypes.data == arr[17].ctypes.data
    # Read-only: writing raises, never crashes.
    assert not arr.flags.writeable
    with pytest.raises(ValueError):
        arr[0, 0, 0] = 1
    with pytest.raises(ValueError):
        arr.flags.writeable = True
    # The dataset can go away; the array keeps the mapped file alive.
    del ds
    gc.collect()
    assert int(arr[39].astype(np.int64).sum()) == int(data[39].astype(np.int64).sum())


def test_masking_needed_is_a_copy_equal_to_pydicom(tmp_path) -> None:
    path = tmp_path / "dirty.dcm"
    data = _write_multiframe(path, frames=3, rows=16, cols=16, bits_stored=16)
    # Declare 12 bits stored while the high bits are set: the values must be masked.
    pds = pydicom.dcmread(path)
    pds.BitsStored, pds.HighBit = 12, 11
    pds.save_as(path)
    arr = rs_dicom.dcmread(path).pixel_array
    np.testing.assert_array_equal(arr, data & 0x0FFF)
    np.testing.assert_array_equal(arr, pydicom.dcmread(path).pixel_array)
    assert arr.flags.owndata or arr.base is not None  # a decoded copy
    assert arr.flags.writeable


def test_frame_is_a_view_of_exactly_its_bytes(tmp_path) -> None:
    path = tmp_path / "multi.dcm"
    data = _write_multiframe(path, frames=5, rows=8, cols=8)
    raw = bytearray(path.read_bytes())
    ds = rs_dicom.dcmread(raw)
    start = ds["PixelData"].offset + 12
    frame_len = 8 * 8 * 2
    f1 = ds.pixel_data.frame(1)
    # The frame is a view of the caller's buffer at exactly frame 1's bytes.
    base_addr = np.frombuffer(raw, dtype=np.uint8).ctypes.data
    assert f1.ctypes.data == base_addr + start + frame_len
    np.testing.assert_array_equal(f1, data[1])
    # Changing frame 3's bytes in place leaves frame 1 alone and shows in frame 3.
    raw[start + 3 * frame_len] ^= 0xFF
    np.testing.assert_array_equal(ds.pixel_data.frame(1), data[1])
    assert ds.pixel_data.frame(3)[0, 0] != data[3][0, 0]
    with pytest.raises(IndexError):
        ds.pixel_data.frame(5)


def test_no_pixel_data_gives_a_clear_error() -> None:
    from pydicom.data import get_testdata_file

    ds = rs_dicom.dcmread(get_testdata_file("CT_small.dcm"), stop_before_pixels=True)
    with pytest.raises(AttributeError, match="no Pixel Data"):
        _ = ds.pixel_array
