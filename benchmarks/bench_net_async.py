#!/usr/bin/env python3
"""Asynchronous operations window benchmark: C-STORE over loopback with one request
outstanding at a time (``max_async_ops=1``) against up to 8 (``max_async_ops=8``).

Our SCU (``rs_dicom.net.send``, one association, in its own process) to our SCP
(``rs-dicom listen``, its own process, granting 16, writing every file to disk). Two sets:
2,000 small CT files (~39 KB, 140x140 16-bit: the round trip per file matters) and 500 CT
files of ~0.5 MB (512x512 16-bit). Runs are interleaved; the table reports the median of
``--repeat`` runs: wall time and files/s, and the CPU seconds of the SCU process
(``time.process_time``, all its threads) and of the SCP process (utime + stime from
``/proc``, during the run). The machine is shared with other jobs: CPU time is the steadier
measure, wall time shows the latency the window hides.

On loopback a round trip takes tens of microseconds, so there is little to hide; the runs
are repeated through a delaying proxy (threads of this script: every chunk read on either
side is forwarded ``--delay-ms`` later, bandwidth not limited), as on a network with that
one-way latency. The proxy's CPU is not counted.

    python benchmarks/bench_net_async.py [--small 2000] [--large 500] [--repeat 3]
        [--delay-ms 1]
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_net import ENV, PY, free_port, generate, publish, wait  # noqa: E402

RESULTS = HERE / "results_net_async.md"

RS_SCU = r"""
import sys, time
from rs_dicom import net
port, window, files = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
t, c = time.perf_counter(), time.process_time()
results = net.send(files, "127.0.0.1", port, workers=1, timeout=60, max_async_ops=window)
wall, cpu = time.perf_counter() - t, time.process_time() - c
assert all(r.status == 0 for r in results), [r for r in results if r.status != 0][:3]
print(wall, cpu)
"""


def _forward(src: socket.socket, dst: socket.socket, delay: float) -> None:
    """Copies src to dst, each chunk ``delay`` seconds after it was read."""
    chunks: queue.Queue[tuple[float, bytes]] = queue.Queue()

    def reader() -> None:
        while data := src.recv(1 << 16):
            chunks.put((time.monotonic() + delay, data))
        chunks.put((0.0, b""))

    threading.Thread(target=reader, daemon=True).start()
    while True:
        due, data = chunks.get()
        if not data:
            break
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        dst.sendall(data)
    dst.shutdown(socket.SHUT_WR)


def delay_proxy(target: int, delay: float) -> int:
    """A port that forwards to ``target`` with ``delay`` seconds each way (daemon threads
    that live until the connections close)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            client, _ = listener.accept()
            upstream = socket.create_connection(("127.0.0.1", target))
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_forward, args=(a, b, delay), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return int(listener.getsockname()[1])


def cpu_of(pid: int) -> float:
    """utime + stime of a process so far, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(files: list[str], window: int, delay: float, work: Path) -> tuple[float, float, float]:
    """(wall, SCU CPU, SCP CPU) of one send of ``files`` into a fresh ``rs-dicom listen``,
    through a proxy adding ``delay`` seconds each way when it is not 0."""
    out = Path(tempfile.mkdtemp(dir=work))
    port = free_port()
    listen = [PY, "-m", "rs_dicom.cli", "listen", str(port), "-od", str(out)]
    proc = subprocess.Popen(listen, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait(port)
        before = cpu_of(proc.pid)
        via = delay_proxy(port, delay) if delay else port
        done = subprocess.run(
            [PY, "-c", RS_SCU, str(via), str(window), *files],
            env=ENV,
            check=False,
            capture_output=True,
            text=True,
        )
        scp_cpu = cpu_of(proc.pid) - before
    finally:
        proc.terminate()
        proc.wait(10)
    if done.returncode != 0:
        raise RuntimeError(f"window {window}: {done.stderr[-2000:]}")
    got = [p for p in out.iterdir() if not p.name.startswith(".")]
    if len(got) != len(files):
        raise RuntimeError(f"window {window}: {len(got)} of {len(files)} files arrived")
    shutil.rmtree(out)
    wall, scu_cpu = (float(x) for x in done.stdout.split()[-2:])
    return wall, scu_cpu, scp_cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=2000)
    ap.add_argument("--large", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--windows", default="1,8")
    ap.add_argument("--delay-ms", type=float, default=1.0, help="0: loopback only")
    args = ap.parse_args()
    windows = [int(w) for w in args.windows.split(",")]
    work = Path(tempfile.mkdtemp(prefix="bench_net_async_"))
    try:
        sets: dict[str, list[str]] = {}
        for name, n, side in (("small", args.small, 140), ("large", args.large, 512)):
            (work / name).mkdir()
            sets[name] = [str(p) for p in generate(work / name, n, side)]
        delays = sorted({0.0, args.delay_ms / 1000})
        runs: dict[tuple[float, str, int], list[tuple[float, float, float]]] = {}
        for _ in range(args.repeat):
            for delay in delays:
                for name, files in sets.items():
                    for w in windows:
                        runs.setdefault((delay, name, w), []).append(run(files, w, delay, work))
        lines = [
            f"Our SCU -> `rs-dicom listen`, one association, loopback; median of "
            f"{args.repeat}. The machine is loaded (other jobs on its 2 cores): wall times "
            "vary, CPU seconds less.",
            "",
            "| latency each way | files | window | wall s | files/s | MB/s | SCU CPU s "
            "| SCP CPU s |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for (delay, name, w), rs in runs.items():
            files = sets[name]
            size = sum(os.path.getsize(f) for f in files)
            wall, scu, scp = (statistics.median(column) for column in zip(*rs, strict=True))
            label = f"{len(files)} x {size / len(files) / 1e3:.0f} KB"
            latency = f"{delay * 1000:g} ms (proxy)" if delay else "loopback"
            lines.append(
                f"| {latency} | {label} | {w} | {wall:.2f} | {len(files) / wall:.0f} | "
                f"{size / wall / 1e6:.0f} | {scu:.2f} | {scp:.2f} |"
            )
        publish(RESULTS, "Asynchronous operations window benchmark", __doc__, lines)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
