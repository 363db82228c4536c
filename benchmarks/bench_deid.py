#!/usr/bin/env python3
"""De-identification benchmarks: rs_dicom vs dicognito vs deid vs a plain file copy.

One case, ``basic``: read each of 2,000 CT files (~0.5 MB each), de-identify it with the
Basic Profile (or the library's default, its nearest equivalent) and write it to a new file.

Writing is bound by the disk, so the reference is ``shutil.copyfile`` of the same files (the
kernel copies the bytes; nothing is parsed): the goal is at least 0.7x its throughput with
rs_dicom on one thread, and near-linear scaling over cores. Every timed run is a fresh
subprocess (``harness/``) writing into an empty directory beside the data; the timer covers
the work on the files only (the library is imported and has done one file before). After
the timer the outputs are checked: their count, and how many still hold the input's
PatientName or SOP Instance UID (0 for every de-identifier). Runs are interleaved across
libraries; the table reports the median of ``--repeat`` runs.

Data comes from ``benchmarks/generate_data.py`` (its ``ct`` series). Output: a markdown
table on stdout and in ``benchmarks/results_deid.md``.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from harness import cli
from harness.report import fmt_time, lib_versions, machine_info, now, table
from harness.runner import WORKER_ENV, Job, Method, Runner, finished, spread, summarize
from harness.runner import with_baselines as expand
from harness.worker import NotApplicable, clock, import_name, probe

HERE = Path(__file__).resolve().parent
DEFAULT_RESULTS = HERE / "results_deid.md"

LIBS = ("copy", "dicognito", "deid", "rs_dicom")
CASES = ("basic",)
REFERENCE = "copy"
FILES = 2000
KEY = b"benchmark-key-0123456789"

METHODS = {
    "copy": Method("copy", {"*": "`shutil.copyfile(src, dst)` (no parsing)"}),
    "copy (all cores)": Method(
        "copy",
        {
            "*": "`shutil.copyfile` on a thread per core (it releases the GIL): how far a plain "
            "copy scales on this machine and disk, the yardstick of rs_dicom's scaling"
        },
    ),
    "dicognito": Method(
        "dicognito",
        {
            "*": "`ds = pydicom.dcmread(src)`; `dicognito.anonymizer.Anonymizer().anonymize(ds)`; "
            "`ds.save_as(dst)` (one Anonymizer for all files)"
        },
    ),
    "deid": Method(
        "deid",
        {
            "*": "`deid.dicom.replace_identifiers(files, save=True, output_folder=out, "
            "remove_private=True)` with deid's default recipe (one call for all files)"
        },
    ),
    "rs_dicom": Method(
        "rs_dicom",
        {
            "*": "`rs_dicom.deid.Anonymizer(key=...).anonymize_files(pairs, workers=1)`: "
            "read, de-identify (Basic Profile) and write in Rust, one thread"
        },
    ),
    "rs_dicom (all cores)": Method(
        "rs_dicom",
        {"*": "the same with `workers=None`: every core"},
    ),
}


def ct_files(data: Path, limit: int) -> list[str]:
    files = sorted(str(p) for p in (data / "ct").glob("*.dcm"))
    if len(files) < limit:
        raise SystemExit(f"fewer than {limit} CT files in {data / 'ct'}; run generate_data.py")
    return files[:limit]


# --------------------------------------------------------------------------- worker


def loop(method: str, lib: str, files: list[str], out: Path) -> None:
    if lib == "copy":
        copy = shutil.copyfile
        if "all cores" in method:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(os.cpu_count()) as pool:
                list(pool.map(lambda f: copy(f, out / os.path.basename(f)), files))
            return
        for f in files:
            copy(f, out / os.path.basename(f))
        return
    if lib == "dicognito":
        import pydicom
        from dicognito.anonymizer import Anonymizer

        anon = Anonymizer()
        for f in files:
            ds = pydicom.dcmread(f)
            anon.anonymize(ds)
            ds.save_as(out / os.path.basename(f))
        return
    if lib == "deid":
        from deid.dicom import replace_identifiers

        replace_identifiers(files, save=True, output_folder=str(out), remove_private=True)
        return
    try:
        from rs_dicom import deid
    except ImportError as exc:
        raise NotApplicable("this build has no rs_dicom.deid") from exc

    workers = None if "all cores" in method else 1
    pairs = [(f, str(out / os.path.basename(f))) for f in files]
    results = deid.Anonymizer(key=KEY).anonymize_files(pairs, workers=workers)
    failed = [r for r in results if r.error is not None]
    if failed:
        raise RuntimeError(f"{len(failed)} files failed, e.g. {failed[0].error}")


def check(files: list[str], out: Path) -> tuple[int, int]:
    """(files written, files still holding the input's PatientName or SOP Instance UID)."""
    import pydicom

    n = leaks = 0
    for f in files:
        dst = out / os.path.basename(f)
        if not dst.exists():
            continue
        n += 1
        src = pydicom.dcmread(f, stop_before_pixels=True)
        head = dst.read_bytes()[:65536]
        values = [str(src.PatientName).encode(), src.SOPInstanceUID.encode()]
        leaks += any(v in head for v in values if v)
    return n, leaks


def work(req: dict[str, Any]) -> dict[str, Any]:
    lib, method = import_name(req["lib"]), req["method"]
    if req["case"] == "probe":
        if lib == "copy":
            import platform

            return {"version": f"Python {platform.python_version()}", "file": shutil.__file__}
        return probe(req["lib"])
    data = Path(req["data"])
    files = ct_files(data, req["limit"])
    out = data / "deid_out" / f"{req['label'].replace(' ', '_')}-{os.getpid()}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    try:
        warm = out / "warm-up"
        warm.mkdir()
        loop(method, lib, files[:1], warm)
        gc.collect()
        t0, c0 = clock()
        loop(method, lib, files, out)
        t1, c1 = clock()
        n, leaks = check(files, out)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {"seconds": t1 - t0, "cpu": c1 - c0, "n": n, "check": [n, leaks]}


# --------------------------------------------------------------------------- driver


def main(argv: list[str] | None = None) -> int:
    served = cli.worker_entry(argv, work)
    if served is not None:
        return served
    p = cli.parser(__doc__, LIBS, DEFAULT_RESULTS, repeat=5)
    p.add_argument("--warmup", type=int, default=1, help="untimed runs per library first")
    p.add_argument("--limit", type=int, default=FILES, help=f"CT files ({FILES})")
    p.add_argument("--quick", action="store_true", help="100 files, 3 repeats (indicative)")
    args = p.parse_args(argv)
    if args.quick:
        args.limit = min(args.limit, 100)
        args.repeat = min(args.repeat, 3)
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
    req = {"data": str(args.data), "limit": args.limit, "case": "basic"}
    jobs = [Job("basic", m, req) for m in runner.methods]
    out = runner.measure(
        jobs,
        args.repeat,
        args.warmup,
        lambda j, r: f"{j.method:22s} {r['seconds']:8.3f} s (cpu {r['cpu']:.3f} s)",
    )
    results = {
        "basic": {m: summarize(c["runs"]) if finished(c) else c for m, c in out["basic"].items()}
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
        cores=os.cpu_count(),
    )
    return 0


# --------------------------------------------------------------------------- report


def ratio(per_lib: dict[str, dict], lib: str, ref: str = REFERENCE) -> float | None:
    """Throughput of `lib` relative to `ref` (the inverse ratio of the times)."""
    a, b = per_lib.get(ref), per_lib.get(lib)
    if finished(a) and finished(b):
        return a["seconds"] / b["seconds"]
    return None


def render(args, methods, results, versions, skipped, info, started, size) -> str:
    n = args.limit
    out = [f"# rs_dicom de-identification benchmarks ({started})", ""]
    out += info
    out += [
        f"- Method: median of {args.repeat} runs, each a fresh subprocess writing into an "
        "empty directory beside the data (import and one file not timed), after "
        f"{args.warmup} untimed warm-up run(s) per library (warm page cache); runs "
        "interleaved across libraries; nothing calls `fsync`",
        f"- Cores: {os.cpu_count()}",
    ]
    out += cli.header_notes("bench_deid.py", args, skipped)
    out += ["", f"## read + de-identify + write: {n} CT files ({size / 2**20:,.0f} MiB)", ""]
    per_lib = results["basic"]
    head = ["method", "version", "median", "min", "max", "files/s", "vs `shutil.copyfile`"]
    head += ["vs dicognito", "CPU time"]
    rows = []
    for name, r in per_lib.items():
        lib = methods[name].lib
        if not finished(r):
            rows.append([name, versions.get(lib, "?"), "failed", *[""] * 6])
            continue
        lo, hi = spread(r["runs"], "seconds")
        vs_copy, vs_dg = ratio(per_lib, name), ratio(per_lib, name, "dicognito")
        rows.append(
            [name, versions.get(lib, "?"), fmt_time(r["seconds"]), fmt_time(lo), fmt_time(hi)]
            + [f"{r['n'] / r['seconds']:,.0f}", f"**{vs_copy:.2f}×**" if vs_copy else ""]
            + [f"{vs_dg:.1f}×" if vs_dg else "", fmt_time(r["cpu"])]
        )
    out += table(head, rows, left=2) + [""]
    for name, r in per_lib.items():
        if "error" in r:
            out.append(f"- {name} failed: {r['error']}")
        elif finished(r) and methods[name].lib != "copy":
            written, leaks = r["check"]
            out.append(
                f"- {name}: {written} files written, {leaks} still hold the input's "
                "PatientName or SOP Instance UID"
            )
    for name in per_lib:
        out.append(f"- {name}: {methods[name].note('basic')}")
    one, many = ratio(per_lib, "rs_dicom"), ratio(per_lib, "rs_dicom (all cores)")
    out += ["", "## Targets", ""]
    if one is not None:
        out.append(
            f"- rs_dicom, one thread: {one:.2f}× `shutil.copyfile` "
            f"({'met' if one >= 0.7 else 'NOT met'}: ≥0.7×)"
        )
    if one and many:
        out.append(f"- rs_dicom on {os.cpu_count()} cores: {many / one:.2f}× one thread")
    copies = ratio(per_lib, "copy (all cores)")
    if copies:
        out.append(
            f"- `shutil.copyfile` on {os.cpu_count()} threads: {copies:.2f}× one thread "
            "(what the machine and disk give a plain copy)"
        )
    return "\n".join(out + [""])


if __name__ == "__main__":
    sys.exit(main())
