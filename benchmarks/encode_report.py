"""The report of ``bench_encode.py``: per case and method speed, size and check; targets.

:func:`summary` is shared with ``readme_block.py`` (the README's encode table).
"""

from __future__ import annotations

import math
from typing import Any

from encode_worker import ENCODES
from harness import cli
from harness.report import cores, table

RS1, RSN = "rs_dicom 1 thread", "rs_dicom"
SPEED_GOAL = 1.5  # rs_dicom one thread vs the fastest single-threaded peer
SIZE_TOLERANCE = 0.02  # compressed size within 2 % of the reference encoder's
SCALING_OF_LINEAR = 0.80  # all cores vs one thread >= 80 % of the core count
MULTI_THREADED_CPU = 1.2  # a method whose CPU time exceeds its wall time by this used threads


# what a reader of a case's table needs to know about its peers
NOTES = {
    "jpeg-baseline": "DCMTK and GDCM encode with the IJG libjpeg 6b they bundle, rs_dicom with "
    "libjpeg-turbo 3: the same quality scale, sizes within a few per cent.",
    "jpeg-baseline-rgb": "RGB is written as YCbCr 4:2:2 (YBR_FULL_422) by DCMTK's default "
    "(`+s2`) and by rs_dicom (`color_transform`). GDCM (3.0 and 3.2) leaves the photometric "
    "interpretation RGB on a codestream libjpeg wrote as YCbCr 4:2:0 (no JFIF or Adobe "
    "marker), so pydicom shows its output with the wrong colours (the PSNR shows it; "
    "converted from YCbCr by hand it is ~35 dB).",
    "j2k-lossy": "GDCM's rate (`SetRate(0, 10)`, `gdcmconv -r 10`) is relative to the 16 "
    "allocated bits, pydicom's `j2k_cr=[10]` and `opj_compress -r 10` to the 12 stored bits, "
    "so GDCM's output is about a third larger (and its PSNR higher).",
    "htj2k": "No peer encodes HTJ2K in DICOM (pydicom 3 and GDCM decode it only); the size "
    "reference is OpenJPH's `ojph_compress`, run untimed frame by frame.",
}


def reference_size(encode: str, checks: dict, refs: dict) -> tuple[str, int | None]:
    """(name, compressed bytes) of the reference encoder of a case."""
    ref = ENCODES[encode].reference
    tool = refs.get(encode, {})
    if tool.get("tool"):
        return tool["tool"], tool.get("compressed")
    c = checks.get(encode, {}).get(ref, {})
    return ref, c.get("compressed")


def peers(per: dict[str, dict], methods: dict, checks: dict[str, dict]) -> list[str]:
    """The single-threaded peers with timed runs whose output passed the check (not
    rs_dicom, CPU ≈ wall): a peer that wrote a wrong image did other work."""
    return [
        m
        for m, r in per.items()
        if getattr(methods.get(m), "peer", True)
        and not m.startswith("rs_dicom")
        and checks.get(m, {}).get("ok", True)
        and r["multi"]["cpu"] <= MULTI_THREADED_CPU * r["multi"]["wall"]
    ]


def summary(
    encode: str, results: dict, checks: dict, refs: dict, frames: int, methods: dict
) -> dict[str, Any]:
    """Numbers of one case: fastest peer, rs_dicom's speeds, ratio, sizes."""
    per = results.get(encode, {})
    out: dict[str, Any] = {"encode": encode, "what": ENCODES[encode].what}
    ps = peers(per, methods, checks.get(encode, {}))
    if ps:
        best = min(ps, key=lambda m: per[m]["multi"]["wall"])
        out["peer"], out["peer_fps"] = best, frames / per[best]["multi"]["wall"]
    for key, m in (("rs1_fps", RS1), ("rsn_fps", RSN)):
        if m in per:
            out[key] = frames / per[m]["multi"]["wall"]
    if "rs1_fps" in out and "peer_fps" in out:
        out["speedup"] = out["rs1_fps"] / out["peer_fps"]
    if "rs1_fps" in out and "rsn_fps" in out:
        out["scaling"] = out["rsn_fps"] / out["rs1_fps"]
    name, ref = reference_size(encode, checks, refs)
    out["reference"] = name
    rs = checks.get(encode, {}).get(RS1) or checks.get(encode, {}).get(RSN) or {}
    if ref and rs.get("compressed"):
        out["size_vs_reference"] = rs["compressed"] / ref
    if rs.get("psnr") is not None:
        out["psnr"] = rs["psnr"]
    out["rs_ok"] = rs.get("ok")
    return out


def fmt_psnr(p: float | None) -> str:
    if p is None:
        return ""
    return "∞ (exact)" if math.isinf(p) else f"{p:.1f} dB"


def cell_state(c: dict | None, timed: bool) -> str | None:
    """Why a method has no numbers (or None when it has)."""
    if c is None:
        return "—"
    if "unsupported" in c:
        return "n/a"
    if "error" in c:
        return "failed"
    return None if timed else "failed"


def case_table(encode, meta, methods, results, checks, refs, errors, versions) -> list[str]:
    enc = ENCODES[encode]
    per, ch = results.get(encode, {}), checks.get(encode, {})
    frames = meta["frames"]
    ref_name, ref = reference_size(encode, checks, refs)
    ps = peers(per, methods, ch)
    best = min((per[m]["multi"]["wall"] for m in ps), default=None)
    head = ["method", "version", "frames/s", "min–max", "CPU ms/frame", "vs fastest peer"]
    head += ["compressed", "ratio", f"vs {ref_name}", "PSNR", "photometric", "check"]
    rows = []
    for m, c in ch.items():
        state = cell_state(c, m in per)
        if state is not None:
            why = c.get("unsupported") or c.get("error") or errors.get(encode, {}).get(m, "")
            rows.append([m, versions.get(m, "?"), state, *[""] * 8, why[:80]])
            continue
        r = per[m]
        walls = [x["multi"]["wall"] for x in r["runs"]]
        size = c.get("compressed")
        rows.append(
            [m, versions.get(m, "?"), f"**{frames / r['multi']['wall']:,.0f}**"]
            + [f"{frames / max(walls):,.0f}–{frames / min(walls):,.0f}"]
            + [f"{r['multi']['cpu'] / frames * 1e3:.2f}"]
            + [f"{best / r['multi']['wall']:.2f}×" if best else ""]
            + [f"{size / 2**20:.2f} MiB" if size else ""]
            + [f"{meta['pixel_bytes'] / size:.2f}:1" if size else ""]
            + [f"{size / ref:.3f}" if size and ref else ""]
            + [fmt_psnr(c.get("psnr")), c.get("photometric", "")]
            + ["ok" if c.get("ok") else "⚠ " + "; ".join(c["notes"])]
        )
    title = f"## {encode}: {enc.what}"
    ref_line = (
        f"Reference size ({ref_name}): {ref / 2**20:.2f} MiB ({meta['pixel_bytes'] / ref:.2f}:1)"
        if ref
        else f"Reference size ({ref_name}): not measured in this run"
    )
    settings = refs.get(encode, {}).get("settings")
    if settings:
        ref_line += f"; `{ref_name} {settings}`, frame by frame"
    note = [NOTES[encode], ""] if encode in NOTES else []
    return (
        [title, "", f"Transfer syntax {enc.ts}; source `{enc.base}`. {ref_line}.", ""]
        + note
        + [
            *table(head, rows),
            "",
        ]
    )


def render(
    args, manifest, encodes, methods, results, checks, refs, errors, versions, skipped
) -> str:
    out = [
        f"- Method: {args.repeat} timed fresh subprocesses per method and case, interleaved, "
        "after one untimed check run each (writes the output, which the parent checks; warms "
        "the page cache). In each process the single-frame file is compressed once untimed, "
        f"then the case is repeated in-process for up to {args.inner_budget} s (at most "
        f"{args.inner_max} times) and the median taken; the tables show the median over the "
        "processes. In-process libraries: read + compress (nothing written); command-line "
        "tools (DCMTK, gdcmconv): start-up + read + compress + write, one process for the "
        "whole multi-frame file. CPU = user+sys of all threads and of the tool's process.",
        "- Check: the output read by pydicom; size = the frames' codestreams; pixels decoded "
        "with pydicom's plugins (pylibjpeg, pyjpegls) and compared with the source: lossless "
        "must be exact, near-lossless within NEAR; PSNR against the source (peak "
        "2^BitsStored − 1).",
    ]
    out += cli.header_notes("bench_encode.py", args, skipped)
    out += ["", "## Data", ""]
    rows = []
    for base, m in manifest["bases"].items():
        shape = "×".join(str(x) for x in m["shape"])
        rows.append([base, m["what"], f"{shape} {m['dtype']}", f"{m['pixel_bytes'] / 2**20:.1f}"])
    out += table(["source", "what", "multi-frame", "MiB"], rows, left=3) + [""]
    out += ["## Methods", ""]
    out += [f"- {name}: {m.note('*')}" for name, m in methods.items()] + [""]
    out += summary_table(encodes, manifest, methods, results, checks, refs)
    for encode in encodes:
        meta = manifest["bases"][ENCODES[encode].base]
        out += case_table(encode, meta, methods, results, checks, refs, errors, versions)
    out += targets(encodes, manifest, methods, results, checks, refs)
    return "\n".join(out)


def _frames(manifest: dict, encode: str) -> int:
    return manifest["bases"][ENCODES[encode].base]["frames"]


def size_cell(s: dict) -> str:
    if "size_vs_reference" not in s:
        return ""
    return f"{s['size_vs_reference']:.3f} ({s['reference']})"


def summary_table(encodes, manifest, methods, results, checks, refs) -> list[str]:
    head = ["case", "fastest peer (frames/s)", RS1, "ratio", f"{RSN} ({cores()} cores)"]
    head += ["size vs reference", "rs_dicom PSNR"]
    rows = []
    for e in encodes:
        s = summary(e, results, checks, refs, _frames(manifest, e), methods)
        rows.append(
            [e, f"{s['peer_fps']:,.0f} ({s['peer']})" if "peer" in s else ""]
            + [f"**{s['rs1_fps']:,.0f}**" if "rs1_fps" in s else "n/a"]
            + [f"{s['speedup']:.2f}×" if "speedup" in s else ""]
            + [f"{s['rsn_fps']:,.0f}" if "rsn_fps" in s else ""]
            + [size_cell(s)]
            + [fmt_psnr(s.get("psnr"))]
        )
    return ["## Summary", "", *table(head, rows), ""]


def targets(encodes, manifest, methods, results, checks, refs) -> list[str]:
    n_cores = cores()
    out = ["## Targets", ""]
    for e in encodes:
        s = summary(e, results, checks, refs, _frames(manifest, e), methods)
        if "rs1_fps" not in s:
            out.append(f"- {e}: rs_dicom not measured (no encoder in this build, or not run)")
            continue
        parts = []
        if "speedup" in s:
            met = "met" if s["speedup"] >= SPEED_GOAL else "NOT met"
            parts.append(f"{s['speedup']:.2f}× {s['peer']} ({met}: ≥ {SPEED_GOAL}×)")
        if "size_vs_reference" in s:
            ok = abs(s["size_vs_reference"] - 1) <= SIZE_TOLERANCE
            parts.append(
                f"size {s['size_vs_reference']:.3f}× {s['reference']} "
                f"({'met' if ok else 'NOT met'}: within {SIZE_TOLERANCE:.0%})"
            )
        if "scaling" in s and n_cores > 1:
            goal = SCALING_OF_LINEAR * n_cores
            met = "met" if s["scaling"] >= goal else "NOT met"
            parts.append(f"{s['scaling']:.2f}× on {n_cores} cores ({met}: ≥ {goal:.1f}×)")
        if s.get("rs_ok") is False:
            parts.append("**check failed**")
        out.append(f"- {e}: " + "; ".join(parts))
    return out + [""]
