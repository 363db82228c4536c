"""The Q/R SCP's SQLite index file: C-FIND answers equal to an SCP reading every file, a
restart reads no file, changed, removed and received files are picked up, a damaged index
file is rebuilt with a warning, and the CLI's --index / --no-index-file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pydicom
from net_support import archive_instance, free_port, make_archive, wait_for_port
from rs_dicom import net

INDEX = ".rs_dicom_index.sqlite"

QUERIES: list[tuple[str, str, dict[str, str]]] = [
    ("P", "PATIENT", {"PatientID": "", "PatientName": "", "NumberOfPatientRelatedStudies": ""}),
    (
        "S",
        "STUDY",
        {
            "StudyInstanceUID": "",
            "PatientName": "",
            "StudyDate": "",
            "ModalitiesInStudy": "",
            "NumberOfStudyRelatedInstances": "",
        },
    ),
    ("S", "STUDY", {"StudyInstanceUID": "", "StudyDate": "20210101-"}),
    ("S", "SERIES", {"SeriesInstanceUID": "", "Modality": "CT", "StudyInstanceUID": ""}),
    ("P", "IMAGE", {"SOPInstanceUID": "", "PatientName": "DOE^P*", "InstanceNumber": ""}),
]


def answers(port: int) -> list[list[dict[str, str]]]:
    """Every query's identifiers, in the order the SCP sent them."""
    out = []
    with net.associate("127.0.0.1", port, timeout=10) as a:
        for model, level, keys in QUERIES:
            rows = []
            for status, ds in a.find(keys, model, level=level):
                if ds is not None:
                    assert status == 0xFF00
                    rows.append({k: str(ds.get(k) or "") for k in keys})
            out.append(rows)
    return out


def serve(directory: Path, **kw: object) -> net.QueryRetrieveServer:
    return net.QueryRetrieveServer(directory, host="127.0.0.1", timeout=10, **kw)  # type: ignore[arg-type]


def reference(directory: Path) -> list[list[dict[str, str]]]:
    """What an SCP that reads every file answers."""
    with serve(directory, index=None) as srv:
        return answers(srv.port)


def extra_instance(path: Path, patient: str, n: int) -> Path:
    archive_instance(patient, 90 + n, 1, 1, "20220202").save_as(path)
    return path


def test_restart_reuses_and_updates_the_index(tmp_path: Path) -> None:
    pacs = tmp_path / "pacs"
    files = make_archive(pacs)
    n = len(files)
    with serve(pacs) as srv:
        assert srv.index_stats() == {"reused": 0, "read": n, "removed": 0}
        assert srv.index_warning is None
        first = answers(srv.port)
        # Received by C-STORE: indexed at once, and kept in the index file.
        sent = extra_instance(tmp_path / "new.dcm", "P7", 1)
        assert all(r.ok for r in net.send([sent], "127.0.0.1", srv.port, timeout=10))
        assert srv.indexed == n + 1
    assert (pacs / INDEX).is_file()
    expected = reference(pacs)
    assert first != expected  # the received instance changed the answers
    with serve(pacs) as srv:
        assert srv.index_stats() == {"reused": n + 1, "read": 0, "removed": 0}
        assert answers(srv.port) == expected

    # One file changed (same size, later modification time), one removed, one added.
    changed = files[1]
    ds = pydicom.dcmread(changed)
    ds.PatientName = "DOE^PX"  # as long as DOE^P1
    ds.save_as(changed)
    st = changed.stat()
    os.utime(changed, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    files[2].unlink()
    extra_instance(pacs / "added.dcm", "P8", 2)
    expected = reference(pacs)
    with serve(pacs) as srv:
        assert srv.index_stats() == {"reused": n - 1, "read": 2, "removed": 1}
        assert srv.indexed == n + 1
        assert answers(srv.port) == expected
    assert any(row["PatientName"] == "DOE^PX" for row in expected[4])


def test_damaged_index_file_is_rebuilt(tmp_path: Path) -> None:
    pacs = tmp_path / "pacs"
    n = len(make_archive(pacs))
    (pacs / INDEX).write_bytes(b"not an SQLite database" * 500)
    expected = reference(pacs)
    with serve(pacs) as srv:
        assert "rebuilt" in (srv.index_warning or "")
        assert srv.index_stats()["read"] == n
        assert answers(srv.port) == expected
    with serve(pacs) as srv:
        assert srv.index_warning is None
        assert srv.index_stats()["reused"] == n


def test_index_elsewhere_or_none(tmp_path: Path) -> None:
    pacs = tmp_path / "pacs"
    n = len(make_archive(pacs))
    other = tmp_path / "ix" / "pacs.sqlite"
    other.parent.mkdir()
    with serve(pacs, index=other) as srv:
        assert srv.index_stats()["read"] == n
    with serve(pacs, index=os.fspath(other)) as srv:
        assert srv.index_stats()["reused"] == n
    with serve(pacs, index=False) as srv:
        assert srv.index_stats() == {"reused": 0, "read": n, "removed": 0}
    assert other.is_file()
    assert not any(p.name.startswith(INDEX) for p in pacs.iterdir())


def _cli_serve(args: list[str]) -> tuple[str, str]:
    """Starts ``rs-dicom serve`` with ``args``, finds once, stops it: (stdout, stderr)."""
    port = free_port()
    cmd = [sys.executable, "-m", "rs_dicom.cli", "serve", *args, "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, proc)
        # The port opens before the CLI prints its warnings; "serving" (flushed) comes after
        # them, so a find racing the start cannot end the process before they are written.
        assert proc.stdout is not None
        first = proc.stdout.readline()
        with net.associate("127.0.0.1", port, timeout=10) as a:
            assert len(list(a.find({"PatientID": ""}, "P", level="PATIENT"))) == 3
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    return first + out, err


def test_cli_index_options(tmp_path: Path) -> None:
    pacs = tmp_path / "pacs"
    make_archive(pacs)
    _, err = _cli_serve([str(pacs), "--no-index-file"])
    assert "warning" not in err
    assert not any(p.name.startswith(INDEX) for p in pacs.iterdir())
    index = tmp_path / "elsewhere.sqlite"
    index.write_bytes(b"garbage" * 1000)
    out, err = _cli_serve([str(pacs), "--index", str(index)])
    assert "warning" in err and "rebuilt" in err, err
    assert "serving" in out
    _, err = _cli_serve([str(pacs), "--index", str(index)])
    assert "warning" not in err, err
    assert not any(p.name.startswith(INDEX) for p in pacs.iterdir())
