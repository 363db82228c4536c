#!/usr/bin/env python3
"""Compressed pixel-data decoding: rs_dicom vs pydicom 3 (+ its plugins), GDCM and dicomsdl.

For every codec in ``benchmarks/data/codecs/`` (made by ``generate_codec_data.py``) two
cases (see benchmarks/README.md):

* ``multi``  -- the whole ``pixel_array`` of the multi-frame file (default 32 frames, one
  fragment per frame, BOT): frames/s.
* ``single`` -- the ``pixel_array`` of the single-frame file (the same codestream as the
  middle frame): latency.

Each time includes opening the file.  rs_dicom runs twice: with ``RAYON_NUM_THREADS=1``
(one thread) and with the variable unset (rayon uses every core), which gives its scaling;
on JPEG 2000 it also runs one-threaded with ``RS_DICOM_J2K_DECODER=openjpeg`` (OpenJPEG, the
decoder every peer uses, in place of rs_dicom's own JPEG 2000 decoder, the default).

Before timing, one run per method and codec decodes both files and saves the arrays, and
the parent checks them: lossless codecs must give exactly the uncompressed source pixels
(sums recorded by the generator, and the same array for every method), lossy ones are
compared with pydicom + pylibjpeg (max absolute difference) and with the source.  That run
also warms the page cache.  Timed runs are fresh subprocesses (``--worker``), interleaved
across methods; each decodes the single-frame file once untimed (imports, codec set-up),
then repeats each case in-process for up to ``--inner-budget`` seconds and reports the
median; the tables show the median over ``--repeat`` processes, wall and CPU time (CPU is
user+sys of every thread of the worker).

A library or codec that is not available is marked so (rs_dicom raises
``rs_dicom.UnsupportedCodecError`` for a codec it cannot decode yet).

Output: a markdown report on stdout and in ``benchmarks/results_codecs.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from _common import DEFAULT_DATA, HERE, detect, machine_info, probe, run_worker

DEFAULT_RESULTS = HERE / "results_codecs.md"
LIBS = ("pydicom", "gdcm", "dicomsdl", "rs_dicom")
CASES = ("multi", "single")

# numpy's OpenBLAS would start a thread per core; nothing here uses BLAS (see bench_pixels)
WORKER_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}

# targets
SCALING_OF_LINEAR = 0.80  # "near-linear": all-cores speed-up >= 80 % of the core count
MULTI_THREADED_CPU = 1.2  # a method whose CPU time exceeds its wall time by this used threads


@dataclass(frozen=True)
class Method:
    lib: str
    note: str
    plugin: str | None = None  # pydicom decoding plugin
    codecs: tuple[str, ...] | None = None  # only these codecs (None: all)
    env: dict[str, str] = field(default_factory=dict)
    peer: bool = True  # counts as a peer for the targets


METHODS: dict[str, Method] = {
    "pydicom+pylibjpeg": Method(
        "pydicom",
        "`ds = pydicom.dcmread(f)`, `ds.pixel_array_options(decoding_plugin='pylibjpeg')`, "
        "`ds.pixel_array` (pylibjpeg-libjpeg, -openjpeg, -rle)",
        plugin="pylibjpeg",
    ),
    "pydicom+pyjpegls": Method(
        "pydicom",
        "the same with `decoding_plugin='pyjpegls'` (CharLS)",
        plugin="pyjpegls",
        codecs=("jpegls",),
    ),
    "pydicom (own RLE)": Method(
        "pydicom",
        "the same with `decoding_plugin='pydicom'` (pydicom's own RLE decoder)",
        plugin="pydicom",
        codecs=("rle", "rle-rgb"),
    ),
    "pydicom+gdcm": Method(
        "pydicom", "the same with `decoding_plugin='gdcm'` (python-gdcm)", plugin="gdcm"
    ),
    "gdcm": Method(
        "gdcm",
        "`r = gdcm.ImageReader()`, `r.SetFileName(f)`, `r.Read()`, "
        "`r.GetImage().GetBuffer()` → `np.frombuffer` (GDCM directly; its YCbCr output for "
        "YBR_FULL_422 JPEG is converted with `pydicom.pixels.convert_color_space`, timed)",
    ),
    "dicomsdl": Method(
        "dicomsdl",
        "`ds = dicomsdl.open_file(f)`; `out[i] = ds.pixelData(i, storedvalue=True)` for every "
        "frame into a preallocated array",
    ),
    "rs_dicom 1 thread": Method(
        "rs_dicom",
        "`rs_dicom.dcmread(f).pixel_array` with `RAYON_NUM_THREADS=1`",
        env={"RAYON_NUM_THREADS": "1"},
        peer=False,
    ),
    "rs_dicom": Method(
        "rs_dicom",
        "`rs_dicom.dcmread(f).pixel_array`, all cores (`RAYON_NUM_THREADS` unset)",
        peer=False,
    ),
    "rs_dicom OpenJPEG, 1 thread": Method(
        "rs_dicom",
        "`rs_dicom.dcmread(f).pixel_array` with `RS_DICOM_J2K_DECODER=openjpeg` (OpenJPEG "
        "instead of rs_dicom's own JPEG 2000 decoder) and `RAYON_NUM_THREADS=1`",
        codecs=("j2k", "j2k-lossy"),
        env={"RAYON_NUM_THREADS": "1", "RS_DICOM_J2K_DECODER": "openjpeg"},
        peer=False,
    ),
}
CODEC_ORDER = (  # report order (generate_codec_data.CODECS); others follow alphabetically
    "rle",
    "rle-rgb",
    "jpeg-baseline",
    "jpeg-baseline-rgb",
    "jpeg-extended",
    "jpeg-lossless",
    "jpegls",
    "j2k",
    "j2k-lossy",
    "htj2k",
)
PEER_REFERENCE = "pydicom+pylibjpeg"  # lossy codecs are compared with this method's array


def applies(method: str, codec: str) -> bool:
    c = METHODS[method].codecs
    return c is None or codec in c


# --------------------------------------------------------------------------- worker


def getter(method: str) -> Callable:
    """get(path) -> ndarray for a method (imports its library)."""
    import numpy as np

    spec = METHODS[method]
    if spec.lib == "pydicom":
        import pydicom

        dcmread, plugin = pydicom.dcmread, spec.plugin

        def get_pydicom(f: str):
            ds = dcmread(f)
            ds.pixel_array_options(decoding_plugin=plugin)
            return ds.pixel_array

        return get_pydicom
    if spec.lib == "gdcm":
        import gdcm
        from pydicom.pixels import convert_color_space

        dtypes = {
            gdcm.PixelFormat.UINT8: np.uint8,
            gdcm.PixelFormat.INT8: np.int8,
            gdcm.PixelFormat.UINT16: np.uint16,
            gdcm.PixelFormat.INT16: np.int16,
            gdcm.PixelFormat.UINT32: np.uint32,
            gdcm.PixelFormat.INT32: np.int32,
        }

        def get_gdcm(f: str):
            r = gdcm.ImageReader()
            r.SetFileName(f)
            if not r.Read():
                raise RuntimeError("gdcm.ImageReader could not read the file")
            img = r.GetImage()
            pf = img.GetPixelFormat()
            dims = [img.GetDimension(i) for i in range(img.GetNumberOfDimensions())]
            shape = (dims[2],) if len(dims) > 2 and dims[2] > 1 else ()
            shape += (dims[1], dims[0])
            if pf.GetSamplesPerPixel() > 1:
                shape += (pf.GetSamplesPerPixel(),)
            # python-gdcm returns the buffer as a str (bytes decoded with surrogateescape)
            buf = img.GetBuffer().encode("utf-8", "surrogateescape")
            arr = np.frombuffer(buf, dtypes[pf.GetScalarType()]).reshape(shape)
            pi = img.GetPhotometricInterpretation().GetString().strip()
            if pi.startswith("YBR_FULL"):
                # GDCM hands back lossy-JPEG colour as YCbCr (upsampled): convert like pydicom
                arr = convert_color_space(arr, "YBR_FULL", "RGB")
            return arr

        return get_gdcm
    if spec.lib == "dicomsdl":
        import dicomsdl

        def get_dicomsdl(f: str):
            ds = dicomsdl.open_file(f)
            info = ds.getPixelDataInfo()
            n = int(info["NumberOfFrames"] or 1)
            if n == 1:
                return ds.pixelData(storedvalue=True)
            first = ds.pixelData(0, storedvalue=True)
            out = np.empty((n, *first.shape), dtype=first.dtype)
            out[0] = first
            for k in range(1, n):
                out[k] = ds.pixelData(k, storedvalue=True)
            return out

        return get_dicomsdl
    if spec.lib == "rs_dicom":
        import rs_dicom

        dcmread = rs_dicom.dcmread
        return lambda f: dcmread(f).pixel_array
    raise SystemExit(f"unknown method {method!r}")


def probe_method(method: str) -> dict:
    info = probe(METHODS[method].lib)
    if METHODS[method].lib == "gdcm":
        import gdcm

        info["version"] = gdcm.Version.GetVersion()
    if METHODS[method].lib == "rs_dicom":
        import rs_dicom

        if not hasattr(rs_dicom.Dataset, "pixel_array"):
            raise ImportError("this rs_dicom has no Dataset.pixel_array")
    if METHODS[method].plugin:
        from pydicom.pixels import get_decoder
        from pydicom.uid import JPEG2000Lossless, JPEGLSLossless, RLELossless

        plugin = METHODS[method].plugin
        if not any(
            plugin in get_decoder(ts).available_plugins
            for ts in (RLELossless, JPEG2000Lossless, JPEGLSLossless)
        ):
            raise ImportError(f"pydicom plugin {plugin!r} not available")
    return info


def is_unsupported(exc: BaseException) -> bool:
    return type(exc).__name__ == "UnsupportedCodecError"


def files(data: Path, codec: str) -> dict[str, str]:
    return {c: str(data / "codecs" / f"{codec}_{c}.dcm") for c in CASES}


def worker(method: str, codec: str, mode: str, args) -> dict:
    import numpy as np

    paths = files(args.data, codec)
    plugin = METHODS[method].plugin
    if plugin:
        import pydicom
        from pydicom.pixels import get_decoder

        ts = pydicom.dcmread(paths["single"], stop_before_pixels=True).file_meta
        if plugin not in get_decoder(ts.TransferSyntaxUID).available_plugins:
            return {"not_applicable": f"pydicom has no {plugin!r} plugin for this syntax"}
    get = getter(method)
    try:
        get(paths["single"])  # untimed: lazy imports, codec set-up
    except Exception as exc:
        if is_unsupported(exc):
            return {"unsupported": f"{type(exc).__name__}: {exc}"}
        raise

    if mode.startswith("check:"):
        out_dir = Path(mode[len("check:") :])
        res = {}
        for case, f in paths.items():
            arr = np.asarray(get(f))
            np.save(out_dir / f"{method}__{case}.npy", arr)
            res[case] = {
                "shape": list(arr.shape),
                "dtype": str(arr.dtype),
                "sum": int(arr.sum(dtype=np.int64)),
            }
        if METHODS[method].lib == "pydicom":
            import pydicom

            ts = pydicom.dcmread(paths["single"], stop_before_pixels=True).file_meta
            from pydicom.pixels import get_decoder

            dec = get_decoder(ts.TransferSyntaxUID)
            res["default_plugins"] = list(getattr(dec, "_available", dec.available_plugins))
        return res

    res = {}
    for case in CASES:
        f = paths[case]
        walls, cpus = [], []
        t_start = time.perf_counter()
        while True:
            c0, t0 = time.process_time(), time.perf_counter()
            arr = get(f)
            t1, c1 = time.perf_counter(), time.process_time()
            walls.append(t1 - t0)
            cpus.append(c1 - c0)
            del arr
            if len(walls) >= args.inner_max or time.perf_counter() - t_start >= args.inner_budget:
                break
        res[case] = {
            "wall": statistics.median(walls),
            "cpu": statistics.median(cpus),
            "first": walls[0],
            "n": len(walls),
        }
    return res


# --------------------------------------------------------------------------- parent


def run(method: str, codec: str, mode: str, args) -> dict:
    argv = ["--data", str(args.data), "--inner-budget", str(args.inner_budget)]
    argv += ["--inner-max", str(args.inner_max), "--worker", method, codec, mode]
    return run_worker(
        __file__, f"{method} {codec}", argv, env={**WORKER_ENV, **METHODS[method].env}
    )


def check(codec: str, meta: dict, methods: list[str], args) -> dict[str, dict]:
    """Decode both files once per method (also warms the page cache); compare the arrays."""
    import numpy as np

    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="rsdicom-codec-check-") as tmp:
        for m in methods:
            try:
                r = run(m, codec, f"check:{tmp}", args)
            except RuntimeError as exc:
                out[m] = {"error": str(exc).split(": ", 1)[-1]}
                continue
            if "unsupported" in r or "not_applicable" in r:
                out[m] = r
                continue
            out[m] = r
        ref = {}
        if PEER_REFERENCE in out and "error" not in out[PEER_REFERENCE]:
            for case in CASES:
                p = Path(tmp) / f"{PEER_REFERENCE}__{case}.npy"
                if p.exists():
                    ref[case] = np.load(p).astype(np.int64)
        src_shape = meta["shape"]
        for m, r in out.items():
            if "multi" not in r:
                continue
            notes = []
            ok = True
            for case in CASES:
                want_shape = src_shape if case == "multi" else src_shape[1:]
                want_sum = meta[f"source_sum_{case}"]
                got = r[case]
                if got["shape"] != want_shape:
                    ok = False
                    notes.append(f"{case}: shape {tuple(got['shape'])} ≠ {tuple(want_shape)}")
                    continue
                if meta["lossless"]:
                    if got["sum"] != want_sum:
                        ok = False
                        notes.append(f"{case}: sum {got['sum']:,} ≠ source {want_sum:,}")
                else:
                    arr = np.load(Path(tmp) / f"{m}__{case}.npy").astype(np.int64)
                    if case in ref and ref[case].shape == arr.shape:
                        r[f"maxdiff_{case}"] = int(np.abs(arr - ref[case]).max())
            r["ok"] = ok
            r["notes"] = notes
    return out


def summarize(rs: list[dict]) -> dict:
    out = {}
    for case in CASES:
        vals = [r[case] for r in rs]
        out[case] = {
            k: statistics.median(v[k] for v in vals) for k in ("wall", "cpu", "first", "n")
        }
        out[case]["min"] = min(v["wall"] for v in vals)
        out[case]["max"] = max(v["wall"] for v in vals)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data directory")
    p.add_argument(
        "--libs", default=",".join(LIBS), help=f"comma-separated subset of {','.join(LIBS)}"
    )
    p.add_argument("--codecs", default=None, help="comma-separated subset (default: all made)")
    p.add_argument("--repeat", type=int, default=5, help="timed processes per method (median)")
    p.add_argument(
        "--inner-budget",
        type=float,
        default=0.3,
        help="repeat each case in-process for up to this many seconds (default 0.3)",
    )
    p.add_argument("--inner-max", type=int, default=20, help="at most this many in-process runs")
    p.add_argument(
        "--quick", action="store_true", help="smoke test: 2 repeats, 0.1 s in-process budget"
    )
    p.add_argument(
        "--output", type=Path, default=DEFAULT_RESULTS, help="markdown file to write ('-' to skip)"
    )
    p.add_argument("--json", type=Path, default=None, help="also write raw timings as JSON")
    p.add_argument("--worker", nargs=3, metavar=("METHOD", "CODEC", "MODE"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.worker:
        method, codec, mode = args.worker
        res = probe_method(method) if mode == "probe" else worker(method, codec, mode, args)
        print(json.dumps(res))
        return 0

    if args.quick:
        args.repeat = min(args.repeat, 2)
        args.inner_budget = min(args.inner_budget, 0.1)
    manifest_path = args.data / "codecs" / "manifest.json"
    if not manifest_path.exists():
        p.error(f"no codec data in {args.data / 'codecs'}; run benchmarks/generate_codec_data.py")
    manifest = json.loads(manifest_path.read_text())
    all_codecs = sorted(
        manifest["codecs"],
        key=lambda c: (CODEC_ORDER.index(c) if c in CODEC_ORDER else len(CODEC_ORDER), c),
    )
    codecs = [c.strip() for c in (args.codecs or ",".join(all_codecs)).split(",") if c.strip()]
    for c in codecs:
        if c not in manifest["codecs"]:
            p.error(f"unknown codec {c!r} (made: {', '.join(all_codecs)})")
    libs = [x.strip() for x in args.libs.split(",") if x.strip()]
    for x in libs:
        if x not in LIBS:
            p.error(f"unknown library {x!r}")

    methods = [m for m, s in METHODS.items() if s.lib in libs]
    versions, skipped = detect(
        methods,
        lambda m: run_worker(__file__, "probe", ["--worker", m, "-", "probe"], env=WORKER_ENV),
    )
    available = [m for m in methods if m in versions]
    if not available:
        print("no library available", file=sys.stderr)
        return 1
    info = machine_info({METHODS[m].lib: v for m, v in versions.items()})
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")

    checks: dict[str, dict[str, dict]] = {}
    for codec in codecs:
        ms_ = [m for m in available if applies(m, codec)]
        print(f"== check {codec}", file=sys.stderr)
        checks[codec] = check(codec, manifest["codecs"][codec], ms_, args)
        for m, r in list(checks[codec].items()):
            if "not_applicable" in r:
                del checks[codec][m]
        for m, r in checks[codec].items():
            state = (
                "not available"
                if "unsupported" in r
                else f"failed: {r['error']}"
                if "error" in r
                else ("ok" if r["ok"] else "MISMATCH " + "; ".join(r["notes"]))
            )
            print(f"  {m:20s} {state}", file=sys.stderr)

    runs: dict[str, dict[str, list[dict]]] = {
        c: {m: [] for m, r in checks[c].items() if "multi" in r} for c in codecs
    }
    errors: dict[str, dict[str, str]] = {c: {} for c in codecs}
    for rep in range(args.repeat):
        for codec in codecs:
            for m in list(runs[codec]):
                try:
                    res = run(m, codec, "time", args)
                except RuntimeError as exc:
                    errors[codec][m] = str(exc)
                    del runs[codec][m]
                    continue
                runs[codec][m].append(res)
                print(
                    f"  run {rep + 1}/{args.repeat} {codec:18s} {m:20s} "
                    f"multi {ms(res['multi']['wall']):>8s} ms (cpu {ms(res['multi']['cpu']):>8s}) "
                    f"single {ms(res['single']['wall']):>7s} ms",
                    file=sys.stderr,
                )
    results = {c: {m: summarize(rs) for m, rs in runs[c].items() if rs} for c in codecs}

    md = render(args, manifest, codecs, available, results, checks, errors, versions, skipped)
    md = "\n".join([f"# rs_dicom codec benchmarks ({started})", "", *info, md])
    print(md)
    if str(args.output) != "-":
        args.output.write_text(md)
        print(f"(written to {args.output})", file=sys.stderr)
    if args.json:
        args.json.write_text(
            json.dumps(
                {"started": started, "versions": versions, "checks": checks, "runs": runs},
                indent=2,
            )
        )
    return 0


# --------------------------------------------------------------------------- report


def fps(frames: int, t: float | None) -> str:
    return f"{frames / t:,.0f}" if t else ""


def ms(t: float) -> str:
    return f"{t * 1e3:,.1f}" if t >= 0.01 else f"{t * 1e3:.2f}"


def x(v: float | None) -> str:
    return f"{v:.2f}×" if v else ""


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def cell(codec, m, checks, results, errors, fn) -> str:
    """fn(summary) for a finished method; otherwise why it has no number."""
    if not applies(m, codec):
        return "—"
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
        "across methods, after one untimed check run each (decodes both files, warms the "
        "page cache). In each process the single-frame file is decoded once untimed, then "
        f"each case is repeated in-process for up to {args.inner_budget} s (at most "
        f"{args.inner_max} times) and the median taken; the tables show the median over the "
        "processes. Every time includes opening the file. CPU = user+sys of all threads.",
        "- Command: `python benchmarks/bench_codecs.py " + " ".join(sys.argv[1:]) + "`",
    ]
    if args.quick:
        out.append("- **Quick run** (`--quick`): a smoke test, not a result")
    for m, why in skipped.items():
        out.append(f"- {m}: skipped ({why})")
    out += ["", "## Data", ""]
    out += [
        "| codec | transfer syntax | what | multi-frame file | compressed | ratio |",
        "|---|---|---|---|---:|---:|",
    ]
    for c in codecs:
        m = manifest["codecs"][c]
        shape = "×".join(str(x) for x in m["shape"])
        out.append(
            f"| {c} | {m['ts']} | {m['what']} | {shape} {m['dtype']} "
            f"| {m['compressed_bytes'] / 2**20:.1f} MiB "
            f"| {m['pixel_bytes'] / m['compressed_bytes']:.1f}:1 |"
        )
    out.append("")
    frames = {c: manifest["codecs"][c]["frames"] for c in codecs}

    head = "| codec | " + " | ".join(methods) + " |"
    sep = "|---|" + "---:|" * len(methods)
    out += [
        "## Multi-frame file: whole `pixel_array`, frames/s (wall; higher is better)",
        "",
        "n/a = not available (rs_dicom: `UnsupportedCodecError`); — = not applicable; "
        "⚠ = decoded pixels wrong (see Checks).",
        "",
        head,
        sep,
    ]
    for c in codecs:
        row = [
            cell(c, m, checks, results, errors, lambda s, c=c: fps(frames[c], s["multi"]["wall"]))
            for m in methods
        ]
        out.append(f"| {c} | " + " | ".join(row) + " |")
    out += ["", "### The same, frames per CPU-second (user+sys of all threads)", "", head, sep]
    for c in codecs:
        row = [
            cell(c, m, checks, results, errors, lambda s, c=c: fps(frames[c], s["multi"]["cpu"]))
            for m in methods
        ]
        out.append(f"| {c} | " + " | ".join(row) + " |")
    out += ["", "## Single-frame file: `pixel_array`, ms (wall; lower is better)", "", head, sep]
    for c in codecs:
        row = [
            cell(c, m, checks, results, errors, lambda s: ms(s["single"]["wall"])) for m in methods
        ]
        out.append(f"| {c} | " + " | ".join(row) + " |")
    out += ["", "### The same, CPU ms", "", head, sep]
    for c in codecs:
        row = [
            cell(c, m, checks, results, errors, lambda s: ms(s["single"]["cpu"])) for m in methods
        ]
        out.append(f"| {c} | " + " | ".join(row) + " |")

    out += ["", "## Checks", ""]
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
        out.append(f"- **{m}** ({versions.get(m, '?')}): {METHODS[m].note}")
    for c in codecs:
        for m, e in errors[c].items():
            out.append(f"- {c} / {m} failed while timing: {e}")
    out.append("")
    out += targets(codecs, frames, methods, results, checks, n_cores)
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
    peers = [m for m in methods if METHODS[m].peer]

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
        xm, xs = (_vs(res, pm1, r1, case, "wall") for case in CASES)
        xmc, xsc = (_vs(res, pm, r1, case, "cpu") for case in CASES)
        ok1 = xm >= 1 and xs >= 1 and ok_check
        ok1c = xmc >= 1 and xsc >= 1 and ok_check
        bm, bs = (_best(res, pm1, case, "wall") for case in CASES)
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


if __name__ == "__main__":
    sys.exit(main())
