#!/usr/bin/env python3
"""Header scan into a table: `rs_dicom.scan` against a pydicom loop, dicomsdl and a plain read.

Writes N files with rs_dicom's writer (pydicom's CT_small.dcm header, 128x128 16-bit
pixels, a new SOP Instance UID, Instance Number and position per file) into a folder, then
times, interleaved, the median of ``--repeat`` runs of:

* ``rs_dicom.scan(folder)`` with the default tags, 1 worker and 2 workers (the folder holds
  only these files);
* a pydicom loop: ``dcmread(f, stop_before_pixels=True)``, the same keywords into a dict per
  file (values as ``str``), ``pyarrow.Table.from_pylist`` at the end;
* a dicomsdl loop (if installed): ``open_file(f, load_until=PixelData)``, ``getValues`` of
  the same keywords, ``Table.from_pylist``;
* a plain read: ``open(f, "rb").read()`` of every file (the bytes the OS must hand over).

The machine is shared, so the ratios are of CPU time (user + system of this process, all
threads): files per CPU second. The 1 → 2 worker speed-up needs wall time, given as well.

Usage: ``python benchmarks/bench_scan.py [--files 2000] [--repeat 5] [--dir DIR]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import rs_dicom
from rs_dicom._scan import DEFAULT_TAGS


def generate(folder: Path, count: int) -> list[str]:
    """``count`` files written by rs_dicom (kept when they exist already)."""
    from pydicom.data import get_testdata_file
    from rs_dicom.uid import generate_uid

    folder.mkdir(parents=True, exist_ok=True)
    paths = [str(folder / f"CT_{i:06}.dcm") for i in range(count)]
    if all(os.path.exists(p) for p in paths):
        return paths
    ds = rs_dicom.dcmread(get_testdata_file("CT_small.dcm"))
    for i, p in enumerate(paths):
        uid = generate_uid()
        ds.SOPInstanceUID = uid
        ds.file_meta.MediaStorageSOPInstanceUID = uid
        ds.InstanceNumber = i + 1
        ds.ImagePositionPatient = [-158.0, -179.0, float(i)]
        ds.save_as(p)
    return paths


def pydicom_loop(paths: Sequence[str]) -> Any:
    import pyarrow as pa
    import pydicom

    rows = []
    for p in paths:
        ds = pydicom.dcmread(p, stop_before_pixels=True)
        row: dict[str, Any] = {"path": p, "size": os.path.getsize(p)}
        for kw in DEFAULT_TAGS:
            v = ds.get(kw)
            row[kw] = None if v is None else str(v)
        rows.append(row)
    return pa.Table.from_pylist(rows)


def have_dicomsdl() -> bool:
    try:
        import dicomsdl  # noqa: F401
    except ImportError:
        return False
    return True


def dicomsdl_loop(paths: Sequence[str]) -> Any:
    """dicomsdl's header read of the same keywords (values as ``str``)."""
    import dicomsdl
    import pyarrow as pa

    keywords = list(DEFAULT_TAGS)
    rows = []
    for p in paths:
        ds = dicomsdl.open_file(p, load_until=0x7FE00010)
        row: dict[str, Any] = {"path": p, "size": os.path.getsize(p)}
        for kw, v in zip(keywords, ds.getValues(keywords), strict=True):
            row[kw] = None if v is None else str(v)
        rows.append(row)
    return pa.Table.from_pylist(rows)


def plain_read(paths: Sequence[str]) -> int:
    total = 0
    for p in paths:
        with open(p, "rb") as f:
            total += len(f.read())
    return total


def timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def cases(
    folder: Path, paths: Sequence[str], peer_paths: Sequence[str]
) -> dict[str, Callable[[], Any]]:
    """The timed cases: the scan lists ``folder`` itself (the files are ``paths``); the
    Python loops read ``peer_paths`` (a subset at scale)."""
    out: dict[str, Callable[[], Any]] = {
        "plain read (open().read())": lambda: plain_read(paths),
        "rs_dicom.scan, 1 worker": lambda: rs_dicom.scan(folder, workers=1),
        "rs_dicom.scan, 2 workers": lambda: rs_dicom.scan(folder, workers=2),
        "pydicom loop + Table.from_pylist": lambda: pydicom_loop(peer_paths),
    }
    if have_dicomsdl():
        out["dicomsdl loop + Table.from_pylist"] = lambda: dicomsdl_loop(peer_paths)
    return out


def measure(
    runs: dict[str, Callable[[], Any]], counts: dict[str, int], repeat: int
) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds per file of each case, the cases interleaved."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, fn in runs.items():
            wall, cpu = timed(fn)
            samples[name].append((wall / counts[name], cpu / counts[name]))
    return {
        name: (
            statistics.median(w for w, _ in s),
            statistics.median(c for _, c in s),
        )
        for name, s in samples.items()
    }


def report(per_file: dict[str, tuple[float, float]]) -> str:
    """A Markdown table: files/s by wall and by CPU time, ratios of CPU time."""
    plain = per_file["plain read (open().read())"][1]
    pyd = per_file["pydicom loop + Table.from_pylist"][1]
    lines = [
        "| case | files/s (wall) | files/s (CPU) | CPU us/file | x plain read (CPU) "
        "| x pydicom loop (CPU) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, (wall, cpu) in per_file.items():
        lines.append(
            f"| {name} | {1 / wall:,.0f} | {1 / cpu:,.0f} | {cpu * 1e6:.1f} "
            f"| {plain / cpu:.2f} | {pyd / cpu:.1f} |"
        )
    one = per_file["rs_dicom.scan, 1 worker"][0]
    two = per_file["rs_dicom.scan, 2 workers"][0]
    lines.append("")
    lines.append(f"1 -> 2 workers (wall): {one / two:.2f}x; load average {os.getloadavg()}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dir", type=Path, help="where the files are written (kept)")
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.gettempdir()) / f"rs_dicom_bench_scan_{args.files}"
    paths = generate(folder, args.files)
    runs = cases(folder, paths, paths)
    per_file = measure(runs, dict.fromkeys(runs, len(paths)), args.repeat)
    print(f"{args.files} files of {os.path.getsize(paths[0])} bytes, median of {args.repeat}")
    print(report(per_file))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
