#!/usr/bin/env python3
"""Pixel-data benchmarks: rs_dicom vs pydicom 3 vs dicomsdl, and raw reads of the bytes.

Cases (see benchmarks/README.md):

* ``ct``    -- pixel arrays of the first 200 CT files (512x512 int16): "get" (open + pixel
  array) and "get + sum" (the same plus ``int(arr.sum(dtype=np.int64))``, a full reduction
  that forces every pixel byte to be read, so a lazy or zero-copy view cannot look faster
  than it is).
* ``ct-implicit`` -- the same files written as Implicit VR Little Endian.
* ``frame`` -- one frame (default 150) of the 300-frame file: open + that frame (+ its sum);
  latency and peak RSS.
* ``whole`` -- the whole 300-frame array + ``int(arr.sum(dtype=np.int64))``: throughput
  compared with ``open(f, 'rb').read()`` + ``np.frombuffer(...)`` + the same sum (the raw-read
  baseline), and peak RSS compared with the file size.

Every measurement is a fresh subprocess (``pixels_worker.py`` via the harness) that imports
its library, gets and sums the pixels of one CT file (untimed: lazy imports, codec set-up),
records its peak RSS (``ru_maxrss``), then does the operation once (the "first call":
timed, and the peak RSS growth it causes is measured) and, for ``frame`` and ``whole``,
repeats it in the same process for up to ``--inner-budget`` seconds (the "in-process"
median).  One untimed run per method warms the OS page cache first; timed runs are
interleaved across methods.  ``--baseline REV`` adds rs_dicom as built from git revision REV.

Output: a markdown report on stdout and in ``benchmarks/results_pixels.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness import baseline, cli
from harness.report import (
    MIB,
    BeforeAfter,
    lib_versions,
    machine_info,
    mib,
    ms,
    now,
    ratio,
    table,
    times,
)
from harness.runner import WORKER_ENV, Job, Method, Runner, finished, spread, summarize
from harness.runner import with_baselines as expand
from pixels_worker import CT_DIRS, MULTIFRAME, work

HERE = Path(__file__).resolve().parent
DEFAULT_RESULTS = HERE / "results_pixels.md"
LIBS = ("pydicom", "dicomsdl", "rs_dicom", "raw")
CASES = ("ct", "ct-implicit", "frame", "whole")

# targets from the issues
FRAME_SPEEDUP = 10.0  # frame access >= 10x pydicom
WHOLE_OF_RAW = 0.80  # whole-array throughput >= 80 % of the raw read
RSS_OF_FILE = 1.10  # peak RSS <= 1.1x the file size
CT_OF_READINTO = 0.90  # CT pixel_array (both VR encodings) >= 0.9x numpy.empty + readinto

MULTI = ("frame", "whole")
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
            "frame": "`rs_dicom.dcmread(f).pixel_data.frame(i)` (default policy: a file over "
            "4 MiB is mapped and what is handed out is a private copy)",
            "whole": "`rs_dicom.dcmread(f).pixel_array` (default policy: a private copy)",
        },
    ),
    "rs_dicom mmap=True": Method(
        "rs_dicom",
        {
            "frame": "`rs_dicom.dcmread(f, mmap=True).pixel_data.frame(i)` (a view of the map)",
            "whole": "`rs_dicom.dcmread(f, mmap=True).pixel_array` (a view of the map)",
        },
        only=MULTI,
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
    "raw readinto": Method(
        "raw",
        {
            "ct": "`arr = np.empty(shape, dtype)`; `open(f, 'rb', buffering=0)`, `seek` to the "
            "pixels, `readinto(arr)` (**the plain read** of the CT targets: a private, "
            "writeable array and nothing else)",
            "frame": "`np.empty` + `seek` + `readinto` of that frame",
            "whole": "`np.empty` + `seek` + `readinto` of all frames",
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


def main(argv: list[str] | None = None) -> int:
    served = cli.worker_entry(argv, work)
    if served is not None:
        return served
    p = cli.parser(__doc__, LIBS, DEFAULT_RESULTS, repeat=5)
    p.add_argument(
        "--cases", default=",".join(CASES), help=f"comma-separated subset of {','.join(CASES)}"
    )
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
    args = p.parse_args(argv)
    if args.quick:
        args.ct_files = min(args.ct_files, 50)
        args.repeat = min(args.repeat, 3)
        args.inner_budget = min(args.inner_budget, 0.2)
    cases = cli.split(p, args.cases, CASES, "case")
    need = [args.data / CT_DIRS[c] for c in cases if c in CT_DIRS] + [args.data / "ct"]
    if any(c in MULTI for c in cases):
        need.append(args.data / MULTIFRAME)
    for path in need:
        if not path.exists():
            p.error(f"no {path}; run: python benchmarks/generate_data.py")
    libs = cli.libraries(p, args, LIBS)

    runner = Runner(__file__, expand(METHODS, libs), WORKER_ENV)
    versions, skipped = runner.detect()
    if not runner.methods:
        print("no library available", file=sys.stderr)
        return 1
    info = machine_info(lib_versions(runner.methods, versions))
    started = now()

    req = {"data": str(args.data), "ct_files": args.ct_files, "frame": args.frame}
    req |= {"inner_budget": args.inner_budget, "inner_max": args.inner_max}
    results: dict[str, dict[str, dict]] = {}
    for case in cases:
        print(f"== {case}", file=sys.stderr)
        jobs = [
            Job(case, m, {**req, "case": case})
            for m, spec in runner.methods.items()
            if spec.applies(case)
        ]
        out = runner.measure(
            jobs,
            args.repeat,
            args.warmup,
            lambda j, r: (
                f"{j.method:24s} get {ms(r['get']):>10s} "
                f"get+sum {ms(r['total']):>10s} (cpu {ms(r['total_cpu'])})"
            ),
        )
        results[case] = {
            m: summarize(c["runs"], ("check", "array", "bytes", "n")) if finished(c) else c
            for m, c in out[case].items()
        }

    mf_size = (args.data / MULTIFRAME).stat().st_size if (args.data / MULTIFRAME).exists() else 0
    md = render(args, runner.methods, results, versions, skipped, info, started, mf_size)
    cli.write(
        md,
        args,
        started=started,
        machine=info,
        versions=versions,
        skipped=skipped,
        results=results,
        file_size=mf_size,
    )
    return 0


# --------------------------------------------------------------------------- report


def check_line(per: dict[str, dict], what: str) -> str:
    checks = {m: r["check"] for m, r in per.items() if "check" in r}
    if len({str(c) for c in checks.values()}) > 1:
        return "- **Check values differ:** " + ", ".join(f"{k} {v}" for k, v in checks.items())
    if not checks:
        return "- no check values"
    return f"- Check ({what}): {next(iter(checks.values())):,}, identical for all methods"


def notes(case: str, per: dict[str, dict], methods: dict[str, Method]) -> list[str]:
    out = []
    for m, r in per.items():
        if "error" in r:
            out.append(f"- {m} failed: {r['error']}")
            continue
        if "not_applicable" in r:
            out.append(f"- {m}: not applicable ({r['not_applicable']})")
            continue
        if not r["consistent"]:
            out.append(f"- {m}: check values varied between runs")
        note = methods[m].note("ct" if case in CT_DIRS else case)
        out.append(f"- {m}: {note} → {r['array']}")
    return out


def render(args, methods, results, versions, skipped, info, started, mf_size) -> str:
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
    ]
    out += cli.header_notes("bench_pixels.py", args, skipped) + [""]
    for n, case in enumerate(c for c in CASES if c in results):
        out += SECTIONS[case](n + 1, args, results[case], methods, mf_size)
    out += targets(results, mf_size)
    out += before_after(results, methods)
    return "\n".join(out)


def ct_section(n: int, args, per: dict[str, dict], methods, mf_size: int, case="ct") -> list[str]:
    count = next((r["n"] for r in per.values() if "n" in r), args.ct_files)
    vr = "Implicit VR Little Endian" if case == "ct-implicit" else "Explicit VR Little Endian"
    out = [f"## ({n}) `pixel_array` of {count} CT files (512×512 int16, BitsStored 12, {vr})", ""]
    head = ["method", "get", "get+sum (min–max)", "files/s", "MiB/s", "CPU get+sum"]
    head += ["vs pydicom (wall)", "vs pydicom (CPU)", "of readinto (wall)", "of readinto (CPU)"]
    base, plain = per.get("pydicom", {}), per.get("raw readinto", {})
    rows = []
    for m, r in per.items():
        if not finished(r):
            rows.append([m, "failed" if "error" in r else "—", *[""] * 8])
            continue
        t, (lo, hi) = r["total"], spread(r["runs"], "total")
        rows.append(
            [m, ms(r["get"]), f"**{ms(t)}** ({ms(lo)}–{ms(hi)})", f"{r['n'] / t:,.0f}"]
            + [f"{r['bytes'] / MIB / t:,.0f}", ms(r["total_cpu"])]
            + [ratio(base.get("total"), t), ratio(base.get("total_cpu"), r["total_cpu"])]
            + [share(plain.get("total"), t), share(plain.get("total_cpu"), r["total_cpu"])]
        )
    out += table(head, rows) + ["", check_line(per, "sum of all pixels of all files")]
    return out + notes(case, per, methods) + [""]


def implicit_section(n: int, args, per, methods, mf_size: int) -> list[str]:
    return ct_section(n, args, per, methods, mf_size, case="ct-implicit")


def share(plain: float | None, t: float | None) -> str:
    return f"{plain / t:.2f}×" if plain and t else "n/a"


def frame_section(n: int, args, per: dict[str, dict], methods, mf_size: int) -> list[str]:
    out = [
        f"## ({n}) Frame {args.frame} of the 300-frame file ({mib(mf_size)}): open + that frame",
        "",
        "First call in a fresh process (median over processes), then the median of repeated "
        "calls in the same process; peak RSS growth of the first call (`ru_maxrss` after "
        "it minus `ru_maxrss` after imports + warm-up), and how much of the resident memory "
        "at that point is anonymous (heap) or file-backed (mapped file pages).",
        "",
    ]
    head = ["method", "get", "get+sum", "CPU get+sum", "in-process get+sum", "peak RSS Δ"]
    head += ["anon / file Δ", "vs `ds.pixel_array[i]`", "vs `pixel_array(f, index=i)`"]
    b1 = per.get("pydicom", {}).get("total")
    b2 = per.get("pydicom.pixels", {}).get("total")
    rows = []
    for m, r in per.items():
        if not finished(r):
            rows.append([m, "failed" if "error" in r else "—", *[""] * 7])
            continue
        t = r["total"]
        rows.append(
            [m, ms(r["get"]), f"**{ms(t)}**", ms(r["total_cpu"])]
            + [f"{ms(r['inner_total'])} (n={r['inner_n']:.0f})", mib(r["rss"])]
            + [f"{mib(r['anon'])} / {mib(r['file'])}", ratio(b1, t), ratio(b2, t)]
        )
    out += table(head, rows) + ["", check_line(per, f"sum of frame {args.frame}")]
    return out + notes("frame", per, methods) + [""]


def whole_section(n: int, args, per: dict[str, dict], methods, mf_size: int) -> list[str]:
    out = [
        f"## ({n}) Whole array of the 300-frame file ({mib(mf_size)}): open + array + sum",
        "",
        "Throughput = pixel bytes / (get+sum) time; *of raw* = that throughput as a share "
        "of the raw-read baseline's (`open(f, 'rb').read()` + `np.frombuffer` + the same "
        "sum). Peak RSS Δ as in the frame case, also as a multiple of the file size.",
        "",
    ]
    head = ["method", "get", "get+sum (min–max)", "CPU get+sum", "MiB/s", "of raw (wall)"]
    head += ["of raw (CPU)", "peak RSS Δ", "× file", "anon / file Δ"]
    raw = per.get("raw read", {})
    rows = []
    for m, r in per.items():
        if not finished(r):
            rows.append([m, "failed" if "error" in r else "—", *[""] * 8])
            continue
        t, (lo, hi) = r["total"], spread(r["runs"], "total")
        of_raw = f"{raw['total'] / t:.0%}" if raw.get("total") else "n/a"
        of_raw_cpu = f"{raw['total_cpu'] / r['total_cpu']:.0%}" if raw.get("total") else "n/a"
        rows.append(
            [m, ms(r["get"]), f"**{ms(t)}** ({ms(lo)}–{ms(hi)})", ms(r["total_cpu"])]
            + [f"{r['bytes'] / MIB / t:,.0f}", of_raw, of_raw_cpu, mib(r["rss"])]
            + [f"{r['rss'] / mf_size:.2f}×", f"{mib(r['anon'])} / {mib(r['file'])}"]
        )
    out += table(head, rows) + ["", check_line(per, "sum of all pixels")]
    return out + notes("whole", per, methods) + [""]


SECTIONS = {
    "ct": ct_section,
    "ct-implicit": implicit_section,
    "frame": frame_section,
    "whole": whole_section,
}


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**NOT met**"


def targets(results: dict[str, dict[str, dict]], mf_size: int) -> list[str]:
    out = ["## Targets", ""]
    frame = results.get("frame", {})
    whole = results.get("whole", {})
    rs_f = frame.get("rs_dicom", {})
    for case in CT_DIRS:
        per = results.get(case, {})
        rs, plain = per.get("rs_dicom", {}), per.get("raw readinto", {})
        if finished(rs) and finished(plain):
            x, xc = plain["total"] / rs["total"], plain["total_cpu"] / rs["total_cpu"]
            out.append(
                f"- CT `pixel_array` ({case}) ≥ {CT_OF_READINTO}× the plain read "
                f"(`np.empty` + `readinto`): {verdict(x >= CT_OF_READINTO)} — {x:.2f}× wall "
                f"({ms(rs['total'])} vs {ms(plain['total'])}), {xc:.2f}× CPU (get+sum)"
            )
    if finished(rs_f):
        for base, label in (
            ("pydicom.pixels", "`pydicom.pixels.pixel_array(f, index=i)`, pydicom's frame API"),
            ("pydicom", "`pydicom.dcmread(f).pixel_array[i]`"),
        ):
            b = frame.get(base, {})
            if not finished(b):
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
    for name, how in (("rs_dicom", ""), ("rs_dicom mmap=True", ", `mmap=True`")):
        r = whole.get(name, {})
        if finished(r) and finished(raw):
            x, xc = raw["total"] / r["total"], raw["total_cpu"] / r["total_cpu"]
            tp, tp_raw = r["bytes"] / MIB / r["total"], raw["bytes"] / MIB / raw["total"]
            out.append(
                f"- Whole-array throughput ≥ {WHOLE_OF_RAW:.0%} of the raw read{how}: "
                f"{verdict(x >= WHOLE_OF_RAW)} — {x:.0%} wall ({tp:,.0f} vs {tp_raw:,.0f} "
                f"MiB/s), {xc:.0%} CPU"
            )
        if finished(r) and mf_size:
            x = r["rss"] / mf_size
            out.append(
                f"- Peak RSS ≤ {RSS_OF_FILE:.1f}× the file size (whole array{how}): "
                f"{verdict(x <= RSS_OF_FILE)} — {x:.2f}× ({mib(r['rss'])} for a "
                f"{mib(mf_size)} file; anon {mib(r['anon'])}, file-backed {mib(r['file'])})"
            )
    if len(out) == 2:
        return out + ["- rs_dicom did not run: no targets evaluated", ""]
    return out + [""]


def before_after(results: dict[str, dict[str, dict]], methods: dict[str, Method]) -> list[str]:
    """rs_dicom (and rs_dicom mmap=True, the zero-copy path that a baseline without the
    private-copy policy took by default) against each rs_dicom@REV, on get+sum."""
    ba = BeforeAfter()
    for case, per in results.items():
        for name, m in methods.items():
            rev = baseline.revision(m.lib)
            if not rev or m.base != "rs_dicom" or not finished(per.get(name)):
                continue
            old = per[name]
            for now_name in ("rs_dicom", "rs_dicom mmap=True"):
                new = per.get(now_name)
                if finished(new):
                    what = case if now_name == "rs_dicom" else f"{case}, now with mmap=True"
                    ba.add(
                        what,
                        (new["total"], new["total_cpu"]),
                        (old["total"], old["total_cpu"]),
                        rev,
                    )
    return ba.render()


if __name__ == "__main__":
    sys.exit(main())
