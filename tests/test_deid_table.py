"""PS3.15 Table E.1-1, row by row and option by option: each attribute, written by pydicom,
de-identified by rs_dicom and read back by pydicom, ends as its row's action says.

The expectations come from the committed source table (the standard's rows), not from the
generated Rust table; combined actions are checked as rs_dicom resolves them (X/Z → Z, X/D →
D, Z/D and X/Z/D → D for a non-empty value, X/Z/U* → the sequence kept with new UIDs)."""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deid_support import (  # noqa: E402
    INNER_UID,
    OPTION_COLUMNS,
    PATIENT_NAME,
    Row,
    anonymize_with_pydicom_result,
    base_dataset,
    is_empty,
    sample,
    table_rows,
    vr_of,
    with_attribute,
)
from rs_dicom import deid  # noqa: E402

ROWS = table_rows()
# Media Storage SOP Instance UID lives in the file meta: test_file_meta_uid checks it.
DATASET_ROWS = [r for r in ROWS if not r.tag.startswith("0002,")]


def _value(ds: Any, tag: int) -> Any:
    return ds[tag].value if tag in ds else None


def _check_basic(row: Row, before: Any, out: Any) -> None:
    tag = row.concrete
    vr = vr_of(tag)
    action = row.basic
    if action in ("Z/D", "X/Z/D"):
        action = "Z" if is_empty(before) else "D"
    action = {"X/Z": "Z", "X/D": "D"}.get(action, action)
    if tag >> 16 == 0x0009 or action == "X":
        assert tag not in out, f"{row.name} should be removed"
        return
    assert tag in out, f"{row.name} ({action}) should be present"
    after = out[tag].value
    if action == "X/Z/U*":
        assert vr == "SQ" and len(after) == 1
        inner = after[0].ReferencedSOPInstanceUID
        assert inner != INNER_UID and inner.startswith("2.25.")
    elif action == "Z" and tag in (0x00100010, 0x00100020):
        assert not is_empty(after) and str(after) != str(before) and str(after).startswith("ANON")
    elif action == "Z":
        assert is_empty(after), f"{row.name}: {after!r}"
    elif action == "D" and vr == "SQ":
        assert len(after) == 1 and after[0].TextValue == "ANONYMIZED"
    elif action == "D":
        assert not is_empty(after) and after != before, f"{row.name}: {after!r}"
        assert "DOE" not in str(after)
    elif action == "U":
        assert str(after) != str(before) and str(after).startswith("2.25.")
    else:
        pytest.fail(f"unexpected action {action} for {row.name}")


@pytest.mark.parametrize("row", DATASET_ROWS, ids=[f"{r.tag} {r.name}" for r in DATASET_ROWS])
def test_row_basic_profile(row: Row) -> None:
    ds = with_attribute(row.concrete)
    before = _value(ds, row.concrete)
    out = anonymize_with_pydicom_result(ds)
    _check_basic(row, before, out)
    assert out.PatientIdentityRemoved == "YES"


def _days(a: str, b: str) -> int:
    f = "%Y%m%d"
    return (datetime.datetime.strptime(a[:8], f) - datetime.datetime.strptime(b[:8], f)).days


def _check_option(row: Row, option: str, action: str, before: Any, out: Any) -> None:
    tag = row.concrete
    vr = vr_of(tag)
    if action == "X":
        assert tag not in out
        return
    assert tag in out, f"{row.name} should stay with {option}"
    after = out[tag].value
    if action == "K" or row.tag == "gggg,eeee":
        # K keeps; C on a private attribute keeps it when it is listed safe.
        assert after == before or (vr == "SQ" and len(after) == len(before))
    elif option == "retain_long_modified_dates" and vr in ("DA", "DT"):
        # Moved by the patient's offset: the same as the study date's.
        shift = _days(after, before)
        assert shift < 0 and shift == _days(out.StudyDate, "20200110")
    elif vr == "SQ":
        assert len(after) == len(before)
    elif isinstance(before, str) and "DOE" in before:
        assert "DOE" not in str(after) and "***" in str(after), f"{row.name}: {after!r}"
    else:
        assert after == before, f"{row.name}: C keeps {before!r}, got {after!r}"


CASES = [(r, o) for r in DATASET_ROWS for o in r.options]


@pytest.mark.parametrize("option", OPTION_COLUMNS)
def test_option_column(option: str) -> None:
    rows = [r for r in DATASET_ROWS if option in r.options]
    assert rows, f"no row of the table has {option}"
    safe = [deid.SafePrivate("ACME_SAFE", 0x01)]
    for row in rows:
        ds = with_attribute(row.concrete)
        before = _value(ds, row.concrete)
        out = anonymize_with_pydicom_result(ds, (option,), safe_private=safe)
        _check_option(row, option, row.options[option], before, out)
        if row.tag == "gggg,eeee":
            # Only the listed element of the block is safe; its creator stays with it.
            assert 0x00091002 not in out and out[0x00090010].value == "ACME_SAFE"


def test_file_meta_uid() -> None:
    out = anonymize_with_pydicom_result(base_dataset())
    assert out.file_meta.MediaStorageSOPInstanceUID == out.SOPInstanceUID
    assert out.SOPInstanceUID.startswith("2.25.")
    kept = anonymize_with_pydicom_result(base_dataset(), ("retain_uids",))
    assert (
        kept.SOPInstanceUID
        == kept.file_meta.MediaStorageSOPInstanceUID
        == base_dataset().SOPInstanceUID
    )


def test_method_codes_name_every_option() -> None:
    opts = ("retain_uids", "clean_descriptors", "retain_long_modified_dates")
    out = anonymize_with_pydicom_result(base_dataset(), opts)
    codes = [item.CodeValue for item in out.DeidentificationMethodCodeSequence]
    assert codes == ["113100", "113110", "113107", "113105"]
    assert all(
        item.CodingSchemeDesignator == "DCM" for item in out.DeidentificationMethodCodeSequence
    )
    assert out.LongitudinalTemporalInformationModified == "MODIFIED"
    plain = anonymize_with_pydicom_result(base_dataset())
    assert plain.LongitudinalTemporalInformationModified == "REMOVED"


def test_nested_rows_apply_at_any_depth() -> None:
    ds = base_dataset()
    inner = sample("SQ")
    inner[0].PatientName = PATIENT_NAME
    inner[0].InstitutionName = "General Hospital DOE"
    inner[0].AcquisitionDate = "20200110"
    deeper = sample("SQ")
    deeper[0].OperatorsName = "SMITH^ANN"
    inner[0].SourceImageSequence = deeper
    ds.ReferencedImageSequence = inner
    out = anonymize_with_pydicom_result(ds)
    item = out.ReferencedImageSequence[0]
    assert str(item.PatientName).startswith("ANON")
    assert "Hospital" not in str(item.get("InstitutionName", ""))
    assert is_empty(item.AcquisitionDate)
    assert item.ReferencedSOPInstanceUID.startswith("2.25.")
    assert "SMITH" not in str(item.SourceImageSequence[0].get("OperatorsName", ""))


def test_mutually_exclusive_date_options() -> None:
    with pytest.raises(ValueError, match="exclude each other"):
        deid.Anonymizer(
            options=("retain_long_full_dates", "retain_long_modified_dates"), key=b"k" * 16
        )
    with pytest.raises(ValueError, match="unknown de-identification option"):
        deid.Anonymizer(options=("retain_everything",), key=b"k" * 16)


def test_generated_table_matches_its_source() -> None:
    core = {
        (r.tag, r.name, r.basic, tuple(sorted(r.options.items()))) for r in deid.profile_table()
    }
    source = {(r.tag, r.name, r.basic, tuple(sorted(r.options.items()))) for r in ROWS}
    assert core == source and len(ROWS) == 460
    script = Path(__file__).resolve().parent.parent / "scripts" / "generate_deid_table.py"
    proc = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
