"""Shared parts of the de-identification tests: PS3.15 Table E.1-1 read from the committed
source (the standard's rows, independent of the generated Rust table), sample values per
VR, and datasets made with pydicom (the oracle) holding one attribute of a row."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydicom
import rs_dicom
from pydicom.datadict import dictionary_VR
from pydicom.dataset import Dataset as PDataset
from pydicom.dataset import FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

TABLE = Path(__file__).resolve().parent.parent / "scripts" / "data" / "ps3.15_table_e1-1.tsv"
KEY = b"test-key-0123456789abcdef"
PATIENT_NAME = "DOE^JOHN"
SAMPLE_UID = "1.2.826.0.1.3680043.9.7777.1"
INNER_UID = "1.2.826.0.1.3680043.9.7777.2"
OPTION_COLUMNS = (
    "retain_safe_private",
    "retain_uids",
    "retain_device_identity",
    "retain_institution_identity",
    "retain_patient_characteristics",
    "retain_long_full_dates",
    "retain_long_modified_dates",
    "clean_descriptors",
    "clean_structured_content",
    "clean_graphics",
)


@dataclass(frozen=True)
class Row:
    """A row of Table E.1-1 as the committed source gives it."""

    tag: str
    name: str
    basic: str
    options: dict[str, str]

    @property
    def concrete(self) -> int:
        """A tag the row names: repeating groups as their first group, private as 0009."""
        if self.tag == "gggg,eeee":
            return 0x00091001
        if self.tag == "50xx,xxxx":
            return 0x50003000  # Curve Data itself
        return int(self.tag.replace(",", "").replace("x", "0"), 16)


def table_rows() -> list[Row]:
    """Every row of the source table."""
    lines = [ln for ln in TABLE.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    out = []
    for rec in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
        opts = {c: rec[c] for c in OPTION_COLUMNS if rec[c]}
        out.append(Row(rec["tag"], rec["name"], rec["basic"], opts))
    return out


def vr_of(tag: int) -> str:
    """The tag's VR (the first of several)."""
    if tag >> 16 == 0x0009:
        return "LO"
    return dictionary_VR(tag).split(" or ")[0]


def sample(vr: str) -> Any:
    """A value of `vr` that names the patient wherever text allows."""
    values: dict[str, Any] = {
        "PN": PATIENT_NAME,
        "DA": "20200115",
        "DT": "20200115101500",
        "TM": "101500",
        "UI": SAMPLE_UID,
        "LO": "DOE 12345",
        "SH": "DOE 12345",
        "CS": "DOE 1",
        "AE": "DOEAE",
        "AS": "045Y",
        "DS": "12.5",
        "IS": "42",
        "LT": "Scan of DOE today",
        "ST": "Scan of DOE today",
        "UT": "Scan of DOE today",
        "UC": "Scan of DOE today",
        "UR": "http://doe.example",
        "US": 7,
        "SS": 7,
        "UL": 7,
        "SL": 7,
        "FL": 1.5,
        "FD": 1.5,
        "OB": b"\x01\x02",
        "OW": b"\x01\x02",
        "UN": b"\x01\x02",
        "AT": 0x00100010,
    }
    if vr == "SQ":
        item = PDataset()
        item.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        item.ReferencedSOPInstanceUID = INNER_UID
        item.TextValue = "Scan of DOE today"
        return [item]
    return values[vr]


def base_dataset() -> PDataset:
    """A small CT-like dataset with the patient and a study date."""
    ds = PDataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.SOPInstanceUID = "1.2.826.0.1.3680043.9.7777.100"
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.9.7777.101"
    ds.SeriesInstanceUID = "1.2.826.0.1.3680043.9.7777.102"
    ds.PatientName = PATIENT_NAME
    ds.PatientID = "PID-0042"
    ds.StudyDate = "20200110"
    ds.Modality = "CT"
    return ds


def with_attribute(tag: int) -> PDataset:
    """`base_dataset()` with the attribute `tag` set to a sample value."""
    ds = base_dataset()
    vr = vr_of(tag)
    if tag >> 16 == 0x0009:
        ds.add_new(0x00090010, "LO", "ACME_SAFE")
        ds.add_new(0x00091002, "LO", "DOE secret")
    if tag == 0x60003000:
        ds.add_new(0x60000010, "US", 2)
        ds.add_new(0x60000011, "US", 8)
        ds.add_new(0x60000040, "CS", "G")
        ds.add_new(0x60000050, "SS", [1, 1])
        ds.add_new(0x60000100, "US", 1)
        ds.add_new(0x60000102, "US", 0)
    if tag not in ds:
        ds.add_new(tag, vr, sample(vr))
    return ds


def to_bytes(ds: PDataset) -> bytes:
    """A Part 10 file of `ds` (explicit VR little endian), written by pydicom."""
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def anonymize_with_pydicom_result(
    ds: PDataset, options: tuple[str, ...] = (), **kwargs: Any
) -> PDataset:
    """`ds` written by pydicom, read and de-identified by rs_dicom, written by rs_dicom and
    read back by pydicom."""
    from rs_dicom import deid

    # pydicom refuses to write command elements (group 0000) into a file: they are added to
    # the dataset rs_dicom read.
    command = [e for e in ds if e.tag >> 16 == 0]
    for e in command:
        del ds[e.tag]
    src = rs_dicom.dcmread(to_bytes(ds))
    for e in command:
        src.add_new(int(e.tag), e.VR, e.value)
    out = deid.anonymize(src, options=options, key=KEY, **kwargs)
    buf = io.BytesIO()
    out.save_as(buf, enforce_file_format=True)
    return pydicom.dcmread(io.BytesIO(buf.getvalue()))


def is_empty(value: Any) -> bool:
    """A zero-length value as pydicom reads it."""
    if value is None or isinstance(value, (str, bytes)):
        return not value
    return hasattr(value, "__len__") and len(value) == 0
