"""The Retain Safe Private Option with PS3.15 Table E.3.10-1 "Safe Private Attributes".

Files are written by pydicom with private blocks of the table's creators, placed at
different block numbers ((gggg,10ee) in one file, (gggg,11ee) in another), beside blocks of
creators the table does not list and unlisted elements of listed creators. The expectations
come from the committed source table (scripts/data/ps3.15_table_e3.10-1.tsv), and the
outputs are read back with pydicom's own private-block lookup (``Dataset.private_block``),
so neither side relies on rs_dicom's lookup. None of the peers (pydicom, dicognito, deid)
ships this table: pydicom's ``remove_private_tags`` and deid's ``remove_private`` remove every
private attribute, dicognito leaves them as they are; deid can keep private attributes a user
recipe names by creator, as rs_dicom's ``safe_private`` list does.
"""

from __future__ import annotations

import csv
import io
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pydicom
import pytest
from pydicom.dataset import Dataset as PDataset
from pydicom.sequence import Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

import rs_dicom  # noqa: E402
from deid_support import KEY, base_dataset, to_bytes  # noqa: E402
from rs_dicom import deid  # noqa: E402

SOURCE = Path(__file__).resolve().parent.parent / "scripts" / "data" / "ps3.15_table_e3.10-1.tsv"
SAFE = ("retain_safe_private",)
WRONG = "ACME NOT LISTED"


def source_rows() -> list[dict[str, Any]]:
    lines = [ln for ln in SOURCE.read_text(encoding="utf-8").splitlines() if not ln[:1] == "#"]
    return [
        {
            "group": int(r["group"], 16),
            "element": int(r["element"], 16),
            "creator": r["creator"],
            "vr": r["vr"] or None,
            "vm": r["vm"],
            "meaning": r["meaning"],
        }
        for r in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    ]


ROWS = source_rows()
BY_BLOCK: dict[tuple[int, str], dict[int, str | None]] = defaultdict(dict)
for _r in ROWS:
    BY_BLOCK[(_r["group"], _r["creator"])][_r["element"]] = _r["vr"]

VALUES: dict[str, Any] = {
    "DS": "12.5",
    "IS": "42",
    "CS": "AXIAL",
    "LO": "SAFE VALUE",
    "SH": "SAFE",
    "LT": "a safe message",
    "FL": 1.5,
    "FD": 2.5,
    "SS": -3,
    "US": 3,
    "SL": -70000,
    "UL": 70000,
    "OB": b"\x01\x02",
    "UI": "1.2.840.10008.1.2.1",  # the standard's own root: kept as it is
}


def value(vr: str, n: int) -> Any:
    if vr == "FD" and n > 1:
        return [0.5] * n
    if vr == "IS" and n > 1:
        return ["1"] * n
    return VALUES[vr]


def vm_of(row_vm: str) -> int:
    return int(row_vm.split("-")[0])


def add_block(
    ds: PDataset, group: int, creator: str, start: int, elements: dict[int, tuple[str, Any]]
) -> None:
    """A block of `creator` at block number `start` (0x10..0xFF) holding `elements`."""
    ds.add_new((group << 16) | start, "LO", creator)
    for offset, (vr, val) in sorted(elements.items()):
        ds.add_new((group << 16) | (start << 8) | offset, vr, val)


def listed_elements(group: int, creator: str) -> dict[int, tuple[str, Any]]:
    """Every listed element of a block with a value of its VR (UN-less rows get LO)."""
    rows = [r for r in ROWS if r["group"] == group and r["creator"] == creator]
    out = {}
    for r in rows:
        vr = r["vr"] or "LO"
        if vr == "SQ":
            out[r["element"]] = (vr, Sequence([PDataset()]))
        else:
            out[r["element"]] = (vr, value(vr, vm_of(r["vm"])))
    return out


def unlisted_offset(group: int, creator: str) -> int:
    return next(o for o in range(0xF0, 0x100) if o not in BY_BLOCK[(group, creator)])


def roundtrip(ds: PDataset, options: tuple[str, ...] = SAFE, **kw: Any) -> PDataset:
    out = deid.anonymize(rs_dicom.dcmread(to_bytes(ds)), options=options, key=KEY, **kw)
    buf = io.BytesIO()
    out.save_as(buf, enforce_file_format=True)
    return pydicom.dcmread(io.BytesIO(buf.getvalue()))


def private_keys(ds: PDataset) -> set[tuple[int, str, int]]:
    """(group, creator, offset) of every private attribute (not creator) of `ds`."""
    creators = {
        (e.tag.group, e.tag.element & 0xFF): str(e.value).strip()
        for e in ds
        if e.tag.is_private and 0x10 <= e.tag.element <= 0xFF
    }
    return {
        (e.tag.group, creators.get((e.tag.group, e.tag.element >> 8), "?"), e.tag.element & 0xFF)
        for e in ds
        if e.tag.is_private and e.tag.element >= 0x1000
    }


def test_the_core_table_is_the_source() -> None:
    got = [
        (r.group, r.element, r.creator, r.vr, r.vm, r.meaning) for r in deid.safe_private_table()
    ]
    want = [(r["group"], r["element"], r["creator"], r["vr"], r["vm"], r["meaning"]) for r in ROWS]
    assert sorted(got) == sorted(want)
    assert len(ROWS) == 130


BLOCKS = sorted(BY_BLOCK)


@pytest.mark.parametrize("start", [0x10, 0x11])
@pytest.mark.parametrize(("group", "creator"), BLOCKS, ids=[f"{g:04X}-{c}" for g, c in BLOCKS])
def test_listed_elements_kept_at_any_block(group: int, creator: str, start: int) -> None:
    ds = base_dataset()
    if start == 0x11:
        # Another creator takes block 10 of the group, with the same offsets: not safe.
        add_block(ds, group, WRONG, 0x10, listed_elements(group, creator))
    listed = listed_elements(group, creator)
    extra = unlisted_offset(group, creator)
    add_block(ds, group, creator, start, {**listed, extra: ("LO", "DOE^JOHN")})
    out = roundtrip(ds)
    assert private_keys(out) == {(group, creator, o) for o in listed}
    block = out.private_block(group, creator)
    src = ds.private_block(group, creator)
    for offset, (vr, _) in listed.items():
        if vr != "SQ":
            assert out[block.get_tag(offset)].value == ds[src.get_tag(offset)].value
    # The wrong creator's block is gone with its creator element.
    assert all(str(e.value) != WRONG for e in out if e.tag.is_private)
    # Without the option nothing private stays.
    assert not any(e.tag.is_private for e in roundtrip(ds, ()))


def test_wrong_creator_and_case_are_removed() -> None:
    ds = base_dataset()
    add_block(ds, 0x0019, "GEMS_ACQU_02", 0x10, {0x23: ("DS", "1.0")})
    add_block(ds, 0x0019, "gems_acqu_01", 0x11, {0x23: ("DS", "1.0")})
    add_block(ds, 0x0021, "GEMS_ACQU_01", 0x10, {0x23: ("DS", "1.0")})  # wrong group
    out = roundtrip(ds)
    assert not any(e.tag.is_private for e in out)


def test_a_listed_tag_with_another_vr_is_removed_and_audited() -> None:
    ds = base_dataset()
    add_block(ds, 0x0019, "GEMS_ACQU_01", 0x10, {0x23: ("LO", "DOE^JOHN"), 0x24: ("DS", "2")})
    src = rs_dicom.dcmread(to_bytes(ds))
    out, audit = deid.Anonymizer(options=SAFE, key=KEY, audit=True).anonymize_with_audit(src)
    assert 0x00191023 not in out and 0x00191024 in out
    assert audit is not None
    reasons = {a["path"]: a["reason"] for a in audit["attributes"]}
    assert "VR LO" in reasons["(0019,1023)"] and "Table E.3.10-1 lists DS" in reasons["(0019,1023)"]
    assert "Table E.3.10-1" in reasons["(0019,1024)"] and "Mid Scan Time" in reasons["(0019,1024)"]


def test_user_list_adds_to_the_table_and_audit_says_which() -> None:
    ds = base_dataset()
    add_block(ds, 0x0029, "ACME_SAFE", 0x10, {0x01: ("DS", "3"), 0x02: ("LO", "DOE")})
    add_block(ds, 0x0019, "GEMS_ACQU_01", 0x11, {0x23: ("DS", "1.0")})
    src = rs_dicom.dcmread(to_bytes(ds))
    anon = deid.Anonymizer(
        options=SAFE, key=KEY, audit=True, safe_private=[deid.SafePrivate("ACME_SAFE", 0x01)]
    )
    out, audit = anon.anonymize_with_audit(src)
    assert {(0x0029, 0x01), (0x0019, 0x23)} == {(g, o) for g, _, o in private_keys(_py(out))}
    assert audit is not None
    reasons = {a["path"]: (a["action"], a["reason"]) for a in audit["attributes"]}
    assert reasons["(0029,1001)"][0] == "kept" and "safe list" in reasons["(0029,1001)"][1]
    assert reasons["(0029,1002)"][0] == "removed"
    action, why = reasons["(0019,1123)"]
    assert action == "kept" and "(0019,xx23) GEMS_ACQU_01: Table Speed" in why


def _py(ds: Any) -> PDataset:
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return pydicom.dcmread(io.BytesIO(buf.getvalue()))


def test_nested_sequences() -> None:
    ds = base_dataset()
    item = PDataset()
    item.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    item.ReferencedSOPInstanceUID = "1.2.826.0.1.3680043.9.7777.7"
    add_block(item, 0x0019, WRONG, 0x10, {0x23: ("DS", "9")})
    add_block(item, 0x0019, "GEMS_ACQU_01", 0x11, {0x23: ("DS", "1.0"), 0x22: ("LO", "DOE")})
    ds.ReferencedImageSequence = Sequence([item])
    # A safe private sequence whose item holds another creator's block.
    inner = PDataset()
    add_block(inner, 0x0099, "NQHeader", 0x10, {0x04: ("SS", 1), 0x03: ("LO", "DOE")})
    add_block(ds, 0x7E01, "HOLOGIC, Inc.", 0x10, {0x10: ("SQ", Sequence([inner]))})
    out = roundtrip(ds)
    got = out.ReferencedImageSequence[0]
    assert private_keys(got) == {(0x0019, "GEMS_ACQU_01", 0x23)}
    seq = out[out.private_block(0x7E01, "HOLOGIC, Inc.").get_tag(0x10)].value
    assert private_keys(seq[0]) == {(0x0099, "NQHeader", 0x04)}


def test_kept_uids_are_mapped_like_the_others() -> None:
    ds = base_dataset()
    add_block(ds, 0x0099, "NQHeader", 0x10, {0x02: ("UI", ds.SeriesInstanceUID)})
    out = roundtrip(ds)
    kept = out[out.private_block(0x0099, "NQHeader").get_tag(0x02)].value
    assert kept == out.SeriesInstanceUID != ds.SeriesInstanceUID
    kept_uids = roundtrip(ds, (*SAFE, "retain_uids"))
    block = kept_uids.private_block(0x0099, "NQHeader")
    assert kept_uids[block.get_tag(0x02)].value == ds.SeriesInstanceUID


def test_files_implicit_vr(tmp_path: Path) -> None:
    """The file path (read → de-identify → write in Rust), implicit VR: VRs come from the
    private dictionary or are UN, and the listed elements stay."""
    ds = base_dataset()
    add_block(ds, 0x0019, "GEMS_ACQU_01", 0x11, {0x23: ("DS", "1.0"), 0x22: ("LO", "DOE")})
    add_block(ds, 0x2005, "Philips MR Imaging DD 001", 0x10, {0x0E: ("FL", 0.25)})
    src = tmp_path / "in.dcm"
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.save_as(src, enforce_file_format=True)
    dst = tmp_path / "out.dcm"
    deid.Anonymizer(options=SAFE, key=KEY).anonymize_file(src, dst)
    out = pydicom.dcmread(dst)
    assert private_keys(out) == {
        (0x0019, "GEMS_ACQU_01", 0x23),
        (0x2005, "Philips MR Imaging DD 001", 0x0E),
    }
