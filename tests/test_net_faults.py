"""Faulty peers on 127.0.0.1, both ways. Against our SCP (``rs-dicom listen`` in its own
process, so that its memory can be measured): garbage, truncated and oversized PDUs, stalls,
aborts inside a data set, commands on a context that was not accepted, 1,000 connections.
Against our SCU: servers that stall, answer garbage or abort mid-transfer. Each ends with an
error or an A-ABORT within its timeout; the server keeps serving."""

from __future__ import annotations

import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from net_support import free_port, process, pydicom_file, received
from rs_dicom import net

CT = "1.2.840.10008.5.1.4.1.1.2"
IMPLICIT = "1.2.840.10008.1.2"


def item(kind: int, value: bytes) -> bytes:
    return struct.pack(">BBH", kind, 0, len(value)) + value


def associate_rq(contexts: list[tuple[int, str]], max_pdu: int = 16384) -> bytes:
    body = struct.pack(">HH", 1, 0) + b"ANY-SCP".ljust(16) + b"FAULTY".ljust(16) + bytes(32)
    body += item(0x10, b"1.2.840.10008.3.1.1.1")
    for cid, uid in contexts:
        body += item(
            0x20, bytes([cid, 0, 0, 0]) + item(0x30, uid.encode()) + item(0x40, IMPLICIT.encode())
        )
    user = item(0x51, struct.pack(">I", max_pdu)) + item(0x52, b"1.2.3.4")
    body += item(0x50, user)
    return struct.pack(">BBI", 1, 0, len(body)) + body


def pdata(cid: int, control: int, data: bytes) -> bytes:
    return struct.pack(">BBII", 4, 0, len(data) + 6, len(data) + 2) + bytes([cid, control]) + data


def command(fields: list[tuple[int, str, bytes]]) -> bytes:
    """An implicit VR little endian command set with its group length."""
    body = b"".join(struct.pack("<HHI", 0, el, len(v)) + v for el, _, v in fields)
    return struct.pack("<HHII", 0, 0, 4, len(body)) + body


def store_rq(uid: str = "1.2.3.4.5") -> bytes:
    u = lambda s: s.encode() + (b"\0" if len(s) % 2 else b"")  # noqa: E731
    return command([
        (0x0002, "UI", u(CT)),
        (0x0100, "US", struct.pack("<H", 1)),
        (0x0110, "US", struct.pack("<H", 7)),
        (0x0700, "US", struct.pack("<H", 0)),
        (0x0800, "US", struct.pack("<H", 0)),
        (0x1000, "UI", u(uid)),
    ])  # fmt: skip


def recv_pdu(s: socket.socket) -> tuple[int, bytes] | None:
    """The next PDU (type, body), or None when the peer closed."""
    head = b""
    while len(head) < 6:
        chunk = s.recv(6 - len(head))
        if not chunk:
            return None
        head += chunk
    kind, _, length = struct.unpack(">BBI", head)
    body = b""
    while len(body) < length:
        chunk = s.recv(min(65536, length - len(body)))
        if not chunk:
            return None
        body += chunk
    return kind, body


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[int, int, Path]]:
    """``rs-dicom listen`` with a 1 s timeout: (port, pid, directory)."""
    out = tmp_path / "in"
    port = free_port()
    cli = [sys.executable, "-m", "rs_dicom.cli", "listen", str(port), "-od", str(out), "-to", "1"]
    with process(cli, port) as proc:
        yield port, proc.pid, out


def connect(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s


def established(port: int) -> socket.socket:
    s = connect(port)
    s.sendall(associate_rq([(1, "1.2.840.10008.1.1"), (3, CT), (5, "1.2.3.999")]))
    answer = recv_pdu(s)
    assert answer is not None and answer[0] == 2, answer
    return s


def assert_aborted_or_closed(s: socket.socket) -> None:
    answer = recv_pdu(s)
    assert answer is None or answer[0] == 7, answer
    if answer is not None:
        assert answer[1][2] == 2, "A-ABORT from the service provider"


def still_serves(port: int) -> None:
    assert net.echo("127.0.0.1", port, timeout=10) == 0


def test_garbage_truncated_oversized_and_unaccepted(listener: tuple[int, int, Path]) -> None:
    port, _, out = listener
    faults: list[bytes] = [
        b"\x4f\x00\x00\x00\x00\x04abcd",  # unknown PDU type
        b"\x04\x00\xff\xff\xff\xff\x00\x00",  # 4 GiB P-DATA
        struct.pack(">BBI", 4, 0, 8) + struct.pack(">I", 0x1000) + b"\x01\x03\0\0",  # bad PDV
        pdata(1, 3, b"\xde\xad\xbe\xef"),  # not a command set
        pdata(5, 3, store_rq()),  # context 5 was rejected
        pdata(9, 3, store_rq()),  # context 9 was never proposed
        pdata(3, 0, b"\0" * 100),  # a data set before any command
    ]
    for fault in faults:
        s = established(port)
        s.sendall(fault)
        assert_aborted_or_closed(s)
        s.close()
        still_serves(port)
    assert received(out) == []


def test_stall_truncation_and_abort_mid_transfer(listener: tuple[int, int, Path]) -> None:
    port, _, out = listener
    started = time.monotonic()
    stalled = [connect(port), established(port), established(port)]
    stalled[0].sendall(b"\x01\x00\x00\x00")  # half a PDU header, then nothing
    stalled[1].sendall(pdata(3, 3, store_rq())[:20])  # half a PDU
    stalled[2].sendall(pdata(3, 3, store_rq()) + pdata(3, 0, b"\0" * 64))  # half a data set
    still_serves(port)
    for s in stalled:
        s.settimeout(10)
        assert_aborted_or_closed(s)  # the 1 s timeout ends each
    assert time.monotonic() - started < 8
    # An A-ABORT inside a data set, and a connection closed inside a data set.
    for end in (b"\x07\x00\x00\x00\x00\x04\x00\x00\x00\x00", b""):
        s = established(port)
        s.sendall(pdata(3, 3, store_rq("1.2.3.4.6")) + pdata(3, 0, b"\0" * 4000) + end)
        s.close()
    still_serves(port)
    time.sleep(0.3)
    assert list(out.iterdir()) == []  # no partial file left


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_thousand_connections_memory_bounded(listener: tuple[int, int, Path]) -> None:
    port, pid, _ = listener

    def cycle(n: int) -> None:
        for i in range(n):
            s = connect(port)
            if i % 3 == 0:
                s.sendall(associate_rq([(1, "1.2.840.10008.1.1")]))
                recv_pdu(s)
            elif i % 3 == 1:
                s.sendall(b"\x01\x00\x00\x00\x01\x00garbage")
            s.close()

    cycle(100)
    time.sleep(0.5)
    before = rss_kib(pid)
    cycle(1000)
    time.sleep(1.5)
    after = rss_kib(pid)
    print(f"SCP RSS before {before} KiB, after 1,000 connections {after} KiB")
    assert after < before + 16 * 1024, (before, after)
    still_serves(port)


# --- faulty servers against our SCU -----------------------------------------------------------


@contextmanager
def fake_scp(behaviour: Callable[[socket.socket], None]) -> Iterator[int]:
    """A one-connection server: accepts the association, then ``behaviour(conn)``."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]

    def serve() -> None:
        conn, _ = srv.accept()
        with conn:
            rq = recv_pdu(conn)
            assert rq is not None
            # Accept every context with implicit VR little endian.
            body = bytearray(rq[1])
            ac = bytearray(body[:68]) + item(0x10, b"1.2.840.10008.3.1.1.1")
            at = 68
            while at < len(body):
                kind, _, length = struct.unpack_from(">BBH", body, at)
                if kind == 0x20:
                    cid = body[at + 4]
                    ac += item(0x21, bytes([cid, 0, 0, 0]) + item(0x40, IMPLICIT.encode()))
                at += 4 + length
            ac += item(0x50, item(0x51, struct.pack(">I", 16384)) + item(0x52, b"1.2.3"))
            conn.sendall(struct.pack(">BBI", 2, 0, len(ac)) + bytes(ac))
            behaviour(conn)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        yield port
    finally:
        srv.close()
        t.join(timeout=10)


@pytest.mark.parametrize(
    "behaviour, message",
    [
        (lambda c: time.sleep(3), "timed out"),
        (lambda c: c.sendall(b"\x09\x00\x00\x00\x00\x02zz"), "unknown PDU type"),
        (lambda c: c.sendall(b"\x04\x00\x7f\xff\xff\xff"), "more than"),
        (lambda c: c.sendall(b"\x07\x00\x00\x00\x00\x04\x00\x00\x02\x01"), "aborted"),
        (lambda c: c.sendall(pdata(1, 3, b"\x01\x02")), "command"),
        (lambda c: c.sendall(b"\x04\x00\x00\x00\x01\x00abc"), "closed"),
    ],
    ids=["stall", "garbage", "oversize", "abort", "bad-command", "truncated"],
)
def test_scu_against_faulty_servers(
    behaviour: Callable[[socket.socket], None], message: str
) -> None:
    def act(conn: socket.socket) -> None:
        # The whole C-STORE-RQ: P-DATA until a data fragment with the "last" bit.
        while True:
            pdu = recv_pdu(conn)
            assert pdu is not None and pdu[0] == 4
            if pdu[1][5] & 3 == 2:
                break
        behaviour(conn)

    src = pydicom_file("CT_small.dcm")
    with fake_scp(act) as port:
        started = time.monotonic()
        with pytest.raises(net.NetworkError, match=message):
            with net.associate("127.0.0.1", port, contexts=[CT], timeout=1.5) as assoc:
                assoc.send(src)
        assert time.monotonic() - started < 5


def test_scu_when_the_server_aborts_inside_a_large_data_set(tmp_path: Path) -> None:
    """The server aborts after the command, while 16 MB of pixel data are still coming: the
    SCU's write fails, and the error names the A-ABORT rather than the broken pipe."""
    import numpy as np
    import pydicom

    ds = pydicom.dcmread(pydicom_file("CT_small.dcm"))
    ds.Rows, ds.Columns = 4096, 2048
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
    ds.PixelData = np.zeros((4096, 2048), dtype=np.uint16).tobytes()
    big = tmp_path / "big.dcm"
    ds.save_as(big, enforce_file_format=True)

    def act(conn: socket.socket) -> None:
        recv_pdu(conn)  # the command only
        conn.sendall(b"\x07\x00\x00\x00\x00\x04\x00\x00\x02\x00")
        time.sleep(1)

    with fake_scp(act) as port:
        with pytest.raises(net.AssociationAbortedError, match="aborted while sending"):
            with net.associate("127.0.0.1", port, contexts=[CT], timeout=5) as assoc:
                assoc.send(big)
