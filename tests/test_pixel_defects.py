"""Pixel data that cannot be what it claims: cut short by the end of the file, or described by
attributes that describe no pixels. The header always reads; the error comes, as a DicomError
naming the attribute or the byte offset, when the pixels are asked for (as in pydicom)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import rs_dicom

pydicom = pytest.importorskip("pydicom")
from pydicom.dataset import FileMetaDataset  # noqa: E402
from pydicom.encaps import encapsulate  # noqa: E402
from pydicom.uid import ExplicitVRLittleEndian, RLELossless, generate_uid  # noqa: E402


def _image(ts: str = ExplicitVRLittleEndian, **attrs: object) -> pydicom.Dataset:
    ds = pydicom.Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ts
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.PatientName = "Cut^Short"
    ds.Rows = ds.Columns = 16
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = bytes(range(256))
    for name, value in attrs.items():
        setattr(ds, name, value)
    return ds


def _cut(path: Path, ds: pydicom.Dataset, keep_of_pixels: int) -> None:
    ds.save_as(path, enforce_file_format=True)
    data = path.read_bytes()
    end = len(data) - (len(ds.PixelData) - keep_of_pixels)
    path.write_bytes(data[:end])


def test_native_pixel_data_cut_short_reads_the_header(tmp_path: Path) -> None:
    path = tmp_path / "cut.dcm"
    _cut(path, _image(), keep_of_pixels=100)
    ds = rs_dicom.dcmread(path)
    assert ds.PatientName == "Cut^Short"
    elem = ds["PixelData"]
    assert elem.is_truncated
    assert bytes(elem.raw) == bytes(range(100))  # what is there, as pydicom keeps it
    with pytest.raises(rs_dicom.TruncatedError, match=r"at byte offset \d+.*\(7FE0,0010\)"):
        _ = ds.pixel_array
    with pytest.raises(rs_dicom.TruncatedError):
        _ = ds.pixel_data
    # pydicom agrees that the header is readable and the pixels are not.
    ref = pydicom.dcmread(path)
    assert ref.PatientName == "Cut^Short"
    with pytest.raises(ValueError):
        _ = ref.pixel_array


def test_encapsulated_pixel_data_cut_short_reads_the_header(tmp_path: Path) -> None:
    path = tmp_path / "cut_rle.dcm"
    ds = _image(RLELossless)
    frame = pydicom.pixels.encoders.RLELosslessEncoder  # the oracle's own encoder
    arr = np.arange(256, dtype=np.uint8).reshape(16, 16)
    ds.PixelData = encapsulate([frame.encode(arr, **_rle_kwargs(ds))])
    ds.save_as(path, enforce_file_format=True)
    data = path.read_bytes()
    path.write_bytes(data[:-20])
    read = rs_dicom.dcmread(path)
    assert read.PatientName == "Cut^Short"
    assert read["PixelData"].is_truncated
    with pytest.raises(rs_dicom.TruncatedError, match="at byte offset"):
        _ = read.pixel_array
    # Whole, the same file decodes.
    path.write_bytes(data)
    np.testing.assert_array_equal(rs_dicom.dcmread(path).pixel_array, arr)


def _rle_kwargs(ds: pydicom.Dataset) -> dict[str, object]:
    return {
        "rows": ds.Rows,
        "columns": ds.Columns,
        "samples_per_pixel": 1,
        "bits_allocated": 8,
        "bits_stored": 8,
        "pixel_representation": 0,
        "photometric_interpretation": "MONOCHROME2",
        "number_of_frames": 1,
    }


@pytest.mark.parametrize(
    ("attr", "tag", "name"),
    [
        ("SamplesPerPixel", "(0028,0002)", "Samples per Pixel"),
        ("Rows", "(0028,0010)", "Rows"),
        ("Columns", "(0028,0011)", "Columns"),
        ("BitsAllocated", "(0028,0100)", "Bits Allocated"),
    ],
)
def test_attributes_that_describe_no_pixels_are_named(
    tmp_path: Path, attr: str, tag: str, name: str
) -> None:
    path = tmp_path / f"{attr}.dcm"
    _image(**{attr: 0}).save_as(path, enforce_file_format=True)
    ds = rs_dicom.dcmread(path)
    with pytest.raises(rs_dicom.DicomError, match=re.escape(f"{name} {tag} is 0")) as info:
        _ = ds.pixel_array
    assert info.value.tag_path == tag
    assert not isinstance(info.value, rs_dicom.TruncatedError)
