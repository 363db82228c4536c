#!/usr/bin/env python3
"""Orthanc as the peer: C-STORE into Orthanc, and DICOMweb STOW-RS / WADO-RS against its
DICOMweb plugin, over loopback.

Clients, each in its own process: rs_dicom ``net.send`` vs DCMTK ``storescu`` vs pynetdicom
(C-STORE of N generated ~0.5 MB CT files, one association); rs_dicom ``web.Client`` vs
dicomweb-client (STOW-RS of the same files in batches of 10; WADO-RS of the whole study).
Orthanc writes every file to disk and is most of the wall time, and the machine is shared,
so the table gives the client's CPU time (user + system of its process, from wait4) as the
main number, wall time beside it; the median of ``--repeat`` interleaved runs. Orthanc is
emptied before every store and holds the study for every retrieve.

    python benchmarks/bench_net_orthanc.py [--files 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
RESULTS = HERE / "results_net_orthanc.md"
PY = sys.executable

from bench_net import generate  # noqa: E402

CLIENTS = {
    # The floor of every Python client: start the interpreter, import rs_dicom, read the files.
    "floor: python reads the files": r"""
import rs_dicom
n = 0
for f in FILES:
    with open(f, "rb") as fh:
        n += len(fh.read())
""",
    "send rs_dicom": r"""
from rs_dicom import net
r = net.send(FILES, "127.0.0.1", DICOM_PORT, called_ae="ORTHANC")
assert all(x.ok for x in r), [x for x in r if not x.ok][:2]
""",
    "send pynetdicom": r"""
from pydicom import dcmread
from pynetdicom import AE
ae = AE(ae_title="PYSCU")
ae.add_requested_context("1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.1.2.1")
assoc = ae.associate("127.0.0.1", DICOM_PORT, ae_title="ORTHANC")
assert assoc.is_established
for f in FILES:
    assert assoc.send_c_store(f).Status == 0
assoc.release()
""",
    "stow rs_dicom": r"""
from rs_dicom import web
c = web.Client(URL, auth=AUTH)
for i in range(0, len(FILES), 10):
    a = c.store_instances(FILES[i:i + 10])
    assert len(a["00081199"]["Value"]) == len(FILES[i:i + 10])
""",
    "stow dicomweb-client": r"""
import pydicom, requests
from dicomweb_client import DICOMwebClient
s = requests.Session(); s.auth = AUTH
c = DICOMwebClient(URL, session=s)
for i in range(0, len(FILES), 10):
    a = c.store_instances([pydicom.dcmread(f) for f in FILES[i:i + 10]])
    assert len(a.ReferencedSOPSequence) == len(FILES[i:i + 10])
""",
    "wado rs_dicom": r"""
from rs_dicom import web
c = web.Client(URL, auth=AUTH)
got = c.retrieve_study(STUDY)
assert len(got) == len(FILES)
n = sum(d.pixel_array.size for d in got)
""",
    "wado dicomweb-client": r"""
import requests
from dicomweb_client import DICOMwebClient
s = requests.Session(); s.auth = AUTH
c = DICOMwebClient(URL, session=s)
got = c.retrieve_study(STUDY)
assert len(got) == len(FILES)
n = sum(d.pixel_array.size for d in got)
""",
}


def run_client(name: str, env: dict[str, object], files: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one client process (the CPU time includes its start-up)."""
    if name == "send storescu":
        args = ["storescu", "-aec", "ORTHANC", "127.0.0.1", str(env["DICOM_PORT"]), *files]
    else:
        setup = "".join(f"{k} = {v!r}\n" for k, v in env.items())
        code = f"{setup}FILES = sys.argv[1:]\n{CLIENTS[name]}\nprint(time.perf_counter() - t)"
        args = [PY, "-c", "import sys, time\nt = time.perf_counter()\n" + code, *files]
    t = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    out, err = proc.communicate()
    if status != 0:
        raise RuntimeError(f"{name} failed: {err.decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    opts = ap.parse_args()
    from orthanc_support import PASSWORD, USER, start_orthanc

    names = [
        "floor: python reads the files",
        "send rs_dicom",
        "send storescu",
        "send pynetdicom",
        "stow rs_dicom",
        "stow dicomweb-client",
        "wado rs_dicom",
        "wado dicomweb-client",
    ]
    timings: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
    with tempfile.TemporaryDirectory() as tmp, contextlib.closing(start_orthanc()) as gen:
        paths = generate(Path(tmp), opts.files)
        files = [str(p) for p in paths]
        size = sum(p.stat().st_size for p in paths)
        import pydicom

        study = pydicom.dcmread(files[0], stop_before_pixels=True).StudyInstanceUID
        orthanc = next(gen)
        env = {
            "DICOM_PORT": orthanc.dicom_port,
            "URL": orthanc.dicomweb_url,
            "AUTH": (USER, PASSWORD),
            "STUDY": study,
        }
        for _ in range(opts.repeat):
            for name in names:
                if name.startswith("floor"):
                    pass
                elif name.startswith("wado"):
                    if len(orthanc.instance_ids()) != len(files):
                        orthanc.clear()
                        for p in paths:
                            orthanc.upload(p)
                else:
                    orthanc.clear()
                timings[name].append(run_client(name, env, files))
                if name.startswith(("send", "stow")):
                    n = len(orthanc.instance_ids())
                    if n != len(files):
                        raise RuntimeError(f"{name}: {n} of {len(files)} in Orthanc")
    lines = [
        "# Orthanc as the peer: C-STORE, STOW-RS, WADO-RS",
        "",
        f"`python benchmarks/bench_net_orthanc.py --files {opts.files} --repeat {opts.repeat}`: "
        f"{opts.files} CT files of {size / opts.files / 1e6:.2f} MB, Orthanc "
        "(Debian package, DICOMweb plugin) on loopback, one client process per run. CPU time is "
        "the client process's user + system time, start-up included (the machine is shared "
        "by other jobs: wall time is noisy and mostly Orthanc's). The floor row is a Python "
        "process that only imports rs_dicom and reads the files: the CPU time every Python "
        "client spends before any network work. Medians.",
        "",
        "| client | CPU s | files/CPU s | wall s | files/s (wall) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name in names:
        wall = statistics.median(w for w, _ in timings[name])
        cpu = statistics.median(c for _, c in timings[name])
        rate, wall_rate = opts.files / cpu, opts.files / wall
        lines.append(f"| {name} | {cpu:.2f} | {rate:.0f} | {wall:.2f} | {wall_rate:.0f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
