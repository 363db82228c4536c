#!/usr/bin/env python3
"""Header scan into a table: `rs_dicom.scan` against a pydicom loop and a plain read.

Writes N files with rs_dicom's writer (pydicom's CT_small.dcm header, 128x128 16-bit
pixels, a new SOP Instance UID, Instance Number and position per file) into a folder, then
times, interleaved, best of ``--repeat``:

* ``rs_dicom.scan(folder)`` with the default tags, 1 worker and all cores;
* a pydicom loop: ``dcmread(f, stop_before_pixels=True)``, the same keywords into a dict per
  file (values as ``str``), ``pyarrow.Table.from_pylist`` at the end;
* a plain read: ``open(f, "rb").read()`` of every file (the bytes the OS must hand over).

Usage: ``python benchmarks/bench_scan.py [--files 2000] [--repeat 3] [--dir DIR]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
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


def pydicom_loop(paths: list[str]) -> Any:
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


def plain_read(paths: list[str]) -> int:
    total = 0
    for p in paths:
        with open(p, "rb") as f:
            total += len(f.read())
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, help="where the files are written (kept)")
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.gettempdir()) / f"rs_dicom_bench_scan_{args.files}"
    paths = generate(folder, args.files)
    cores = os.cpu_count() or 1
    cases: dict[str, Callable[[], Any]] = {
        "plain read (open().read())": lambda: plain_read(paths),
        "rs_dicom.scan, 1 worker": lambda: rs_dicom.scan(paths, workers=1),
        f"rs_dicom.scan, {cores} workers": lambda: rs_dicom.scan(paths, workers=cores),
        "pydicom loop + Table.from_pylist": lambda: pydicom_loop(paths),
    }
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(args.repeat):
        for name, fn in cases.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    plain = best["plain read (open().read())"]
    print(f"{args.files} files of {os.path.getsize(paths[0])} bytes, best of {args.repeat}")
    print(f"{'case':36} {'files/s':>10} {'x plain read':>13}")
    for name, t in best.items():
        print(f"{name:36} {args.files / t:10.0f} {plain / t:13.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
