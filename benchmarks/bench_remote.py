#!/usr/bin/env python3
"""Header reads over HTTP: ``rs_dicom.dcmread(url, stop_before_pixels=True)`` (range requests
through fsspec, the core's push parser) against ``pydicom.dcmread(fsspec.open(url),
stop_before_pixels=True)``, and one frame of a multi-frame against pydicom reading the file.

A local HTTP server with Range support runs in its own process (tests/remote_support.py), so
the CPU time measured (``time.process_time``, all threads of this process: the client and
fsspec's event loop) is the client's alone; the machine is shared, so CPU time is reported
beside wall time. Bytes are the response bodies the server sent. The physical limit of a
header read is the header's own size (the bytes before the pixel data), in one request.

Usage: ``python benchmarks/bench_remote.py [--repeat 7] [--frames 100]``.
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import rs_dicom
from rs_dicom import _core

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from remote_support import free_port  # noqa: E402


def make_files(folder: Path, frames: int) -> dict[str, bytes]:
    """The sample CT, a native multi-frame (512x512 16-bit) and its RLE version (with a
    Basic Offset Table, as rs_dicom's writer makes it)."""
    ds = rs_dicom.dcmread(ROOT / "examples" / "sample_ct.dcm")
    rng = np.random.default_rng(15)
    base = rng.integers(0, 4000, size=(512, 512), dtype=np.uint16)
    arr = np.stack([np.roll(base, i, axis=0) for i in range(frames)])
    ds.set_pixel_data(arr, "MONOCHROME2", 12)
    native = io.BytesIO()
    ds.save_as(native, enforce_file_format=True)
    ds.compress("1.2.840.10008.1.2.5")
    rle = io.BytesIO()
    ds.save_as(rle, enforce_file_format=True)
    files = {
        "ct.dcm": (ROOT / "examples" / "sample_ct.dcm").read_bytes(),
        "multiframe_native.dcm": native.getvalue(),
        "multiframe_rle.dcm": rle.getvalue(),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return files


def header_size(data: bytes) -> int:
    p = _core.PushParser(stop_before_pixels=True)
    p.feed(data)
    loc = p.pixel_location
    return len(data) if loc is None else int(loc[0])


def measure(base: str, fn: Callable[[], Any], repeat: int) -> tuple[float, float, int]:
    """Median wall and CPU seconds of ``fn`` and the bytes the server sent for one call."""
    walls, cpus, sent = [], [], []
    for _ in range(repeat):
        urllib.request.urlopen(f"{base}/__reset__").read()
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
        sent.append(int(urllib.request.urlopen(f"{base}/__sent__").read()))
    return statistics.median(walls), statistics.median(cpus), int(statistics.median(sent))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--frames", type=int, default=100)
    args = ap.parse_args()

    import fsspec
    import pydicom

    with tempfile.TemporaryDirectory() as tmp:
        files = make_files(Path(tmp), args.frames)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "remote_support.py"), tmp, str(port)]
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/__sent__").read()
                    break
                except OSError:
                    time.sleep(0.1)
            rows = []
            for name, data in files.items():
                url = f"{base}/{name}"

                def rs_header(url: str = url) -> Any:
                    return rs_dicom.dcmread(url, stop_before_pixels=True)

                def pd_header(url: str = url) -> Any:
                    with fsspec.open(url, "rb") as f:
                        return pydicom.dcmread(f, stop_before_pixels=True)

                # Warm both (imports, fsspec's session) before timing.
                rs_header()
                pd_header()
                for label, fn in (("rs_dicom", rs_header), ("pydicom+fsspec", pd_header)):
                    wall, cpu, sent = measure(base, fn, args.repeat)
                    rows.append((name, len(data), header_size(data), label, sent, wall, cpu))
            print("| file | size | header | reader | bytes fetched | wall ms | CPU ms |")
            print("|---|---:|---:|---|---:|---:|---:|")
            for name, size, head, label, sent, wall, cpu in rows:
                print(
                    f"| {name} | {size:,} | {head:,} | {label} | {sent:,} | "
                    f"{wall * 1e3:.1f} | {cpu * 1e3:.1f} |"
                )

            print()
            print("| one frame (middle) of | reader | bytes fetched | wall ms | CPU ms |")
            print("|---|---|---:|---:|---:|")
            mid = args.frames // 2
            for name in ("multiframe_native.dcm", "multiframe_rle.dcm"):
                url = f"{base}/{name}"

                def rs_frame(url: str = url) -> Any:
                    px = rs_dicom.dcmread(url).pixel_data
                    assert px is not None
                    return px.frame(mid)

                def pd_frame(url: str = url) -> Any:
                    with fsspec.open(url, "rb") as f:
                        return pydicom.dcmread(f).pixel_array[mid]

                np.testing.assert_array_equal(rs_frame(), pd_frame())
                for label, fn in (("rs_dicom", rs_frame), ("pydicom+fsspec", pd_frame)):
                    wall, cpu, sent = measure(base, fn, max(3, args.repeat // 2))
                    print(f"| {name} | {label} | {sent:,} | {wall * 1e3:.1f} | {cpu * 1e3:.1f} |")
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
