#!/usr/bin/env python3
"""Read benchmarks: rs_dicom vs pydicom 3 vs dicomsdl.

Cases (see benchmarks/README.md):

* ``header``   -- header-only read of the whole CT series (stop before PixelData),
  touching PatientName, InstanceNumber and ImagePositionPatient of every file.
* ``rtstruct`` -- open the RT Structure Set and walk every element recursively
  (into every sequence item), touching each element's value.

Every timed run is a fresh subprocess (the harness, ``harness/``); the timer covers only
the work itself, after the library has been imported and has read one small file (so lazy
imports, codec set-up etc. are not counted).  Before the timed runs, one untimed run per
library warms the OS page cache.  Timed runs are interleaved across libraries (round-robin)
so that drift on a shared machine hits every library alike; the table reports the median
of ``--repeat`` runs.  ``--baseline REV`` adds rs_dicom as built from git revision REV.

Data comes from ``benchmarks/generate_data.py``.  Output: a markdown table on stdout
and in ``benchmarks/results.md``.
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path
from typing import Any

from harness import cli
from harness.report import BeforeAfter, fmt_time, lib_versions, machine_info, now, table
from harness.runner import WORKER_ENV, Job, Method, Runner, finished, spread, summarize
from harness.runner import with_baselines as expand
from harness.worker import clock, import_name, probe

HERE = Path(__file__).resolve().parent
DEFAULT_RESULTS = HERE / "results.md"

LIBS = ("pydicom", "dicomsdl", "rs_dicom")
CASES = ("header", "rtstruct")
BASELINE = "pydicom"
PIXEL_DATA_TAG = 0x7FE00010

# What each library's code does, for the notes under the tables.
METHODS = {
    "pydicom": Method(
        "pydicom",
        {
            "header": "`pydicom.dcmread(f, stop_before_pixels=True)`; `ds.PatientName`, "
            "`ds.InstanceNumber`, `ds.ImagePositionPatient`",
            "rtstruct": "`pydicom.dcmread(f)`; `for elem in ds: elem.value`, recursing into "
            "`elem.value` items when `elem.VR == 'SQ'` (file_meta walked too)",
        },
    ),
    "dicomsdl": Method(
        "dicomsdl",
        {
            "header": "`dicomsdl.open_file(f, load_until=0x7FE00000)` (parse stops before "
            "PixelData; dicomsdl has no `stop_before_pixels`); attribute getters "
            "`ds.PatientName`, `ds.InstanceNumber`, `ds.ImagePositionPatient`",
            "rtstruct": "`dicomsdl.open_file(f)`; `for de in ds:` `de.value()`, or "
            "`for item in de.toSequence()` recursion when `de.vr() == VR.SQ` "
            "(iteration includes the group 0002 file meta)",
        },
    ),
    "rs_dicom": Method(
        "rs_dicom",
        {
            "header": "`rs_dicom.dcmread(f, stop_before_pixels=True)`; `ds.PatientName`, "
            "`ds.InstanceNumber`, `ds.ImagePositionPatient`",
            "rtstruct": "`rs_dicom.dcmread(f)`; `for elem in ds: elem.value`, recursing into "
            "`elem.value` (list of Datasets) when `elem.vr == 'SQ'` (`ds.file_meta` walked "
            "too)",
        },
    ),
}


def ct_files(data: Path, limit: int | None, sub: str = "ct") -> list[str]:
    files = sorted(str(p) for p in (data / sub).glob("*.dcm"))
    if not files:
        raise SystemExit(f"no CT files in {data / sub}; run benchmarks/generate_data.py")
    return files[:limit] if limit else files


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


def work(req: dict[str, Any]) -> dict[str, Any]:
    lib, case = import_name(req["lib"]), req["case"]
    if case == "probe":
        return probe(req["lib"])
    data = Path(req["data"])
    files = ct_files(data, req["limit"])
    # warm-up: import + one small read, so lazy imports / first-call set-up aren't timed
    HEADER[lib](files[:1])
    gc.collect()
    if case == "header":
        t0, c0 = clock()
        chk_i, chk_z = HEADER[lib](files)
        t1, c1 = clock()
        return {
            "seconds": t1 - t0,
            "cpu": c1 - c0,
            "n": len(files),
            "check": [chk_i, round(chk_z, 3)],
        }
    if case == "rtstruct":
        t0, c0 = clock()
        elems, items = WALK[lib](str(data / "rtstruct.dcm"))
        t1, c1 = clock()
        return {"seconds": t1 - t0, "cpu": c1 - c0, "n": elems, "check": [elems, items]}
    raise SystemExit(f"unknown case {case!r}")


# --------------------------------------------------------------------------- driver


def main(argv: list[str] | None = None) -> int:
    served = cli.worker_entry(argv, work)
    if served is not None:
        return served
    p = cli.parser(__doc__, LIBS, DEFAULT_RESULTS, repeat=5)
    p.add_argument(
        "--cases", default=",".join(CASES), help=f"comma-separated subset of {','.join(CASES)}"
    )
    p.add_argument(
        "--warmup", type=int, default=1, help="untimed runs per library before timing (page cache)"
    )
    p.add_argument("--limit", type=int, default=None, help="use only the first N CT files")
    p.add_argument(
        "--quick",
        action="store_true",
        help="small subset: 200 CT files, 3 repeats (numbers are indicative only)",
    )
    args = p.parse_args(argv)
    if args.quick:
        args.limit = args.limit or 200
        args.repeat = min(args.repeat, 3)
    cases = cli.split(p, args.cases, CASES, "case")
    if not (args.data / "ct").is_dir() or not (args.data / "rtstruct.dcm").exists():
        p.error(f"no data in {args.data}; run: python benchmarks/generate_data.py")
    libs = cli.libraries(p, args, LIBS)

    runner = Runner(__file__, expand(METHODS, libs), WORKER_ENV)
    versions, skipped = runner.detect()
    if not runner.methods:
        print("no library available", file=sys.stderr)
        return 1
    manifest_path = args.data / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    n_ct = len(ct_files(args.data, args.limit))
    info = machine_info(lib_versions(runner.methods, versions))
    started = now()

    req = {"data": str(args.data), "limit": args.limit}
    results: dict[str, dict[str, dict]] = {}
    for case in cases:
        print(f"== {case}", file=sys.stderr)
        jobs = [Job(case, m, {**req, "case": case}) for m in runner.methods]
        out = runner.measure(
            jobs,
            args.repeat,
            args.warmup,
            lambda j, r: f"{j.method:18s} {r['seconds']:8.3f} s (cpu {r['cpu']:.3f} s)",
        )
        results[case] = {
            m: summarize(c["runs"]) if finished(c) else c for m, c in out[case].items()
        }

    md = render(args, runner.methods, results, versions, skipped, info, started, manifest, n_ct)
    cli.write(
        md, args, started=started, machine=info, versions=versions, skipped=skipped, results=results
    )
    return 0


# --------------------------------------------------------------------------- report


def titles(manifest: dict, n_ct: int) -> dict[str, tuple[str, str]]:
    ct = manifest.get("ct", {})
    rt = manifest.get("rtstruct", {})
    of = (f" of {ct['files']}" if ct["files"] != n_ct else "") if ct else ""
    size = f" ({ct['bytes'] / 2**20:,.0f} MiB in all)" if ct else ""
    return {
        "header": (
            f"(a) CT series, header only: {n_ct} files{of}{size}, stop before PixelData, "
            "touch PatientName / InstanceNumber / ImagePositionPatient",
            "files/s",
        ),
        "rtstruct": (
            "(b) RT Structure Set: open + full recursive walk touching every value"
            + (f" ({rt['bytes'] / 2**20:.1f} MiB, {rt['items']:,} sequence items)" if rt else ""),
            "elements/s",
        ),
    }


def check_lines(case: str, per_lib: dict[str, dict]) -> list[str]:
    """Cross-library sanity: did everyone see the same data?"""
    checks = {lib: r["check"] for lib, r in per_lib.items() if "check" in r}
    if case != "header":
        return [
            "- Elements / items visited: "
            + ", ".join(f"{k} {v[0]:,} / {v[1]:,}" for k, v in checks.items())
        ]
    if len({json.dumps(c) for c in checks.values()}) > 1:
        return [
            "- **Check values differ between libraries:** "
            + ", ".join(f"{k} {v}" for k, v in checks.items())
        ]
    if not checks:
        return []
    return [
        "- Check (sum InstanceNumber + len(PatientName), sum z): "
        f"{next(iter(checks.values()))}, identical for all libraries"
    ]


def render(args, methods, results, versions, skipped, info, started, manifest, n_ct) -> str:
    out = [f"# rs_dicom read benchmarks ({started})", ""]
    out += info
    out += [
        f"- Method: median of {args.repeat} runs, each a fresh subprocess (import and one "
        "warm-up read not timed), after "
        f"{args.warmup} untimed warm-up run(s) per library (warm page cache); runs "
        "interleaved across libraries. Throughput and speed-ups use the median wall time; "
        "CPU time (user+sys of the worker) is shown too, as it is less sensitive to other "
        "load on a shared machine",
    ]
    out += cli.header_notes("bench_read.py", args, skipped)
    if args.limit:
        out.append(f"- **Subset run** (`--quick`/`--limit`): {n_ct} CT files only")
    out.append("")

    for case, per_lib in results.items():
        title, unit = titles(manifest, n_ct)[case]
        out += [f"## {title}", ""]
        head = ["library", "version", "median", "min", "max", unit, "speed-up vs pydicom"]
        head += ["CPU time (median)", "CPU speed-up"]
        base = per_lib.get(BASELINE, {}).get("seconds")
        base_cpu = per_lib.get(BASELINE, {}).get("cpu")
        rows = []
        for lib, r in per_lib.items():
            if not finished(r):
                rows.append([lib, versions.get(lib, "?"), "failed", *[""] * 6])
                continue
            lo, hi = spread(r["runs"], "seconds")
            speed = f"{base / r['seconds']:.1f}×" if base else "n/a"
            cpu_speed = f"{base_cpu / r['cpu']:.1f}×" if base_cpu else "n/a"
            rows.append(
                [lib, versions[lib], fmt_time(r["seconds"]), fmt_time(lo), fmt_time(hi)]
                + [f"{r['n'] / r['seconds']:,.0f}", f"**{speed}**", fmt_time(r["cpu"]), cpu_speed]
            )
        out += table(head, rows, left=2) + [""]
        out += check_lines(case, per_lib)
        for lib, r in per_lib.items():
            if "error" in r:
                out.append(f"- {lib} failed: {r['error']}")
            elif finished(r) and not r["consistent"]:
                out.append(f"- {lib}: check values varied between runs")
        for lib in per_lib:
            out.append(f"- {lib}: {methods[lib].note(case)}")
        out.append("")

    out += targets(results, methods)
    return "\n".join(out)


def targets(results: dict[str, dict[str, dict]], methods: dict[str, Method]) -> list[str]:
    out: list[str] = []
    for case, per_lib in results.items():
        rs = per_lib.get("rs_dicom", {}).get("seconds")
        if not rs or not finished(per_lib["rs_dicom"]):
            continue
        parts = []
        if finished(per_lib.get("pydicom")):
            x = per_lib["pydicom"]["seconds"] / rs
            parts.append(f"{x:.1f}× pydicom ({'met' if x >= 20 else 'NOT met'}: ≥20×)")
        if finished(per_lib.get("dicomsdl")):
            x = per_lib["dicomsdl"]["seconds"] / rs
            parts.append(f"{x:.2f}× dicomsdl ({'met' if x > 1 else 'NOT met'}: >1×)")
        if parts:
            out.append(f"- {case}: " + "; ".join(parts))
    out = ["## Targets", "", *out, ""] if out else []

    return out + BeforeAfter.of_cases(results, methods).render()


if __name__ == "__main__":
    sys.exit(main())
