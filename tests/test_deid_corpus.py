"""De-identification of every file of pydicom and pydicom-data: each one is de-identified or
refused with a DicomError naming the reason; no identifying value of the input is left in the
output bytes; pixel data is unchanged; pydicom reads every output; dciodvfy finds no new
error in a sample of them."""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import pydicom
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import rs_dicom  # noqa: E402
from conformance import corpus_files  # noqa: E402
from rs_dicom import deid  # noqa: E402
from write_oracles import dciodvfy_errors  # noqa: E402

KEYWORDS = (
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "OtherPatientIDs",
    "StudyDate",
    "SeriesDate",
    "AcquisitionDate",
    "ContentDate",
    "AccessionNumber",
    "InstitutionName",
    "InstitutionAddress",
    "StationName",
    "DeviceSerialNumber",
    "ReferringPhysicianName",
    "OperatorsName",
    "PerformingPhysicianName",
    "StudyInstanceUID",
    "SeriesInstanceUID",
    "SOPInstanceUID",
    "FrameOfReferenceUID",
)
# Attributes the profile keeps (not identifying by PS3.15) whose text may contain an
# identifying value by coincidence: an institution named like the scanner's maker.
KEPT = ("Manufacturer", "ManufacturerModelName", "SoftwareVersions")
# What rs_dicom writes in place of values; an input value equal to it is no leak.
DUMMIES = {"ANONYMIZED", "19000101", "000000"}


def _values(ds: pydicom.Dataset) -> set[bytes]:
    kept = " ".join(str(ds.get(k, "")) for k in KEPT)
    out = set()
    for kw in KEYWORDS:
        value = ds.get(kw)
        if value is None:
            continue
        for v in value if isinstance(value, pydicom.multival.MultiValue) else [value]:
            s = str(v).strip()
            if len(s) < 6 or s in DUMMIES or s in kept:
                continue
            try:
                out.add(s.encode("ascii"))
            except UnicodeEncodeError:
                continue  # encoded by the character set: checked as text in test_studies
    return out


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list[deid.FileResult]:
    out = tmp_path_factory.mktemp("corpus")
    jobs = [(p, out / f"{n}_{p.name}") for n, p in enumerate(corpus_files())]
    return deid.Anonymizer(key=b"corpus-key-0123456789").anonymize_files(jobs, workers=2)


def test_every_file_is_deidentified_or_refused_cleanly(results: list[deid.FileResult]) -> None:
    assert len(results) > 150
    refused = [r for r in results if r.error is not None]
    assert all(isinstance(r.error, rs_dicom.DicomError) for r in refused), refused
    assert all(not Path(r.output).exists() for r in refused)
    # Files without a preamble and file meta (not Part 10) and truncated files only.
    assert len(refused) < 15, [(r.input, str(r.error)) for r in refused]


def test_no_identifying_value_left(results: list[deid.FileResult]) -> None:
    leaks = {}
    for r in results:
        if r.error is not None:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            before = pydicom.dcmread(r.input, force=True)
        data = Path(r.output).read_bytes()
        found = [v for v in _values(before) if v in data]
        if found:
            leaks[r.input] = found
    assert leaks == {}


def test_outputs_read_and_pixels_unchanged(results: list[deid.FileResult]) -> None:
    for r in results:
        if r.error is not None:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            before = pydicom.dcmread(r.input, force=True)
            after = pydicom.dcmread(r.output)
        assert after.PatientIdentityRemoved == "YES"
        if "PixelData" in before:
            assert after.PixelData == before.PixelData, r.input


def _errors(path: str) -> set[str]:
    # The messages quote UIDs (new in the output) and other numbers: compared without them.
    return {re.sub(r"\b[0-9]+(\.[0-9]+)*\b", "<n>", e) for e in dciodvfy_errors(Path(path))}


def test_dciodvfy_finds_no_new_error(results: list[deid.FileResult]) -> None:
    done = [r for r in results if r.error is None and r.input.endswith(".dcm")]
    for r in done[::3]:
        assert _errors(r.output) - _errors(r.input) == set(), r.input
