#!/usr/bin/env python3
"""TLS cost: C-STORE of N generated CT files (~0.5 MB each) over loopback, plain and TLS.

Pairs (SCU -> SCP, one association, each SCP its own process writing every file): rs_dicom ->
rs_dicom (``rs-dicom send`` / ``rs-dicom listen``) and DCMTK ``storescu`` -> ``storescp``,
each plain and with TLS (mutual authentication, RSA 2048 certificates made by openssl; each
side's default protocol versions and suites). The machine is shared
with other jobs, so besides the wall time the table gives the CPU time (user + system) of both
processes together, which load disturbs less; median of ``--repeat`` interleaved runs.

    python benchmarks/bench_net_tls.py [--files 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from bench_net import ENV, PY, free_port, generate, publish, wait  # noqa: E402
from tls_support import Certs, make_certs  # noqa: E402

RESULTS = HERE / "results_net_tls.md"


def tls_args(certs: Certs, who: str) -> list[str]:
    return ["+tls", certs.key(who), certs.cert(who), "+cf", certs.ca]


def commands(kind: str, tls: Certs | None, port: int, out: Path, files: list[str]):
    server = tls_args(tls, "server") if tls else []
    client = tls_args(tls, "client") if tls else []
    if kind == "rs_dicom":
        scp = [PY, "-m", "rs_dicom.cli", "listen", str(port), "-od", str(out), *server]
        scu = [PY, "-m", "rs_dicom.cli", "send", "127.0.0.1", str(port), *files, "-j", "1"]
    else:
        scp = ["storescp", "-od", str(out), "-pdu", "131072", *server, str(port)]
        scu = ["storescu", "-pdu", "131072", *client, "127.0.0.1", str(port), *files]
        client = []
    return scp, scu + client


def cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_pair(kind: str, tls: Certs | None, files: list[str], work: Path) -> tuple[float, float]:
    out = Path(tempfile.mkdtemp(dir=work))
    port = free_port()
    scp_cmd, scu_cmd = commands(kind, tls, port, out, files)
    cpu0 = cpu_children()
    scp = subprocess.Popen(scp_cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait(port)
        t = time.perf_counter()
        proc = subprocess.run(scu_cmd, env=ENV, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - t
    finally:
        scp.terminate()
        scp.wait(10)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} tls={tls is not None}: {proc.stderr[-500:]}")
    got = [p for p in out.iterdir() if not p.name.startswith(".")]
    if len(got) != len(files):
        raise RuntimeError(f"{kind} tls={tls is not None}: {len(got)} of {len(files)} arrived")
    shutil.rmtree(out)
    return elapsed, cpu_children() - cpu0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_net_tls_"))
    try:
        data = work / "data"
        data.mkdir()
        files = [str(p) for p in generate(data, args.files)]
        size = sum(os.path.getsize(f) for f in files)
        certs = make_certs(work / "certs")
        runs: dict[str, list[tuple[float, float]]] = {}
        for _ in range(args.repeat):
            for kind in ("rs_dicom", "storescu"):
                for tls in (None, certs):
                    name = f"{kind} -> {'rs_dicom' if kind == 'rs_dicom' else 'storescp'}"
                    name += " (TLS)" if tls else ""
                    runs.setdefault(name, []).append(run_pair(kind, tls, files, work))
        lines = [
            f"C-STORE of {len(files)} CT files ({size / len(files) / 1e6:.2f} MB each, "
            f"{size / 1e6:.0f} MB) on loopback; median of {args.repeat}; machine loaded "
            "(other jobs on 2 cores). CPU: user + system of SCU and SCP processes (Python "
            "start-up of the rs_dicom CLI included, ~0.5 s).",
            "",
            "| SCU -> SCP | wall s | MB/s (wall) | CPU s | MB per CPU s |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, rs in runs.items():
            wall = statistics.median(r[0] for r in rs)
            cpu = statistics.median(r[1] for r in rs)
            lines.append(
                f"| {name} | {wall:.2f} | {size / wall / 1e6:.0f} | {cpu:.2f} | "
                f"{size / cpu / 1e6:.0f} |"
            )
        publish(RESULTS, "TLS benchmark", __doc__, lines)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
