"""PN and UI values read from files are `PersonName` and `UID`, equal to pydicom's: every PN
and UI element of the pydicom / pydicom-data corpus (file meta and sequence items too)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import rs_dicom
from rs_dicom import UID, PersonName
from test_valuerep import PN_PROPERTIES

pydicom = pytest.importorskip("pydicom")

# pydicom warns about the invalid values some corpus files hold.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

UID_PARTS = ["name", "keyword", "type", "is_private", "is_valid", "is_retired"]
FORMAT = "%(family_name)s,%(given_name)s,%(middle_name)s|%(ideographic)s|%(phonetic)s"


def _values(value: Any) -> list[Any]:
    """The values of an element: pydicom's MultiValue or our list, else the one value."""
    from pydicom.multival import MultiValue

    return list(value) if isinstance(value, list | MultiValue) else [value]


def _pairs(pds: Any, rds: Any, where: str = "") -> Iterator[tuple[str, str, Any, Any]]:
    """(where, VR, pydicom value, rs_dicom value) of each PN and UI element, recursively."""
    for pe in pds:
        tag = int(pe.tag)
        if tag not in rds:
            continue
        at = f"{where}({tag >> 16:04X},{tag & 0xFFFF:04X})"
        vr = str(pe.VR)
        relem = rds[tag]
        if vr == "SQ" and relem.vr == "SQ":
            for i, (pi, ri) in enumerate(zip(pe.value, relem.value, strict=False)):
                yield from _pairs(pi, ri, f"{at}[{i}]")
        elif vr in ("PN", "UI") and relem.vr == vr:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    pv = pe.value
                except Exception:  # pydicom cannot decode it: nothing to compare with
                    continue
            yield at, vr, pv, relem.value


def _compare(vr: str, theirs: Any, ours: Any) -> list[str]:
    wrong = []
    expected_type = PersonName if vr == "PN" else UID
    if type(ours) is not expected_type:
        return [f"{type(ours).__name__}, not {expected_type.__name__}"]
    if str(ours) != str(theirs):
        wrong.append(f"str {str(ours)!r} != {str(theirs)!r}")
    if type(theirs) is str:
        # pydicom gives a plain '' for an empty element read from a file (PersonName('') and
        # UID('') when assigned); ours are always of their class.
        return wrong + ([] if theirs == "" else [f"pydicom's {theirs!r} is a str"])
    for part in PN_PROPERTIES if vr == "PN" else UID_PARTS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if getattr(ours, part) != getattr(theirs, part):
                wrong.append(f"{part} {getattr(ours, part)!r} != {getattr(theirs, part)!r}")
    if vr == "PN" and ours.formatted(FORMAT) != theirs.formatted(FORMAT):
        wrong.append(f"formatted {ours.formatted(FORMAT)!r}")
    if vr == "UI" and ours.is_transfer_syntax and theirs.is_transfer_syntax:
        for part in ("is_implicit_VR", "is_little_endian", "is_compressed"):
            if getattr(ours, part) != getattr(theirs, part):
                wrong.append(part)
    return wrong


def test_every_pn_and_ui_of_the_corpus_matches_pydicom() -> None:
    from conformance import corpus_files, read_pydicom

    counts = {"PN": 0, "UI": 0}
    wrong: list[str] = []
    for path in corpus_files():
        try:
            pds, force = read_pydicom(path)
            rds = rs_dicom.dcmread(path, force=force)
        except Exception:  # either reader refuses the file: test_conformance covers it
            continue
        sources = [(pds, rds, "")]
        if pds.file_meta and rds.file_meta is not None:
            sources.append((pds.file_meta, rds.file_meta, "meta:"))
        for p, r, prefix in sources:
            for where, vr, pv, rv in _pairs(p, r, prefix):
                theirs, ours = _values(pv), _values(rv)
                if len(theirs) != len(ours):
                    wrong.append(f"{path.name} {where}: {len(ours)} values, not {len(theirs)}")
                    continue
                if not isinstance(rv, list) and len(ours) == 1:
                    assert type(rv) is (PersonName if vr == "PN" else UID)
                for t, o in zip(theirs, ours, strict=True):
                    counts[vr] += 1
                    wrong += [f"{path.name} {where} {vr}: {w}" for w in _compare(vr, t, o)]
    assert counts["PN"] > 300 and counts["UI"] > 2000, counts
    assert not wrong, wrong[:20]


def test_empty_and_multiple_values() -> None:
    ds = rs_dicom.Dataset()
    ds.PatientName = ""
    ds.SOPInstanceUID = ""
    # pydicom: PersonName('') and UID('') for empty elements.
    assert type(ds.PatientName) is PersonName and ds.PatientName == ""
    assert type(ds.SOPInstanceUID) is UID and ds.SOPInstanceUID == ""
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.OtherPatientNames = ["Doe^Jane", "Yamada^Tarou=山田^太郎="]
    names = ds.OtherPatientNames
    assert [type(n) for n in names] == [PersonName, PersonName]
    # Trailing empty groups dropped, as PersonName("...=") and pydicom do.
    assert names == ["Doe^Jane", "Yamada^Tarou=山田^太郎"] and names[1].ideographic == "山田^太郎"
    ds.ReferencedSOPClassUIDInFile = "1.2.840.10008.5.1.4.1.1.2"
    ds.FailedSOPInstanceUIDList = ["1.2.3", "1.2.840.10008.1.2.1"]
    uids = ds.FailedSOPInstanceUIDList
    assert [type(u) for u in uids] == [UID, UID]
    assert uids[1].name == "Explicit VR Little Endian" and uids[1].is_transfer_syntax


def test_value_objects_assign() -> None:
    """PersonName, UID, DA/TM/DT and datetime objects can be assigned; dates and times are
    written as pydicom writes them (their original text, else the datetime's)."""
    import datetime

    from rs_dicom.valuerep import DA, DT, TM

    ds = rs_dicom.Dataset()
    ds.PatientName = PersonName.from_named_components(family_name="Doe", given_name="Jane")
    ds.SOPClassUID = rs_dicom.uid.CTImageStorage
    assert ds.PatientName.given_name == "Jane" and ds.SOPClassUID.name == "CT Image Storage"
    cases: list[tuple[str, Any, str]] = [
        ("StudyDate", datetime.date(2024, 1, 31), "20240131"),
        ("StudyDate", DA("20040701"), "20040701"),
        ("StudyTime", datetime.time(12, 30, 45, 500), "123045.000500"),
        ("StudyTime", datetime.time(12, 30), "123000"),
        ("StudyTime", TM("1230"), "1230"),
        ("AcquisitionDateTime", DT("20240131123045.25+0100"), "20240131123045.25+0100"),
        (
            "AcquisitionDateTime",
            datetime.datetime(
                2024, 1, 31, 12, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))
            ),
            "20240131123000-0500",
        ),
    ]
    pds = pydicom.Dataset()
    for keyword, value, text in cases:
        setattr(ds, keyword, value)
        assert getattr(ds, keyword) == text
        # pydicom writes the same text.
        setattr(pds, keyword, value)
        fp = pydicom.filebase.DicomBytesIO()
        fp.is_little_endian, fp.is_implicit_VR = True, True
        pydicom.filewriter.write_dataset(fp, pds)
        assert text.encode() in fp.getvalue()
