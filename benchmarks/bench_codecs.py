#!/usr/bin/env python3
"""Compressed pixel-data decoding: rs_dicom vs pydicom 3 (+ its plugins), GDCM and dicomsdl.

For every codec in ``benchmarks/data/codecs/`` (made by ``generate_codec_data.py``) three
cases (see benchmarks/README.md):

* ``multi``  -- the whole ``pixel_array`` of the multi-frame file (default 32 frames, one
  fragment per frame, BOT): frames/s.
* ``single`` -- the ``pixel_array`` of the single-frame file (the same codestream as the
  middle frame): latency.
* ``frames`` -- frame by frame: every frame of the multi-frame file decoded on its own
  (``ds.pixel_data.frame(i)`` for each i, each array dropped before the next): frames/s.
  This is where the allocator matters (a fresh buffer per frame).

Each time includes opening the file.  rs_dicom runs twice: with ``RAYON_NUM_THREADS=1``
(one thread) and with the variable unset (rayon uses every core), which gives its scaling;
on JPEG 2000 it also runs one-threaded with ``RS_DICOM_J2K_DECODER=openjpeg`` (OpenJPEG, the
decoder every peer uses, in place of rs_dicom's own JPEG 2000 decoder, the default).
``--baseline REV`` adds each rs_dicom method as built from git revision REV.

Before timing, one run per method and codec decodes the files and saves the arrays, and
the parent checks them: lossless codecs must give exactly the uncompressed source pixels
(sums recorded by the generator, and the same array for every method), lossy ones are
compared with pydicom + pylibjpeg (max absolute difference) and with the source; the
frames decoded one by one must add up to the same sum as the whole array.  That run also
warms the page cache.  Timed runs are fresh subprocesses (``codecs_worker.py`` via the
harness), interleaved across methods and codecs; each decodes the single-frame file once
untimed (imports, codec set-up), then repeats each case in-process for up to
``--inner-budget`` seconds and reports the median; the tables show the median over
``--repeat`` processes, wall and CPU time (CPU is user+sys of every thread of the worker).

Output: a markdown report on stdout and in ``benchmarks/results_codecs.md``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codecs_report import PEER_REFERENCE, render
from codecs_worker import work
from harness import cli
from harness.report import lib_versions, machine_info, now
from harness.runner import WORKER_ENV, Job, Method, Runner, WorkerError, log_checks, outcomes
from harness.runner import with_baselines as expand

HERE = Path(__file__).resolve().parent
DEFAULT_RESULTS = HERE / "results_codecs.md"
LIBS = ("pydicom", "gdcm", "dicomsdl", "rs_dicom")
COMPARED = ("multi", "single")  # the cases whose arrays the check compares


@dataclass(frozen=True)
class CodecMethod(Method):
    plugin: str | None = None  # pydicom decoding plugin
    peer: bool = True  # counts as a peer for the targets


def _m(lib: str, note: str, **kw: Any) -> CodecMethod:
    return CodecMethod(lib, {"*": note}, **kw)


METHODS: dict[str, Method] = {
    "pydicom+pylibjpeg": _m(
        "pydicom",
        "`ds = pydicom.dcmread(f)`, `ds.pixel_array_options(decoding_plugin='pylibjpeg')`, "
        "`ds.pixel_array` (pylibjpeg-libjpeg, -openjpeg, -rle); frame by frame: "
        "`pydicom.pixels.iter_pixels(f, decoding_plugin='pylibjpeg')`",
        plugin="pylibjpeg",
    ),
    "pydicom+pyjpegls": _m(
        "pydicom",
        "the same with `decoding_plugin='pyjpegls'` (CharLS)",
        plugin="pyjpegls",
        only=("jpegls",),
    ),
    "pydicom (own RLE)": _m(
        "pydicom",
        "the same with `decoding_plugin='pydicom'` (pydicom's own RLE decoder)",
        plugin="pydicom",
        only=("rle", "rle-rgb"),
    ),
    "pydicom+gdcm": _m(
        "pydicom", "the same with `decoding_plugin='gdcm'` (python-gdcm)", plugin="gdcm"
    ),
    "gdcm": _m(
        "gdcm",
        "`r = gdcm.ImageReader()`, `r.SetFileName(f)`, `r.Read()`, "
        "`r.GetImage().GetBuffer()` → `np.frombuffer` (GDCM directly; its YCbCr output for "
        "YBR_FULL_422 JPEG is converted with `pydicom.pixels.convert_color_space`, timed); "
        "no frame-by-frame call",
    ),
    "dicomsdl": _m(
        "dicomsdl",
        "`ds = dicomsdl.open_file(f)`; `out[i] = ds.pixelData(i, storedvalue=True)` for every "
        "frame into a preallocated array; frame by frame: `ds.pixelData(i, storedvalue=True)`",
    ),
    "rs_dicom 1 thread": _m(
        "rs_dicom",
        "`rs_dicom.dcmread(f).pixel_array` with `RAYON_NUM_THREADS=1`; frame by frame: "
        "`pd = rs_dicom.dcmread(f).pixel_data`, `pd.frame(i)` for every i",
        env={"RAYON_NUM_THREADS": "1"},
        peer=False,
    ),
    "rs_dicom": _m(
        "rs_dicom",
        "`rs_dicom.dcmread(f).pixel_array`, all cores (`RAYON_NUM_THREADS` unset); frame by "
        "frame as above (each frame on one thread, or its code-blocks in parallel for "
        "JPEG 2000)",
        peer=False,
    ),
    "rs_dicom OpenJPEG, 1 thread": _m(
        "rs_dicom",
        "`rs_dicom.dcmread(f).pixel_array` with `RS_DICOM_J2K_DECODER=openjpeg` (OpenJPEG "
        "instead of rs_dicom's own JPEG 2000 decoder) and `RAYON_NUM_THREADS=1`",
        only=("j2k", "j2k-lossy"),
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


def request(runner: Runner, method: str, codec: str, mode: str, args) -> dict[str, Any]:
    m = runner.methods[method]
    return {
        "codec": codec,
        "mode": mode,
        "plugin": getattr(m, "plugin", None),
        "data": str(args.data),
        "inner_budget": args.inner_budget,
        "inner_max": args.inner_max,
    }


def check(runner: Runner, codec: str, meta: dict, methods: list[str], args) -> dict[str, dict]:
    """Decode the files once per method (also warms the page cache); compare the arrays."""
    import numpy as np

    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="rsdicom-codec-check-") as tmp:
        for m in methods:
            try:
                out[m] = runner.call(m, request(runner, m, codec, f"check:{tmp}", args))
            except WorkerError as exc:
                out[m] = {"error": str(exc).split(": ", 1)[-1]}
        ref = {}
        if PEER_REFERENCE in out and "error" not in out[PEER_REFERENCE]:
            for case in COMPARED:
                p = Path(tmp) / f"{PEER_REFERENCE}__{case}.npy"
                if p.exists():
                    ref[case] = np.load(p).astype(np.int64)
        for m, r in out.items():
            if "multi" in r:
                compare(r, meta, ref, lambda case, m=m: np.load(Path(tmp) / f"{m}__{case}.npy"))
    return out


def compare(r: dict, meta: dict, ref: dict, load) -> None:
    """Set r["ok"] and r["notes"]: shapes, lossless sums, lossy max differences, frames."""
    import numpy as np

    notes = []
    for case in COMPARED:
        want_shape = meta["shape"] if case == "multi" else meta["shape"][1:]
        want_sum, got = meta[f"source_sum_{case}"], r[case]
        if got["shape"] != want_shape:
            notes.append(f"{case}: shape {tuple(got['shape'])} ≠ {tuple(want_shape)}")
        elif meta["lossless"] and got["sum"] != want_sum:
            notes.append(f"{case}: sum {got['sum']:,} ≠ source {want_sum:,}")
        elif not meta["lossless"]:
            arr = load(case).astype(np.int64)
            if case in ref and ref[case].shape == arr.shape:
                r[f"maxdiff_{case}"] = int(np.abs(arr - ref[case]).max())
    frames = r.get("frames")
    if frames and (frames["count"], frames["sum"]) != (meta["frames"], r["multi"]["sum"]):
        notes.append(
            f"frame by frame: {frames['count']} frames, sum {frames['sum']:,} ≠ the whole "
            f"array's {r['multi']['sum']:,}"
        )
    r["ok"], r["notes"] = not notes, notes


def main(argv: list[str] | None = None) -> int:
    served = cli.worker_entry(argv, work)
    if served is not None:
        return served
    p = cli.parser(__doc__, LIBS, DEFAULT_RESULTS, repeat=5)
    p.add_argument("--codecs", default=None, help="comma-separated subset (default: all made)")
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
    args = p.parse_args(argv)
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
    codecs = cli.split(p, args.codecs or ",".join(all_codecs), all_codecs, "codec")
    libs = cli.libraries(p, args, LIBS)

    runner = Runner(__file__, expand(METHODS, libs), WORKER_ENV)
    methods = runner.methods
    versions, skipped = runner.detect(lambda m: request(runner, m, "-", "probe", args))
    if not methods:
        print("no library available", file=sys.stderr)
        return 1
    info = machine_info(lib_versions(methods, versions))
    started = now()

    checks: dict[str, dict[str, dict]] = {}
    for codec in codecs:
        print(f"== check {codec}", file=sys.stderr)
        ms_ = [m for m, spec in methods.items() if spec.applies(codec)]
        checks[codec] = check(runner, codec, manifest["codecs"][codec], ms_, args)
        log_checks(checks[codec])

    jobs = [
        Job(codec, m, request(runner, m, codec, "time", args))
        for codec in codecs
        for m, r in checks[codec].items()
        if "multi" in r
    ]

    def log(j: Job, r: dict) -> str:
        fr = r.get("frames")
        return (
            f"{j.group:18s} {j.method:32s} multi {r['multi']['wall'] * 1e3:8.2f} ms "
            f"(cpu {r['multi']['cpu'] * 1e3:8.2f}) single {r['single']['wall'] * 1e3:7.2f} ms"
            + (f" frames {fr['wall'] * 1e3:8.2f} ms" if fr else "")
        )

    out = runner.measure(jobs, args.repeat, 0, log)
    results, errors = outcomes(out, codecs)

    md = render(args, manifest, codecs, methods, results, checks, errors, versions, skipped)
    md = "\n".join([f"# rs_dicom codec benchmarks ({started})", "", *info, md])
    frames = {c: manifest["codecs"][c]["frames"] for c in codecs}
    cli.write(
        md,
        args,
        started=started,
        machine=info,
        versions=versions,
        skipped=skipped,
        checks=checks,
        results=results,
        frames=frames,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
