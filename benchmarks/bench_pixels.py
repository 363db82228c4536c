#!/usr/bin/env python3
"""Pixel-data benchmarks: rs_dicom vs pydicom 3 vs dicomsdl, and a raw read of the bytes.

Cases (see benchmarks/README.md):

* ``ct``    -- pixel arrays of the first 200 CT files (512x512 int16): "get" (open + pixel
  array) and "get + sum" (the same plus ``int(arr.sum(dtype=np.int64))``, a full reduction
  that forces every pixel byte to be read, so a lazy or zero-copy view cannot look faster
  than it is).
* ``frame`` -- one frame (default 150) of the 300-frame file: open + that frame (+ its sum);
  latency and peak RSS.
* ``whole`` -- the whole 300-frame array + ``int(arr.sum(dtype=np.int64))``: throughput
  compared with ``open(f, 'rb').read()`` + ``np.frombuffer(...)`` + the same sum (the raw-read
  baseline), and peak RSS compared with the file size.

Every measurement is a fresh subprocess (``--worker``) that imports its library, gets and
sums the pixels of one CT file (untimed: lazy imports, codec set-up), records its peak RSS
(``ru_maxrss``), then does the operation once (the "first call": timed, and the peak RSS
growth it causes is measured) and, for ``frame`` and ``whole``, repeats it in the same
process for up to ``--inner-budget`` seconds (the "in-process" median).  One untimed run
per method warms the OS page cache first; timed runs are interleaved across methods.

Output: a markdown report on stdout and in ``benchmarks/results_pixels.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from _common import DEFAULT_DATA, HERE, ct_files, detect, fmt_time, machine_info, probe
from _common import run_worker as run_script_worker

DEFAULT_RESULTS = HERE / "results_pixels.md"
LIBS = ("pydicom", "dicomsdl", "rs_dicom", "raw")
CASES = ("ct", "frame", "whole")
MIB = 2**20

# numpy's OpenBLAS starts a thread per core (in a perf profile of an rs_dicom CT loop its
# blas_thread_server took ~6 % of the samples); nothing here uses BLAS, and on a small
# machine those threads only add noise to the timings and to the CPU time, which counts
# every thread of the worker
WORKER_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}

# targets from the issue
FRAME_SPEEDUP = 10.0  # frame access >= 10x pydicom
WHOLE_OF_RAW = 0.80  # whole-array throughput >= 80 % of the raw read
RSS_OF_FILE = 1.10  # peak RSS <= 1.1x the file size


@dataclass(frozen=True)
class Method:
    """One way of getting pixels: a library (what `--libs` selects) and its API per case."""

    lib: str
    notes: dict[str, str]


METHODS: dict[str, Method] = {
    "pydicom": Method(
        "pydicom",
        {
            "ct": "`pydicom.dcmread(f).pixel_array`",
            "frame": "`pydicom.dcmread(f).pixel_array[i]` (`Dataset.pixel_array` decodes "
            "every frame; the frame is a view of the whole array)",
            "whole": "`pydicom.dcmread(f).pixel_array`",
        },
    ),
    "pydicom.pixels": Method(
        "pydicom",
        {
            "ct": "`pydicom.pixels.pixel_array(f)` (reads from the path, no Dataset)",
            "frame": "`pydicom.pixels.pixel_array(f, index=i)` (reads only that frame's bytes)",
            "whole": "`pydicom.pixels.pixel_array(f)`",
        },
    ),
    "dicomsdl": Method(
        "dicomsdl",
        {
            "ct": "`dicomsdl.open_file(f).pixelData(storedvalue=True)` (stored values; the "
            "default applies the rescale and returns float32)",
            "frame": "`dicomsdl.open_file(f).pixelData(i, storedvalue=True)`",
            "whole": "`ds = dicomsdl.open_file(f)`; `out = np.empty((frames, rows, cols))`; "
            "`ds.copyFrameData(i, out[i])` for every frame (dicomsdl has no all-frames call)",
        },
    ),
    "rs_dicom": Method(
        "rs_dicom",
        {
            "ct": "`rs_dicom.dcmread(f).pixel_array`",
            "frame": "`rs_dicom.dcmread(f).pixel_data.frame(i)`",
            "whole": "`rs_dicom.dcmread(f).pixel_array`",
        },
    ),
    "raw read": Method(
        "raw",
        {
            "ct": "`open(f, 'rb').read()` + `np.frombuffer(buf, '<i2', offset=len(buf) - n)` "
            "(PixelData is the last element; no parsing at all)",
            "frame": "`open(f, 'rb')`, `seek` to the frame, `read(frame_bytes)`, `np.frombuffer`",
            "whole": "`open(f, 'rb').read()` + `np.frombuffer(buf, '<u2', offset=...)` "
            "(**the raw-read baseline** of the target)",
        },
    ),
    "raw mmap": Method(
        "raw",
        {
            "ct": "`mmap.mmap(fd, 0, access=ACCESS_READ)` + `np.frombuffer(map, offset=...)`",
            "frame": "`mmap` + `np.frombuffer` of that frame only",
            "whole": "`mmap` + `np.frombuffer` (zero-copy: the floor for any reader)",
        },
    ),
}


# --------------------------------------------------------------------------- worker


@dataclass(frozen=True)
class Geometry:
    """Where the native pixel data of a file is: the last `nbytes` bytes of the file."""

    dtype: str
    shape: tuple[int, ...]
    nbytes: int
    frame_bytes: int


def geometry(path: str) -> Geometry:
    """Pixel layout from the header (pydicom), for the raw baselines only."""
    import pydicom

    ds = pydicom.dcmread(path, stop_before_pixels=True)
    frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
    size = ds.BitsAllocated // 8
    kind = "i" if ds.PixelRepresentation else "u"
    frame_shape = (ds.Rows, ds.Columns)
    if ds.SamplesPerPixel != 1 or ds.BitsAllocated not in (8, 16, 32):
        raise SystemExit("raw baseline: only single-sample 8/16/32-bit data")
    frame_bytes = ds.Rows * ds.Columns * size
    shape = (frames, *frame_shape) if frames > 1 else frame_shape
    return Geometry(f"<{kind}{size}", shape, frame_bytes * frames, frame_bytes)


def getters(method: str, data: Path) -> dict[str, Callable]:
    """{case: get(path, index) -> ndarray} for a method (imports its library)."""
    import numpy as np

    if method == "pydicom":
        import pydicom

        dcmread = pydicom.dcmread
        return {
            "ct": lambda f, i: dcmread(f).pixel_array,
            "frame": lambda f, i: dcmread(f).pixel_array[i],
            "whole": lambda f, i: dcmread(f).pixel_array,
        }
    if method == "pydicom.pixels":
        from pydicom.pixels import pixel_array

        return {
            "ct": lambda f, i: pixel_array(f),
            "frame": lambda f, i: pixel_array(f, index=i),
            "whole": lambda f, i: pixel_array(f),
        }
    if method == "dicomsdl":
        import dicomsdl

        open_file = dicomsdl.open_file

        def whole(f: str, i: int):
            ds = open_file(f)
            info = ds.getPixelDataInfo()
            n = int(info["NumberOfFrames"] or 1)
            out = np.empty((n, info["Rows"], info["Cols"]), dtype=info["dtype"])
            for k in range(n):
                ds.copyFrameData(k, out[k])
            return out

        return {
            "ct": lambda f, i: open_file(f).pixelData(storedvalue=True),
            "frame": lambda f, i: open_file(f).pixelData(i, storedvalue=True),
            "whole": whole,
        }
    if method == "rs_dicom":
        import rs_dicom

        dcmread = rs_dicom.dcmread
        return {
            "ct": lambda f, i: dcmread(f).pixel_array,
            "frame": lambda f, i: dcmread(f).pixel_data.frame(i),
            "whole": lambda f, i: dcmread(f).pixel_array,
        }
    if method in ("raw read", "raw mmap"):
        ct_geo = geometry(ct_files(data, 1)[0])
        mf_geo = geometry(str(data / "multiframe.dcm"))

        if method == "raw read":

            def read_all(geo: Geometry) -> Callable:
                def get(f: str, i: int):
                    with open(f, "rb") as fh:
                        buf = fh.read()
                    arr = np.frombuffer(buf, geo.dtype, offset=len(buf) - geo.nbytes)
                    return arr.reshape(geo.shape)

                return get

            def frame(f: str, i: int):
                g = mf_geo
                with open(f, "rb") as fh:
                    fh.seek(-(g.nbytes - i * g.frame_bytes), os.SEEK_END)
                    buf = fh.read(g.frame_bytes)
                return np.frombuffer(buf, g.dtype).reshape(g.shape[-2:])

            return {"ct": read_all(ct_geo), "frame": frame, "whole": read_all(mf_geo)}

        import mmap

        def mapped(f: str) -> mmap.mmap:
            with open(f, "rb") as fh:
                return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)

        def map_all(geo: Geometry) -> Callable:
            def get(f: str, i: int):
                m = mapped(f)
                arr = np.frombuffer(m, geo.dtype, offset=len(m) - geo.nbytes)
                return arr.reshape(geo.shape)

            return get

        def map_frame(f: str, i: int):
            g = mf_geo
            m = mapped(f)
            off = len(m) - g.nbytes + i * g.frame_bytes
            arr = np.frombuffer(m, g.dtype, count=g.frame_bytes // int(g.dtype[2:]), offset=off)
            return arr.reshape(g.shape[-2:])

        return {"ct": map_all(ct_geo), "frame": map_frame, "whole": map_all(mf_geo)}
    raise SystemExit(f"unknown method {method!r}")


def probe_method(method: str) -> dict:
    lib = METHODS[method].lib
    if lib == "raw":
        import numpy

        return {"version": f"numpy {numpy.__version__}"}
    info = probe(lib)
    if lib == "rs_dicom":
        import rs_dicom

        if not hasattr(rs_dicom.Dataset, "pixel_array"):
            raise ImportError("this rs_dicom has no Dataset.pixel_array")
    return info


def max_rss() -> int:
    """Peak resident set size of this process so far, in bytes (Linux: ru_maxrss in KiB)."""
    import resource

    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib if sys.platform == "darwin" else kib * 1024


def rss_split() -> dict[str, int]:
    """Current anonymous / file-backed resident bytes (Linux only; {} elsewhere)."""
    out = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("RssAnon", "RssFile", "RssShmem"):
                out[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return out


def owner(arr) -> str:
    """What holds the array's memory: follows .base down to the owning object."""
    import numpy as np

    b = arr
    while isinstance(b, np.ndarray) and b.base is not None:
        b = b.base
    if isinstance(b, memoryview):
        b = b.obj
    name = type(b).__name__
    if name == "ndarray":
        name = "own memory"
    return name + ("" if arr.flags.writeable else ", read-only")


def clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def worker(method: str, case: str, args: argparse.Namespace) -> dict:
    if case == "probe":
        return probe_method(method)
    import gc

    import numpy as np

    get_for = getters(method, args.data)
    files = ct_files(args.data, args.ct_files)
    # warm-up: imports, lazy pixel handlers, first-call set-up; not timed
    # (not the multi-frame operation itself: its peak RSS is measured below), and numpy's
    # first-call set-up of the sum loops for the dtypes the cases produce
    int(get_for["ct"](files[0], 0).sum(dtype=np.int64))
    for dtype in (np.int16, np.uint16):
        int(np.ones(64, dtype).sum(dtype=np.int64))
    gc.collect()
    base_rss, base_split = max_rss(), rss_split()

    if case == "ct":
        # "get" and "get + sum" alternate file by file, so that neither gets the benefit of
        # running second (a grown heap, warm allocator caches)
        get = get_for["ct"]
        t_get = c_get = t_sum = c_sum = 0.0
        nbytes = chk = 0
        for f in files:
            t0, c0 = clock()
            arr = get(f, 0)
            t1, c1 = clock()
            nbytes += arr.nbytes
            del arr
            t2, c2 = clock()
            chk += int(get(f, 0).sum(dtype=np.int64))
            t3, c3 = clock()
            t_get, c_get = t_get + t1 - t0, c_get + c1 - c0
            t_sum, c_sum = t_sum + t3 - t2, c_sum + c3 - c2
        arr = get(files[0], 0)
        return {
            "get": t_get,
            "get_cpu": c_get,
            "total": t_sum,
            "total_cpu": c_sum,
            "n": len(files),
            "bytes": nbytes,
            "check": chk,
            "array": f"{arr.dtype} {list(arr.shape)}, {owner(arr)}",
        }

    path = str(args.data / "multiframe.dcm")
    index = args.frame
    get = get_for[case]
    runs: list[tuple[float, float, float, float]] = []
    first: dict = {}
    spent = 0.0
    while True:
        t0, c0 = clock()
        arr = get(path, index)
        t1, c1 = clock()
        chk = int(arr.sum(dtype=np.int64))
        t2, c2 = clock()
        runs.append((t1 - t0, c1 - c0, t2 - t0, c2 - c0))
        if not first:  # measured while the array is alive
            split = rss_split()
            first = {
                "rss": max_rss() - base_rss,
                "anon": split.get("RssAnon", 0) - base_split.get("RssAnon", 0),
                "file": split.get("RssFile", 0) - base_split.get("RssFile", 0),
                "check": chk,
                "bytes": arr.nbytes,
                "array": f"{arr.dtype} {list(arr.shape)}, {owner(arr)}",
            }
        del arr
        spent += t2 - t0
        if spent >= args.inner_budget or len(runs) >= args.inner_max:
            break
    return {
        **first,
        "get": runs[0][0],
        "get_cpu": runs[0][1],
        "total": runs[0][2],
        "total_cpu": runs[0][3],
        "inner_n": len(runs),
        "inner_get": statistics.median(r[0] for r in runs),
        "inner_total": statistics.median(r[2] for r in runs),
        "inner_total_cpu": statistics.median(r[3] for r in runs),
        "base_rss": base_rss,
    }


# --------------------------------------------------------------------------- driver


def run_worker(method: str, case: str, args: argparse.Namespace) -> dict:
    argv = ["--worker", method, case, "--data", str(args.data), "--ct-files", str(args.ct_files)]
    argv += ["--frame", str(args.frame), "--inner-budget", str(args.inner_budget)]
    argv += ["--inner-max", str(args.inner_max)]
    return run_script_worker(__file__, f"{method}/{case}", argv, env=WORKER_ENV)


def summarize(rs: list[dict]) -> dict:
    med = {}
    for key in rs[0]:
        vals = [r[key] for r in rs]
        if key in ("check", "array", "bytes", "n"):
            med[key] = vals[0]
        elif all(isinstance(v, int | float) for v in vals):
            med[key] = statistics.median(vals)
    med["min"] = min(r["total"] for r in rs)
    med["max"] = max(r["total"] for r in rs)
    med["runs"] = rs
    med["consistent"] = all(r["check"] == rs[0]["check"] for r in rs)
    return med


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data directory")
    p.add_argument(
        "--libs",
        default=",".join(LIBS),
        help=f"comma-separated subset of {','.join(LIBS)} ('raw': the raw-read baselines)",
    )
    p.add_argument(
        "--cases", default=",".join(CASES), help=f"comma-separated subset of {','.join(CASES)}"
    )
    p.add_argument("--repeat", type=int, default=5, help="timed processes per method (median)")
    p.add_argument(
        "--warmup", type=int, default=1, help="untimed runs per method before timing (page cache)"
    )
    p.add_argument("--ct-files", type=int, default=200, help="CT files in case 'ct' (200)")
    p.add_argument("--frame", type=int, default=150, help="frame index in case 'frame' (150)")
    p.add_argument(
        "--inner-budget",
        type=float,
        default=1.0,
        help="frame/whole: repeat in-process for up to this many seconds (default 1.0)",
    )
    p.add_argument(
        "--inner-max", type=int, default=30, help="frame/whole: at most this many in-process runs"
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: 50 CT files, 3 repeats, 0.2 s in-process budget",
    )
    p.add_argument(
        "--output", type=Path, default=DEFAULT_RESULTS, help="markdown file to write ('-' to skip)"
    )
    p.add_argument("--json", type=Path, default=None, help="also write raw timings as JSON")
    p.add_argument("--worker", nargs=2, metavar=("METHOD", "CASE"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.worker:
        print(json.dumps(worker(*args.worker, args)))
        return 0

    if args.quick:
        args.ct_files = min(args.ct_files, 50)
        args.repeat = min(args.repeat, 3)
        args.inner_budget = min(args.inner_budget, 0.2)
    libs = [x.strip() for x in args.libs.split(",") if x.strip()]
    cases = [x.strip() for x in args.cases.split(",") if x.strip()]
    for x in libs:
        if x not in LIBS:
            p.error(f"unknown library {x!r}")
    for x in cases:
        if x not in CASES:
            p.error(f"unknown case {x!r}")
    if not (args.data / "ct").is_dir() or not (args.data / "multiframe.dcm").exists():
        p.error(f"no data in {args.data}; run: python benchmarks/generate_data.py")

    methods = [m for m, spec in METHODS.items() if spec.lib in libs]
    versions, skipped = detect(methods, lambda m: run_worker(m, "probe", args))
    available = [m for m in methods if m in versions]
    if not available:
        print("no library available", file=sys.stderr)
        return 1
    lib_versions = {METHODS[m].lib: v for m, v in versions.items() if METHODS[m].lib != "raw"}
    info = machine_info(lib_versions)
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")

    results: dict[str, dict[str, dict]] = {}
    for case in cases:
        results[case] = {}
        print(f"== {case}", file=sys.stderr)
        failed: set[str] = set()
        for _ in range(args.warmup):
            for m in available:
                try:
                    run_worker(m, case, args)
                except RuntimeError as exc:
                    failed.add(m)
                    results[case][m] = {"error": str(exc)}
                    print(f"  {exc}", file=sys.stderr)
        runs: dict[str, list[dict]] = {m: [] for m in available if m not in failed}
        for r in range(args.repeat):
            for m in list(runs):
                try:
                    res = run_worker(m, case, args)
                except RuntimeError as exc:
                    results[case][m] = {"error": str(exc)}
                    print(f"  {exc}", file=sys.stderr)
                    del runs[m]
                    continue
                runs[m].append(res)
                print(
                    f"  run {r + 1}/{args.repeat} {m:15s} get {ms(res['get']):>10s} "
                    f"get+sum {ms(res['total']):>10s} (cpu {ms(res['total_cpu'])})",
                    file=sys.stderr,
                )
        for m, rs in runs.items():
            results[case][m] = summarize(rs)

    mf_size = (args.data / "multiframe.dcm").stat().st_size
    md = render(args, results, versions, skipped, info, started, mf_size)
    print(md)
    if str(args.output) != "-":
        args.output.write_text(md)
        print(f"(written to {args.output})", file=sys.stderr)
    if args.json:
        args.json.write_text(
            json.dumps(
                {"started": started, "versions": versions, "skipped": skipped, "results": results},
                indent=2,
            )
        )
    return 0


# --------------------------------------------------------------------------- report


def ms(s: float | None) -> str:
    """Milliseconds with three significant digits below 10 ms."""
    if s is None:
        return ""
    if s < 0.001:
        return f"{s * 1000:.3f} ms"
    if s < 0.01:
        return f"{s * 1000:.2f} ms"
    return fmt_time(s)


def mib(n: float) -> str:
    return f"{n / MIB:,.1f} MiB"


def times(x: float) -> str:
    return f"{x:,.0f}×" if x >= 100 else f"{x:.1f}×" if x >= 1 else f"{x:.2g}×"


def ratio(a: float | None, b: float | None) -> str:
    return times(a / b) if a and b else "n/a"


def check_line(per: dict[str, dict], what: str) -> str:
    checks = {m: r["check"] for m, r in per.items() if "check" in r}
    if len({json.dumps(c) for c in checks.values()}) > 1:
        return "- **Check values differ:** " + ", ".join(f"{k} {v}" for k, v in checks.items())
    if not checks:
        return "- no check values"
    return f"- Check ({what}): {next(iter(checks.values())):,}, identical for all methods"


def notes(case: str, per: dict[str, dict]) -> list[str]:
    out = []
    for m, r in per.items():
        if "error" in r:
            out.append(f"- {m} failed: {r['error']}")
            continue
        if not r["consistent"]:
            out.append(f"- {m}: check values varied between runs")
        out.append(f"- {m}: {METHODS[m].notes[case]} → {r['array']}")
    return out


def render(args, results, versions, skipped, info, started, mf_size) -> str:
    out = [f"# rs_dicom pixel-data benchmarks ({started})", ""]
    out += info
    out += [
        f"- Method: {args.repeat} timed runs per method, each a fresh subprocess (import and "
        "one untimed CT pixel read first), after "
        f"{args.warmup} untimed warm-up run(s) per method (warm page cache); runs interleaved "
        "across methods; the tables show medians over the processes. *get* = open + obtain "
        "the array; *get+sum* = the same plus `int(arr.sum(dtype=np.int64))`, which reads "
        "every pixel. CPU = user+sys time of the worker (page faults are sys time); it is "
        "less sensitive to other load on a shared machine than the wall time",
        "- Command: `python benchmarks/bench_pixels.py " + " ".join(sys.argv[1:]) + "`",
    ]
    if args.quick:
        out.append("- **Quick run** (`--quick`): a smoke test, not a result")
    for m, why in skipped.items():
        out.append(f"- {m}: skipped ({why})")
    out.append("")

    if "ct" in results:
        per = results["ct"]
        n = next((r["n"] for r in per.values() if "n" in r), args.ct_files)
        out += [f"## (1) `pixel_array` of {n} CT files (512×512 int16, BitsStored 12)", ""]
        out += [
            "| method | get | get+sum (min–max) | files/s | MiB/s | CPU get+sum "
            "| vs pydicom (wall) | vs pydicom (CPU) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        base = per.get("pydicom", {})
        for m, r in per.items():
            if "error" in r:
                out.append(f"| {m} | failed | | | | | | |")
                continue
            t = r["total"]
            out.append(
                f"| {m} | {ms(r['get'])} | **{ms(t)}** ({ms(r['min'])}–{ms(r['max'])}) "
                f"| {r['n'] / t:,.0f} | {r['bytes'] / MIB / t:,.0f} | {ms(r['total_cpu'])} "
                f"| {ratio(base.get('total'), t)} "
                f"| {ratio(base.get('total_cpu'), r['total_cpu'])} |"
            )
        out += ["", check_line(per, "sum of all pixels of all files")]
        out += notes("ct", per) + [""]

    if "frame" in results:
        per = results["frame"]
        out += [
            f"## (2) Frame {args.frame} of the 300-frame file ({mib(mf_size)}): open + that frame",
            "",
            "First call in a fresh process (median over processes), then the median of repeated "
            "calls in the same process; peak RSS growth of the first call (`ru_maxrss` after "
            "it minus `ru_maxrss` after imports + warm-up), and how much of the resident memory "
            "at that point is anonymous (heap) or file-backed (mapped file pages).",
            "",
            "| method | get | get+sum | CPU get+sum | in-process get+sum | peak RSS Δ "
            "| anon / file Δ | vs `ds.pixel_array[i]` | vs `pixel_array(f, index=i)` |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        b1 = per.get("pydicom", {}).get("total")
        b2 = per.get("pydicom.pixels", {}).get("total")
        for m, r in per.items():
            if "error" in r:
                out.append(f"| {m} | failed | | | | | | | |")
                continue
            t = r["total"]
            out.append(
                f"| {m} | {ms(r['get'])} | **{ms(t)}** | {ms(r['total_cpu'])} "
                f"| {ms(r['inner_total'])} (n={r['inner_n']:.0f}) | {mib(r['rss'])} "
                f"| {mib(r['anon'])} / {mib(r['file'])} | {ratio(b1, t)} | {ratio(b2, t)} |"
            )
        out += ["", check_line(per, f"sum of frame {args.frame}")]
        out += notes("frame", per) + [""]

    if "whole" in results:
        per = results["whole"]
        out += [
            f"## (3) Whole array of the 300-frame file ({mib(mf_size)}): open + array + sum",
            "",
            "Throughput = pixel bytes / (get+sum) time; *of raw* = that throughput as a share "
            "of the raw-read baseline's (`open(f, 'rb').read()` + `np.frombuffer` + the same "
            "sum). Peak RSS Δ as in (2), also as a multiple of the file size.",
            "",
            "| method | get | get+sum (min–max) | CPU get+sum | MiB/s | of raw (wall) "
            "| of raw (CPU) | peak RSS Δ | × file | anon / file Δ |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        raw = per.get("raw read", {})
        for m, r in per.items():
            if "error" in r:
                out.append(f"| {m} | failed | | | | | | | | |")
                continue
            t = r["total"]
            of_raw = f"{raw['total'] / t:.0%}" if raw.get("total") else "n/a"
            of_raw_cpu = f"{raw['total_cpu'] / r['total_cpu']:.0%}" if raw.get("total") else "n/a"
            out.append(
                f"| {m} | {ms(r['get'])} | **{ms(t)}** ({ms(r['min'])}–{ms(r['max'])}) "
                f"| {ms(r['total_cpu'])} | {r['bytes'] / MIB / t:,.0f} | {of_raw} | {of_raw_cpu} "
                f"| {mib(r['rss'])} | {r['rss'] / mf_size:.2f}× "
                f"| {mib(r['anon'])} / {mib(r['file'])} |"
            )
        out += ["", check_line(per, "sum of all pixels")]
        out += notes("whole", per) + [""]

    out += targets(args, results, mf_size)
    return "\n".join(out)


def targets(args, results, mf_size) -> list[str]:
    out = ["## Targets", ""]
    frame = results.get("frame", {})
    whole = results.get("whole", {})
    rs_f = frame.get("rs_dicom", {})
    rs_w = whole.get("rs_dicom", {})
    if not rs_f.get("total") and not rs_w.get("total"):
        return out + ["- rs_dicom did not run: no targets evaluated", ""]

    def verdict(ok: bool) -> str:
        return "**met**" if ok else "**NOT met**"

    if rs_f.get("total"):
        for base, label in (
            ("pydicom.pixels", "`pydicom.pixels.pixel_array(f, index=i)`, pydicom's frame API"),
            ("pydicom", "`pydicom.dcmread(f).pixel_array[i]`"),
        ):
            b = frame.get(base, {})
            if not b.get("total"):
                continue
            x, xc = b["total"] / rs_f["total"], b["total_cpu"] / rs_f["total_cpu"]
            xi = b["inner_total"] / rs_f["inner_total"]
            xg = b["get"] / rs_f["get"]
            out.append(
                f"- Frame access ≥ {FRAME_SPEEDUP:.0f}× pydicom, vs {label}: "
                f"{verdict(x >= FRAME_SPEEDUP)} — {times(x)} wall "
                f"({ms(b['total'])} vs {ms(rs_f['total'])}), {times(xc)} CPU, "
                f"{times(xi)} in-process (all get+sum); get alone {times(xg)} wall"
            )
    raw = whole.get("raw read", {})
    if rs_w.get("total") and raw.get("total"):
        x, xc = raw["total"] / rs_w["total"], raw["total_cpu"] / rs_w["total_cpu"]
        tp, tp_raw = rs_w["bytes"] / MIB / rs_w["total"], raw["bytes"] / MIB / raw["total"]
        out.append(
            f"- Whole-array throughput ≥ {WHOLE_OF_RAW:.0%} of the raw read: "
            f"{verdict(x >= WHOLE_OF_RAW)} — {x:.0%} wall ({tp:,.0f} vs {tp_raw:,.0f} MiB/s), "
            f"{xc:.0%} CPU"
        )
    if rs_w.get("rss") is not None and rs_w.get("total"):
        x = rs_w["rss"] / mf_size
        out.append(
            f"- Peak RSS ≤ {RSS_OF_FILE:.1f}× the file size (whole array): "
            f"{verdict(x <= RSS_OF_FILE)} — {x:.2f}× ({mib(rs_w['rss'])} for a {mib(mf_size)} "
            f"file; anon {mib(rs_w['anon'])}, file-backed {mib(rs_w['file'])})"
        )
    out.append("")
    return out


if __name__ == "__main__":
    sys.exit(main())
