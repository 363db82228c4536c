"""rs_dicom.net with itself: our SCU to our SCP (files, datasets, handler), rejections and
aborts, the command line (echo, send, listen), and a large multi-frame streamed to disk."""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
import rs_dicom
from net_support import (
    LOSSLESS_COMPRESSED,
    assert_same_instance,
    free_port,
    process,
    pydicom_file,
    received,
)
from rs_dicom import net
from rs_dicom.cli import main


def test_send_files_and_datasets_to_our_scp(tmp_path: Path) -> None:
    files = [pydicom_file(n) for n in ["CT_small.dcm", "rtplan.dcm", "MR_small_RLE.dcm"]]
    edited = rs_dicom.dcmread(pydicom_file("MR_small.dcm"))
    edited.PatientName = "Edited^Name"
    edited.SOPInstanceUID = rs_dicom.uid.generate_uid()
    out = tmp_path / "in"
    with net.StorageServer(0, out, host="127.0.0.1", timeout=10) as srv:
        results = net.send([*files, edited], "127.0.0.1", srv.port, workers=2, timeout=10)
        assert [r.status for r in results] == [0, 0, 0, 0], results
        assert srv.stats()["stored"] == 4
    import pydicom

    by_uid = {pydicom.dcmread(p).SOPInstanceUID: p for p in received(out)}
    for f in files:
        assert_same_instance(f, by_uid[pydicom.dcmread(f).SOPInstanceUID])
    got = pydicom.dcmread(by_uid[edited.SOPInstanceUID])
    assert got.PatientName == "Edited^Name"
    # Compressed data stays compressed when the peer accepts it.
    rle = pydicom.dcmread(files[2]).SOPInstanceUID
    assert pydicom.dcmread(by_uid[rle]).file_meta.TransferSyntaxUID.is_compressed


def test_handler_sees_each_dataset_and_its_status_is_answered(tmp_path: Path) -> None:
    seen: list[str] = []

    def handler(ds):
        seen.append(str(ds.SOPInstanceUID))
        return 0xA700 if ds.Modality == "RTPLAN" else None

    files = [pydicom_file("CT_small.dcm"), pydicom_file("rtplan.dcm")]
    with net.StorageServer(0, handler=handler, host="127.0.0.1", timeout=10) as srv:
        results = net.send(files, "127.0.0.1", srv.port, timeout=10)
        directory = srv.directory
    assert [r.status for r in results] == [0, 0xA700]
    assert not results[1].ok
    assert len(seen) == 2
    assert not os.path.exists(directory)


def test_association_context_manager_and_unknown_abstract_syntax(tmp_path: Path) -> None:
    ds = rs_dicom.dcmread(pydicom_file("CT_small.dcm"))
    with net.StorageServer(0, tmp_path, host="127.0.0.1", timeout=10) as srv:
        with net.associate("127.0.0.1", srv.port, contexts=["1.2.3.4.5.6"]) as assoc:
            assert assoc.is_established
            assert assoc.accepted_contexts == [("1.2.840.10008.1.1", "1.2.840.10008.1.2")]
            assert assoc.echo() == 0
            with pytest.raises(net.NetworkError, match="accepted no presentation context"):
                assoc.send(ds)
            # Refused before anything was sent: the association goes on.
            assert assoc.echo() == 0
        assert not assoc.is_established
        with net.associate("127.0.0.1", srv.port) as assoc:
            assert assoc.send(ds) == 0


def test_wrong_called_ae_is_rejected(tmp_path: Path) -> None:
    with net.StorageServer(
        0, tmp_path, host="127.0.0.1", ae_title="MY_SCP", require_called_ae=True
    ) as srv:
        with pytest.raises(net.AssociationRejectedError, match="called AE title not recognized"):
            net.echo("127.0.0.1", srv.port, called_ae="OTHER", timeout=5)
        assert net.echo("127.0.0.1", srv.port, called_ae="MY_SCP", timeout=5) == 0
        # The server thread counts the rejection after the A-ASSOCIATE-RJ is sent.
        deadline = time.monotonic() + 5
        while srv.stats()["refused"] < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert srv.stats()["refused"] == 1


def _aborting_peer() -> tuple[int, threading.Thread]:
    """A peer that reads the association request and answers with an A-ABORT."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(bytes([7, 0, 0, 0, 0, 4, 0, 0, 2, 0]))
        listener.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return port, t


def test_peer_abort_raises() -> None:
    port, t = _aborting_peer()
    with pytest.raises(net.AssociationAbortedError, match="service provider"):
        net.echo("127.0.0.1", port, timeout=5)
    t.join(5)


def test_no_peer_raises_network_error() -> None:
    with pytest.raises(net.NetworkError):
        net.echo("127.0.0.1", free_port(), timeout=2)


def test_stalled_client_does_not_block_others(tmp_path: Path) -> None:
    with net.StorageServer(0, tmp_path, host="127.0.0.1", timeout=1) as srv:
        stalled = socket.create_connection(("127.0.0.1", srv.port))
        stalled.sendall(bytes([1, 0, 0, 0, 1, 0]))  # a PDU header, then nothing
        try:
            assert net.echo("127.0.0.1", srv.port, timeout=5) == 0
        finally:
            stalled.close()


def test_cli_echo_send_listen(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "listen"
    port = free_port()
    cli = [
        sys.executable,
        "-m",
        "rs_dicom.cli",
        "listen",
        str(port),
        "-od",
        str(out),
        "--aet",
        "LISTENER",
    ]
    with process(cli, port) as proc:
        assert main(["echo", "127.0.0.1", str(port), "--aec", "LISTENER"]) == 0
        assert "0x0000" in capsys.readouterr().out
        src = tmp_path / "src"
        src.mkdir()
        for n in ["CT_small.dcm", "rtplan.dcm", LOSSLESS_COMPRESSED[0]]:
            (src / n).write_bytes(pydicom_file(n).read_bytes())
        (src / "not_dicom.txt").write_text("hello")
        status = main(["send", "127.0.0.1", str(port), str(src), "-j", "2", "--aec", "LISTENER"])
        captured = capsys.readouterr()
        assert status == 1
        assert "3 of 4 files stored, 1 failed" in captured.out
        assert "not_dicom.txt" in captured.err
        assert proc.poll() is None
    assert len(received(out)) == 3
    assert main(["echo", "127.0.0.1", str(free_port()), "-to", "2"]) == 1


def test_cli_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["echo", "127.0.0.1", "104", "--aet", "THIS_TITLE_IS_TOO_LONG"])
    assert e.value.code == 2


@pytest.mark.slow
def test_large_multiframe_streams_to_disk(tmp_path: Path) -> None:
    """A 160 MB multi-frame goes through our SCU to `rs-dicom listen` in another process,
    whose peak memory stays far below the size of the data set."""
    import numpy as np
    from helpers import write_uncompressed

    frames, rows, cols = 80, 1024, 1024
    arr = np.arange(frames * rows * cols, dtype=np.uint16).reshape(frames, rows, cols)
    src = write_uncompressed(tmp_path / "big.dcm", arr, spp=1, bits=16, frames=frames)
    del arr
    out = tmp_path / "rx"
    port = free_port()
    cli = [sys.executable, "-m", "rs_dicom.cli", "listen", str(port), "-od", str(out)]
    with process(cli, port) as proc:
        results = net.send([src], "127.0.0.1", port, timeout=60)
        assert [r.status for r in results] == [0]
        status = Path(f"/proc/{proc.pid}/status").read_text()
    peak_kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))
    size = src.stat().st_size
    assert peak_kb * 1024 < size / 2, f"listener peak {peak_kb} kB for a {size} byte file"
    (got,) = received(out)
    a = rs_dicom.dcmread(src)
    b = rs_dicom.dcmread(got)
    assert bytes(a["PixelData"].raw) == bytes(b["PixelData"].raw)
