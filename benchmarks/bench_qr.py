#!/usr/bin/env python3
"""Query/Retrieve benchmark on loopback: C-FIND responses/s and C-GET files/s.

An archive of N instances (pydicom's CT_small.dcm, 39 KB, one study each, one patient) is
served by our SCP (``rs-dicom serve``) and by DCMTK's ``dcmqrscp`` (loaded by C-STORE; it forks
a process per association, whose CPU time is counted once dcmqrscp has reaped it: a C-ECHO
after each run makes it reap, and that echo's small cost lands in the next run). SCUs:
rs_dicom (``Association.find/get``), DCMTK ``findscu``/``getscu``, pynetdicom
(``send_c_find``/``send_c_get``). C-FIND asks for every study (N responses); C-GET retrieves
the patient (N files written to disk by the SCU). The machine is shared and loaded, so the
measure is CPU time: SCU CPU (inside the loop for the Python SCUs, the whole process for
DCMTK's) plus the SCP process's CPU during the run (from /proc). Wall time is shown too. A
file copy of the same bytes is the limit for C-GET. Median of ``--repeat`` interleaved runs.

    python benchmarks/bench_qr.py [--files 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results_qr.md"
PY = sys.executable
ENV = {**os.environ, "TCP_NODELAY": "1"}
TICK = os.sysconf("SC_CLK_TCK")

OURS_SCU = r"""
import sys, time
from rs_dicom import net
op, port, called, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
c0, t0 = time.process_time(), time.perf_counter()
n = 0
with net.associate("127.0.0.1", port, called_ae=called, timeout=60) as a:
    if op == "find":
        q = {"StudyInstanceUID": "", "PatientName": "", "StudyDate": ""}
        for s, ds in a.find(q, "S", level="STUDY"):
            n += s == 0xFF00
    else:
        for s, ds in a.get({"PatientID": "BENCH"}, "P", level="PATIENT", directory=out):
            n = s.completed or n
print(n, time.process_time() - c0, time.perf_counter() - t0)
"""

PYNETDICOM_SCU = r"""
import sys, time, os
from pydicom.dataset import Dataset
from pynetdicom import AE, evt, build_role
from pynetdicom.sop_class import (
    CTImageStorage, PatientRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelFind)
op, port, called, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def on_store(event):
    with open(os.path.join(out, event.request.AffectedSOPInstanceUID + ".dcm"), "wb") as f:
        f.write(event.encoded_dataset())
    return 0
ae = AE(ae_title="PYSCU")
ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
ae.add_requested_context(PatientRootQueryRetrieveInformationModelGet)
ae.add_requested_context(CTImageStorage)
c0, t0 = time.process_time(), time.perf_counter()
assoc = ae.associate("127.0.0.1", port, ae_title=called,
                     ext_neg=[build_role(CTImageStorage, scp_role=True)],
                     evt_handlers=[(evt.EVT_C_STORE, on_store)])
n = 0
q = Dataset()
if op == "find":
    q.QueryRetrieveLevel = "STUDY"; q.StudyInstanceUID = ""; q.PatientName = ""; q.StudyDate = ""
    for s, ds in assoc.send_c_find(q, StudyRootQueryRetrieveInformationModelFind):
        n += s.Status == 0xFF00
else:
    q.QueryRetrieveLevel = "PATIENT"; q.PatientID = "BENCH"
    for s, ds in assoc.send_c_get(q, PatientRootQueryRetrieveInformationModelGet):
        n = s.get("NumberOfCompletedSuboperations", n)
assoc.release()
print(n, time.process_time() - c0, time.perf_counter() - t0)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int) -> None:
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def proc_cpu(pid: int) -> float:
    """User + system CPU of a process and of its children it has waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / TICK


def settle(port: int, called: str) -> None:
    """A C-ECHO, so that a forking SCP reaps the previous association's process."""
    subprocess.run(["echoscu", "-aec", called, "127.0.0.1", str(port)], check=False, env=ENV)
    time.sleep(0.3)


def make_archive(directory: Path, n: int) -> list[Path]:
    import pydicom
    from pydicom.data import get_testdata_file

    directory.mkdir(parents=True)
    src = pydicom.dcmread(str(get_testdata_file("CT_small.dcm")))
    out = []
    root = "1.2.826.0.1.3680043.10.1038.77"
    for i in range(n):
        ds = src.copy()
        ds.PatientID = "BENCH"
        ds.PatientName = "BENCH^QR"
        ds.StudyInstanceUID = f"{root}.{i}"
        ds.SeriesInstanceUID = f"{root}.{i}.1"
        ds.SOPInstanceUID = f"{root}.{i}.1.1"
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.StudyDate = f"2020{1 + i % 12:02d}{1 + i % 28:02d}"
        path = directory / f"{i}.dcm"
        ds.save_as(path)
        out.append(path)
    return out


def scu_command(scu: str, op: str, port: int, called: str, out: Path) -> list[str]:
    if scu == "rs_dicom":
        return [PY, "-c", OURS_SCU, op, str(port), called, str(out)]
    if scu == "pynetdicom":
        return [PY, "-c", PYNETDICOM_SCU, op, str(port), called, str(out)]
    if op == "find":
        args = ["findscu", "-S", "-aec", called, "-k", "QueryRetrieveLevel=STUDY"]
        args += ["-k", "StudyInstanceUID", "-k", "PatientName", "-k", "StudyDate"]
    else:
        args = ["getscu", "-P", "-aec", called, "-od", str(out)]
        args += ["-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID=BENCH"]
    return [*args, "127.0.0.1", str(port)]


def run_once(scu: str, op: str, scp_pid: int, port: int, called: str, tmp: Path, n: int):
    out = Path(tempfile.mkdtemp(dir=tmp))
    cmd = scu_command(scu, op, port, called, out)
    settle(port, called)
    before_scp = proc_cpu(scp_pid)
    before = os.times()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=ENV, check=False)
    wall = time.perf_counter() - t0
    after = os.times()
    settle(port, called)
    scp_cpu = proc_cpu(scp_pid) - before_scp
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} {cmd[-2:]} failed: {proc.stdout[-500:]} {proc.stderr[-500:]}")
    if scu == "dcmtk":
        scu_cpu = (after.children_user - before.children_user) + (
            after.children_system - before.children_system
        )
        count = n
    else:
        count_s, cpu_s, wall_s = proc.stdout.split()[-3:]
        count, scu_cpu, wall = int(float(count_s)), float(cpu_s), float(wall_s)
    if op == "get":
        got = len([p for p in out.iterdir() if p.suffix == ".dcm" or p.name.startswith("CT")])
        count = got
    shutil.rmtree(out, ignore_errors=True)
    if count != n:
        raise SystemExit(f"{scu} {op}: {count} of {n}")
    return scu_cpu + scp_cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_qr_"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        files = make_archive(tmp / "archive", args.files)
        ours_port, dcm_port = free_port(), free_port()
        ours = subprocess.Popen(
            [PY, "-m", "rs_dicom.cli", "serve", str(tmp / "archive"), "--port", str(ours_port)],
            stdout=subprocess.DEVNULL,
        )
        procs.append(ours)
        db = tmp / "db"
        db.mkdir()
        cfg = tmp / "dcmqrscp.cfg"
        cfg.write_text(
            f"NetworkTCPPort = {dcm_port}\nMaxPDUSize = 131072\nMaxAssociations = 16\n"
            "HostTable BEGIN\nHostTable END\nVendorTable BEGIN\nVendorTable END\n"
            f"AETable BEGIN\nCOMMON {db} RW (2000, 4096mb) ANY\nAETable END\n"
        )
        dcm = subprocess.Popen(
            ["dcmqrscp", "-c", str(cfg), "-dhl"],
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(dcm)
        wait_port(ours_port)
        wait_port(dcm_port)
        sys.path.insert(0, str(HERE.parent / "python"))
        from rs_dicom import net

        results = net.send(files, "127.0.0.1", dcm_port, called_ae="COMMON", timeout=60)
        assert all(r.ok for r in results)
        pairs = [
            ("rs_dicom", "rs_dicom", ours.pid, ours_port, "ANY"),
            ("dcmtk", "rs_dicom", ours.pid, ours_port, "ANY"),
            ("pynetdicom", "rs_dicom", ours.pid, ours_port, "ANY"),
            ("dcmtk", "dcmqrscp", dcm.pid, dcm_port, "COMMON"),
            ("rs_dicom", "dcmqrscp", dcm.pid, dcm_port, "COMMON"),
            ("pynetdicom", "dcmqrscp", dcm.pid, dcm_port, "COMMON"),
        ]
        rows = []
        for op in ("find", "get"):
            samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
            for _ in range(args.repeat):
                for scu, scp, pid, port, called in pairs:
                    r = run_once(scu, op, pid, port, called, tmp, args.files)
                    samples.setdefault((scu, scp), []).append(r)
            for (scu, scp), rs in samples.items():
                cpu = statistics.median(c for c, _ in rs)
                wall = statistics.median(w for _, w in rs)
                rows.append((op, scu, scp, cpu, wall, args.files / cpu, args.files / wall))
        copies = []
        for _ in range(args.repeat):
            dst = Path(tempfile.mkdtemp(dir=tmp))
            c0, t0 = time.process_time(), time.perf_counter()
            for f in files:
                shutil.copyfile(f, dst / f.name)
            copies.append((time.process_time() - c0, time.perf_counter() - t0))
            shutil.rmtree(dst)
        cpu = statistics.median(c for c, _ in copies)
        wall = statistics.median(w for _, w in copies)
        rows.append(("get", "file copy", "(limit)", cpu, wall, args.files / cpu, args.files / wall))
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    head = (
        "| op | SCU | SCP | CPU s | wall s | per CPU s | per wall s |\n"
        "|---|---|---|---:|---:|---:|---:|\n"
    )
    body = "".join(
        f"| {op} | {scu} | {scp} | {c:.3f} | {w:.3f} | {pc:.0f} | {pw:.0f} |\n"
        for op, scu, scp, c, w, pc, pw in rows
    )
    table = head + body
    print(table)
    RESULTS.write_text(
        "# Query/Retrieve benchmark\n\n"
        f"`python benchmarks/bench_qr.py --files {args.files} --repeat {args.repeat}`: "
        f"{args.files} instances (CT_small.dcm, 39 KB, one study each). find = C-FIND of every "
        "study (responses per second), get = C-GET of the patient (files per second, each "
        "written to disk by the SCU). CPU = SCU CPU + SCP process CPU during the run (the "
        "machine is shared by other jobs, so CPU time is the fair measure; wall time is "
        "shown for reference). Median of the runs.\n\n" + table
    )


if __name__ == "__main__":
    main()
