#!/usr/bin/env python3
"""The header scan at archive scale: 100,000 files, files/s, peak RSS and RSS growth per file.

Writes ``--files`` files with rs_dicom's writer into a temporary folder (deleted at the end
unless ``--dir`` is given): real CT and MR headers (pydicom's CT_small.dcm and MR_small.dcm)
with small 32x32 images, a new Study/Series/SOP Instance UID per file group, 500 files per
series folder. Each case runs in its own Python process (its peak RSS is its own), interleaved,
``--repeat`` times (median):

* plain read: ``open(f, "rb").read()`` of every file;
* ``rs_dicom.scan(folder, workers=1)`` and ``workers=2`` (the whole table kept in memory);
* ``plain2p`` and ``scan2p``: the plain read and the 1-worker scan in two processes at once,
  each on half the series folders, started together: two processes share no kernel state of
  a process (descriptor table, memory map, credentials), so their speed-up over one process
  is what this machine's two cores give this work, the physical limit of the 2-worker scan's;
* stream: the scan's batches read and dropped (``rs-dicom index``'s memory pattern), RSS
  sampled after every batch: the growth per file is the slope of a least-squares line through
  the samples after the first 10 %;
* ``rs-dicom index folder -o x.parquet --workers 2``;
* a pydicom loop and a dicomsdl loop on the first ``--subset`` files (the same tags).

Times are CPU seconds (user + system, all threads) of the timed part of the child (imports
done before), as the machine is shared; wall seconds are given for the 1 → 2 worker speed-up.

Usage: ``python benchmarks/bench_scan_100k.py [--files 100000] [--subset 2000] [--repeat 3]``

The 1 → 2 worker speed-up alone (on a quiet machine: it is a wall-time ratio), each run of
``scan1`` and ``scan2`` interleaved, with every run's wall and CPU seconds printed:
``python benchmarks/bench_scan_100k.py --files 20000 --repeat 7 --cases scan1,scan2``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TEMPLATES = ("CT_small.dcm", "MR_small.dcm")
SERIES_SIZE = 500


def generate(folder: Path, count: int) -> None:
    """``count`` files in series folders of ``SERIES_SIZE`` (kept when complete)."""
    import numpy as np
    import rs_dicom
    from pydicom.data import get_testdata_file
    from rs_dicom.uid import generate_uid

    marker = folder.with_name(f"{folder.name}.complete_{count}")
    if marker.exists() and folder.is_dir():
        return
    templates = []
    for name in TEMPLATES:
        ds = rs_dicom.dcmread(get_testdata_file(name))
        image = (np.arange(32 * 32, dtype=np.int16).reshape(32, 32) % 1000).astype(np.int16)
        ds.set_pixel_data(image, "MONOCHROME2", 16)
        templates.append(ds)
    for s in range(0, count, SERIES_SIZE):
        ds = templates[(s // SERIES_SIZE) % len(templates)]
        sub = folder / f"series_{s // SERIES_SIZE:04}"
        sub.mkdir(parents=True, exist_ok=True)
        ds.StudyInstanceUID = generate_uid()
        ds.SeriesInstanceUID = generate_uid()
        for i in range(s, min(s + SERIES_SIZE, count)):
            uid = generate_uid()
            ds.SOPInstanceUID = uid
            ds.file_meta.MediaStorageSOPInstanceUID = uid
            ds.InstanceNumber = i - s + 1
            ds.ImagePositionPatient = [0.0, 0.0, float(i - s)]
            ds.save_as(sub / f"IM_{i:06}.dcm")
    marker.touch()


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _slope(xs: list[float], ys: list[float]) -> float:
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


def _halves(folder: Path) -> list[Path]:
    """Two folders of symbolic links to every other series folder of ``folder`` (made once)."""
    series = sorted(p for p in folder.iterdir() if p.is_dir())
    out = []
    for i in (0, 1):
        half = folder.with_name(f"{folder.name}.half{i}")
        if not half.is_dir() or sorted(x.name for x in half.iterdir()) != [
            x.name for x in series[i::2]
        ]:
            shutil.rmtree(half, ignore_errors=True)
            tmp = half.with_name(half.name + ".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
            for s in series[i::2]:
                (tmp / s.name).symlink_to(s)
            tmp.rename(half)
        out.append(half)
    return out


def child(case: str, folder: Path, subset: int, start: float | None = None) -> dict[str, Any]:
    """One case in this process: what it did, wall seconds and extra numbers. With ``start``
    (a ``time.monotonic()`` instant: the clock all processes share) the timed part begins
    then, and the result holds its start and end on that clock."""
    import rs_dicom
    from rs_dicom._scan import batches, expand_paths, resolve_tags

    sys.path.insert(0, str(HERE))
    import pyarrow  # noqa: F401  (imported before the clock starts, like the peers below)
    import pydicom  # noqa: F401
    from bench_scan import dicomsdl_loop, plain_read, pydicom_loop

    if case == "dicomsdl":
        import dicomsdl  # noqa: F401
    out: dict[str, Any] = {}
    if case in ("plain", "pydicom", "dicomsdl"):
        # The real paths: through a half's links every open would resolve a link again.
        paths = expand_paths([p.resolve() for p in sorted(folder.iterdir())])
    else:
        paths = []
    if start is not None:
        while time.monotonic() < start:
            pass
    m0 = time.monotonic()
    t0, c0 = time.perf_counter(), time.process_time()
    if case == "plain":
        out["bytes"] = plain_read(paths)
        out["files"] = len(paths)
    elif case in ("scan1", "scan2"):
        table = rs_dicom.scan(folder, workers=int(case[-1]))
        out["files"] = table.num_rows
        out["errors"] = table.num_rows - table.column("error").null_count
        out["table_bytes"] = table.nbytes
    elif case == "stream":
        scanner = rs_dicom._core.Scanner(resolve_tags(None))
        files = expand_paths(folder)
        done, xs, ys = 0, [], []
        for rb in batches(scanner, files, 1):
            done += rb.num_rows
            xs.append(float(done))
            ys.append(float(_rss()))
            del rb
        first = len(xs) // 10
        out["files"] = done
        out["rss_growth_per_file"] = _slope(xs[first:], ys[first:])
        out["rss_start"], out["rss_end"] = ys[first], ys[-1]
    elif case == "index":
        from rs_dicom.cli import main as cli

        out_file = folder.parent / f"{folder.name}.parquet"
        cli(["index", str(folder), "-o", str(out_file), "--workers", "2"])
        import pyarrow.parquet as pq

        out["files"] = pq.ParquetFile(out_file).metadata.num_rows
        out_file.unlink()
    elif case in ("pydicom", "dicomsdl"):
        loop = pydicom_loop if case == "pydicom" else dicomsdl_loop
        out["files"] = loop(paths[:subset]).num_rows
    else:
        raise ValueError(case)
    out["wall"] = time.perf_counter() - t0
    out["cpu"] = time.process_time() - c0
    out["t0"], out["t1"] = m0, time.monotonic()
    return out


#: Cases run as two processes at once, each on half the folders: the case each one runs.
PAIRED = {"plain2p": "plain", "scan2p": "scan1"}


def run_case(case: str, folder: Path, subset: int) -> dict[str, Any]:
    """A case in a new process: its result, CPU seconds (of the timed part) and peak RSS."""
    if case in PAIRED:
        return run_pair(PAIRED[case], folder, subset)
    cmd = [sys.executable, __file__, "--child", case, "--dir", str(folder)]
    cmd += ["--subset", str(subset)]
    proc = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def run_pair(case: str, folder: Path, subset: int) -> dict[str, Any]:
    """``case`` in two processes on the two halves of ``folder``, their timed parts started at
    the same instant: wall from the first start to the last end, CPU and files summed."""
    start = time.monotonic() + 2.0  # both children have imported and listed by then
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--child", case, "--dir", str(half)]
            + ["--subset", str(subset), "--start", repr(start)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for half in _halves(folder)
    ]
    # Both are waited for before either's failure is raised: no child is left running.
    done = [(proc, proc.communicate()[0]) for proc in procs]
    outs = []
    for proc, stdout in done:
        if proc.returncode:
            raise subprocess.CalledProcessError(proc.returncode, proc.args)
        outs.append(json.loads(stdout.strip().splitlines()[-1]))
    late = max(o["t0"] for o in outs) - start
    if late > 0.01:
        print(f"warning: a {case} half started {late * 1e3:.0f} ms late", file=sys.stderr)
    return {
        "wall": max(o["t1"] for o in outs) - min(o["t0"] for o in outs),
        "cpu": sum(o["cpu"] for o in outs),
        "files": sum(o["files"] for o in outs),
        "maxrss": max(o["maxrss"] for o in outs),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--subset", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, help="where the files are written (kept)")
    parser.add_argument(
        "--cases",
        help=f"comma-separated cases to run (default: all of {','.join(ALL_CASES)})",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        res = child(args.child, args.dir, args.subset, args.start)
        res["maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(json.dumps(res))
        return 0
    folder = args.dir or Path(tempfile.mkdtemp(prefix="rs_dicom_scan_100k_"))
    try:
        t0 = time.perf_counter()
        generate(folder, args.files)
        print(f"{args.files} files ready in {time.perf_counter() - t0:.0f} s in {folder}")
        report(folder, args)
    finally:
        if args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


ALL_CASES = (
    "plain",
    "plain2p",
    "scan1",
    "scan2",
    "scan2p",
    "stream",
    "index",
    "pydicom",
    "dicomsdl",
)


def _cases(chosen: str | None) -> list[str]:
    import importlib.util

    if chosen:
        cases = [c for c in chosen.split(",") if c]
        unknown = set(cases) - set(ALL_CASES)
        if unknown:
            raise SystemExit(f"unknown cases {sorted(unknown)}: choose from {ALL_CASES}")
        return cases
    cases = list(ALL_CASES[:-1])
    if importlib.util.find_spec("dicomsdl") is not None:
        cases.append("dicomsdl")
    return cases


def _ratio(runs: dict[str, list[dict[str, Any]]], one: str, two: str) -> str:
    """The ratio of ``one``'s median wall to ``two``'s, and of each interleaved pair."""
    w1 = statistics.median(r["wall"] for r in runs[one])
    w2 = statistics.median(r["wall"] for r in runs[two])
    pairs = sorted(a["wall"] / b["wall"] for a, b in zip(runs[one], runs[two], strict=True))
    return (
        f"{w1 / w2:.2f}x (median of the {len(pairs)} pairs' ratios "
        f"{statistics.median(pairs):.2f}, range {pairs[0]:.2f}-{pairs[-1]:.2f})"
    )


def speedup(runs: dict[str, list[dict[str, Any]]]) -> None:
    """Every run of the 1- and 2-worker scans, their medians and the ratio of median walls;
    with the two-process cases, the same speed-up of work that shares no process state."""
    for c in ("plain", "plain2p", "scan1", "scan2", "scan2p"):
        if c not in runs:
            continue
        walls = ", ".join(f"{r['wall']:.3f}" for r in runs[c])
        cpus = ", ".join(f"{r['cpu']:.3f}" for r in runs[c])
        print(f"{c}: wall s [{walls}] median {statistics.median(r['wall'] for r in runs[c]):.3f}")
        print(f"{c}: CPU s  [{cpus}] median {statistics.median(r['cpu'] for r in runs[c]):.3f}")
    print(f"1 -> 2 workers (scan1 -> scan2, wall): {_ratio(runs, 'scan1', 'scan2')}; goal >= 1.8x")
    if "scan2p" in runs:
        print(f"scan1 -> scan2p (two processes, wall): {_ratio(runs, 'scan1', 'scan2p')}")
    if "plain" in runs and "plain2p" in runs:
        print(f"plain -> plain2p (two processes, wall): {_ratio(runs, 'plain', 'plain2p')}")


def report(folder: Path, args: argparse.Namespace) -> None:
    cases = _cases(args.cases)
    runs: dict[str, list[dict[str, Any]]] = {c: [] for c in cases}
    for _ in range(args.repeat):
        for c in cases:
            runs[c].append(run_case(c, folder, args.subset))
    med = {
        c: {k: statistics.median(r[k] for r in rs) for k in ("wall", "cpu", "files")}
        for c, rs in runs.items()
    }
    peak = {c: max(r.get("maxrss", 0) for r in rs) for c, rs in runs.items()}
    plain = med["plain"]["cpu"] / med["plain"]["files"] if "plain" in med else None
    pyd = med["pydicom"]["cpu"] / med["pydicom"]["files"] if "pydicom" in med else None
    print(f"load average {os.getloadavg()}; median of {args.repeat}; CPU = user + system")
    print(
        "| case | files | files/s (wall) | files/s (CPU) | CPU us/file | x plain read "
        "| x pydicom | peak RSS MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for c, m in med.items():
        per = m["cpu"] / m["files"]
        rss = f"{peak[c] / 2**20:.0f}" if peak[c] else "-"
        x_plain = "-" if plain is None else f"{plain / per:.2f}"
        x_pyd = "-" if pyd is None else f"{pyd / per:.1f}"
        print(
            f"| {c} | {m['files']:,.0f} | {m['files'] / m['wall']:,.0f} | {1 / per:,.0f} "
            f"| {per * 1e6:.1f} | {x_plain} | {x_pyd} | {rss} |"
        )
    if "scan1" in runs and "scan2" in runs:
        speedup(runs)
    if "stream" not in runs:
        return
    growth = [r["rss_growth_per_file"] for r in runs["stream"]]
    print(
        f"stream: RSS growth per file {statistics.median(growth):.1f} bytes "
        f"(runs: {', '.join(f'{g:.1f}' for g in growth)}); "
        f"errors in scan: {runs.get('scan1', [{}])[0].get('errors')}; "
        f"table {runs.get('scan1', [{}])[0].get('table_bytes', 0) / 2**20:.0f} MB in Arrow"
    )


if __name__ == "__main__":
    raise SystemExit(main())
