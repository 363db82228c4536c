"""Query/Retrieve against DCMTK, both ways, on 127.0.0.1: findscu, getscu and movescu
against our SCP (their answers compared with dcmqrscp's for the same archive: DCMTK is the
oracle), our SCU against dcmqrscp (configured by a generated file) and against wlmscpfs
(Modality Worklist). Peers are always stopped."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pytest
from helpers import reference_tool
from net_support import (
    UID_ROOT,
    assert_same_instance,
    free_port,
    make_archive,
    process,
    received,
)
from rs_dicom import net

QUERIES = [
    ["PatientName=DOE^P1"],
    ["PatientName=*P2"],
    ["StudyDate=20210101-"],
    ["StudyDate=-20201231"],
    ["StudyDate=20200101-20211231"],
    ["AccessionNumber=A3"],
    ["StudyID=2"],
    ["PatientName=NOBODY"],
]


@pytest.fixture(scope="module")
def peers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """The same archive in dcmqrscp (stored into it with our SCU) and in our SCP; a storage
    SCP of ours ("RSDEST") as C-MOVE destination of both."""
    base = tmp_path_factory.mktemp("qr_dcmtk")
    files = make_archive(base / "archive")
    db = base / "dcmqrscp_db"
    db.mkdir()
    dest = base / "dest"
    with net.StorageServer(0, dest, host="127.0.0.1", ae_title="RSDEST", timeout=10) as sink:
        qr_port = free_port()
        config = base / "dcmqrscp.cfg"
        config.write_text(
            f"NetworkTCPPort = {qr_port}\nMaxPDUSize = 16384\nMaxAssociations = 16\n"
            "HostTable BEGIN\n"
            f"rsdest = (RSDEST, 127.0.0.1, {sink.port})\n"
            f"rsscu = (RS_DICOM, 127.0.0.1, {sink.port})\n"
            "HostTable END\nVendorTable BEGIN\nVendorTable END\n"
            f"AETable BEGIN\nCOMMON {db} RW (200, 1024mb) ANY\nAETable END\n"
        )
        args = [reference_tool("dcmqrscp"), "-c", str(config), "-dhl", "--no-parallel-store"]
        with (
            process(args, qr_port),
            net.QueryRetrieveServer(
                base / "archive",
                host="127.0.0.1",
                ae_title="OURS",
                destinations={"RSDEST": ("127.0.0.1", sink.port)},
                timeout=10,
            ) as ours,
        ):
            results = net.send(files, "127.0.0.1", qr_port, called_ae="COMMON", timeout=10)
            assert all(r.ok for r in results), results
            yield {
                "dcmqrscp": qr_port,
                "ours": ours.port,
                "files": files,
                "dest": dest,
                "base": base,
            }


def _findscu(port: int, called: str, keys: list[str], out: Path) -> set[str]:
    out.mkdir()
    args = [reference_tool("findscu"), "-S", "-aec", called, "-X", "-od", str(out)]
    for k in ["QueryRetrieveLevel=STUDY", "StudyInstanceUID", *keys]:
        args += ["-k", k]
    proc = subprocess.run(
        [*args, "127.0.0.1", str(port)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {str(pydicom.dcmread(p).StudyInstanceUID) for p in out.glob("rsp*.dcm")}


@pytest.mark.parametrize("keys", QUERIES)
def test_findscu_gets_what_dcmqrscp_answers(peers, keys, tmp_path: Path) -> None:
    theirs = _findscu(peers["dcmqrscp"], "COMMON", keys, tmp_path / "theirs")
    ours = _findscu(peers["ours"], "OURS", keys, tmp_path / "ours")
    assert ours == theirs


@pytest.mark.parametrize("keys", QUERIES)
def test_our_find_against_dcmqrscp(peers, keys) -> None:
    query = {"StudyInstanceUID": "", **dict(k.split("=", 1) for k in keys)}
    answers = {}
    for name, called in (("dcmqrscp", "COMMON"), ("ours", "OURS")):
        with net.associate("127.0.0.1", peers[name], called_ae=called, timeout=10) as a:
            rows = list(a.find(query, "S", level="STUDY"))
        assert rows[-1][0] == 0
        answers[name] = {str(ds.StudyInstanceUID) for _, ds in rows[:-1]}
    assert answers["ours"] == answers["dcmqrscp"]


def _by_uid(files: list[Path]) -> dict[str, Path]:
    return {str(pydicom.dcmread(f).SOPInstanceUID): f for f in files}


def test_getscu_from_our_scp(peers, tmp_path: Path) -> None:
    args = [reference_tool("getscu"), "-S", "-aec", "OURS", "-od", str(tmp_path)]
    args += ["-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={UID_ROOT}.1"]
    proc = subprocess.run(
        [*args, "127.0.0.1", str(peers["ours"])], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    got = received(tmp_path)
    assert len(got) == 3
    originals = _by_uid(peers["files"])
    for g in got:
        assert_same_instance(originals[str(pydicom.dcmread(g).SOPInstanceUID)], g)


def test_movescu_from_our_scp(peers, tmp_path: Path) -> None:
    port = free_port()
    # movescu receives on +P as MOVESCU: our SCP must know that AE title.
    with net.QueryRetrieveServer(
        peers["base"] / "archive",
        host="127.0.0.1",
        ae_title="OURS2",
        destinations={"MOVESCU": ("127.0.0.1", port)},
        timeout=10,
    ) as srv:
        args = [reference_tool("movescu"), "-S", "-aet", "MOVESCU", "-aec", "OURS2"]
        args += ["-aem", "MOVESCU", "+P", str(port), "-od", str(tmp_path)]
        args += ["-k", "QueryRetrieveLevel=SERIES", "-k", f"StudyInstanceUID={UID_ROOT}.3"]
        args += ["-k", f"SeriesInstanceUID={UID_ROOT}.3.1"]
        proc = subprocess.run(
            [*args, "127.0.0.1", str(srv.port)], capture_output=True, text=True, timeout=60
        )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    got = received(tmp_path)
    assert len(got) == 2
    originals = _by_uid(peers["files"])
    for g in got:
        assert_same_instance(originals[str(pydicom.dcmread(g).SOPInstanceUID)], g)


def test_our_get_from_dcmqrscp(peers, tmp_path: Path) -> None:
    with net.associate("127.0.0.1", peers["dcmqrscp"], called_ae="COMMON", timeout=10) as a:
        q = {"StudyInstanceUID": f"{UID_ROOT}.2"}
        responses = list(a.get(q, "S", level="STUDY", directory=tmp_path))
    final = responses[-1][0]
    assert final == 0 and final.completed == 1, responses
    (got,) = received(tmp_path)
    assert_same_instance(_by_uid(peers["files"])[f"{UID_ROOT}.2.1.3"], got)


def test_our_move_from_dcmqrscp(peers) -> None:
    dest: Path = peers["dest"]  # type: ignore[assignment]
    before = set(received(dest))
    with net.associate("127.0.0.1", peers["dcmqrscp"], called_ae="COMMON", timeout=10) as a:
        q = {"StudyInstanceUID": f"{UID_ROOT}.3"}
        *_, (final, _) = a.move(q, "RSDEST", "S", level="STUDY")
    assert final == 0 and final.completed == 2
    new = sorted(set(received(dest)) - before)
    assert sorted(str(pydicom.dcmread(p).SOPInstanceUID) for p in new) == [
        f"{UID_ROOT}.3.1.4",
        f"{UID_ROOT}.3.1.5",
    ]


WORKLIST = [
    ("DOE^ANNA", "W1", "MR", "20240105"),
    ("ROE^BEN", "W2", "CT", "20240106"),
    ("POE^CARL", "W3", "MR", "20240107"),
]


@pytest.fixture
def wlmscpfs(tmp_path: Path) -> Iterator[int]:
    """wlmscpfs serving three worklist items (.wl files written by pydicom)."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    ae_dir = tmp_path / "WLMSCP"
    ae_dir.mkdir()
    (ae_dir / "lockfile").write_text("")
    for i, (name, pid, modality, date) in enumerate(WORKLIST):
        ds = Dataset()
        ds.SpecificCharacterSet = "ISO_IR 100"
        ds.PatientName = name
        ds.PatientID = pid
        ds.AccessionNumber = f"ACC{i}"
        ds.RequestedProcedureID = f"RP{i}"
        ds.RequestedProcedureDescription = "procedure"
        ds.StudyInstanceUID = generate_uid()
        step = Dataset()
        step.Modality = modality
        step.ScheduledStationAETitle = "SCANNER"
        step.ScheduledProcedureStepStartDate = date
        step.ScheduledProcedureStepStartTime = "090000"
        step.ScheduledPerformingPhysicianName = ""
        step.ScheduledProcedureStepDescription = "exam"
        step.ScheduledProcedureStepID = f"SPS{i}"
        ds.ScheduledProcedureStepSequence = [step]
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.31"
        ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.save_as(ae_dir / f"item{i}.wl", enforce_file_format=True)
    port = free_port()
    with process([reference_tool("wlmscpfs"), "-dfp", str(tmp_path), str(port)], port):
        yield port


@pytest.mark.parametrize(
    ("modality", "date", "expected"),
    [("MR", "", {"W1", "W3"}), ("", "20240106-", {"W2", "W3"}), ("CT", "-20240105", set())],
)
def test_worklist_find_against_wlmscpfs(wlmscpfs, modality, date, expected) -> None:
    from rs_dicom import Dataset

    q = Dataset()
    q.PatientName = ""
    q.PatientID = ""
    step = Dataset()
    step.Modality = modality
    step.add_new(0x00400002, "DA", date.encode())
    step.ScheduledStationAETitle = ""
    q.ScheduledProcedureStepSequence = [step]
    with net.associate("127.0.0.1", wlmscpfs, called_ae="WLMSCP", timeout=10) as a:
        rows = list(a.find(q, "W"))
    assert rows[-1][0] == 0
    got = {str(ds.PatientID) for s, ds in rows[:-1]}
    assert got == expected
    for _, ds in rows[:-1]:
        assert ds.ScheduledProcedureStepSequence[0].ScheduledStationAETitle == "SCANNER"
