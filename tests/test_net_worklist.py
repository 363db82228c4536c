"""The Modality Worklist SCP (rs_dicom.net.WorklistServer) against DCMTK's wlmscpfs serving
the same worklist files (written by pydicom here): findscu -W queries on the worklist keys
go to both and the answers are compared element by element; pynetdicom's
ModalityWorklistInformationFind SCU and our SCU against ours; the CLI. Peers are always
stopped."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pydicom
import pytest
from helpers import reference_tool
from net_support import free_port, make_archive, process, uid_dictionary_restored, wait_for_port
from pydicom.multival import MultiValue
from rs_dicom import net

AE = "WLAE"
SPS = "ScheduledProcedureStepSequence"
# (patient name, id, sex, station, date, time, modality, physician); W5 lacks optional
# attributes (accession, sex, physician, priority): they come back empty.
ITEMS = [
    ("DOE^ANNA", "W1", "F", "CT1", "20240105", "090000", "CT", "SMITH^JOHN"),
    ("ROE^BEN", "W2", "M", "MR1", "20240106", "143000", "MR", "JONES^KATE"),
    ("POE^CARL", "W3", "M", "CT1", "20240107", "080000", "CT", "SMITH^JOHN"),
    ("LOE^DORA", "W4", "F", "MR1", "20240108", "160000", "MR", "SMITH^ANNE"),
    ("MOE^EVA", "W5", None, "US1", "20240108", "101500", "US", None),
    ("NOE^FRED", "W6", "M", "CT2", "20240109", "120000", "CT", "JONES^KATE"),
]


def write_worklist(folder: Path) -> None:
    """One .wl file per item, as wlmscpfs's data files, and its lockfile."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    folder.mkdir(parents=True)
    (folder / "lockfile").write_text("")
    for i, (name, pid, sex, station, date, time, modality, physician) in enumerate(ITEMS):
        ds = Dataset()
        ds.SpecificCharacterSet = "ISO_IR 100"
        ds.PatientName = name
        ds.PatientID = pid
        ds.PatientBirthDate = f"19{50 + i}0101"
        if sex is not None:
            ds.PatientSex = sex
            ds.AccessionNumber = f"ACC{i}"
            ds.RequestedProcedurePriority = "ROUTINE"
        ds.ReferringPhysicianName = "WHO^REFERRED"
        ds.RequestedProcedureID = f"RP{i}"
        ds.RequestedProcedureDescription = f"procedure {i}"
        ds.StudyInstanceUID = f"1.2.826.0.1.3680043.10.1.{i}"
        step = Dataset()
        step.Modality = modality
        step.ScheduledStationAETitle = station
        step.ScheduledProcedureStepStartDate = date
        step.ScheduledProcedureStepStartTime = time
        if physician is not None:
            step.ScheduledPerformingPhysicianName = physician
        step.ScheduledProcedureStepDescription = f"exam {i}"
        step.ScheduledProcedureStepID = f"SPS{i}"
        step.ScheduledStationName = f"ROOM{i % 2}"
        ds.ScheduledProcedureStepSequence = [step]
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.31"
        ds.file_meta.MediaStorageSOPInstanceUID = f"1.2.826.0.1.3680043.10.2.{i}"
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.save_as(folder / f"item{i}.wl", enforce_file_format=True)


@pytest.fixture(scope="module")
def peers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """wlmscpfs and our WorklistServer on the same folder (DIR/WLAE/*.wl)."""
    base = tmp_path_factory.mktemp("worklist")
    write_worklist(base / AE)
    port = free_port()
    # -csk: the file's Specific Character Set is returned (ours always does that); -dfr: no
    # file is rejected as incomplete (ours serves whatever has a step).
    args = [reference_tool("wlmscpfs"), "-dfp", str(base), "-csk", "-dfr", str(port)]
    with (
        process(args, port),
        net.WorklistServer(base, ae_folders=True, host="127.0.0.1", timeout=10) as ours,
    ):
        yield {"wlmscpfs": port, "ours": ours.port, "base": base}


# Return keys asked in every query; the query's own matching keys replace them.
RETURN_KEYS = [
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "PatientSex",
    "AccessionNumber",
    "ReferringPhysicianName",
    "RequestedProcedureID",
    "RequestedProcedureDescription",
    "RequestedProcedurePriority",
    "StudyInstanceUID",
    f"{SPS}[0].ScheduledStationAETitle",
    f"{SPS}[0].ScheduledStationName",
    f"{SPS}[0].ScheduledProcedureStepStartDate",
    f"{SPS}[0].ScheduledProcedureStepStartTime",
    f"{SPS}[0].Modality",
    f"{SPS}[0].ScheduledPerformingPhysicianName",
    f"{SPS}[0].ScheduledProcedureStepDescription",
    f"{SPS}[0].ScheduledProcedureStepID",
]

QUERIES = [
    [],
    [f"{SPS}[0].ScheduledStationAETitle=CT1"],
    [f"{SPS}[0].Modality=MR"],
    [f"{SPS}[0].ScheduledProcedureStepStartDate=20240106-20240108"],
    [f"{SPS}[0].ScheduledProcedureStepStartDate=20240108"],
    [f"{SPS}[0].ScheduledProcedureStepStartDate=-20240106"],
    [f"{SPS}[0].ScheduledProcedureStepStartDate=20240107-"],
    [f"{SPS}[0].ScheduledProcedureStepStartTime=1200-"],
    [f"{SPS}[0].ScheduledProcedureStepStartTime=0800-1000"],
    [f"{SPS}[0].ScheduledPerformingPhysicianName=SMITH*"],
    [f"{SPS}[0].ScheduledPerformingPhysicianName=JONES^KATE"],
    [
        f"{SPS}[0].ScheduledStationAETitle=CT1",
        f"{SPS}[0].ScheduledProcedureStepStartDate=20240106-",
    ],
    [f"{SPS}[0].Modality=CT", "PatientName=N*"],
    ["PatientName=*OE^ANNA"],
    ["PatientID=W2", f"{SPS}[0].Modality=CT"],
    ["PatientSex=F"],
    ["AccessionNumber=ACC3"],
    [f"{SPS}[0].ScheduledStationAETitle=NOWHERE"],
]


def canonical(ds: Any) -> Any:
    """A data set as sorted (tag, VR, value) rows, sequences recursively: comparable across
    the two servers whatever the element order or encoding."""
    rows = []
    for e in ds:
        if e.VR == "SQ":
            rows.append((int(e.tag), "SQ", tuple(canonical(item) for item in e.value)))
        else:
            value = e.value
            if isinstance(value, MultiValue):
                value = tuple(str(v) for v in value)
            rows.append((int(e.tag), e.VR, str(value if value is not None else "")))
    return tuple(sorted(rows))


def findscu(
    port: int, keys: list[str], out: Path, return_keys: list[str] = RETURN_KEYS
) -> list[Any]:
    """findscu -W's answers (written with -X), canonical and sorted."""
    out.mkdir()
    matching = {k.split("=", 1)[0] for k in keys}
    args = [reference_tool("findscu"), "-W", "-aec", AE, "-X", "-od", str(out)]
    for k in [*(k for k in return_keys if k not in matching), *keys]:
        args += ["-k", k]
    proc = subprocess.run(
        [*args, "127.0.0.1", str(port)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return sorted(canonical(pydicom.dcmread(p)) for p in out.glob("rsp*.dcm"))


def our_answers(peers: dict[str, Any], keys: list[str], tmp_path: Path) -> list[Any]:
    """findscu against our SCP, once per query for the module (compared with two peers)."""
    cache = peers.setdefault("cache", {})
    if tuple(keys) not in cache:
        cache[tuple(keys)] = findscu(peers["ours"], keys, tmp_path / "ours")
    return list(cache[tuple(keys)])


def ids(answers: list[Any]) -> set[str]:
    return {value for rows in answers for tag, _, value in rows if tag == 0x00100020}


@pytest.mark.parametrize("keys", QUERIES, ids=lambda k: ",".join(k) or "universal")
def test_findscu_gets_what_wlmscpfs_answers(peers, keys, tmp_path: Path) -> None:
    theirs = findscu(peers["wlmscpfs"], keys, tmp_path / "theirs")
    ours = our_answers(peers, keys, tmp_path)
    assert ours == theirs
    if not keys:
        assert ids(ours) == {item[1] for item in ITEMS}


def test_answers_are_not_trivial(peers, tmp_path: Path) -> None:
    """The comparison above sees real differences: several queries, several answers."""
    station = findscu(peers["ours"], [f"{SPS}[0].ScheduledStationAETitle=CT1"], tmp_path / "a")
    assert ids(station) == {"W1", "W3"}
    times = findscu(
        peers["ours"], [f"{SPS}[0].ScheduledProcedureStepStartTime=1200-"], tmp_path / "b"
    )
    assert ids(times) == {"W2", "W4", "W6"}
    # W5 lacks the accession number: returned empty.
    w5 = findscu(peers["ours"], ["PatientID=W5"], tmp_path / "c")
    (rows,) = w5
    assert (0x00080050, "SH", "") in rows


def test_empty_sequence_returns_the_step(peers, tmp_path: Path) -> None:
    """An empty Scheduled Procedure Step Sequence (universal): we return the step as the file
    has it; wlmscpfs expands it into its list of supported keys, those the file lacks empty.
    Equal once the empty values are dropped."""
    keys, base = ["PatientID", SPS], []
    ours = findscu(peers["ours"], keys, tmp_path / "ours", base)
    theirs = findscu(peers["wlmscpfs"], keys, tmp_path / "theirs", base)
    assert len(ours) == len(ITEMS)
    assert sorted(map(without_empty, ours)) == sorted(map(without_empty, theirs))
    for rows in ours:
        (steps,) = [value for tag, _, value in rows if tag == 0x00400100]
        assert len(steps) == 1 and len(steps[0]) >= 7  # one step, with what the file has


def test_date_and_time_ranges_match_independently(peers, tmp_path: Path) -> None:
    """A date range with a time range: PS3.4 C.2.2.2.5 matches each on its own without
    extended negotiation (none is offered here), which is what we do; wlmscpfs combines them
    into one date-time range. Both answers are checked against the items."""
    keys = [
        f"{SPS}[0].ScheduledProcedureStepStartDate=20240106-20240108",
        f"{SPS}[0].ScheduledProcedureStepStartTime=1000-1500",
    ]
    ours = ids(findscu(peers["ours"], keys, tmp_path / "ours"))
    theirs = ids(findscu(peers["wlmscpfs"], keys, tmp_path / "theirs"))
    dated = [i for i in ITEMS if "20240106" <= i[4] <= "20240108"]
    assert ours == {i[1] for i in dated if "100000" <= i[5] <= "150000"} == {"W2", "W5"}
    combined = {i[1] for i in dated if "202401061000" <= i[4] + i[5] <= "202401081500"}
    assert theirs == combined == {"W2", "W3", "W5"}


def _query(pid: str = "", modality: str = "") -> Any:
    from rs_dicom import Dataset

    q = Dataset()
    q.PatientName = ""
    q.PatientID = pid
    q.AccessionNumber = ""
    step = Dataset()
    step.Modality = modality
    step.ScheduledStationAETitle = ""
    step.add_new(0x00400002, "DA", b"")
    q.ScheduledProcedureStepSequence = [step]
    return q


def _summary(rows: list[tuple[Any, Any]]) -> list[tuple[int, Any]]:
    out = []
    for status, ds in rows:
        if ds is None:
            out.append((int(status), None))
            continue
        step = ds.ScheduledProcedureStepSequence[0]
        out.append(
            (
                int(status),
                (str(ds.PatientID), str(ds.AccessionNumber), str(step.ScheduledStationAETitle)),
            )
        )
    return sorted(out, key=repr)


@pytest.mark.parametrize(("pid", "modality"), [("", "MR"), ("W5", ""), ("", ""), ("NONE", "")])
def test_our_scu_against_both(peers, pid, modality) -> None:
    answers = {}
    for name in ("wlmscpfs", "ours"):
        with net.associate("127.0.0.1", peers[name], called_ae=AE, timeout=10) as a:
            answers[name] = _summary(list(a.find(_query(pid, modality), "W")))
    assert answers["ours"] == answers["wlmscpfs"]
    assert answers["ours"][-1] == (0, None) or answers["ours"][0] == (0, None)


def test_closing_early_cancels_and_association_goes_on(peers) -> None:
    with net.associate("127.0.0.1", peers["ours"], called_ae=AE, timeout=10) as a:
        found = a.find(_query(), "W")
        status, first = next(found)
        assert status == 0xFF00 and first is not None
        found.close()  # C-CANCEL, remaining responses read
        rows = list(a.find(_query("W2"), "W"))
    assert [int(s) for s, _ in rows] == [0xFF00, 0]


def test_unknown_called_ae_fails_the_find(peers) -> None:
    with net.associate("127.0.0.1", peers["ours"], called_ae="NOSUCH", timeout=10) as a:
        rows = list(a.find(_query(), "W"))
    assert [int(s) for s, _ in rows] == [0xC000]
    assert "NOSUCH" in (rows[0][0].error_comment or "")


def test_pynetdicom_scu_against_ours(peers) -> None:
    with uid_dictionary_restored():
        pynetdicom = pytest.importorskip("pynetdicom")
        from pydicom.dataset import Dataset
        from pynetdicom.sop_class import ModalityWorklistInformationFind

        ae = pynetdicom.AE(ae_title="PYSCU")
        ae.add_requested_context(ModalityWorklistInformationFind)
        answers = {}
        for name in ("wlmscpfs", "ours"):
            assoc = ae.associate("127.0.0.1", peers[name], ae_title=AE)
            assert assoc.is_established
            try:
                q = Dataset()
                q.PatientName = ""
                q.PatientID = ""
                step = Dataset()
                step.Modality = "CT"
                step.ScheduledStationAETitle = ""
                step.ScheduledProcedureStepStartDate = "20240101-20240107"
                step.ScheduledPerformingPhysicianName = ""
                q.ScheduledProcedureStepSequence = [step]
                rows = list(assoc.send_c_find(q, ModalityWorklistInformationFind))
                # A private key: not supported by either, pending status FF01.
                q.add_new(0x00091001, "LO", "X")
                private = list(assoc.send_c_find(q, ModalityWorklistInformationFind))
            finally:
                assoc.release()
            answers[name] = (
                [s.Status for s, _ in rows],
                sorted(canonical(ds) for _, ds in rows[:-1]),
                [s.Status for s, _ in private],
                [0x00091001 in ds for _, ds in private[:-1]],
            )
    assert answers["ours"] == answers["wlmscpfs"]
    statuses, found, private_statuses, has_private = answers["ours"]
    assert statuses == [0xFF00, 0xFF00, 0] and len(found) == 2
    assert private_statuses == [0xFF01, 0xFF01, 0] and has_private == [False, False]


def test_query_retrieve_server_with_worklist(peers, tmp_path: Path) -> None:
    make_archive(tmp_path / "archive")
    with net.QueryRetrieveServer(
        tmp_path / "archive", host="127.0.0.1", worklist=peers["base"] / AE, timeout=10
    ) as srv:
        with net.associate("127.0.0.1", srv.port, timeout=10) as a:
            worklist = list(a.find(_query(modality="US"), "W"))
            studies = list(a.find({"StudyInstanceUID": ""}, "S", level="STUDY"))
    assert [str(ds.PatientID) for _, ds in worklist[:-1]] == ["W5"]
    assert len(studies) > 1 and studies[-1][0] == 0


def test_cli_worklist(peers, tmp_path: Path) -> None:
    port = free_port()
    cmd = [sys.executable, "-m", "rs_dicom.cli", "worklist", str(port)]
    cmd += ["-dfp", str(peers["base"]), "--aet", "RIS"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, None)
        answers = findscu(port, [f"{SPS}[0].Modality=US"], tmp_path / "cli")
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert f"on port {port} as RIS" in out
    assert ids(answers) == {"W5"}


@pytest.fixture(scope="module")
def orthanc_worklist(peers) -> Iterator[int]:
    """Orthanc's worklist plugin serving the same .wl files: its DICOM port."""
    from orthanc_support import start_orthanc

    for server in start_orthanc(peers["base"] / AE):
        yield server.dicom_port


def without_empty(rows: Any) -> Any:
    """Canonical rows without the empty values (recursively)."""
    out = []
    for tag, vr, value in rows:
        if vr == "SQ":
            value = tuple(without_empty(item) for item in value)
        elif value == "":
            continue
        out.append((tag, vr, value))
    return tuple(out)


@pytest.mark.parametrize("keys", QUERIES, ids=lambda k: ",".join(k) or "universal")
def test_findscu_gets_what_orthanc_answers(peers, orthanc_worklist, keys, tmp_path: Path) -> None:
    """The same answers as Orthanc's worklist plugin, except that Orthanc leaves out the keys
    a file lacks where PS3.4 K.6.1.2.2 (and wlmscpfs, compared above) return them empty."""
    theirs = findscu(orthanc_worklist, keys, tmp_path / "theirs")
    ours = our_answers(peers, keys, tmp_path)
    assert sorted(map(without_empty, ours)) == sorted(map(without_empty, theirs))
    assert ids(ours) == ids(theirs)
