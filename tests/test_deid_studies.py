"""De-identification of whole studies: generated patients, studies and series with nested
references, private tags, dates in every VR and overlays, de-identified as files.

Checked: none of the input's identifying values (names, IDs, dates, times, UIDs, institution
and device strings) occurs anywhere in the output bytes unless an option keeps it; every file
of an input series shares one new Series Instance UID; every referenced UID is the new UID
of an output instance; pixel data is unchanged; replacements depend on the key only; pydicom
reads every output; dciodvfy finds no error the input did not have."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset as PDataset
from pydicom.dataset import FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deid_support import KEY  # noqa: E402
from rs_dicom import deid  # noqa: E402
from write_oracles import dciodvfy_errors  # noqa: E402

ROOT = "1.2.826.0.1.3680043.9.8888"
CT = "1.2.840.10008.5.1.4.1.1.2"


def _uid(*parts: int) -> str:
    return ".".join([ROOT, *map(str, parts)])


def _instance(p: int, st: int, se: int, i: int, implicit: bool) -> PDataset:
    ds = PDataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = CT
    ds.SOPInstanceUID = _uid(p, st, se, i)
    ds.StudyInstanceUID = _uid(p, st)
    ds.SeriesInstanceUID = _uid(p, st, se)
    ds.FrameOfReferenceUID = _uid(p, st, 99)
    ds.PatientName = f"Müller{p}^Hans{p}"
    ds.PatientID = f"PAT{p:04d}X"
    ds.PatientBirthDate = f"19{50 + p}0203"
    ds.PatientSex = "M"
    ds.PatientAge = "061Y"
    ds.OtherPatientIDs = f"OTHER{p}ID"
    ds.StudyDate = f"2019{p + 1:02d}1{st}"
    ds.StudyTime = "101112"
    ds.SeriesDate = f"2019{p + 1:02d}1{st}"
    ds.AcquisitionDateTime = f"2019{p + 1:02d}1{st}101530.123"
    ds.ContentDate = f"2019{p + 1:02d}1{st}"
    ds.ContentTime = "101533"
    ds.InstanceCreationDate = f"2019{p + 1:02d}2{st}"
    ds.AccessionNumber = f"ACC{p}{st}77"
    ds.StudyID = f"STUDY{p}{st}"
    ds.InstitutionName = "Saint Elsewhere Hospital"
    ds.InstitutionAddress = "12 Hospital Road, Springfield"
    ds.StationName = "CTSTATION7"
    ds.DeviceSerialNumber = "SN-99887766"
    ds.ReferringPhysicianName = "House^Gregory"
    ds.OperatorsName = "Nurse^Jackie"
    ds.StudyDescription = f"Chest for Müller{p}"
    ds.Modality = "CT"
    ds.Manufacturer = "ACME"
    ds.InstanceNumber = i + 1
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ref = PDataset()
    ref.ReferencedSOPClassUID = CT
    ref.ReferencedSOPInstanceUID = _uid(p, st, se, (i + 1) % 3)
    src = PDataset()
    src.ReferencedSOPClassUID = CT
    src.ReferencedSOPInstanceUID = _uid(p, st, se, 0)
    deeper = PDataset()
    deeper.ReferencedSOPClassUID = CT
    deeper.ReferencedSOPInstanceUID = _uid(p, st, se, 2)
    deeper.ReferencedFrameNumber = 1
    src.SourceImageSequence = [deeper]
    ref.SourceImageSequence = [src]
    ds.ReferencedImageSequence = [ref]
    ds.add_new(0x00091010, "LO", "ACME 1.0")
    ds.add_new(0x00091001, "LO", f"PAT{p:04d}X private copy")
    ds.add_new(0x00091002, "DA", "20190505")
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.PixelData = (np.arange(64, dtype="<u2") * (i + 1)).tobytes()
    ds.add_new(0x60000010, "US", 8)
    ds.add_new(0x60000011, "US", 8)
    ds.add_new(0x60000040, "CS", "G")
    ds.add_new(0x60000050, "SS", [1, 1])
    ds.add_new(0x60000100, "US", 1)
    ds.add_new(0x60000102, "US", 0)
    ds.add_new(0x60003000, "OW", b"\xff\x00" * 4)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = CT
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    return ds


@pytest.fixture(scope="module")
def study_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 patients x 2 studies x 2 series x 3 instances, half in implicit VR."""
    root = tmp_path_factory.mktemp("studies")
    for p in range(2):
        for st in range(2):
            for se in range(2):
                for i in range(3):
                    ds = _instance(p, st, se, i, implicit=(se == 1))
                    path = root / f"p{p}" / f"st{st}" / f"se{se}" / f"{i}.dcm"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    ds.save_as(path, enforce_file_format=True)
    return root


def _run(src: Path, out: Path, options: tuple[str, ...] = (), key: bytes = KEY) -> list[Path]:
    jobs = [(p, out / p.relative_to(src)) for p in sorted(src.rglob("*.dcm"))]
    results = deid.Anonymizer(options=options, key=key).anonymize_files(jobs, workers=2)
    assert [r.error for r in results if r.error is not None] == []
    return [o for _, o in jobs]


IDENTIFYING_KEYWORDS = (
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "OtherPatientIDs",
    "StudyDate",
    "SeriesDate",
    "ContentDate",
    "InstanceCreationDate",
    "AcquisitionDateTime",
    "AccessionNumber",
    "StudyID",
    "InstitutionName",
    "InstitutionAddress",
    "StationName",
    "DeviceSerialNumber",
    "ReferringPhysicianName",
    "OperatorsName",
    "SOPInstanceUID",
    "StudyInstanceUID",
    "SeriesInstanceUID",
    "FrameOfReferenceUID",
)


def identifying_values(ds: PDataset) -> set[bytes]:
    """The identifying values of an input file as bytes (and name parts)."""
    out: set[bytes] = set()
    for kw in IDENTIFYING_KEYWORDS:
        value = str(ds.get(kw, "") or "")
        if len(value) >= 4:
            out.add(value.encode("latin-1"))
        if kw.endswith("Name") and "^" in value:
            out.update(part.encode("latin-1") for part in value.split("^") if len(part) >= 4)
    return out


def test_no_identifying_value_in_the_output(study_tree: Path, tmp_path: Path) -> None:
    outputs = _run(study_tree, tmp_path)
    for src, out in zip(sorted(study_tree.rglob("*.dcm")), outputs, strict=True):
        data = out.read_bytes()
        ds = pydicom.dcmread(src)
        leaks = [v for v in identifying_values(ds) if v in data]
        assert leaks == [], f"{out}: {leaks}"
        assert b"20190505" not in data  # a date in a private attribute


def test_series_and_references_link_up(study_tree: Path, tmp_path: Path) -> None:
    outputs = _run(study_tree, tmp_path)
    series: dict[str, set[str]] = {}
    instances = set()
    refs = set()
    for src, out in zip(sorted(study_tree.rglob("*.dcm")), outputs, strict=True):
        before, after = pydicom.dcmread(src), pydicom.dcmread(out)
        series.setdefault(before.SeriesInstanceUID, set()).add(after.SeriesInstanceUID)
        instances.add(after.SOPInstanceUID)
        item = after.ReferencedImageSequence[0]
        refs.add(item.ReferencedSOPInstanceUID)
        refs.add(item.SourceImageSequence[0].ReferencedSOPInstanceUID)
        refs.add(item.SourceImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID)
        assert after.file_meta.MediaStorageSOPInstanceUID == after.SOPInstanceUID
        np.testing.assert_array_equal(after.pixel_array, before.pixel_array)
        assert after.file_meta.TransferSyntaxUID == before.file_meta.TransferSyntaxUID
    assert all(len(v) == 1 for v in series.values())
    assert len({next(iter(v)) for v in series.values()}) == len(series)
    assert refs <= instances


def test_same_key_same_output_other_key_other_output(study_tree: Path, tmp_path: Path) -> None:
    one = _run(study_tree, tmp_path / "a")
    two = _run(study_tree, tmp_path / "b")
    other = _run(study_tree, tmp_path / "c", key=b"another-key-0123456789")
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(one, two, strict=True))
    a, c = pydicom.dcmread(one[0]), pydicom.dcmread(other[0])
    assert a.SOPInstanceUID != c.SOPInstanceUID and a.PatientID != c.PatientID


def _day(s: str) -> datetime.date:
    return datetime.datetime.strptime(s[:8], "%Y%m%d").date()


def test_shifted_dates_keep_intervals_per_patient(study_tree: Path, tmp_path: Path) -> None:
    outputs = _run(study_tree, tmp_path, ("retain_long_modified_dates",))
    shifts: dict[str, set[int]] = {}
    for src, out in zip(sorted(study_tree.rglob("*.dcm")), outputs, strict=True):
        before, after = pydicom.dcmread(src), pydicom.dcmread(out)
        for kw in ("StudyDate", "SeriesDate", "ContentDate", "AcquisitionDateTime"):
            d = (_day(after[kw].value) - _day(before[kw].value)).days
            shifts.setdefault(before.PatientID, set()).add(d)
        assert after.AcquisitionDateTime[8:] == before.AcquisitionDateTime[8:]
        assert after.StudyTime == before.StudyTime
        assert is_empty_value(after.get("PatientBirthDate"))
    assert all(len(s) == 1 and next(iter(s)) < 0 for s in shifts.values())


def is_empty_value(v: Any) -> bool:
    return v in (None, "")


def test_options_keep_what_they_name(study_tree: Path, tmp_path: Path) -> None:
    opts = (
        "retain_uids",
        "retain_long_full_dates",
        "retain_device_identity",
        "retain_institution_identity",
        "retain_patient_characteristics",
    )
    outputs = _run(study_tree, tmp_path, opts)
    before, after = (
        pydicom.dcmread(sorted(study_tree.rglob("*.dcm"))[0]),
        pydicom.dcmread(outputs[0]),
    )
    for kw in (
        "SOPInstanceUID",
        "StudyDate",
        "StationName",
        "DeviceSerialNumber",
        "InstitutionName",
        "PatientSex",
        "PatientAge",
    ):
        assert after[kw].value == before[kw].value, kw
    assert str(after.PatientName) != str(before.PatientName)


def test_id_map_names_the_pseudonyms(study_tree: Path, tmp_path: Path) -> None:
    csv = tmp_path / "ids.csv"
    csv.write_text("original,pseudonym\nPAT0000X,SUBJECT-A\n", encoding="utf-8")
    src = sorted(study_tree.rglob("*.dcm"))[0]
    anon = deid.Anonymizer(key=KEY, id_map=str(csv))
    anon.anonymize_file(src, tmp_path / "o.dcm")
    out = pydicom.dcmread(tmp_path / "o.dcm")
    assert out.PatientID == "SUBJECT-A" and str(out.PatientName) == "SUBJECT-A"


def test_dciodvfy_finds_no_new_error(study_tree: Path, tmp_path: Path) -> None:
    outputs = _run(study_tree, tmp_path)
    for src, out in list(zip(sorted(study_tree.rglob("*.dcm")), outputs, strict=True))[::6]:
        assert dciodvfy_errors(out) - dciodvfy_errors(src) == set(), out


def test_audit_names_no_original_value(study_tree: Path, tmp_path: Path) -> None:
    src = sorted(study_tree.rglob("*.dcm"))[0]
    audit = deid.Anonymizer(key=KEY, audit=True).anonymize_file(src, tmp_path / "o.dcm")
    assert audit is not None
    text = str(audit).encode("latin-1", "replace")
    assert [v for v in identifying_values(pydicom.dcmread(src)) if v in text] == []
    by_path = {a["path"]: a for a in audit["attributes"]}
    assert by_path["(0010,0010)"]["action"] == "replaced"
    assert by_path["(0008,0080)"]["action"] in ("emptied", "replaced")
    assert "Institution Name" in by_path["(0008,0080)"]["reason"]
    assert by_path["(0008,1140)[0].(0008,1155)"]["action"] == "mapped"
    assert by_path["(0009,1001)"]["action"] == "removed"
