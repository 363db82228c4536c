#!/usr/bin/env python3
"""Start-up of the Q/R SCP (``rs-dicom serve``) over N files: with no index file (every file
read), the first start with an index file (every file read, then written to SQLite), and a
second start (the index file reused: each file only stat()ed).

The archive: N instances of pydicom's CT_small.dcm (39 KB; header about 6 KB) written by
pydicom, 10 patients, N/50 studies of 50 instances. Each start runs in a fresh Python
process, which times building the server (index included) with ``time.process_time`` (CPU
of all its threads: the machine is shared and loaded, so CPU time is the measure; wall time
is shown for reference). Each case runs with the page cache warm and cold: for "cold" the
archive's files and the index file are dropped from the page cache first
(``posix_fadvise(DONTNEED)`` on each, which leaves other processes' cache alone). Runs are
interleaved; median of ``--repeat``.

    python benchmarks/bench_qr_index.py [--files 5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results_qr_index.md"
INDEX = ".rs_dicom_index.sqlite"

CHILD = r"""
import json, sys, time
from rs_dicom import net
directory, index = sys.argv[1], sys.argv[2]
c0, t0 = time.process_time(), time.perf_counter()
srv = net.QueryRetrieveServer(directory, 0, host="127.0.0.1", index=None if index == "-" else index)
cpu, wall = time.process_time() - c0, time.perf_counter() - t0
stats = srv.index_stats()
n = srv.indexed
srv.stop()
print(json.dumps({"cpu": cpu, "wall": wall, "indexed": n, **stats}))
"""


def make_archive(directory: Path, n: int) -> None:
    import pydicom
    from pydicom.data import get_testdata_file

    src = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    root = "1.2.826.0.1.3680043.10.1038.77"
    for i in range(n):
        ds = src.copy()
        patient, study = i % 10, i // 50
        ds.PatientName = f"BENCH^{patient}"
        ds.PatientID = f"P{patient}"
        ds.StudyInstanceUID = f"{root}.{study}"
        ds.SeriesInstanceUID = f"{root}.{study}.1"
        ds.SOPInstanceUID = f"{root}.{study}.1.{i}"
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.InstanceNumber = i + 1
        sub = directory / f"s{study:04d}"
        sub.mkdir(exist_ok=True)
        ds.save_as(sub / f"i{i:05d}.dcm")


def evict(directory: Path) -> None:
    """Drops the files under ``directory`` from the page cache."""
    for path in directory.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def start(directory: Path, index: str, cold: bool = False) -> dict[str, float]:
    if cold:
        evict(directory)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(directory), index],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return dict(json.loads(done.stdout))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "archive"
        archive.mkdir()
        make_archive(archive, args.files)
        index = archive / INDEX
        runs: dict[str, list[dict[str, float]]] = {}
        start(archive, "-")  # warms the page cache
        for _ in range(args.repeat):
            for cold in (False, True):
                tag = " (cold)" if cold else ""
                runs.setdefault("none" + tag, []).append(start(archive, "-", cold))
                for p in archive.glob(INDEX + "*"):
                    p.unlink()
                runs.setdefault("first" + tag, []).append(start(archive, str(index), cold))
                runs.setdefault("second" + tag, []).append(start(archive, str(index), cold))
        size = sum(p.stat().st_size for p in archive.glob(INDEX + "*"))
    names = {
        "none": "no index file (--no-index-file)",
        "first": "first start, index file written",
        "second": "second start, index file reused",
    }
    rows = []
    for key, rs in sorted(runs.items(), key=lambda kv: kv[0].endswith("(cold)")):
        base, _, cold = key.partition(" ")
        assert all(r["indexed"] == args.files for r in rs), rs
        last = rs[-1]
        cpu = statistics.median(r["cpu"] for r in rs)
        wall = statistics.median(r["wall"] for r in rs)
        rows.append(
            f"| {names[base]} | {'cold' if cold else 'warm'} | {cpu:.3f} | {wall:.3f} | "
            f"{int(last['read'])} | {int(last['reused'])} |"
        )
        print(rows[-1])
    text = "\n".join(
        [
            "# Q/R SCP start-up with the SQLite index file",
            "",
            f"`python benchmarks/bench_qr_index.py --files {args.files} --repeat {args.repeat}`:"
            f" building `rs-dicom serve`'s index of {args.files} files (CT_small.dcm, 39 KB,"
            " in sub-directories of 50), each start a fresh process; CPU = process CPU time of"
            " the server's construction (the machine is shared and loaded; wall shown for"
            " reference), median of the runs; cold: the archive and index files dropped from"
            " the page cache before the start. Index file size (with its WAL):"
            f" {size / 1e6:.1f} MB.",
            "",
            "| start | page cache | CPU s | wall s | files read | instances reused |",
            "|---|---|---:|---:|---:|---:|",
            *rows,
            "",
        ]
    )
    RESULTS.write_text(text)
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
