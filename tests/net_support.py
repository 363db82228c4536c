"""Shared pieces of the network tests: free ports, peers started as subprocesses and always
stopped, and the comparison of a received file with the one sent."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from helpers import reference_tool

# Files of pydicom's test data: uncompressed (explicit and implicit VR, big endian) and
# compressed (RLE, JPEG 2000 lossless), so that transcoding is exercised.
UNCOMPRESSED = ["CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "MR_small_bigendian.dcm"]
LOSSLESS_COMPRESSED = ["MR_small_RLE.dcm", "MR_small_jp2klossless.dcm"]


def pydicom_file(name: str) -> Path:
    from pydicom.data import get_testdata_file

    path = get_testdata_file(name)
    assert path is not None, name
    return Path(str(path))


@contextmanager
def uid_dictionary_restored() -> Iterator[None]:
    """Importing pynetdicom adds UIDs to pydicom's UID dictionary (JPEG XL...), which the
    dictionary tests compare against: the dictionary is restored afterwards."""
    from pydicom._uid_dict import UID_dictionary

    saved = dict(UID_dictionary)
    try:
        yield
    finally:
        UID_dictionary.clear()
        UID_dictionary.update(saved)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes] | None = None, limit: float = 10.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the peer exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port} after {limit}s")


@contextmanager
def process(args: list[str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    """A peer process listening on ``port``: started, waited for, always stopped."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, proc)
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """Terminates a peer process, killing it when it does not exit within ``grace`` s."""
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@contextmanager
def storescp(directory: Path, *extra: str) -> Iterator[int]:
    """DCMTK's storescp writing into ``directory``: yields its port."""
    port = free_port()
    exe = reference_tool("storescp")
    args = [exe, "-od", str(directory), "-aet", "STORESCP", *extra, str(port)]
    with process(args, port):
        yield port


def received(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))


def assert_same_instance(sent: Path, got: Path) -> None:
    """Element by element (file meta aside) and, when there are pixels, pixel by pixel
    (pydicom reads both: the oracle)."""
    import numpy as np
    import pydicom

    a = pydicom.dcmread(sent)
    b = pydicom.dcmread(got)
    assert b.file_meta.MediaStorageSOPInstanceUID == a.SOPInstanceUID
    compressed = a.file_meta.TransferSyntaxUID.is_compressed
    changed = {"PixelData", "PhotometricInterpretation", "PlanarConfiguration"}
    # Dataset Trailing Padding (FFFC,FFFC) carries nothing: DCMTK's storescp drops it.
    padding = 0xFFFCFFFC
    for elem in a:
        if elem.tag == padding:
            continue
        if compressed and elem.keyword in changed:
            continue
        if elem.keyword == "PixelData":
            continue
        assert elem.tag in b, f"{elem.tag} missing in {got.name}"
        assert b[elem.tag].value == elem.value, f"{elem.tag} differs in {got.name}"
    count = [sum(1 for e in d if e.tag != padding) for d in (a, b)]
    assert count[1] == count[0], f"{got.name}: {count[1]} elements, {count[0]} sent"
    if "PixelData" in a:
        np.testing.assert_array_equal(a.pixel_array, b.pixel_array)


# A small archive for the Query/Retrieve tests: (patient, study, series, modality, date)
# per instance; 2 patients, 3 studies, 4 series, 6 instances.
ARCHIVE_LAYOUT = [
    ("P1", 1, 1, "CT", "20200101"),
    ("P1", 1, 1, "CT", "20200101"),
    ("P1", 1, 2, "SR", "20200101"),
    ("P1", 2, 1, "CT", "20210615"),
    ("P2", 3, 1, "MR", "20220301"),
    ("P2", 3, 1, "MR", "20220301"),
]
UID_ROOT = "1.2.826.0.1.3680043.10.1038"


def archive_instance(patient: str, study: int, series: int, i: int, date: str) -> Any:
    """pydicom's CT_small.dcm as instance ``i`` of ``series`` of ``study`` of ``patient``."""
    import pydicom

    ds = pydicom.dcmread(pydicom_file("CT_small.dcm"))
    ds.PatientName = f"DOE^{patient}"
    ds.PatientID = patient
    ds.StudyInstanceUID = f"{UID_ROOT}.{study}"
    ds.SeriesInstanceUID = f"{UID_ROOT}.{study}.{series}"
    ds.SOPInstanceUID = f"{UID_ROOT}.{study}.{series}.{i}"
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.StudyDate = date
    return ds


def make_archive(directory: Path) -> list[Path]:
    """Instances of pydicom's CT_small.dcm with the layout above, written by pydicom."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for i, (patient, study, series, modality, date) in enumerate(ARCHIVE_LAYOUT):
        ds = archive_instance(patient, study, series, i, date)
        ds.Modality = modality
        ds.StudyID = str(study)
        ds.AccessionNumber = f"A{study}"
        ds.SeriesNumber = series
        ds.InstanceNumber = i + 1
        path = directory / f"i{i}.dcm"
        ds.save_as(path)
        out.append(path)
    return out
