"""Editing datasets from Python with pydicom 3's names, checked against pydicom reading what
rs_dicom writes: assignment and its validation, deletion, new datasets, sequences that write
through, shared item handles, private blocks, copies, pickling, pixel data from numpy."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import numpy as np
import pytest
import rs_dicom
from helpers import SAMPLE

pydicom = pytest.importorskip("pydicom")


def _sample() -> rs_dicom.Dataset:
    return rs_dicom.dcmread(SAMPLE)


def test_assignment_is_seen_through_every_handle(tmp_path: Path) -> None:
    ds = _sample()
    elem = ds["PatientName"]
    ds.PatientName = "Doe^Jane"
    assert elem.value == "Doe^Jane" and ds.get("PatientName") == "Doe^Jane"
    elem.value = "Roe^Richard"
    assert ds.PatientName == "Roe^Richard"
    ds.InstanceNumber = 42
    ds.ImagePositionPatient = [1.5, -2, 3.25]
    ds.save_as(tmp_path / "e.dcm")
    ref = pydicom.dcmread(tmp_path / "e.dcm")
    assert ref.PatientName == "Roe^Richard"
    assert ref.InstanceNumber == 42
    assert [float(v) for v in ref.ImagePositionPatient] == [1.5, -2.0, 3.25]


@pytest.mark.parametrize(
    ("keyword", "value", "rule"),
    [
        ("PatientID", "x" * 70, "at most 64"),
        ("SliceThickness", "1.2a", "decimal number"),
        ("Rows", 70000, "out of range"),
        ("SOPInstanceUID", "1.02.3", "leading zeros"),
        ("StudyDate", "20230230", "no day 30"),
        ("Modality", "ct", "upper-case"),
        ("Rows", "x", "cannot hold text"),
        ("PixelSpacing", [1.0, 2.0, 3.0], "VM 2"),
    ],
)
def test_values_that_do_not_fit_raise_and_change_nothing(
    keyword: str, value: object, rule: str
) -> None:
    ds = _sample()
    before = ds.get(keyword)
    with pytest.raises(rs_dicom.InvalidValueError, match=rule) as info:
        setattr(ds, keyword, value)
    assert isinstance(info.value, ValueError)
    assert info.value.tag_path == str(rs_dicom.Tag(keyword))
    assert ds.get(keyword) == before


def test_deletion_pop_and_read_only_attributes() -> None:
    ds = _sample()
    del ds.PatientName
    assert "PatientName" not in ds
    with pytest.raises(AttributeError):
        del ds.PatientName
    del ds[0x00100020]
    with pytest.raises(KeyError):
        del ds[0x00100020]
    popped = ds.pop("Modality")
    assert popped.value == "CT" and "Modality" not in ds
    assert ds.pop("Modality", None) is None
    with pytest.raises(AttributeError, match="read-only"):
        ds.pixel_array = None  # type: ignore[misc]
    with pytest.raises(AttributeError, match="not a DICOM keyword"):
        ds.Foo = 1
    assert "walk" in dir(ds) and callable(ds.walk)


def test_new_datasets_sequences_and_shared_items(tmp_path: Path) -> None:
    ds = rs_dicom.Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.SOPInstanceUID = "1.2.3.4"
    ds.ReferencedImageSequence = [rs_dicom.Dataset()]
    seq = ds.ReferencedImageSequence
    assert isinstance(seq, list) and isinstance(seq, rs_dicom.Sequence)
    seq.append(rs_dicom.Dataset())
    assert len(ds.ReferencedImageSequence) == 2
    # Two handles to the same nested item: a change through one is seen through the other.
    first = ds.ReferencedImageSequence[0]
    again = ds["ReferencedImageSequence"].value[0]
    first.ReferencedSOPInstanceUID = "1.2.3.5"
    assert again.ReferencedSOPInstanceUID == "1.2.3.5"
    # Inserting before it keeps the handle pointing at the same item.
    ds.ReferencedImageSequence.insert(0, rs_dicom.Dataset())
    assert ds.ReferencedImageSequence[1].ReferencedSOPInstanceUID == "1.2.3.5"
    first.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    assert ds.ReferencedImageSequence[1].ReferencedSOPClassUID == "1.2.840.10008.5.1.4.1.1.2"
    with pytest.raises(ValueError, match="own sequence"):
        ds.ReferencedImageSequence.append(ds)
    assert len(ds.ReferencedImageSequence) == 3
    ds.save_as(tmp_path / "n.dcm", enforce_file_format=True)
    ref = pydicom.dcmread(tmp_path / "n.dcm")
    assert len(ref.ReferencedImageSequence) == 3
    assert ref.ReferencedImageSequence[1].ReferencedSOPInstanceUID == "1.2.3.5"
    assert ref.file_meta.MediaStorageSOPInstanceUID == "1.2.3.4"


def test_private_blocks(tmp_path: Path) -> None:
    ds = _sample()
    block = ds.private_block(0x0009, "ACME 1.0", create=True)
    block.add_new(0x01, "LO", "x")
    assert ds[block.get_tag(0x01)].value == "x"
    assert ds.private_block(0x0009, "ACME 1.0")[0x01].value == "x"
    with pytest.raises(KeyError):
        ds.private_block(0x0009, "OTHER")
    ds.save_as(tmp_path / "p.dcm")
    ref = pydicom.dcmread(tmp_path / "p.dcm")
    assert ref.private_block(0x0009, "ACME 1.0")[0x01].value == "x"
    ds.remove_private_tags()
    assert not any(e.is_private for e in ds.iterall())


def test_copies_equality_and_pickling() -> None:
    ds = _sample()
    deep = copy.deepcopy(ds)
    assert deep == ds
    deep.PatientName = "Other^Name"
    assert deep != ds and ds.PatientName != "Other^Name"
    back = pickle.loads(pickle.dumps(ds))
    assert back == ds and back.file_meta.TransferSyntaxUID == ds.file_meta.TransferSyntaxUID
    np.testing.assert_array_equal(back.pixel_array, ds.pixel_array)


def test_pickling_an_implicit_vr_dataset_keeps_private_vrs_and_its_syntax() -> None:
    # Implicit VR would turn the private elements into UN on the way back: pickles carry
    # explicit VR and the syntax beside the bytes.
    ds = _sample()
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2"
    block = ds.private_block(0x0011, "ACME 1.0", create=True)
    block.add_new(0x01, "DS", [0.5, 1.25])
    back = pickle.loads(pickle.dumps(ds))
    assert back == ds
    assert back[block.get_tag(0x01)].VR == "DS"
    assert back.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2"
    implicit = rs_dicom.dcmread(pydicom.data.get_testdata_file("MR_small_implicit.dcm"))
    back = pickle.loads(pickle.dumps(implicit))
    assert back == implicit and back.is_implicit_VR and back.original_encoding == (True, True)


def test_set_pixel_data_updates_the_image_attributes(tmp_path: Path) -> None:
    ds = _sample()
    old_uid = ds.SOPInstanceUID
    arr = (np.arange(3 * 20 * 30, dtype=np.int16).reshape(3, 20, 30) % 2000) - 1000
    ds.set_pixel_data(arr, "MONOCHROME2", 12)
    assert (ds.Rows, ds.Columns, ds.NumberOfFrames) == (20, 30, 3)
    assert (ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation) == (16, 12, 11, 1)
    assert ds.SOPInstanceUID != old_uid
    np.testing.assert_array_equal(ds.pixel_array, arr)
    ds.save_as(tmp_path / "px.dcm")
    np.testing.assert_array_equal(pydicom.dcmread(tmp_path / "px.dcm").pixel_array, arr)
    with pytest.raises(ValueError, match="do not fit"):
        ds.set_pixel_data(arr * 4, "MONOCHROME2", 12)


def test_specific_tags() -> None:
    ds = rs_dicom.dcmread(SAMPLE, specific_tags=["PatientName", 0x00200013])
    assert set(ds.keys()) <= {0x00080005, 0x00100010, 0x00200013}
    assert ds.PatientName
