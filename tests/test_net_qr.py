"""Query/Retrieve with rs_dicom.net on both sides: C-FIND at every level with the matching
kinds (wildcard, range, UID list), cancel, C-GET and C-MOVE of what was found, C-STORE into
the Q/R SCP then found, and the command line (find, get, move, serve)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pytest
from net_support import (
    ARCHIVE_LAYOUT,
    UID_ROOT,
    assert_same_instance,
    free_port,
    make_archive,
    pydicom_file,
    received,
    wait_for_port,
)
from rs_dicom import net
from rs_dicom.cli import main


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[tuple[net.QueryRetrieveServer, list[Path], Path]]:
    files = make_archive(tmp_path / "pacs")
    dest = tmp_path / "dest"
    with net.StorageServer(0, dest, host="127.0.0.1", ae_title="DEST", timeout=10) as sink:
        destinations = {"DEST": ("127.0.0.1", sink.port)}
        with net.QueryRetrieveServer(
            tmp_path / "pacs",
            host="127.0.0.1",
            ae_title="QRSCP",
            destinations=destinations,
            timeout=10,
        ) as srv:
            assert srv.indexed == len(files)
            yield srv, files, dest


def _find(port: int, query: dict[str, str], model: str = "S") -> list[dict[str, str]]:
    with net.associate("127.0.0.1", port, called_ae="QRSCP", timeout=10) as a:
        responses = list(a.find(query, model))
    *pending, final = responses
    assert final[0] == 0 and final[1] is None
    assert all(s == 0xFF00 for s, _ in pending)
    return [{k: str(ds.get(k) or "") for k in query} for _, ds in pending]


def _expected(level: str, keep) -> set[str]:
    """The unique keys at ``level`` of the archive's instances that ``keep`` accepts."""
    key = {"PATIENT": 0, "STUDY": 1, "SERIES": 2}[level]
    out = set()
    for i, row in enumerate(ARCHIVE_LAYOUT):
        if keep(row):
            p, st, se = row[0], row[1], row[2]
            out.add([p, f"{UID_ROOT}.{st}", f"{UID_ROOT}.{st}.{se}", str(i)][key])
    return out


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ({"PatientName": "DOE^P1"}, lambda r: r[0] == "P1"),
        ({"PatientName": "*P2"}, lambda r: r[0] == "P2"),
        ({"PatientName": "DOE^P?"}, lambda r: True),
        ({"StudyDate": "20210101-"}, lambda r: r[4] >= "20210101"),
        ({"StudyDate": "-20201231"}, lambda r: r[4] <= "20201231"),
        ({"StudyDate": "20200101-20211231"}, lambda r: "2020" <= r[4] <= "20211231"),
        ({"AccessionNumber": "A3"}, lambda r: r[1] == 3),
        ({"ModalitiesInStudy": "MR"}, lambda r: r[1] == 3),
        ({"StudyInstanceUID": f"{UID_ROOT}.1\\{UID_ROOT}.3"}, lambda r: r[1] in (1, 3)),
        ({"PatientName": "NOBODY"}, lambda r: False),
    ],
)
def test_find_study_level_matching(archive, query, keep) -> None:
    srv, _, _ = archive
    q = {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": "", **query}
    got = {r["StudyInstanceUID"] for r in _find(srv.port, q)}
    assert got == _expected("STUDY", keep)


def test_find_levels_and_counts(archive) -> None:
    srv, _, _ = archive
    q = {"QueryRetrieveLevel": "PATIENT", "PatientID": "", "NumberOfPatientRelatedStudies": ""}
    rows = _find(srv.port, q, "P")
    assert {(r["PatientID"], r["NumberOfPatientRelatedStudies"]) for r in rows} == {
        ("P1", "2"),
        ("P2", "1"),
    }
    q = {
        "QueryRetrieveLevel": "SERIES",
        "StudyInstanceUID": f"{UID_ROOT}.1",
        "SeriesInstanceUID": "",
        "Modality": "",
        "NumberOfSeriesRelatedInstances": "",
    }
    rows = _find(srv.port, q)
    assert sorted((r["Modality"], r["NumberOfSeriesRelatedInstances"]) for r in rows) == [
        ("CT", "2"),
        ("SR", "1"),
    ]
    # PATIENT level does not exist in the Study Root model: refused, nothing matched.
    with net.associate("127.0.0.1", srv.port, timeout=10) as a:
        (only,) = list(a.find({"QueryRetrieveLevel": "PATIENT", "PatientID": ""}, "S"))
    assert only[0] == 0xA900


def test_closing_the_generator_cancels(archive) -> None:
    srv, _, _ = archive
    with net.associate("127.0.0.1", srv.port, timeout=10) as a:
        gen = a.find({"SOPInstanceUID": ""}, "P", level="IMAGE")
        status, ds = next(gen)
        assert status == 0xFF00 and ds.SOPInstanceUID
        gen.close()
        # The association goes on after the cancelled operation.
        assert a.echo() == 0
        assert len(list(a.find({"PatientID": ""}, "P", level="PATIENT"))) == 3


def test_get_brings_the_instances_back(archive, tmp_path: Path) -> None:
    srv, files, _ = archive
    out = tmp_path / "got"
    with net.associate("127.0.0.1", srv.port, timeout=10) as a:
        q = {"PatientID": "P1"}
        responses = list(a.get(q, "P", level="PATIENT", directory=out))
    final = responses[-1][0]
    assert final == 0 and final.completed == 4 and final.failed == 0
    assert [s.remaining for s, _ in responses[:-1]] == [3, 2, 1]
    got = received(out)
    assert len(got) == 4
    by_uid = {pydicom.dcmread(f).SOPInstanceUID: f for f in files}
    for g in got:
        assert_same_instance(by_uid[pydicom.dcmread(g).SOPInstanceUID], g)


def test_move_to_a_destination(archive) -> None:
    srv, files, dest = archive
    with net.associate("127.0.0.1", srv.port, timeout=10) as a:
        q = {"StudyInstanceUID": f"{UID_ROOT}.3"}
        *_, (final, _) = a.move(q, "DEST", level="STUDY")
        (unknown, _), *_ = a.move(q, "NOBODY", level="STUDY")
    assert final == 0 and final.completed == 2
    assert unknown == 0xA801
    assert sorted(pydicom.dcmread(p).SOPInstanceUID for p in received(dest)) == [
        f"{UID_ROOT}.3.1.4",
        f"{UID_ROOT}.3.1.5",
    ]


def test_stored_instances_are_found(archive) -> None:
    srv, _, _ = archive
    new = pydicom_file("MR_small.dcm")
    assert [r.status for r in net.send([new], "127.0.0.1", srv.port, timeout=10)] == [0]
    uid = pydicom.dcmread(new).StudyInstanceUID
    rows = _find(srv.port, {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": uid})
    assert [r["StudyInstanceUID"] for r in rows] == [uid]
    assert srv.indexed == len(ARCHIVE_LAYOUT) + 1


def test_bad_query_model_is_a_value_error(archive) -> None:
    srv, _, _ = archive
    with net.associate("127.0.0.1", srv.port, timeout=10) as a, pytest.raises(ValueError):
        list(a.move({}, "DEST", "W"))


def test_cli_find_get_move(archive, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    srv, _, dest = archive
    port = str(srv.port)
    args = ["find", "-S", "-aec", "QRSCP", "-k", "QueryRetrieveLevel=STUDY"]
    args += ["-k", "PatientID=P1", "-k", "StudyInstanceUID", "127.0.0.1", port]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.count(f"{UID_ROOT}.1") >= 1 and f"{UID_ROOT}.2" in out
    assert f"{UID_ROOT}.3" not in out
    # -X writes each match (findscu's rsp0001.dcm...); --cancel stops after N.
    xdir = tmp_path / "x"
    args = ["find", "-P", "-k", "QueryRetrieveLevel=IMAGE", "-k", "SOPInstanceUID"]
    assert main([*args, "-X", "-od", str(xdir), "--cancel", "2", "127.0.0.1", port]) == 0
    assert "cancelled after 2 responses" in capsys.readouterr().out
    assert sorted(p.name for p in xdir.iterdir()) == ["rsp0001.dcm", "rsp0002.dcm"]
    assert pydicom.dcmread(xdir / "rsp0001.dcm").QueryRetrieveLevel == "IMAGE"
    got = tmp_path / "cli_get"
    args = ["get", "-P", "-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID=P2"]
    assert main([*args, "-od", str(got), "127.0.0.1", port]) == 0
    assert len(received(got)) == 2
    args = ["move", "-S", "-aem", "DEST", "-k", "QueryRetrieveLevel=SERIES"]
    args += ["-k", f"StudyInstanceUID={UID_ROOT}.1", "-k", f"SeriesInstanceUID={UID_ROOT}.1.2"]
    assert main([*args, "127.0.0.1", port]) == 0
    assert len(received(dest)) == 1
    # A destination the SCP does not know: DCMTK's movescu exits non-zero too.
    assert main(["move", "-aem", "NOBODY", "-k", "QueryRetrieveLevel=STUDY", "127.0.0.1", port])


def test_cli_serve(tmp_path: Path) -> None:
    make_archive(tmp_path / "served")
    port = free_port()
    cmd = [sys.executable, "-m", "rs_dicom.cli", "serve", str(tmp_path / "served")]
    proc = subprocess.Popen([*cmd, "--port", str(port), "--aet", "PACS"])
    try:
        wait_for_port(port, proc)
        with net.associate("127.0.0.1", port, called_ae="PACS", timeout=10) as a:
            rows = list(a.find({"PatientID": ""}, "P", level="PATIENT"))
        assert len(rows) == 3
    finally:
        proc.terminate()
        proc.wait(timeout=10)
