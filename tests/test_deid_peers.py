"""rs_dicom's Basic Profile against dicognito and deid (pydicom/deid, default recipe with
private tags removed) on the same files, attribute by attribute.

What the comparison shows, and what these tests hold to (README, "De-identification"):

* rs_dicom is never weaker than both peers: an attribute both of them change or remove is
  changed or removed by rs_dicom too.
* Where rs_dicom keeps what a peer removes, the standard keeps it (the attribute is not in
  PS3.15 Table E.1-1): deid's default recipe removes by name pattern (SOP Class UID, Echo
  Time, Exposure Time, ...).
* Where rs_dicom removes or changes what a peer keeps, Table E.1-1 asks for it (private
  attributes, patient characteristics, descriptions, device serial numbers, Timezone Offset,
  Image Comments, trailing padding; dicognito keeps most of them, deid many), or it is one of
  rs_dicom's rules for what the table does not list (dates, times, person names; an overlay's
  other attributes go with its Overlay Data).
"""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path
from typing import Any

import pydicom
import pytest
from pydicom.data import get_testdata_file

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deid_support import KEY, table_rows  # noqa: E402
from rs_dicom import deid as rs_deid  # noqa: E402
from test_deid_studies import _instance  # noqa: E402

TABLE_TAGS = {
    int(r.tag.replace(",", ""), 16) for r in table_rows() if "x" not in r.tag and "g" not in r.tag
}
EXTENSION_VRS = {"DA", "DT", "TM", "PN"}


def _outcome(before: Any, after: Any, tag: int) -> str:
    if tag not in after:
        return "removed"
    a, b = after[tag].value, before[tag].value
    if a in (None, "", b"") or (
        not isinstance(a, (str, bytes)) and hasattr(a, "__len__") and not a
    ):
        return "emptied"
    return "kept" if a == b else "changed"


def _files(tmp: Path) -> list[Path]:
    gen = tmp / "generated.dcm"
    _instance(0, 0, 0, 0, implicit=False).save_as(gen, enforce_file_format=True)
    return [gen, Path(get_testdata_file("CT_small.dcm")), Path(get_testdata_file("MR_small.dcm"))]


@pytest.fixture(scope="module")
def comparison(
    tmp_path_factory: pytest.TempPathFactory,
) -> list[tuple[str, int, str, str, str, str]]:
    dicognito = pytest.importorskip("dicognito.anonymizer")
    deid_dicom = pytest.importorskip("deid.dicom")
    tmp = tmp_path_factory.mktemp("peers")
    rows = []
    logging.disable(logging.WARNING)
    try:
        for src in _files(tmp):
            before = pydicom.dcmread(src)
            out = tmp / f"rs_{src.name}"
            rs_deid.Anonymizer(key=KEY).anonymize_file(src, out)
            ours = pydicom.dcmread(out)
            dg = pydicom.dcmread(src)
            dicognito.Anonymizer().anonymize(dg)
            folder = tmp / f"deid_{src.stem}"
            folder.mkdir()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                deid_dicom.replace_identifiers(
                    [str(src)], save=True, output_folder=str(folder), remove_private=True
                )
            de = pydicom.dcmread(folder / src.name)
            for e in before:
                t = int(e.tag)
                rows.append(
                    (
                        src.name,
                        t,
                        e.VR,
                        _outcome(before, ours, t),
                        _outcome(before, dg, t),
                        _outcome(before, de, t),
                    )
                )
    finally:
        logging.disable(logging.NOTSET)
    return rows


def test_never_weaker_than_both_peers(
    comparison: list[tuple[str, int, str, str, str, str]],
) -> None:
    weaker = [
        (f, hex(t))
        for f, t, _, ours, dg, de in comparison
        if ours == "kept" and dg != "kept" and de != "kept"
    ]
    assert weaker == []


def test_what_rs_dicom_keeps_and_a_peer_removes_the_standard_keeps(
    comparison: list[tuple[str, int, str, str, str, str]],
) -> None:
    kept = {
        (hex(t), vr)
        for _, t, vr, ours, dg, de in comparison
        if ours == "kept" and "kept" in (dg, de) and {dg, de} != {"kept"}
    }
    assert kept, "the peers differ from rs_dicom somewhere"
    listed = [k for k in kept if int(k[0], 16) in TABLE_TAGS]
    assert listed == []


def test_what_rs_dicom_removes_and_a_peer_keeps_the_standard_asks(
    comparison: list[tuple[str, int, str, str, str, str]],
) -> None:
    stricter = {
        (t, vr) for _, t, vr, ours, dg, de in comparison if ours != "kept" and "kept" in (dg, de)
    }
    assert stricter
    # An overlay goes whole with its Overlay Data (row 60xx,3000: X).
    unexplained = [
        hex(t)
        for t, vr in stricter
        if t not in TABLE_TAGS
        and not (t >> 16) % 2
        and vr not in EXTENSION_VRS
        and (t >> 16) & 0xFF00 != 0x6000
    ]
    assert unexplained == []
