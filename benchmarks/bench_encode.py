#!/usr/bin/env python3
"""Encoding: rs_dicom ``Dataset.compress`` vs pydicom 3 (+ its plugins), GDCM and DCMTK.

For every encode case (a codec and a source image set from ``generate_encode_data.py``:
32-frame CT-like 12-in-16-bit, 8-bit grey and RGB files, Explicit VR Little Endian) each
method reads the multi-frame file and compresses it (see benchmarks/README.md):

* in-process libraries (pydicom ``Dataset.compress`` with an ``encoding_plugin``, python-gdcm
  ``ImageChangeTransferSyntax``, rs_dicom ``Dataset.compress``): read + compress, nothing
  written;
* command-line tools (DCMTK ``dcmcrle``/``dcmcjpeg``/``dcmcjpls``, ``gdcmconv``): one run
  on the multi-frame file (process start-up amortised over its frames), read + compress +
  write.

rs_dicom runs with ``RAYON_NUM_THREADS=1`` and on every core.  Before timing, one check run
per method and case writes its output; the parent reads it with pydicom and reports the
compressed size (the frames' codestreams), its ratio to the reference encoder's
(libjpeg via DCMTK for JPEG, CharLS via pyjpegls for JPEG-LS, OpenJPEG's ``opj_compress``
for JPEG 2000, OpenJPH's ``ojph_compress`` for HTJ2K, DCMTK for RLE), and decodes it with
pydicom's plugins (pylibjpeg, pyjpegls): lossless output must equal the source pixels,
near-lossless be within NEAR, lossy output reports its PSNR.  Timed runs are fresh
subprocesses (the harness), interleaved across methods and cases; each compresses the
single-frame file once untimed, then repeats the case in-process for up to
``--inner-budget`` seconds and reports the median; tables show the median over
``--repeat`` processes.

Output: a markdown report on stdout and in ``benchmarks/results_encode.md``.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from encode_check import analyze, reference_sizes
from encode_report import render
from encode_worker import ENCODES, work
from harness import cli
from harness.report import lib_versions, machine_info, now
from harness.runner import WORKER_ENV, Job, Method, Runner, WorkerError, log_checks, outcomes
from harness.runner import with_baselines as expand

HERE = Path(__file__).resolve().parent
DEFAULT_RESULTS = HERE / "results_encode.md"
LIBS = ("pydicom", "gdcm", "dcmtk", "rs_dicom")


@dataclass(frozen=True)
class EncodeMethod(Method):
    plugin: str | None = None  # pydicom encoding plugin
    tool: str | None = None  # command-line tool family (dcmtk, gdcmconv)
    peer: bool = True  # counts as a peer for the targets


def _m(lib: str, note: str, **kw: Any) -> EncodeMethod:
    return EncodeMethod(lib, {"*": note}, **kw)


_PYDICOM = "`ds = pydicom.dcmread(f)`, `ds.compress(uid, encoding_plugin={!r}, ...)`"
METHODS: dict[str, Method] = {
    "pydicom (own RLE)": _m(
        "pydicom", _PYDICOM.format("pydicom") + " (pure numpy)", plugin="pydicom"
    ),
    "pydicom+pylibjpeg": _m(
        "pydicom",
        _PYDICOM.format("pylibjpeg") + " (pylibjpeg-rle, pylibjpeg-openjpeg)",
        plugin="pylibjpeg",
    ),
    "pydicom+pyjpegls": _m("pydicom", _PYDICOM.format("pyjpegls") + " (CharLS)", plugin="pyjpegls"),
    "pydicom+gdcm": _m("pydicom", _PYDICOM.format("gdcm") + " (python-gdcm)", plugin="gdcm"),
    "GDCM": _m(
        "gdcm",
        "python-gdcm in-process: `gdcm.ImageReader` → `gdcm.ImageChangeTransferSyntax` with the "
        "codec (`JPEGCodec`, `JPEGLSCodec`, `JPEG2000Codec`, `RLECodec`) set up as the other "
        "methods → `Change()`",
    ),
    "gdcmconv": _m(
        "gdcm",
        "`gdcmconv --rle|--jpeg|--jpegls|--j2k [...] in out` (the GDCM command-line tool, "
        "one process for the multi-frame file; includes start-up and writing)",
        tool="gdcmconv",
    ),
    "DCMTK": _m(
        "dcmtk",
        "`dcmcrle`, `dcmcjpeg +eb|+e1`, `dcmcjpls +el|+en` `in out` (one process for the "
        "multi-frame file; includes start-up and writing)",
        tool="dcmtk",
    ),
    "rs_dicom 1 thread": _m(
        "rs_dicom",
        "`ds = rs_dicom.dcmread(f)`, `ds.compress(uid, ...)` with `RAYON_NUM_THREADS=1`",
        env={"RAYON_NUM_THREADS": "1"},
        peer=False,
    ),
    "rs_dicom": _m(
        "rs_dicom",
        "the same, all cores (`RAYON_NUM_THREADS` unset: frames encoded in parallel)",
        peer=False,
    ),
}
ORDER = tuple(ENCODES)


def request(runner: Runner, method: str, encode: str, mode: str, args) -> dict[str, Any]:
    m = runner.methods[method]
    return {
        "encode": encode,
        "mode": mode,
        "plugin": getattr(m, "plugin", None),
        "tool": getattr(m, "tool", None),
        "data": str(args.data),
        "inner_budget": args.inner_budget,
        "inner_max": args.inner_max,
    }


def check(runner: Runner, encode: str, meta: dict, methods: list[str], args) -> dict[str, dict]:
    """One run per method that writes its output; the parent analyses each file."""
    enc = ENCODES[encode]
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="rsdicom-encode-check-") as tmp:
        for m in methods:
            try:
                r = runner.call(m, request(runner, m, encode, f"check:{tmp}", args))
            except WorkerError as exc:
                r = {"error": str(exc).split(": ", 1)[-1]}
            if "file" in r:
                try:
                    r |= analyze(Path(r["file"]), enc, args.data, meta)
                except Exception as exc:  # a file pydicom cannot read is this method's failure
                    r |= {"ok": False, "notes": [f"unreadable output: {exc}"]}
            out[m] = r
    return out


def main(argv: list[str] | None = None) -> int:
    served = cli.worker_entry(argv, work)
    if served is not None:
        return served
    p = cli.parser(__doc__, LIBS, DEFAULT_RESULTS, repeat=5)
    p.add_argument(
        "--codecs", default=",".join(ORDER), help=f"comma-separated subset of {','.join(ORDER)}"
    )
    p.add_argument(
        "--inner-budget",
        type=float,
        default=1.0,
        help="repeat each case in-process for up to this many seconds (default 1.0)",
    )
    p.add_argument("--inner-max", type=int, default=10, help="at most this many in-process runs")
    p.add_argument(
        "--rs-dicom-python",
        default=None,
        help="interpreter of the rs_dicom methods (default: this one), e.g. another "
        "worktree's venv with a build that has Dataset.compress",
    )
    p.add_argument(
        "--quick", action="store_true", help="smoke test: 2 repeats, 0.1 s in-process budget"
    )
    args = p.parse_args(argv)
    if args.quick:
        args.repeat = min(args.repeat, 2)
        args.inner_budget = min(args.inner_budget, 0.1)
    manifest_path = args.data / "encode" / "manifest.json"
    if not manifest_path.exists():
        p.error(f"no data in {args.data / 'encode'}; run benchmarks/generate_encode_data.py")
    manifest = json.loads(manifest_path.read_text())
    encodes = cli.split(p, args.codecs, ORDER, "codec")
    libs = cli.libraries(p, args, LIBS)

    methods = expand(METHODS, libs)
    if args.rs_dicom_python:
        for name, m in methods.items():
            if m.lib == "rs_dicom":
                methods[name] = dataclasses.replace(m, python=args.rs_dicom_python)
    runner = Runner(__file__, methods, WORKER_ENV)
    versions, skipped = runner.detect(lambda m: request(runner, m, "-", "probe", args))
    if not runner.methods:
        print("no library available", file=sys.stderr)
        return 1
    info = machine_info(lib_versions(runner.methods, versions))
    started = now()

    refs: dict[str, dict] = {}
    checks: dict[str, dict[str, dict]] = {}
    for encode in encodes:
        enc = ENCODES[encode]
        meta = manifest["bases"][enc.base]
        print(f"== check {encode}", file=sys.stderr)
        refs[encode] = reference_sizes(enc, args.data, meta)
        checks[encode] = check(runner, encode, meta, list(runner.methods), args)
        log_checks(checks[encode], 24)

    jobs = [
        Job(encode, m, request(runner, m, encode, "time", args))
        for encode in encodes
        for m, r in checks[encode].items()
        if "file" in r
    ]

    def log(j: Job, r: dict) -> str:
        w, c = r["multi"]["wall"], r["multi"]["cpu"]
        return f"{j.group:18s} {j.method:24s} {w * 1e3:9.1f} ms (cpu {c * 1e3:9.1f})"

    out = runner.measure(jobs, args.repeat, 0, log)
    results, errors = outcomes(out, encodes)
    frames = {e: manifest["bases"][ENCODES[e].base]["frames"] for e in encodes}
    md = render(
        args, manifest, encodes, runner.methods, results, checks, refs, errors, versions, skipped
    )
    md = "\n".join([f"# rs_dicom encode benchmarks ({started})", "", *info, md])
    cli.write(
        md,
        args,
        started=started,
        machine=info,
        versions=versions,
        skipped=skipped,
        checks=checks,
        references=refs,
        results=results,
        frames=frames,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
