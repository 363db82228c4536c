#!/usr/bin/env python3
"""Read benchmarks: rs_dicom vs pydicom 3 vs dicomsdl.

Cases (see benchmarks/README.md):

* ``header``   -- header-only read of the whole CT series (stop before PixelData),
  touching PatientName, InstanceNumber and ImagePositionPatient of every file.
* ``rtstruct`` -- open the RT Structure Set and walk every element recursively
  (into every sequence item), touching each element's value.

Every timed run is a fresh subprocess (``--worker``); the timer covers only the work
itself, after the library has been imported and has read one small file (so lazy
imports, codec set-up etc. are not counted).  Before the timed runs, one untimed run
per library warms the OS page cache.  Timed runs are interleaved across libraries
(round-robin) so that drift on a shared machine hits every library alike; the table
reports the median of ``--repeat`` runs.

Data comes from ``benchmarks/generate_data.py``.  Output: a markdown table on stdout
and in ``benchmarks/results.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

from _common import DEFAULT_DATA, HERE, ct_files, detect, fmt_time, machine_info, probe
from _common import run_worker as run_script_worker

DEFAULT_RESULTS = HERE / "results.md"

LIBS = ("pydicom", "dicomsdl", "rs_dicom")
CASES = ("header", "rtstruct")
BASELINE = "pydicom"
PIXEL_DATA_TAG = 0x7FE00010

# What each library's code does, for the notes under the tables.
API_NOTES = {
    "pydicom": {
        "header": "`pydicom.dcmread(f, stop_before_pixels=True)`; `ds.PatientName`, "
        "`ds.InstanceNumber`, `ds.ImagePositionPatient`",
        "rtstruct": "`pydicom.dcmread(f)`; `for elem in ds: elem.value`, recursing into "
        "`elem.value` items when `elem.VR == 'SQ'` (file_meta walked too)",
    },
    "dicomsdl": {
        "header": "`dicomsdl.open_file(f, load_until=0x7FE00000)` (parse stops before "
        "PixelData; dicomsdl has no `stop_before_pixels`); attribute getters "
        "`ds.PatientName`, `ds.InstanceNumber`, `ds.ImagePositionPatient`",
        "rtstruct": "`dicomsdl.open_file(f)`; `for de in ds:` `de.value()`, or "
        "`for item in de.toSequence()` recursion when `de.vr() == VR.SQ` "
        "(iteration includes the group 0002 file meta)",
    },
    "rs_dicom": {
        "header": "`rs_dicom.dcmread(f, stop_before_pixels=True)`; `ds.PatientName`, "
        "`ds.InstanceNumber`, `ds.ImagePositionPatient`",
        "rtstruct": "`rs_dicom.dcmread(f)`; `for elem in ds: elem.value`, recursing into "
        "`elem.value` (list of Datasets) when `elem.vr == 'SQ'` (`ds.file_meta` walked too)",
    },
}


# --------------------------------------------------------------------------- worker


def _z(ipp) -> float:
    return float(ipp[2])


def header_pydicom(files: list[str]) -> tuple[int, float]:
    import pydicom

    dcmread = pydicom.dcmread
    chk_i, chk_z = 0, 0.0
    for f in files:
        ds = dcmread(f, stop_before_pixels=True)
        name = ds.PatientName
        chk_i += int(ds.InstanceNumber) + len(str(name))
        chk_z += _z(ds.ImagePositionPatient)
    return chk_i, chk_z


def header_dicomsdl(files: list[str]) -> tuple[int, float]:
    import dicomsdl

    open_file = dicomsdl.open_file
    chk_i, chk_z = 0, 0.0
    for f in files:
        ds = open_file(f, load_until=PIXEL_DATA_TAG - 0x10)
        name = ds.PatientName
        chk_i += int(ds.InstanceNumber) + len(str(name))
        chk_z += _z(ds.ImagePositionPatient)
    return chk_i, chk_z


def header_rs_dicom(files: list[str]) -> tuple[int, float]:
    import rs_dicom

    dcmread = rs_dicom.dcmread
    chk_i, chk_z = 0, 0.0
    for f in files:
        ds = dcmread(f, stop_before_pixels=True)
        name = ds.PatientName
        chk_i += int(ds.InstanceNumber) + len(str(name))
        chk_z += _z(ds.ImagePositionPatient)
    return chk_i, chk_z


def walk_pydicom(path: str) -> tuple[int, int]:
    import pydicom

    elems = items = 0

    def walk(ds) -> None:
        nonlocal elems, items
        for elem in ds:
            elems += 1
            value = elem.value
            if elem.VR == "SQ":
                for item in value:
                    items += 1
                    walk(item)

    ds = pydicom.dcmread(path)
    walk(ds.file_meta)
    walk(ds)
    return elems, items


def walk_dicomsdl(path: str) -> tuple[int, int]:
    import dicomsdl

    sq = dicomsdl.VR.SQ
    elems = items = 0

    def walk(ds) -> None:
        nonlocal elems, items
        for de in ds:
            elems += 1
            if de.vr() == sq:
                for item in de.toSequence():
                    items += 1
                    walk(item)
            else:
                de.value()

    walk(dicomsdl.open_file(path))
    return elems, items


def walk_rs_dicom(path: str) -> tuple[int, int]:
    import rs_dicom

    elems = items = 0

    def walk(ds) -> None:
        nonlocal elems, items
        for elem in ds:
            elems += 1
            value = elem.value
            if elem.vr == "SQ":
                for item in value:
                    items += 1
                    walk(item)

    ds = rs_dicom.dcmread(path)
    file_meta = getattr(ds, "file_meta", None)
    if file_meta is not None:
        walk(file_meta)
    walk(ds)
    return elems, items


HEADER = {"pydicom": header_pydicom, "dicomsdl": header_dicomsdl, "rs_dicom": header_rs_dicom}
WALK = {"pydicom": walk_pydicom, "dicomsdl": walk_dicomsdl, "rs_dicom": walk_rs_dicom}


def worker(lib: str, case: str, data: Path, limit: int | None) -> dict:
    if case == "probe":
        return probe(lib)
    import gc

    files = ct_files(data, limit)
    # warm-up: import + one small read, so lazy imports / first-call set-up aren't timed
    HEADER[lib](files[:1])
    if case == "header":
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        chk_i, chk_z = HEADER[lib](files)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        return {"seconds": seconds, "cpu": cpu, "n": len(files), "check": [chk_i, round(chk_z, 3)]}
    if case == "rtstruct":
        path = str(data / "rtstruct.dcm")
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        elems, items = WALK[lib](path)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        return {"seconds": seconds, "cpu": cpu, "n": elems, "check": [elems, items]}
    raise SystemExit(f"unknown case {case!r}")


# --------------------------------------------------------------------------- driver


def run_worker(lib: str, case: str, args: argparse.Namespace) -> dict:
    argv = ["--worker", lib, case, "--data", str(args.data)]
    if args.limit:
        argv += ["--limit", str(args.limit)]
    return run_script_worker(__file__, f"{lib}/{case}", argv)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data directory")
    p.add_argument(
        "--libs", default=",".join(LIBS), help=f"comma-separated subset of {','.join(LIBS)}"
    )
    p.add_argument(
        "--cases", default=",".join(CASES), help=f"comma-separated subset of {','.join(CASES)}"
    )
    p.add_argument("--repeat", type=int, default=5, help="timed runs per case (median)")
    p.add_argument(
        "--warmup", type=int, default=1, help="untimed runs per library before timing (page cache)"
    )
    p.add_argument("--limit", type=int, default=None, help="use only the first N CT files")
    p.add_argument(
        "--quick",
        action="store_true",
        help="small subset: 200 CT files, 3 repeats (numbers are indicative only)",
    )
    p.add_argument(
        "--output", type=Path, default=DEFAULT_RESULTS, help="markdown file to write ('-' to skip)"
    )
    p.add_argument("--json", type=Path, default=None, help="also write raw timings as JSON")
    p.add_argument("--worker", nargs=2, metavar=("LIB", "CASE"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.worker:
        lib, case = args.worker
        print(json.dumps(worker(lib, case, args.data, args.limit)))
        return 0

    if args.quick:
        args.limit = args.limit or 200
        args.repeat = min(args.repeat, 3)
    libs = [x.strip() for x in args.libs.split(",") if x.strip()]
    cases = [x.strip() for x in args.cases.split(",") if x.strip()]
    for x in libs:
        if x not in LIBS:
            p.error(f"unknown library {x!r}")
    for x in cases:
        if x not in CASES:
            p.error(f"unknown case {x!r}")
    if not (args.data / "ct").is_dir() or not (args.data / "rtstruct.dcm").exists():
        p.error(f"no data in {args.data}; run: python benchmarks/generate_data.py")

    # which libraries can run here?
    versions, skipped = detect(libs, lambda lib: run_worker(lib, "probe", args))
    available = [lib for lib in libs if lib in versions]
    if not available:
        print("no library available", file=sys.stderr)
        return 1

    manifest_path = args.data / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    n_ct = len(ct_files(args.data, args.limit))
    info = machine_info(versions)
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")

    results: dict[str, dict[str, dict]] = {}
    for case in cases:
        results[case] = {}
        print(f"== {case}", file=sys.stderr)
        failed: set[str] = set()
        for _ in range(args.warmup):
            for lib in available:
                try:
                    run_worker(lib, case, args)
                except RuntimeError as exc:
                    failed.add(lib)
                    results[case][lib] = {"error": str(exc)}
                    print(f"  {exc}", file=sys.stderr)
        runs: dict[str, list[dict]] = {lib: [] for lib in available if lib not in failed}
        for r in range(args.repeat):
            for lib in list(runs):
                try:
                    res = run_worker(lib, case, args)
                except RuntimeError as exc:
                    results[case][lib] = {"error": str(exc)}
                    print(f"  {exc}", file=sys.stderr)
                    del runs[lib]
                    continue
                runs[lib].append(res)
                print(
                    f"  run {r + 1}/{args.repeat} {lib:9s} {res['seconds']:8.3f} s "
                    f"(cpu {res['cpu']:.3f} s)",
                    file=sys.stderr,
                )
        for lib, rs in runs.items():
            times = [x["seconds"] for x in rs]
            results[case][lib] = {
                "median": statistics.median(times),
                "min": min(times),
                "max": max(times),
                "times": times,
                "cpu_median": statistics.median(x["cpu"] for x in rs),
                "n": rs[0]["n"],
                "check": rs[0]["check"],
                "consistent": all(x["check"] == rs[0]["check"] for x in rs),
            }

    md = render(args, results, versions, skipped, info, started, manifest, n_ct)
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


def render(args, results, versions, skipped, info, started, manifest, n_ct) -> str:
    out = [f"# rs_dicom read benchmarks ({started})", ""]
    out += info
    out += [
        f"- Method: median of {args.repeat} runs, each a fresh subprocess (import and one "
        "warm-up read not timed), after "
        f"{args.warmup} untimed warm-up run(s) per library (warm page cache); runs "
        "interleaved across libraries. Throughput and speed-ups use the median wall time; "
        "CPU time (user+sys of the worker) is shown too, as it is less sensitive to other "
        "load on a shared machine",
        "- Command: `python benchmarks/bench_read.py " + " ".join(sys.argv[1:]) + "`",
    ]
    if args.quick or args.limit:
        out.append(f"- **Subset run** (`--quick`/`--limit`): {n_ct} CT files only")
    for lib, why in skipped.items():
        out.append(f"- {lib}: skipped ({why})")
    out.append("")

    ct = manifest.get("ct", {})
    rt = manifest.get("rtstruct", {})
    titles = {
        "header": (
            f"(a) CT series, header only: {n_ct} files"
            + (
                (f" of {ct['files']}" if ct["files"] != n_ct else "")
                + f" ({ct['bytes'] / 2**20:,.0f} MiB in all)"
                if ct
                else ""
            )
            + ", stop before PixelData, touch PatientName / InstanceNumber / "
            "ImagePositionPatient",
            "files/s",
        ),
        "rtstruct": (
            "(b) RT Structure Set: open + full recursive walk touching every value"
            + (f" ({rt['bytes'] / 2**20:.1f} MiB, {rt['items']:,} sequence items)" if rt else ""),
            "elements/s",
        ),
    }
    for case, per_lib in results.items():
        title, unit = titles[case]
        out += [f"## {title}", ""]
        out += [
            f"| library | version | median | min | max | {unit} | speed-up vs pydicom "
            "| CPU time (median) | CPU speed-up |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        base = per_lib.get(BASELINE, {}).get("median")
        base_cpu = per_lib.get(BASELINE, {}).get("cpu_median")
        for lib, r in per_lib.items():
            if "error" in r:
                out.append(f"| {lib} | {versions.get(lib, '?')} | failed | | | | | | |")
                continue
            speed = f"{base / r['median']:.1f}×" if base else "n/a"
            cpu_speed = f"{base_cpu / r['cpu_median']:.1f}×" if base_cpu else "n/a"
            out.append(
                f"| {lib} | {versions[lib]} | {fmt_time(r['median'])} | {fmt_time(r['min'])} "
                f"| {fmt_time(r['max'])} | {r['n'] / r['median']:,.0f} | **{speed}** "
                f"| {fmt_time(r['cpu_median'])} | {cpu_speed} |"
            )
        out.append("")
        # cross-library sanity: did everyone see the same data?
        checks = {lib: r["check"] for lib, r in per_lib.items() if "check" in r}
        if case == "header":
            distinct = {json.dumps(c) for c in checks.values()}
            if len(distinct) > 1:
                out.append(
                    "- **Check values differ between libraries:** "
                    + ", ".join(f"{k} {v}" for k, v in checks.items())
                )
            elif checks:
                out.append(
                    "- Check (sum InstanceNumber + len(PatientName), sum z): "
                    f"{next(iter(checks.values()))}, identical for all libraries"
                )
        else:
            out.append(
                "- Elements / items visited: "
                + ", ".join(f"{k} {v[0]:,} / {v[1]:,}" for k, v in checks.items())
            )
        for lib, r in per_lib.items():
            if "error" in r:
                out.append(f"- {lib} failed: {r['error']}")
            elif not r["consistent"]:
                out.append(f"- {lib}: check values varied between runs")
        for lib in per_lib:
            out.append(f"- {lib}: {API_NOTES[lib][case]}")
        out.append("")

    if "rs_dicom" in versions:
        out += ["## Targets", ""]
        for case, per_lib in results.items():
            rs = per_lib.get("rs_dicom", {}).get("median")
            if not rs:
                continue
            parts = []
            if per_lib.get("pydicom", {}).get("median"):
                x = per_lib["pydicom"]["median"] / rs
                parts.append(f"{x:.1f}× pydicom ({'met' if x >= 20 else 'NOT met'}: ≥20×)")
            if per_lib.get("dicomsdl", {}).get("median"):
                x = per_lib["dicomsdl"]["median"] / rs
                parts.append(f"{x:.2f}× dicomsdl ({'met' if x > 1 else 'NOT met'}: >1×)")
            out.append(f"- {case}: " + "; ".join(parts))
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
