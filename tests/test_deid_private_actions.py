"""Deidentification Action (0008,0307) (PS3.15 E.3.10, PS3.3 C.12.1.1.7): under the Retain
Safe Private Option, a private attribute not known to be safe that the file's Private Data
Element Characteristics Sequence names in a Deidentification Action Sequence is treated as
recommended (D dummy, Z empty, X removed, U mapped like every other UID) instead of removed;
without the option every private attribute goes. Files are made and read back by pydicom."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pydicom
import pytest
from pydicom.dataset import Dataset as PDataset
from pydicom.uid import ImplicitVRLittleEndian

sys.path.insert(0, str(Path(__file__).resolve().parent))

import rs_dicom  # noqa: E402
from deid_support import KEY, SAMPLE_UID, base_dataset, to_bytes  # noqa: E402
from rs_dicom import deid  # noqa: E402

CREATOR = "ACME_PRIVATE_1"
ACTIONS = {0x01: "D", 0x02: "Z", 0x03: "U", 0x04: "X"}


def _dataset(block: int = 0x10) -> PDataset:
    ds = base_dataset()
    ds.FrameOfReferenceUID = SAMPLE_UID  # U in Table E.1-1: the mapping to compare with
    ds.add_new(0x00090000 | block, "LO", CREATOR)
    base = 0x00090000 | (block << 8)
    ds.add_new(base | 0x01, "LO", "DOE secret")
    ds.add_new(base | 0x02, "LO", "JOHN")
    ds.add_new(base | 0x03, "UI", SAMPLE_UID)
    ds.add_new(base | 0x04, "LO", "DOE removed")
    ds.add_new(base | 0x05, "LO", "DOE unlisted")
    ds.add_new(base | 0x06, "DS", "2.5")
    chars = PDataset()
    chars.PrivateGroupReference = 0x0009
    chars.PrivateCreatorReference = CREATOR
    chars.BlockIdentifyingInformationStatus = "MIXED"
    chars.NonidentifyingPrivateElements = [0x06]
    actions = []
    for element, action in ACTIONS.items():
        item = PDataset()
        item.IdentifyingPrivateElements = [element]
        item.DeidentificationAction = action
        actions.append(item)
    chars.DeidentificationActionSequence = actions
    ds.PrivateDataElementCharacteristicsSequence = [chars]
    return ds


def _anonymize(data: bytes, *options: str) -> tuple[pydicom.Dataset, dict]:
    src = rs_dicom.dcmread(data)
    engine = deid.Anonymizer(key=KEY, options=options, audit=True)
    out, audit = engine.anonymize_with_audit(src)
    assert audit is not None
    buf = io.BytesIO()
    out.save_as(buf, enforce_file_format=True)
    return pydicom.dcmread(io.BytesIO(buf.getvalue())), audit


def _block(ds: pydicom.Dataset) -> dict[int, object]:
    block = ds.private_block(0x0009, CREATOR)
    return {e: block[e].value for e in range(1, 7) if e in block}


@pytest.mark.parametrize("block", [0x10, 0x42])
def test_recommended_actions_are_applied(block: int) -> None:
    out, audit = _anonymize(to_bytes(_dataset(block)), "retain_safe_private")
    values = _block(out)
    assert values[0x01] == "ANONYMIZED"
    assert values[0x02] in ("", None)
    mapped = str(out.FrameOfReferenceUID)
    assert mapped.startswith("2.25.") and values[0x03] == mapped
    assert 0x04 not in values  # X
    assert 0x05 not in values  # no action, not safe: removed
    assert values[0x06] == pytest.approx(2.5)  # declared non-identifying
    reasons = [e["reason"] for e in audit["attributes"] if "(0008,0307)" in e["reason"]]
    assert len(reasons) == 4
    assert any("Deidentification Action D" in r for r in reasons)


def test_without_the_option_every_private_attribute_goes() -> None:
    out, _ = _anonymize(to_bytes(_dataset()), "retain_uids")
    assert not any(e.tag.is_private for e in out)


def test_implicit_vr_private_values() -> None:
    ds = _dataset()
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True, implicit_vr=True)
    out, _ = _anonymize(buf.getvalue(), "retain_safe_private")
    block = out.private_block(0x0009, CREATOR)
    raw = {e: block[e].value for e in range(1, 7) if e in block}
    # Without a VR the value is replaced by bytes that hold nothing of the original.
    assert b"DOE" not in bytes(raw[0x01]) and raw[0x01]
    assert not raw[0x02]
    assert sorted(raw) == [0x01, 0x02, 0x03, 0x06]
    assert bytes(raw[0x03]).rstrip(b"\0").decode() == str(out.FrameOfReferenceUID)


def test_unknown_actions_and_safe_blocks() -> None:
    ds = _dataset()
    seq = ds.PrivateDataElementCharacteristicsSequence[0].DeidentificationActionSequence
    seq[0].DeidentificationAction = "Q"  # not one of D, Z, X, U: the element is removed
    out, _ = _anonymize(to_bytes(ds), "retain_safe_private")
    assert 0x01 not in _block(out)
    ds.PrivateDataElementCharacteristicsSequence[0].BlockIdentifyingInformationStatus = "SAFE"
    out, _ = _anonymize(to_bytes(ds), "retain_safe_private")
    # A SAFE block is kept whole: the actions are for elements not known to be safe.
    assert _block(out)[0x04] == "DOE removed"
