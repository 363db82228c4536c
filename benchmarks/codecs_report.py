"""The report of ``bench_codecs.py``: tables per codec and method, checks, targets."""

from __future__ import annotations

from harness import baseline, cli
from harness.report import NOISE, cores, speedup_verdict, table
from harness.runner import Method

# targets
SCALING_OF_LINEAR = 0.80  # "near-linear": all-cores speed-up >= 80 % of the core count
MULTI_THREADED_CPU = 1.2  # a method whose CPU time exceeds its wall time by this used threads
PEER_REFERENCE = "pydicom+pylibjpeg"  # lossy codecs are compared with this method's array
JUDGED = ("multi", "single")  # the cases of target 1


def fps(frames: int, t: float | None) -> str:
    return f"{frames / t:,.0f}" if t else ""


def ms(t: float) -> str:
    return f"{t * 1e3:,.1f}" if t >= 0.01 else f"{t * 1e3:.2f}"


def x(v: float | None) -> str:
    return f"{v:.2f}×" if v else ""


def cell(codec, m, checks, results, errors, fn) -> str:
    """fn(summary) for a finished method; otherwise why it has no number."""
    c = checks.get(codec, {}).get(m)
    if c is None or "not_applicable" in c:
        return "—"
    if "unsupported" in c:
        return "n/a"
    if "error" in c or m in errors.get(codec, {}):
        return "failed"
    if m not in results.get(codec, {}):
        return ""
    s = fn(results[codec][m])
    return s if c.get("ok", True) else s + " ⚠"


def render(args, manifest, codecs, methods, results, checks, errors, versions, skipped) -> str:
    n_cores = cores()
    out = [
        f"- Method: {args.repeat} timed fresh subprocesses per method and codec, interleaved "
        "across methods and codecs, after one untimed check run each (decodes the files, "
        "warms the page cache). In each process the single-frame file is decoded once "
        f"untimed, then each case is repeated in-process for up to {args.inner_budget} s (at "
        f"most {args.inner_max} times) and the median taken; the tables show the median over "
        "the processes. Every time includes opening the file. CPU = user+sys of all threads.",
    ]
    out += cli.header_notes("bench_codecs.py", args, skipped)
    out += ["", "## Data", ""]
    rows = []
    for c in codecs:
        m = manifest["codecs"][c]
        shape = "×".join(str(x) for x in m["shape"])
        rows.append(
            [c, m["ts"], m["what"], f"{shape} {m['dtype']}"]
            + [f"{m['compressed_bytes'] / 2**20:.1f} MiB"]
            + [f"{m['pixel_bytes'] / m['compressed_bytes']:.1f}:1"]
        )
    head = ["codec", "transfer syntax", "what", "multi-frame file", "compressed", "ratio"]
    out += table(head, rows, left=4) + [""]
    frames = {c: manifest["codecs"][c]["frames"] for c in codecs}

    def grid(title: str, fn, note: list[str] | None = None) -> list[str]:
        rows = [
            [c] + [cell(c, m, checks, results, errors, lambda s, c=c: fn(c, s)) for m in methods]
            for c in codecs
        ]
        return [title, "", *(note or []), *table(["codec", *methods], rows), ""]

    legend = [
        "n/a = not available (rs_dicom: `UnsupportedCodecError`); — = not applicable; "
        "⚠ = decoded pixels wrong (see Checks).",
        "",
    ]
    out += grid(
        "## Multi-frame file: whole `pixel_array`, frames/s (wall; higher is better)",
        lambda c, s: fps(frames[c], s["multi"]["wall"]),
        legend,
    )
    out += grid(
        "### The same, frames per CPU-second (user+sys of all threads)",
        lambda c, s: fps(frames[c], s["multi"]["cpu"]),
    )
    out += grid(
        "## Multi-frame file frame by frame: every frame on its own, frames/s (wall)",
        lambda c, s: fps(s["frames"]["frames"], s["frames"]["wall"]) if "frames" in s else "—",
        [
            "`ds.pixel_data.frame(i)` for every i (rs_dicom; the peers' per-frame calls under "
            "Methods), each array dropped before the next: a fresh buffer per frame, so the "
            "allocator's handling of freed pages shows here.",
            "",
        ],
    )
    out += grid(
        "### The same, frames per CPU-second",
        lambda c, s: fps(s["frames"]["frames"], s["frames"]["cpu"]) if "frames" in s else "—",
    )
    out += grid(
        "## Single-frame file: `pixel_array`, ms (wall; lower is better)",
        lambda c, s: ms(s["single"]["wall"]),
    )
    out += grid("### The same, CPU ms", lambda c, s: ms(s["single"]["cpu"]))

    out += ["## Checks", ""]
    out.append(
        "Lossless codecs: the decoded arrays must have the source's shape and pixel sum "
        "(recorded by the generator). Lossy: max |difference| vs "
        f"`{PEER_REFERENCE}` (multi / single)."
    )
    out.append("")
    for c in codecs:
        meta = manifest["codecs"][c]
        parts = []
        for m in methods:
            r = checks[c].get(m)
            if r is None or "not_applicable" in r:
                continue
            if "unsupported" in r:
                parts.append(f"{m} not available")
            elif "error" in r:
                parts.append(f"{m} failed ({r['error'][:120]})")
            elif not r["ok"]:
                parts.append(f"{m} **WRONG** ({'; '.join(r['notes'])})")
            elif meta["lossless"]:
                parts.append(f"{m} =")
            else:
                d1, d2 = r.get("maxdiff_multi"), r.get("maxdiff_single")
                parts.append(f"{m} {d1} / {d2}" if d1 is not None else f"{m} (no reference)")
        kind = "lossless, = source" if meta["lossless"] else "lossy, max diff"
        out.append(f"- {c} ({kind}): " + ", ".join(parts))
    plugins = {}
    for c in codecs:
        for r in checks[c].values():
            if "default_plugins" in r:
                plugins[c] = r["default_plugins"]
                break
    if plugins:
        out += [
            "",
            "pydicom's own plugin order with all these packages installed (`ds.pixel_array` "
            "without `decoding_plugin` uses the first that succeeds): "
            + "; ".join(f"{c}: {', '.join(v)}" for c, v in plugins.items()),
        ]
    out += ["", "## Methods", ""]
    for m in methods:
        out.append(f"- **{m}** ({versions.get(m, '?')}): {methods[m].note('*')}")
    for c in codecs:
        for m, e in errors[c].items():
            out.append(f"- {c} / {m} failed while timing: {e}")
    out.append("")
    out += targets(codecs, frames, methods, results, checks, n_cores)
    out += before_after(codecs, methods, results)
    return "\n".join(out)


def _best(res: dict, peers: list[str], case: str, key: str) -> str:
    return min(peers, key=lambda m: res[m][case][key])


def _vs(res: dict, peers: list[str], rs: dict, case: str, key: str) -> float:
    """Fastest peer's time / rs_dicom's (> 1: rs_dicom is faster)."""
    return res[_best(res, peers, case, key)][case][key] / rs[case][key]


def targets(codecs, frames, methods, results, checks, n_cores) -> list[str]:
    out = ["## Targets", ""]
    rs1, rsn = "rs_dicom 1 thread", "rs_dicom"
    have = [c for c in codecs if rs1 in results[c] or rsn in results[c]]
    if not have:
        pend = [c for c in codecs if any("unsupported" in checks[c].get(m, {}) for m in (rs1, rsn))]
        why = (
            "rs_dicom cannot decode these codecs yet (`UnsupportedCodecError`)"
            if pend
            else "rs_dicom did not run"
        )
        return out + [f"- **rs_dicom pending**: {why}; no targets evaluated", ""]
    peers = [m for m in methods if getattr(methods[m], "peer", True)]

    def verdict(ok: bool) -> str:
        return "met" if ok else "**NOT met**"

    out += [
        "1. **On every codec at least as fast as the fastest peer, single-threaded**: "
        "rs_dicom with `RAYON_NUM_THREADS=1` vs the fastest peer, on the multi-frame file "
        "(frames/s) and the single-frame file (latency), both must be ≥ 1×. Judged on wall "
        "time against the peers that decode on one thread and, separately, on CPU time "
        "against all of them (steadier on a loaded machine, and fair to a peer that "
        "threads). Lossless results must be exact.",
        "2. **Near-linear scaling with cores on multi-frame files**: rs_dicom all cores vs "
        f"1 thread (wall), speed-up ≥ {SCALING_OF_LINEAR:.0%} × {n_cores} cores = "
        f"{SCALING_OF_LINEAR * n_cores:.1f}×. Only meaningful when the other cores are idle: "
        "see the load average above.",
        "",
        "| codec | fastest peer, multi (wall) | rs 1 thread vs it: wall / CPU "
        "| fastest peer, single (wall) | rs 1 thread vs it: wall / CPU "
        "| target 1 (wall) | target 1 (CPU) | rs all cores vs 1 thread (wall) | target 2 "
        "| rs all cores vs fastest peer (wall) |",
        "|---|---|---:|---|---:|---|---|---:|---|---:|",
    ]
    met1 = met1c = met2 = judged1 = 0
    notes: list[str] = []
    for c in codecs:
        res = results[c]
        r1, rn = res.get(rs1), res.get(rsn)
        if r1 is None or rn is None:
            state = "n/a" if any("unsupported" in checks[c].get(m, {}) for m in (rs1, rsn)) else ""
            out.append(f"| {c} | | | | | {state or 'failed'} | | | | |")
            continue
        ok_check = all(checks[c].get(m, {}).get("ok", True) for m in (rs1, rsn))
        sc = r1["multi"]["wall"] / rn["multi"]["wall"]
        ok2 = sc >= SCALING_OF_LINEAR * n_cores
        met2 += ok2
        pm = [m for m in peers if m in res and checks[c].get(m, {}).get("ok", False)]
        # The target is single-threaded: a peer that used more than one core (GDCM runs
        # OpenJPEG with a thread per core) is compared by CPU time only.
        pm1 = [
            m for m in pm if res[m]["multi"]["cpu"] <= MULTI_THREADED_CPU * res[m]["multi"]["wall"]
        ]
        threaded = sorted(set(pm) - set(pm1))
        if not pm1:
            out.append(f"| {c} | no single-threaded peer | | | | | | {x(sc)} | {verdict(ok2)} | |")
            continue
        judged1 += 1
        xm, xs = (_vs(res, pm1, r1, case, "wall") for case in JUDGED)
        xmc, xsc = (_vs(res, pm, r1, case, "cpu") for case in JUDGED)
        ok1 = xm >= 1 and xs >= 1 and ok_check
        ok1c = xmc >= 1 and xsc >= 1 and ok_check
        bm, bs = (_best(res, pm1, case, "wall") for case in JUDGED)
        if threaded:
            notes.append(f"{c}: {', '.join(threaded)} used more than one core")
        xn = res[bm]["multi"]["wall"] / rn["multi"]["wall"]
        met1 += ok1
        met1c += ok1c
        wrong = "" if ok_check else " (wrong pixels)"
        out.append(
            f"| {c} | {bm} ({fps(frames[c], res[bm]['multi']['wall'])} fps) "
            f"| {x(xm)} / {x(xmc)} | {bs} ({ms(res[bs]['single']['wall'])} ms) "
            f"| {x(xs)} / {x(xsc)} | {verdict(ok1)}{wrong} | {verdict(ok1c)}{wrong} "
            f"| {x(sc)} | {verdict(ok2)} | {x(xn)} |"
        )
    n = len(codecs)
    out += [
        "",
        "(CPU ratios compare against the peer that is fastest by CPU time, which may differ.)",
        *(
            [
                "",
                "Peers that used more than one core on the multi-frame file (CPU > "
                f"{MULTI_THREADED_CPU}× wall), so compared by CPU time only: "
                + "; ".join(notes)
                + ".",
            ]
            if notes
            else []
        ),
        "",
        (
            f"- Target 1 (≥ fastest peer on one thread): wall {verdict(met1 == n)} ({met1}/{n} "
            f"codecs), CPU {verdict(met1c == n)} ({met1c}/{n} codecs)"
            if judged1
            else "- Target 1 (≥ fastest peer on one thread): not judged (no peer in this run)"
        ),
        f"- Target 2 (near-linear scaling, ≥ {SCALING_OF_LINEAR * n_cores:.1f}× on {n_cores} "
        f"cores): {verdict(met2 == n)} ({met2}/{n} codecs)",
        "",
    ]
    return out


def before_after(codecs, methods: dict[str, Method], results) -> list[str]:
    """Each rs_dicom method against its clone built from an earlier revision (--baseline):
    speed-up = before / now on every codec and case (> 1: now is faster)."""
    pairs = [(m.base, name) for name, m in methods.items() if m.base and baseline.revision(m.lib)]
    if not pairs:
        return []
    head = ["codec", "case"] + [f"{new} vs {old}: wall / CPU" for new, old in pairs]
    rows, worst = [], None
    for c in codecs:
        res = results.get(c, {})
        for case in ("multi", "single", "frames"):
            row = [c, case]
            for new, old in pairs:
                a, b = res.get(new, {}).get(case), res.get(old, {}).get(case)
                if not a or not b:
                    row.append("")
                    continue
                x, xc = b["wall"] / a["wall"], b["cpu"] / a["cpu"]
                worst = x if worst is None else min(worst, x)
                mark = "" if x >= NOISE else " **slower**"
                row.append(f"{x:.2f}× / {xc:.2f}×{mark}")
            rows.append(row)
    out = [
        "## Before and after",
        "",
        "The current build against rs_dicom built from an earlier revision (`--baseline REV`), "
        "measured in the same run, interleaved: speed-up = before / now, wall / CPU time "
        f"(> 1: now is faster; ≥ {NOISE} is within the spread of repeated runs).",
        "",
        *table(head, rows, left=2),
        "",
    ]
    if worst is not None:
        out += [f"- Slowest ratio (wall): {worst:.2f}× — {speedup_verdict(worst)}", ""]
    return out
