"""The README's benchmark block, composed from the JSON the five scripts write (``--json``).

``run_all.py`` calls :func:`compose` after a full run and puts the result between the
``<!-- BENCHMARKS:START -->`` / ``END`` markers of the top-level README.md.  Every number
in the block comes from the run; the sentences around them are fixed here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from encode_report import SIZE_TOLERANCE, SPEED_GOAL, fmt_psnr
from encode_report import summary as encode_summary
from harness.report import ms, speedup_verdict, table

CODEC_NAMES = {
    "rle": "RLE, 16-bit grey",
    "rle-rgb": "RLE, RGB",
    "jpeg-baseline": "JPEG baseline, grey",
    "jpeg-baseline-rgb": "JPEG baseline, colour 4:2:2",
    "jpeg-extended": "JPEG extended 12-bit",
    "jpeg-lossless": "JPEG lossless SV1",
    "jpegls": "JPEG-LS lossless",
    "j2k": "JPEG 2000 lossless",
    "j2k-lossy": "JPEG 2000 lossy",
    "htj2k": "HTJ2K lossless",
}
PLUGIN = {"rle": "pylibjpeg-rle", "j2k": "pylibjpeg-openjpeg", "htj2k": "pylibjpeg-openjpeg"}
RS1, RSN = "rs_dicom 1 thread", "rs_dicom"

# what the numbers come from (measured separately, not by these scripts)
J2K_HOW = (
    "Its tier-1 (88% of the time) keeps up to 40 bits of look-ahead in the MQ decoder, "
    "selects each decision's symbol and next context state without branching on the symbol "
    "(those branches mispredict on significance, sign and refinement decisions), and runs in "
    "a copy compiled for LZCNT/BMI2 when the CPU has them."
)
WHERE_FROM = (
    "Where the speed comes from: RLE segments decode into contiguous planes that one "
    "vectorised loop interleaves; colour JPEG is decoded by libjpeg-turbo to its component "
    "planes and the chroma upsampling and pydicom's YBR → RGB arithmetic run fused and "
    "vectorised in Rust; the C/C++ codecs are compiled with clang when installed; frames are "
    "decoded in parallel into an output each task zeroes itself; the extension allocates "
    "with mimalloc, which keeps freed pages, so a frame decoded after another reuses its "
    "buffer's pages instead of faulting fresh ones in."
)


def load(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.exists() else None


def t(s: float | None) -> str:
    """A time for the summary table: 3 significant digits, at least 0.1 ms resolution."""
    if s is None:
        return ""
    if s >= 1:
        return f"{s * 1000:,.0f} ms"
    return f"{s * 1000:.3g} ms" if s >= 0.001 else f"{s * 1000:.3f} ms"


def baselines(names) -> list[str]:
    return [n for n in names if n.startswith("rs_dicom@") and " " not in n]


def peer_name(method: str, codec: str) -> str:
    if method == "pydicom+pylibjpeg":
        return PLUGIN.get(codec.split("-")[0], "pylibjpeg-libjpeg")
    return {"pydicom+pyjpegls": "pyjpegls", "pydicom+gdcm": "GDCM via pydicom"}.get(method, method)


def intro(first: dict[str, Any]) -> list[str]:
    machine = "; ".join(line.removeprefix("- ") for line in first.get("machine", [])[:3])
    return [
        f"Measured {first['started']}: {machine}. Each number is the median of fresh "
        "processes, interleaved across libraries in the same run, warm page cache. Full "
        "tables, methods and the commands: `benchmarks/results.md`, "
        "`benchmarks/results_pixels.md`, `benchmarks/results_codecs.md`, "
        "`benchmarks/results_write.md`, `benchmarks/results_encode.md`, "
        "`benchmarks/README.md` (one command runs everything: `python benchmarks/run_all.py "
        "--baseline REV`).",
        "",
    ]


def main_table(read: dict | None, pixels: dict | None) -> list[str]:
    """Headers, RT struct, CT pixels (both VR encodings), frame, whole array, RSS."""
    revs = baselines((read or pixels or {}).get("versions", {}))
    head = ["case", "pydicom", "dicomsdl", "**rs_dicom**", *revs, "rs_dicom vs pydicom"]
    rows: list[list[str]] = []

    def add(what: str, per: dict, key: str, py: str = "pydicom", extra: str = "", rs=RSN):
        def v(m: str) -> float | None:
            r = per.get(m) or {}
            return r.get(key) if r.get("runs") else None

        a, b = v(py), v(rs)
        x = f"**{a / b:.1f}×**" if a and b else ""
        rows.append(
            [what, t(a), t(v("dicomsdl")), f"**{t(b)}**", *[t(v(r)) for r in revs], x + extra]
        )

    if read:
        res = read["results"]
        if "header" in res:
            n = res["header"].get("rs_dicom", {}).get("n", 0)
            add(
                f"{n:,} CT headers (`stop_before_pixels`, read PatientName, InstanceNumber, "
                "ImagePositionPatient)",
                res["header"],
                "seconds",
            )
        if "rtstruct" in res:
            add("RT Structure Set, 24 MB: open + touch every value", res["rtstruct"], "seconds")
    if pixels:
        res = pixels["results"]
        for case, vr in (("ct", "Explicit VR"), ("ct-implicit", "Implicit VR")):
            per = res.get(case)
            if not per:
                continue
            plain, rs = per.get("raw readinto", {}), per.get(RSN, {})
            extra = ""
            if plain.get("runs") and rs.get("runs"):
                extra = f" ({plain['total'] / rs['total']:.2f}× a plain `readinto`)"
            n = rs.get("n", 0)
            add(f"`pixel_array` of {n} CT files ({vr}) + sum", per, "total", extra=extra)
        if "frame" in res:
            per = res["frame"]
            add("frame 150 of a 300-frame 150 MiB file: open + frame", per, "get", "pydicom.pixels")
            add("... same + `frame.sum()`", per, "total", "pydicom.pixels")
            add(
                "... same, `dcmread(f, mmap=True)`",
                per,
                "total",
                "pydicom.pixels",
                rs="rs_dicom mmap=True",
            )
        if "whole" in res:
            per = res["whole"]
            add("whole 150 MiB array + sum", per, "total")
            add("... same, `dcmread(f, mmap=True)`", per, "total", rs="rs_dicom mmap=True")
            size = pixels.get("file_size") or 1

            def rss(m: str) -> str:
                r = per.get(m) or {}
                return f"{r['rss'] / size:.1f}× file" if r.get("runs") else ""

            rows.append(
                ["peak RSS for the whole array (default / mmap=True)", rss("pydicom")]
                + [rss("dicomsdl"), f"**{rss(RSN)}** / {rss('rs_dicom mmap=True')}"]
                + [rss(r) for r in revs]
                + [""]
            )
    out = table(head, rows) + [""]
    if pixels and "frame" in pixels["results"]:
        out += [
            "In the frame rows the pydicom column is `pydicom.pixels.pixel_array(f, index=150)`, "
            "which reads one frame (`pydicom.dcmread(f).pixel_array[150]` decodes all frames). "
            "By default rs_dicom hands out private copies of what it reads from files over "
            "4 MiB (a file changed under the map cannot change or crash them); "
            "`mmap=True` hands out views of the map (zero-copy).",
            "",
        ]
    return out


def write_table(write: dict) -> list[str]:
    """Read + save (unchanged, and with one tag edited) against a plain copy and pydicom."""
    res = write["results"]
    revs = baselines(write.get("versions", {}))
    head = ["case", "`shutil.copyfile`", "pydicom", "**rs_dicom**", *revs]
    head += ["rs_dicom vs copy", "rs_dicom vs pydicom"]
    titles = {"save": "read + save unchanged", "edit": "read + set PatientName + save"}
    rows = []
    for case, per in res.items():

        def v(m: str, per: dict = per) -> float | None:
            r = per.get(m) or {}
            return r.get("seconds") if r.get("runs") else None

        copy, py, rs = v("copy"), v("pydicom"), v(RSN)
        n = (per.get(RSN) or {}).get("n", 0)
        vs_copy = f"**{copy / rs:.2f}×**" if copy and rs else ""
        vs_py = f"{py / rs:.1f}×" if py and rs else ""
        rows.append(
            [f"{n} CT files, {titles.get(case, case)}", t(copy), t(py), f"**{t(rs)}**"]
            + [t(v(r)) for r in revs]
            + [vs_copy, vs_py]
        )
    size = write.get("input_bytes", 0) / 2**20
    return [
        f"Writing (`benchmarks/results_write.md`): {size:,.0f} MiB of CT files (0.5 MB each) "
        "read and saved to new files, against `shutil.copyfile` of the same files (writing is "
        "bound by the disk, so a plain copy is the reference; the goal is 0.8× its speed) and "
        "pydicom. Saving an unmodified file writes the untouched runs of the source in one "
        "write each and is byte-identical to it; every save is atomic (a temporary file "
        "renamed over the target).",
        "",
        *table(head, rows),
        "",
    ]


def deid_table(deid: dict) -> list[str]:
    """Read + de-identify + write against a plain copy and the Python de-identifiers."""
    per = deid["results"].get("basic", {})

    def v(m: str) -> float | None:
        r = per.get(m) or {}
        return r.get("seconds") if r.get("runs") else None

    names = ["copy", "dicognito", "deid", RSN, f"{RSN} (all cores)"]
    times = {m: v(m) for m in names}
    n = (per.get(RSN) or {}).get("n", 0)
    copy = times["copy"]

    def cell(m: str) -> str:
        s = times[m]
        if s is None:
            return ""
        rate = f"{n / s:,.0f} files/s" if n else t(s)
        return f"{rate} ({copy / s:.2f}× copy)" if copy else rate

    head = [
        "`shutil.copyfile`",
        "dicognito",
        "deid",
        "**rs_dicom**, 1 thread",
        "rs_dicom, all cores",
    ]
    row = [cell(m) for m in names]
    row[3] = f"**{row[3]}**" if row[3] else ""
    cores = deid.get("cores", "?")
    return [
        f"De-identification (`benchmarks/results_deid.md`): {n} CT files read, de-identified "
        "with the Basic Profile (PS3.15 Annex E) and written, against a plain copy of the "
        f"same files and the Python de-identifiers dicognito and deid ({cores} cores; the "
        "goal is 0.7× the copy on one thread).",
        "",
        *table(head, [row]),
        "",
    ]


def codec_table(codecs: dict) -> list[str]:
    res, frames = codecs["results"], codecs.get("frames", {})
    revs = baselines(codecs.get("versions", {}))
    head = ["codec", "fastest peer", "rs_dicom, 1 thread", "ratio", "rs_dicom, 2 cores"]
    head += ["frame by frame, 1 thread"] + [f"frame by frame, {r} 1 thread" for r in revs]
    rows, single = [], []
    for codec, per in res.items():
        rs1 = per.get(RS1)
        if not rs1:
            continue
        peers = [
            m
            for m, r in per.items()
            if not m.startswith("rs_dicom") and r["multi"]["cpu"] <= 1.2 * r["multi"]["wall"]
        ]
        n = frames.get(codec, 1)

        def fps(r: dict, case: str = "multi", n: int = n) -> str:
            return f"{n / r[case]['wall']:,.0f}"

        row = [CODEC_NAMES.get(codec, codec)]
        if peers:
            best = min(peers, key=lambda m: per[m]["multi"]["wall"])
            row += [f"{fps(per[best])} ({peer_name(best, codec)})", f"**{fps(rs1)}**"]
            row += [f"{per[best]['multi']['wall'] / rs1['multi']['wall']:.2f}×"]
            bs = min(peers, key=lambda m: per[m]["single"]["wall"])
            single.append(per[bs]["single"]["wall"] / rs1["single"]["wall"])
        else:
            row += ["", f"**{fps(rs1)}**", ""]
        row += [fps(per[RSN]) if RSN in per else ""]
        for name in [RS1] + [f"{r} 1 thread" for r in revs]:
            r = per.get(name, {})
            row.append(fps(r, "frames") if "frames" in r else "")
        rows.append(row)
    out = [
        "Compressed pixel data (`benchmarks/results_codecs.md`): frames/s decoding a "
        "multi-frame file, rs_dicom on one thread (`RAYON_NUM_THREADS=1`) against the fastest "
        "single-threaded peer (pydicom with pylibjpeg / pyjpegls / GDCM plugins, GDCM, "
        "dicomsdl), on both cores, and frame by frame (`ds.pixel_data.frame(i)` for every "
        "frame, each array dropped before the next: a fresh buffer per frame).",
        "",
        *table(head, rows),
        "",
    ]
    if single:
        out += [
            f"Single-frame latency (open + `pixel_array`, one thread) is {min(single):.2f}–"
            f"{max(single):.2f}× the fastest peer's.",
            "",
        ]
    return out + j2k_notes(res) + scaling(res, frames) + [WHERE_FROM, ""]


def j2k_notes(res: dict) -> list[str]:
    j, jl = res.get("j2k", {}), res.get("j2k-lossy", {})
    if RS1 not in j or RS1 not in jl:
        return []

    def best_peer(per: dict) -> tuple[str, float]:
        peers = [m for m in per if not m.startswith("rs_dicom")]
        m = min(peers, key=lambda m: per[m]["single"]["wall"])
        return m, per[m]["single"]["wall"]

    pj, pjt = best_peer(j)
    pl, plt = best_peer(jl)
    a, b = j[RS1]["single"]["wall"], jl[RS1]["single"]["wall"]
    out = [
        "JPEG 2000 is decoded by rs_dicom's own decoder, bit-identical to OpenJPEG, which "
        f"every peer uses: {ms(a)} for the single lossless frame against {peer_name(pj, 'j2k')}'s "
        f"{ms(pjt)} ({pjt / a:.2f}×) and {ms(b)} against {ms(plt)} lossy ({plt / b:.2f}×)"
    ]
    oj = "rs_dicom OpenJPEG, 1 thread"
    if oj in j and oj in jl:
        out[0] += (
            "; with OpenJPEG inside rs_dicom (`RS_DICOM_J2K_DECODER=openjpeg`) the same files "
            f"run at {32 / j[oj]['multi']['wall']:,.0f} and {32 / jl[oj]['multi']['wall']:,.0f} "
            "frames/s"
        )
    if RSN in j and RSN in jl:
        out[0] += (
            f". With both cores a single frame decodes its code-blocks in parallel: "
            f"{ms(j[RSN]['single']['wall'])} (lossless) and {ms(jl[RSN]['single']['wall'])} "
            "(lossy)"
        )
    return [out[0] + ". " + J2K_HOW, ""]


def scaling(res: dict, frames: dict) -> list[str]:
    xs = {
        c: per[RS1]["multi"]["wall"] / per[RSN]["multi"]["wall"]
        for c, per in res.items()
        if RS1 in per and RSN in per
    }
    if not xs:
        return []
    lo, hi = min(xs, key=xs.__getitem__), max(xs, key=xs.__getitem__)
    return [
        f"Scaling on both cores, whole multi-frame arrays: {xs[lo]:.2f}× ({lo}) to "
        f"{xs[hi]:.2f}× ({hi}).",
        "",
    ]


ENCODE_NAMES = {
    "rle": "RLE, 16-bit grey",
    "rle-rgb": "RLE, RGB",
    "jpeg-baseline": "JPEG baseline q90, grey",
    "jpeg-baseline-rgb": "JPEG baseline q90, RGB → YBR_FULL_422",
    "jpeg-lossless": "JPEG lossless SV1",
    "jpegls": "JPEG-LS lossless",
    "jpegls-near": "JPEG-LS near-lossless (NEAR 2)",
    "j2k": "JPEG 2000 lossless",
    "j2k-lossy": "JPEG 2000 lossy, ratio 10",
    "htj2k": "HTJ2K lossless",
}


def encode_table(encode: dict) -> list[str]:
    """Encode frames/s per codec: the fastest peer against rs_dicom, and the sizes."""
    res, checks = encode["results"], encode.get("checks", {})
    refs, frames = encode.get("references", {}), encode.get("frames", {})
    head = ["codec", "fastest peer", "rs_dicom, 1 thread", "ratio", "rs_dicom, all cores"]
    head += ["size vs reference encoder", "rs_dicom PSNR"]
    rows = []
    for e in res:
        # the report's method specs are not in the JSON: every non-rs_dicom method is a peer
        s = encode_summary(e, res, checks, refs, frames.get(e, 1), {})
        rs1 = f"**{s['rs1_fps']:,.0f}**" if "rs1_fps" in s else "n/a"
        size = s.get("size_vs_reference")
        rows.append(
            [ENCODE_NAMES.get(e, e)]
            + [f"{s['peer_fps']:,.0f} ({s['peer']})" if "peer" in s else "", rs1]
            + [f"{s['speedup']:.2f}×" if "speedup" in s else ""]
            + [f"{s['rsn_fps']:,.0f}" if "rsn_fps" in s else ""]
            + [f"{size:.3f}× {s['reference']}" if size else "", fmt_psnr(s.get("psnr"))]
        )
    return [
        "Encoding (`benchmarks/results_encode.md`): frames/s reading a 32-frame file and "
        "compressing it, rs_dicom `ds.compress(uid)` on one thread (`RAYON_NUM_THREADS=1`) "
        "against the fastest single-threaded peer (pydicom 3 `Dataset.compress` with its "
        "plugins, python-gdcm in-process, `gdcmconv` and DCMTK `dcmcrle`/`dcmcjpeg`/`dcmcjpls` "
        "on the whole file, start-up and writing included), and on all cores. Sizes are the "
        "frames' codestreams against the reference encoder at the same settings (DCMTK, "
        "CharLS via pyjpegls, OpenJPEG `opj_compress`, OpenJPH `ojph_compress`); every "
        f"lossless output decodes to the source pixels in pydicom. Goals: {SPEED_GOAL}× the "
        f"fastest peer on one thread, sizes within {SIZE_TOLERANCE:.0%}.",
        "",
        *table(head, rows),
        "",
    ]


def before_after(
    read: dict | None, pixels: dict | None, codecs: dict | None, write: dict | None = None
) -> list[str]:
    """One row per case: the current build against each baseline, speed-up = before / now."""
    rows: list[list[str]] = []

    def add(what: str, per: dict, rev: str, key: str, now: str = RSN, old: str | None = None):
        a, b = per.get(now) or {}, per.get(old or rev) or {}
        if a.get("runs") and b.get("runs"):
            x = b[key] / a[key]
            rows.append([what, rev, t(b[key]), t(a[key]), f"{x:.2f}×", speedup_verdict(x)])

    for rev in baselines((read or pixels or codecs or write or {}).get("versions", {})):
        for case, per in (read or {}).get("results", {}).items():
            add(case, per, rev, "seconds")
        for case, per in (write or {}).get("results", {}).items():
            add(f"write: {case}", per, rev, "seconds")
        for case, per in (pixels or {}).get("results", {}).items():
            add(f"pixels: {case}", per, rev, "total")
            if "rs_dicom mmap=True" in per:
                add(f"pixels: {case}, now `mmap=True`", per, rev, "total", "rs_dicom mmap=True")
        for codec, per in (codecs or {}).get("results", {}).items():
            for case in ("multi", "single", "frames"):
                a, b = per.get(RS1, {}).get(case), per.get(f"{rev} 1 thread", {}).get(case)
                if a and b:
                    x = b["wall"] / a["wall"]
                    rows.append(
                        [f"{codec} {case}, 1 thread", rev, t(b["wall"]), t(a["wall"])]
                        + [f"{x:.2f}×", speedup_verdict(x)]
                    )
    if not rows:
        return []
    head = ["case", "baseline", "before", "now", "speed-up", "verdict"]
    return [
        "Before and after, in the same run (rs_dicom built from the earlier revision by "
        "`benchmarks/baseline.sh`):",
        "",
        *table(head, rows, left=2),
        "",
    ]


def compose(
    read: dict | None,
    pixels: dict | None,
    codecs: dict | None,
    write: dict | None = None,
    encode: dict | None = None,
    deid: dict | None = None,
) -> str:
    first = read or pixels or codecs or write or encode or deid
    if first is None:
        raise SystemExit("no results to compose the README block from")
    out = intro(first) + (main_table(read, pixels) if read or pixels else [])
    if write:
        out += write_table(write)
    if deid:
        out += deid_table(deid)
    if codecs:
        out += codec_table(codecs)
    if encode:
        out += encode_table(encode)
    out += before_after(read, pixels, codecs, write)
    return "\n".join(out).strip() + "\n"
