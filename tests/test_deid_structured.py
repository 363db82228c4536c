"""The Clean Structured Content Option (PS3.15 E.3.4): every content item of the option's table
(read from the committed source, independent of the generated Rust table) is removed, given a
dummy, kept or cleaned as its row and the option columns say, in SR documents made with
pydicom; by-reference relationships still point at the same items after removals; the SR
samples of pydicom-data come out readable with no new dciodvfy error."""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path
from typing import Any

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset as PDataset

sys.path.insert(0, str(Path(__file__).resolve().parent))

import rs_dicom  # noqa: E402
from deid_support import INNER_UID, KEY, PATIENT_NAME, SAMPLE_UID, base_dataset, to_bytes  # noqa: E402
from rs_dicom import deid  # noqa: E402
from write_oracles import dciodvfy_errors  # noqa: E402

TABLE = (
    Path(__file__).resolve().parent.parent
    / "scripts"
    / "data"
    / "ps3.15_e3.4_structured_content.tsv"
)
OPTION = "clean_structured_content"
COMPREHENSIVE_SR = "1.2.840.10008.5.1.4.1.1.88.33"
VALUES = {
    "TEXT": ("TextValue", "Scan of DOE today"),
    "PNAME": ("PersonName", PATIENT_NAME),
    "DATE": ("Date", "20200115"),
    "TIME": ("Time", "101500"),
    "DATETIME": ("DateTime", "20200115101500"),
    "UIDREF": ("UID", SAMPLE_UID),
}


def table() -> list[dict[str, str]]:
    lines = TABLE.read_text(encoding="utf-8").splitlines()
    return list(
        csv.DictReader(
            [ln for ln in lines if not ln.startswith("#")], delimiter="\t", quoting=csv.QUOTE_NONE
        )
    )


ROWS = table()
OPTION_COLUMNS = [c for c in ROWS[0] if c.startswith(("retain_", "clean_"))]


def code(value: str, scheme: str, meaning: str) -> PDataset:
    item = PDataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    item.CodeMeaning = meaning
    return item


def content_item(value_type: str, concept: PDataset, relationship: str = "CONTAINS") -> PDataset:
    """A content item of `value_type` named `concept`, holding a sample value that
    identifies (names the patient, dates, instance UIDs)."""
    item = PDataset()
    item.RelationshipType = relationship
    item.ValueType = value_type
    item.ConceptNameCodeSequence = [concept]
    if value_type in VALUES:
        keyword, value = VALUES[value_type]
        setattr(item, keyword, value)
    elif value_type in ("COMPOSITE", "IMAGE", "WAVEFORM"):
        ref = PDataset()
        ref.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        ref.ReferencedSOPInstanceUID = INNER_UID
        item.ReferencedSOPSequence = [ref]
    elif value_type == "NUM":
        measured = PDataset()
        measured.NumericValue = "45"
        measured.MeasurementUnitsCodeSequence = [code("a", "UCUM", "year")]
        item.MeasuredValueSequence = [measured]
    elif value_type == "CODE":
        item.ConceptCodeSequence = [code("248152002", "SCT", "Female")]
    elif value_type == "CONTAINER":
        item.ContinuityOfContent = "SEPARATE"
        item.ContentSequence = [content_item("TEXT", code("99A", "99TEST", "Note"))]
    return item


def sr(items: list[PDataset]) -> PDataset:
    """A Comprehensive SR document (pydicom) with `items` under its root container."""
    ds = base_dataset()
    ds.SOPClassUID = COMPREHENSIVE_SR
    ds.Modality = "SR"
    ds.ValueType = "CONTAINER"
    ds.ConceptNameCodeSequence = [code("18748-4", "LN", "Diagnostic Imaging Report")]
    ds.ContinuityOfContent = "SEPARATE"
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "UNVERIFIED"
    ds.ContentSequence = items
    return ds


def anonymize(ds: PDataset, *options: str) -> pydicom.Dataset:
    src = rs_dicom.dcmread(to_bytes(ds))
    out = deid.anonymize(src, options=(OPTION, *options), key=KEY)
    buf = io.BytesIO()
    out.save_as(buf, enforce_file_format=True)
    return pydicom.dcmread(io.BytesIO(buf.getvalue()))


def find(ds: pydicom.Dataset, value: str, scheme: str) -> list[pydicom.Dataset]:
    """The content items of the tree named by the code (`value`, `scheme`)."""
    out = []
    for item in ds.get("ContentSequence", []):
        names = item.get("ConceptNameCodeSequence", [])
        if names and (names[0].CodeValue, names[0].CodingSchemeDesignator) == (value, scheme):
            out.append(item)
        out += find(item, value, scheme)
    return out


def value_of(item: pydicom.Dataset) -> Any:
    vt = item.ValueType
    if vt in VALUES:
        return str(item.get(VALUES[vt][0], ""))
    if vt in ("COMPOSITE", "IMAGE", "WAVEFORM"):
        return item.ReferencedSOPSequence[0].ReferencedSOPInstanceUID
    if vt == "NUM":
        return str(item.MeasuredValueSequence[0].NumericValue)
    if vt == "CODE":
        return item.ConceptCodeSequence[0].CodeValue
    return len(item.get("ContentSequence", []))


def expect(row: dict[str, str], column: str | None) -> str:
    action = row[column] if column else ""
    return action or row["basic"]


def check(row: dict[str, str], action: str, out: pydicom.Dataset, column: str | None) -> None:
    """The content item of `row` in `out` is as `action` (its row, `column`) says."""
    found = find(out, row["code_value"], row["coding_scheme"])
    original = value_of(content_item(row["value_type"], code("x", "x", "x")))
    if action == "X":
        assert found == [], row
        return
    assert len(found) == 1, row
    item = found[0]
    assert item.ValueType == row["value_type"]
    got = value_of(item)
    vt = row["value_type"]
    if action == "K":
        assert got == original, (row, column)
    elif action in ("D", "X/D"):
        if vt in ("UIDREF", "COMPOSITE", "IMAGE", "WAVEFORM"):
            assert got.startswith("2.25.") and got != original, row
        else:
            assert got and got != original, row
            if vt in ("DATE", "TIME", "DATETIME"):
                assert got.isdigit(), row
    elif action == "C" and vt == "TEXT":
        assert got == "Scan of *** today", row
    elif action == "C" and vt in ("DATE", "DATETIME"):
        # Modified Dates: moved by the patient's offset, the time of day kept.
        assert got != original and len(got) == len(original) and got[8:] == original[8:], row
    elif action == "C" and vt == "TIME":
        assert got == original, row
    else:
        raise AssertionError(f"no expectation for {action} on {vt}")


def _row_id(row: dict[str, str]) -> str:
    return f"{row['code_value']}-{row['coding_scheme']}-{row['value_type']}"


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_every_row_under_the_basic_profile(row: dict[str, str]) -> None:
    concept = code(row["code_value"], row["coding_scheme"], row["code_meaning"])
    out = anonymize(sr([content_item(row["value_type"], concept)]))
    check(row, expect(row, None), out, None)


@pytest.mark.parametrize(
    ("row", "column"),
    [(r, c) for r in ROWS for c in OPTION_COLUMNS if r[c]],
    ids=lambda v: _row_id(v) if isinstance(v, dict) else v,
)
def test_every_option_column(row: dict[str, str], column: str) -> None:
    concept = code(row["code_value"], row["coding_scheme"], row["code_meaning"])
    out = anonymize(sr([content_item(row["value_type"], concept)]), column)
    check(row, expect(row, column), out, column)


@pytest.mark.parametrize("scheme", ["SRT", "SNM3", "99SDM"])
def test_retired_snomed_rt_codes_are_recognised(scheme: str) -> None:
    # PS3.15 E.3.4 Note 3: Finding Site (SCT 363698007) is G-C0E3 in SNOMED RT (pydicom's
    # mapping); Complication of Procedure (SCT 116224001, X) is DD-60002.
    site = content_item("TEXT", code("G-C0E3", scheme, "Finding Site"))
    complication = content_item("TEXT", code("DD-60002", scheme, "Complication"))
    out = anonymize(sr([site, complication]))
    assert find(out, "DD-60002", scheme) == []
    assert find(out, "G-C0E3", scheme)[0].TextValue == "ANONYMIZED"
    out = anonymize(sr([site]), "clean_descriptors")
    assert find(out, "G-C0E3", scheme)[0].TextValue == "Scan of *** today"


def test_without_the_option_content_is_replaced_not_cleaned() -> None:
    observer = content_item("PNAME", code("121008", "DCM", "Person Observer Name"))
    ds = sr([observer, content_item("TEXT", code("121106", "DCM", "Comment"))])
    src = rs_dicom.dcmread(to_bytes(ds))
    out = deid.anonymize(src, key=KEY)
    items = list(out.ContentSequence)
    # Content Sequence is D in Table E.1-1: every item stays, text and names become dummies.
    assert len(items) == 2
    assert str(items[0].PersonName) == "ANONYMIZED"
    assert items[1].TextValue == "ANONYMIZED"
    codes = [i.CodeValue for i in out.DeidentificationMethodCodeSequence]
    assert "113104" not in codes
    assert "113104" in [
        i.CodeValue
        for i in deid.anonymize(src, key=KEY, options=(OPTION,)).DeidentificationMethodCodeSequence
    ]


def test_unlisted_items_are_scrubbed_and_names_replaced() -> None:
    note = content_item("TEXT", code("99A", "99TEST", "Note"))
    note.TextValue = "Seen by JOHN DOE on request"
    name = content_item("PNAME", code("99B", "99TEST", "Reader"))
    out = anonymize(sr([note, name]))
    assert find(out, "99A", "99TEST")[0].TextValue == "Seen by **** *** on request"
    assert str(find(out, "99B", "99TEST")[0].PersonName) == "ANONYMIZED"


def _by_reference(target: list[int]) -> PDataset:
    item = PDataset()
    item.RelationshipType = "INFERRED FROM"
    item.ReferencedContentItemIdentifier = target
    return item


def test_by_reference_relationships_follow_removals() -> None:
    accession = content_item("TEXT", code("121022", "DCM", "Accession Number"))  # X
    image = content_item("IMAGE", code("99I", "99TEST", "Image"))
    finding = content_item("TEXT", code("99F", "99TEST", "Finding text"))
    finding.ContentSequence = [_by_reference([1, 2])]  # the image
    login = content_item("TEXT", code("128774", "DCM", "Person Observer's Login Name"))  # X
    inferred = content_item("TEXT", code("99G", "99TEST", "Inferred"))
    inferred.ContentSequence = [
        _by_reference([1, 4]),  # the login name: removed with it
        content_item("TEXT", code("99H", "99TEST", "Kept")),
    ]
    inferred.ContentSequence[1].ContentSequence = [_by_reference([1, 3])]  # the finding
    out = anonymize(sr([accession, image, finding, login, inferred]))
    items = list(out.ContentSequence)
    names = [i.ConceptNameCodeSequence[0].CodeValue for i in items]
    assert names == ["99I", "99F", "99G"]
    assert list(items[1].ContentSequence[0].ReferencedContentItemIdentifier) == [1, 1]
    assert len(items[2].ContentSequence) == 1  # the dangling reference went
    kept = items[2].ContentSequence[0]
    assert kept.ConceptNameCodeSequence[0].CodeValue == "99H"
    assert list(kept.ContentSequence[0].ReferencedContentItemIdentifier) == [1, 2]


def test_acquisition_context_items_are_cleaned() -> None:
    ds = base_dataset()
    ds.AcquisitionContextSequence = [
        content_item("PNAME", code("121114", "DCM", "Performing Physician"), "HAS ACQ CONTEXT"),
        content_item("DATE", code("126201", "DCM", "Acquisition Date"), "HAS ACQ CONTEXT"),
        content_item("TEXT", code("125203", "DCM", "Acquisition Protocol"), "HAS ACQ CONTEXT"),
    ]
    out = anonymize(ds, "clean_descriptors")
    items = list(out.AcquisitionContextSequence)
    values = {i.ConceptNameCodeSequence[0].CodeValue: value_of(i) for i in items}
    assert values == {"121114": "ANONYMIZED", "125203": "Scan of *** today"}


def test_audit_names_the_row() -> None:
    src = rs_dicom.dcmread(
        to_bytes(sr([content_item("TEXT", code("121022", "DCM", "Accession Number"))]))
    )
    _, audit = deid.Anonymizer(key=KEY, options=(OPTION,), audit=True).anonymize_with_audit(src)
    assert audit is not None
    entries = [e for e in audit["attributes"] if "E.3.4" in e["reason"]]
    assert entries and entries[0]["action"] == "removed"
    assert "Accession Number (DCM 121022, TEXT)" in entries[0]["reason"]
    assert "Scan of DOE" not in str(audit)


CORPUS = ["reportsi.dcm", "test-SR.dcm", "waveform_ecg.dcm"]


def _errors(path: Path) -> set[str]:
    return {re.sub(r"\b[0-9]+(\.[0-9]+)*\b", "<n>", e) for e in dciodvfy_errors(path)}


@pytest.mark.parametrize("name", CORPUS)
def test_corpus_sr_files(name: str, tmp_path: Path) -> None:
    src = Path(get_testdata_file(name))
    dst = tmp_path / name
    deid.Anonymizer(key=KEY, options=(OPTION, "clean_descriptors")).anonymize_file(src, dst)
    before, after = pydicom.dcmread(src), pydicom.dcmread(dst)
    for ds in (before, after):
        ds.pop("PixelData", None)
    # The tree keeps its shape: the samples use private codes the table does not list.
    assert _shape(after) == _shape(before)
    names = [str(i.get("PersonName", "")) for i in _all(after) if i.get("ValueType") == "PNAME"]
    assert all(n == "ANONYMIZED" for n in names)
    assert _errors(dst) - _errors(src) == set()


def _all(ds: pydicom.Dataset) -> list[pydicom.Dataset]:
    out = []
    for item in ds.get("ContentSequence", []):
        out += [item, *_all(item)]
    return out


def _shape(ds: pydicom.Dataset) -> list[Any]:
    return [
        (i.get("ValueType"), list(i.get("ReferencedContentItemIdentifier", []) or []))
        for i in _all(ds)
    ]


def test_generated_sr_passes_dciodvfy(tmp_path: Path) -> None:
    items = [
        content_item(r["value_type"], code(r["code_value"], r["coding_scheme"], r["code_meaning"]))
        for r in ROWS[:40]
    ]
    ds = sr(items)
    ds.InstanceNumber = 1
    ds.SeriesNumber = 1
    ds.ContentDate, ds.ContentTime = "20200110", "101500"
    ds.StudyTime, ds.StudyID, ds.AccessionNumber = "101500", "S1", "A1"
    ds.ReferringPhysicianName, ds.PatientBirthDate, ds.PatientSex = "", "", ""
    ds.Manufacturer = "ACME"
    ds.PerformedProcedureCodeSequence = []
    src = tmp_path / "sr.dcm"
    src.write_bytes(to_bytes(ds))
    dst = tmp_path / "out.dcm"
    deid.Anonymizer(key=KEY, options=(OPTION,)).anonymize_file(src, dst)
    assert _errors(dst) - _errors(src) == set()
    assert len(_all(pydicom.dcmread(dst))) < len(_all(pydicom.dcmread(src)))
