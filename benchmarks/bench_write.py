#!/usr/bin/env python3
"""Write benchmarks: rs_dicom vs pydicom 3 vs a plain file copy.

Cases (see benchmarks/README.md):

* ``save`` -- read each of 500 CT files (~0.5 MB each) and save it unchanged to a new file.
* ``edit`` -- the same, setting PatientName before saving.

Writing is bound by the disk, so the reference is ``shutil.copyfile`` of the same files (the
kernel copies the bytes; nothing is parsed): the goal is at least 0.8x its throughput.
Every timed run is a fresh subprocess (the harness, ``harness/``) that writes into an empty
directory beside the data; the timer covers the loop over the files only (the library is
imported and has read and written one file before). The outputs are checked after the timer:
their count and size, how many are byte-identical to their input (all, for an unmodified
save), how many carry the new PatientName.  Runs are interleaved across libraries; the table
reports the median of ``--repeat`` runs.  ``--baseline REV`` adds rs_dicom built from git
revision REV (a revision without ``save_as`` is reported as skipped).

Data comes from ``benchmarks/generate_data.py`` (its ``ct`` series).  Output: a markdown
table on stdout and in ``benchmarks/results_write.md``.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from harness import cli
from harness.report import BeforeAfter, fmt_time, lib_versions, machine_info, now, table
from harness.runner import WORKER_ENV, Job, Method, Runner, finished, spread, summarize
from harness.runner import with_baselines as expand
from harness.worker import NotApplicable, clock, import_name, probe

HERE = Path(__file__).resolve().parent
DEFAULT_RESULTS = HERE / "results_write.md"

LIBS = ("copy", "pydicom", "rs_dicom")
CASES = ("save", "edit")
REFERENCE = "copy"
FILES = 500
NEW_NAME = "Edited^Name"

METHODS = {
    "copy": Method(
        "copy",
        {"*": "`shutil.copyfile(src, dst)` (the same bytes, copied by the kernel; no parsing)"},
    ),
    "pydicom": Method(
        "pydicom",
        {
            "save": "`ds = pydicom.dcmread(src)`; `ds.save_as(dst)`",
            "edit": f"`ds = pydicom.dcmread(src)`; `ds.PatientName = '{NEW_NAME}'`; "
            "`ds.save_as(dst)`",
        },
    ),
    "rs_dicom": Method(
        "rs_dicom",
        {
            "save": "`ds = rs_dicom.dcmread(src)`; `ds.save_as(dst)` (atomic: a temporary file "
            "renamed over `dst`)",
            "edit": f"`ds = rs_dicom.dcmread(src)`; `ds.PatientName = '{NEW_NAME}'`; "
            "`ds.save_as(dst)`",
        },
    ),
}


def ct_files(data: Path, limit: int) -> list[str]:
    files = sorted(str(p) for p in (data / "ct").glob("*.dcm"))
    if len(files) < limit:
        raise SystemExit(f"fewer than {limit} CT files in {data / 'ct'}; run generate_data.py")
    return files[:limit]


# --------------------------------------------------------------------------- worker


def loop(lib: str, case: str, files: list[str], out: Path) -> None:
    edit = case == "edit"
    if lib == "copy":
        copy = shutil.copyfile
        for f in files:
            copy(f, out / os.path.basename(f))
        return
    if lib == "pydicom":
        import pydicom

        read = pydicom.dcmread
    else:
        import rs_dicom

        if not hasattr(rs_dicom.Dataset, "save_as"):
            raise NotApplicable("this build cannot write")
        read = rs_dicom.dcmread
    for f in files:
        ds = read(f)
        if edit:
            ds.PatientName = NEW_NAME
        ds.save_as(out / os.path.basename(f))


def check(files: list[str], out: Path) -> tuple[int, int, int, int]:
    """(files written, bytes, byte-identical to their input, carrying the new name)."""
    n = size = same = named = 0
    for f in files:
        dst = out / os.path.basename(f)
        if not dst.exists():
            continue
        data = dst.read_bytes()
        n, size = n + 1, size + len(data)
        same += data == Path(f).read_bytes()
        named += NEW_NAME.encode() in data[:4096]
    return n, size, same, named


def work(req: dict[str, Any]) -> dict[str, Any]:
    lib, case = import_name(req["lib"]), req["case"]
    if case == "probe":
        if lib == "copy":
            import platform

            return {"version": f"Python {platform.python_version()}", "file": shutil.__file__}
        return probe(req["lib"])
    data = Path(req["data"])
    files = ct_files(data, req["limit"])
    out = data / "write_out" / f"{req['label'].replace(' ', '_')}-{os.getpid()}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    try:
        # warm-up: import + one read and save, so lazy imports / first calls aren't timed
        warm = out / "warm-up"
        warm.mkdir()
        loop(lib, case, files[:1], warm)
        gc.collect()
        t0, c0 = clock()
        loop(lib, case, files, out)
        t1, c1 = clock()
        n, size, same, named = check(files, out)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {
        "seconds": t1 - t0,
        "cpu": c1 - c0,
        "n": n,
        "bytes": size,
        "check": [n, same, named],
    }


# --------------------------------------------------------------------------- driver


def main(argv: list[str] | None = None) -> int:
    served = cli.worker_entry(argv, work)
    if served is not None:
        return served
    p = cli.parser(__doc__, LIBS, DEFAULT_RESULTS, repeat=7)
    p.add_argument(
        "--cases", default=",".join(CASES), help=f"comma-separated subset of {','.join(CASES)}"
    )
    p.add_argument(
        "--warmup", type=int, default=1, help="untimed runs per library before timing (page cache)"
    )
    p.add_argument("--limit", type=int, default=FILES, help=f"CT files ({FILES})")
    p.add_argument(
        "--quick", action="store_true", help="100 files, 3 repeats (numbers are indicative only)"
    )
    args = p.parse_args(argv)
    if args.quick:
        args.limit = min(args.limit, 100)
        args.repeat = min(args.repeat, 3)
    cases = cli.split(p, args.cases, CASES, "case")
    if not (args.data / "ct").is_dir():
        p.error(f"no data in {args.data}; run: python benchmarks/generate_data.py")
    libs = cli.libraries(p, args, LIBS)

    runner = Runner(__file__, expand(METHODS, libs), WORKER_ENV)
    versions, skipped = runner.detect()
    if not runner.methods:
        print("no library available", file=sys.stderr)
        return 1
    files = ct_files(args.data, args.limit)
    size = sum(os.path.getsize(f) for f in files)
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

    md = render(args, runner.methods, results, versions, skipped, info, started, size)
    cli.write(
        md,
        args,
        started=started,
        machine=info,
        versions=versions,
        skipped=skipped,
        results=results,
        input_bytes=size,
    )
    return 0


# --------------------------------------------------------------------------- report


def ratio(per_lib: dict[str, dict], lib: str, ref: str = REFERENCE) -> float | None:
    """Throughput of `lib` relative to `ref` (same bytes: the inverse ratio of the times)."""
    a, b = per_lib.get(ref), per_lib.get(lib)
    if finished(a) and finished(b):
        return a["seconds"] / b["seconds"]
    return None


def render(args, methods, results, versions, skipped, info, started, size) -> str:
    n = args.limit
    out = [f"# rs_dicom write benchmarks ({started})", ""]
    out += info
    out += [
        f"- Method: median of {args.repeat} runs, each a fresh subprocess writing into an "
        "empty directory beside the data (import and one warm-up read and save not timed), "
        f"after {args.warmup} untimed warm-up run(s) per library (warm page cache); runs "
        "interleaved across libraries. The outputs stay in the page cache (nothing calls "
        "`fsync`): what is compared is the work of the library, not the disk's",
    ]
    out += cli.header_notes("bench_write.py", args, skipped)
    out.append("")
    titles = {
        "save": f"(a) read + save unchanged: {n} CT files ({size / 2**20:,.0f} MiB in all)",
        "edit": f"(b) read + set PatientName + save: the same {n} files",
    }
    for case, per_lib in results.items():
        out += [f"## {titles[case]}", ""]
        head = ["library", "version", "median", "min", "max", "files/s", "MB/s"]
        head += ["vs `shutil.copyfile`", "vs pydicom", "CPU time (median)"]
        rows = []
        for lib, r in per_lib.items():
            if not finished(r):
                rows.append([lib, versions.get(lib, "?"), "failed", *[""] * 7])
                continue
            lo, hi = spread(r["runs"], "seconds")
            vs_copy, vs_py = ratio(per_lib, lib), ratio(per_lib, lib, "pydicom")
            rows.append(
                [lib, versions[lib], fmt_time(r["seconds"]), fmt_time(lo), fmt_time(hi)]
                + [f"{r['n'] / r['seconds']:,.0f}", f"{r['bytes'] / r['seconds'] / 1e6:,.0f}"]
                + [f"**{vs_copy:.2f}×**" if vs_copy else "", f"{vs_py:.1f}×" if vs_py else ""]
                + [fmt_time(r["cpu"])]
            )
        out += table(head, rows, left=2) + [""]
        for lib, r in per_lib.items():
            if "error" in r:
                out.append(f"- {lib} failed: {r['error']}")
            elif finished(r):
                written, same, named = r["check"]
                what = "the new PatientName" if case == "edit" else "byte-identical to the input"
                count = named if case == "edit" else same
                out.append(f"- {lib}: {written} files written, {count} {what}")
        for lib in per_lib:
            out.append(f"- {lib}: {methods[lib].note(case)}")
        out.append("")
    return "\n".join(out + targets(results, methods))


def targets(results: dict[str, dict[str, dict]], methods: dict[str, Method]) -> list[str]:
    out = []
    for case, per_lib in results.items():
        parts = []
        for lib in ("rs_dicom", "pydicom"):
            x = ratio(per_lib, lib)
            if x is not None:
                goal = f" ({'met' if x >= 0.8 else 'NOT met'}: ≥0.8×)" if lib == "rs_dicom" else ""
                parts.append(f"{lib} {x:.2f}× `shutil.copyfile`{goal}")
        if parts:
            out.append(f"- {case}: " + "; ".join(parts))
    out = ["## Targets", "", *out, ""] if out else []
    return out + BeforeAfter.of_cases(results, methods).render()


if __name__ == "__main__":
    sys.exit(main())
