"""The asynchronous operations window (PS3.7 D.3.3.3, ``max_async_ops``): what our SCU and
SCP negotiate with each other, with DCMTK's storescp (which does not answer the proposal:
one at a time), with pynetdicom's SCP and with Orthanc; many C-STOREs with up to 8
outstanding arrive unchanged; the command line options."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from net_support import free_port, process, pydicom_file, received, storescp
from rs_dicom import net
from rs_dicom.cli import main

CT = "1.2.840.10008.5.1.4.1.1.2"


def copies(directory: Path, n: int) -> list[Path]:
    """``n`` copies of pydicom's CT_small, each with its own SOP Instance UID (and so its
    own file name on the receiving side), written by pydicom."""
    import pydicom
    from pydicom.uid import generate_uid

    directory.mkdir(parents=True, exist_ok=True)
    ds = pydicom.dcmread(pydicom_file("CT_small.dcm"))
    out = []
    for i in range(n):
        uid = generate_uid(entropy_srcs=["rs_dicom async", str(i)])
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid
        ds.InstitutionName = "X" * (i % 17)
        path = directory / f"{i}.dcm"
        ds.save_as(path, enforce_file_format=True)
        out.append(path)
    return out


def dataset_bytes(path: Path) -> bytes:
    """The bytes after the file meta group (pydicom finds where it ends)."""
    import pydicom

    with open(path, "rb") as f:
        pydicom.filereader.read_preamble(f, False)
        pydicom.filereader._read_file_meta_info(f)
        return f.read()


@pytest.mark.parametrize(
    ("granted", "proposed", "window"),
    [(16, 8, (8, 1)), (16, 40, (16, 1)), (16, 1, (1, 1)), (1, 8, (1, 1)), (0, 0, (0, 1))],
)
def test_negotiated_with_our_scp(
    tmp_path: Path, granted: int, proposed: int, window: tuple[int, int]
) -> None:
    with net.StorageServer(0, tmp_path, host="127.0.0.1", max_async_ops=granted) as srv:
        with net.associate("127.0.0.1", srv.port, max_async_ops=proposed, contexts=[CT]) as a:
            assert a.async_ops == window
            assert a.echo() == 0


def test_many_files_window_8_to_our_scp(tmp_path: Path) -> None:
    files = copies(tmp_path / "src", 120)
    out = tmp_path / "in"
    seen: list[int] = []
    with net.StorageServer(0, out, host="127.0.0.1") as srv:
        results = net.send(
            files,
            "127.0.0.1",
            srv.port,
            max_async_ops=8,
            workers=2,
            callback=lambda i, st, err: seen.append(i),
        )
        stats = dict(srv.stats())
    assert [r.status for r in results] == [0] * len(files), results
    assert sorted(seen) == list(range(len(files)))
    assert stats["stored"] == len(files) and stats["errors"] == 0
    import pydicom

    got = {p.name: p for p in received(out)}
    for f in files:
        uid = pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID
        assert dataset_bytes(got[f"{uid}.dcm"]) == dataset_bytes(f)


def test_bad_window_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        net.send([pydicom_file("CT_small.dcm")], "127.0.0.1", 1, max_async_ops=70000)


def test_storescp_falls_back_to_one_at_a_time(tmp_path: Path) -> None:
    """storescp (DCMTK) does not answer the window item: (1, 1), and sending works."""
    files = copies(tmp_path / "src", 20)
    out = tmp_path / "in"
    out.mkdir()
    with storescp(out) as port:
        with net.associate(
            "127.0.0.1", port, called_ae="STORESCP", contexts=[CT], max_async_ops=8, timeout=10
        ) as a:
            assert a.async_ops == (1, 1)
        results = net.send(
            files, "127.0.0.1", port, called_ae="STORESCP", max_async_ops=8, timeout=10
        )
    assert all(r.ok for r in results), results
    assert len(received(out)) == len(files)


@pytest.fixture(params=[False, True], ids=["no-async-handler", "async-handler"])
def pynetdicom_scp(tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    """A pynetdicom storage SCP (in a thread of this process) counting what it stores;
    yields (port, stored list). Without an ``EVT_ASYNC_OPS`` handler pynetdicom omits the
    window item in its answer; with one it answers (1, 1) whatever the handler returns.
    pynetdicom is imported here so that the UIDs it adds to
    pydicom's dictionary are taken out again (see test_net_pynetdicom)."""
    from pydicom._uid_dict import UID_dictionary

    saved = dict(UID_dictionary)
    pynetdicom = pytest.importorskip("pynetdicom")
    from pynetdicom import evt
    from pynetdicom.sop_class import Verification

    stored: list[str] = []

    def on_store(event: Any) -> int:
        stored.append(str(event.dataset.SOPInstanceUID))
        return 0

    ae = pynetdicom.AE(ae_title="PYNETDICOM")
    ae.add_supported_context(CT, pynetdicom.ALL_TRANSFER_SYNTAXES)
    ae.add_supported_context(Verification)
    handlers = [(evt.EVT_C_STORE, on_store)]
    if request.param:
        handlers.append((evt.EVT_ASYNC_OPS, lambda event: (8, 8)))
    port = free_port()
    server = ae.start_server(("127.0.0.1", port), block=False, evt_handlers=handlers)
    try:
        yield port, stored
    finally:
        server.shutdown()
        UID_dictionary.clear()
        UID_dictionary.update(saved)


def test_pynetdicom_answer_and_send(tmp_path: Path, pynetdicom_scp: Any) -> None:
    """pynetdicom performs operations one at a time: the window is (1, 1) whether it
    omits the item or answers it, and our sending stays within it."""
    port, stored = pynetdicom_scp
    files = copies(tmp_path / "src", 10)
    with net.associate("127.0.0.1", port, contexts=[CT], max_async_ops=8, timeout=20) as a:
        assert a.async_ops == (1, 1)
        assert a.echo() == 0
    results = net.send(files, "127.0.0.1", port, max_async_ops=8, timeout=20)
    assert all(r.ok for r in results), results
    assert len(stored) == len(files)


def test_orthanc_answer_and_send(tmp_path: Path, orthanc: Any) -> None:
    files = copies(tmp_path / "src", 10)
    with net.associate(
        "127.0.0.1", orthanc.dicom_port, called_ae=orthanc.aet, contexts=[CT], max_async_ops=8
    ) as a:
        window = a.async_ops
        assert a.echo() == 0
    # Orthanc does not take part in the window negotiation: one at a time.
    assert window == (1, 1)
    results = net.send(
        files, "127.0.0.1", orthanc.dicom_port, called_ae=orthanc.aet, max_async_ops=8
    )
    assert all(r.ok for r in results), results
    assert len(orthanc.instance_ids()) == len(files)


def test_cli_send_and_listen_with_a_window(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = copies(tmp_path / "src", 30)
    out = tmp_path / "listen"
    port = free_port()
    cli = [sys.executable, "-m", "rs_dicom.cli", "listen", str(port), "-od", str(out)]
    with process([*cli, "--max-async-ops", "4"], port):
        with net.associate("127.0.0.1", port, contexts=[CT], max_async_ops=8) as a:
            assert a.async_ops == (4, 1)
        status = main(
            ["send", "127.0.0.1", str(port), str(tmp_path / "src"), "-j", "1"]
            + ["--max-async-ops", "8"]
        )
        assert status == 0
        assert "30 of 30 files stored, 0 failed" in capsys.readouterr().out
    assert len(received(out)) == len(files)


def test_cli_window_usage_error() -> None:
    with pytest.raises(SystemExit) as e:
        main(["send", "127.0.0.1", "104", "x.dcm", "--max-async-ops", "-1"])
    assert e.value.code == 2
