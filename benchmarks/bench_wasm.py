#!/usr/bin/env python3
"""The core in WebAssembly (the JavaScript package in Node) against the native build of the
same core (the Python package), in one run:

* ``header`` -- parse a CT header 2,000 times from bytes in memory, stopping before the pixel
  data, and read PatientName, InstanceNumber and ImagePositionPatient.
* ``decode-*`` -- decode every frame of RLE and JPEG 2000 files, with the same decoders on
  both sides (rs_dicom's RLE and its own JPEG 2000 decoder, the native default): small
  corpus files (where the per-call cost shows) and a 512x512 CT frame (CT_small tiled 4x4)
  compressed here by rs_dicom.

Times are CPU time of the timed loop (the machine is shared: wall time says more about the
other jobs than about us), the median of ``--repeat`` runs, Node and Python interleaved. Each
Node run is a fresh process (benchmarks/wasm_worker.mjs). The Python side includes the
binding's per-call overhead, so the ratio is a bound on the wasm cost, not below it.
Also reports the wasm module's size (raw and gzip). Output: markdown on stdout and in
``benchmarks/results_wasm.md``. Needs `node` and js/pkg (``bash scripts/build_js.sh``).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import rs_dicom  # noqa: E402
from harness.report import machine_info, now  # noqa: E402

WASM = ROOT / "js" / "pkg" / "rs_dicom_bg.wasm"
PARSER_WASM = ROOT / "js" / "pkg-parser" / "rs_dicom_bg.wasm"
WORKER = HERE / "wasm_worker.mjs"
HEADERS = 2000


def corpus(name: str) -> Path:
    from pydicom.data import get_testdata_file

    p = get_testdata_file(name)
    if p is None:
        raise SystemExit(f"missing test file {name} (pip install pydicom-data)")
    return Path(p)


SCRATCH = Path(tempfile.mkdtemp(prefix="bench_wasm_"))


def ct512(ts: str) -> Path:
    """CT_small's frame tiled to 512x512, compressed to `ts` by rs_dicom."""
    out = SCRATCH / f"ct512_{ts}.dcm"
    if not out.exists():
        ds = rs_dicom.dcmread(corpus("CT_small.dcm"))
        arr = np.tile(ds.pixel_array, (4, 4))
        ds.Rows, ds.Columns = arr.shape
        ds.compress(ts, arr)
        ds.save_as(out)
    return out


CASES: dict[str, tuple[str, Callable[[], Path], int]] = {
    "header": ("header", lambda: corpus("CT_small.dcm"), HEADERS),
    # Enough frames for tens of milliseconds per run: 20 rounds of the small file (50 of the
    # 512x512 one) timed one to ten, where a single garbage collection shows.
    "decode-rle-small": ("decode", lambda: corpus("emri_small_RLE.dcm"), 200),
    "decode-rle-512": ("decode", lambda: ct512("1.2.840.10008.1.2.5"), 300),
    "decode-j2k-512": ("decode", lambda: ct512("1.2.840.10008.1.2.4.90"), 10),
    "decode-j2k-rgb": ("decode", lambda: corpus("US1_J2KR.dcm"), 5),
}


def run_node(node: str, kind: str, path: Path, n: int) -> tuple[float, int]:
    out = subprocess.run(
        [node, str(WORKER), kind, str(path), str(n)],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    r = json.loads(out.stdout)
    return r["cpu"], r["count"]


def run_python(kind: str, path: Path, n: int) -> tuple[float, int]:
    data = path.read_bytes()
    if kind == "header":

        def work(k: int) -> int:
            for _ in range(k):
                ds = rs_dicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
                ds.get("PatientName")
                ds.get("InstanceNumber")
                ds.get("ImagePositionPatient")
            return k
    else:
        ds = rs_dicom.dcmread(io.BytesIO(data))
        px = ds.pixel_data
        frames = px.frames

        def work(k: int) -> int:
            for _ in range(k):
                for i in range(frames):
                    px.frame(i)
            return k * frames

    work(max(1, n // 5))  # no JIT to wait for (the Node worker warms up for a second)
    t0 = time.process_time()
    done = work(n)
    return time.process_time() - t0, done


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--output", type=Path, default=HERE / "results_wasm.md")
    p.add_argument(
        "--parser-wasm",
        type=Path,
        default=PARSER_WASM,
        help="the parser-only module (no frames, no rendering: `bash scripts/build_js.sh "
        "--parser`) whose size to report (default: %(default)s, when built)",
    )
    p.add_argument(
        "--case",
        action="append",
        choices=list(CASES),
        help="run only this case (repeatable; default: all). The results file is written "
        "either way: keep a partial run out of it with --output",
    )
    args = p.parse_args()
    node = shutil.which("node")
    if node is None or not WASM.exists():
        raise SystemExit("needs node and js/pkg (bash scripts/build_js.sh)")
    node_version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    rows = []
    for name, (kind, where, n) in CASES.items():
        if args.case and name not in args.case:
            continue
        path = where()
        js_t, py_t = [], []
        count = 0
        for _ in range(args.repeat):
            t, count = run_node(node, kind, path, n)
            js_t.append(t / count)
            t, count = run_python(kind, path, n)
            py_t.append(t / count)
        js, py = statistics.median(js_t), statistics.median(py_t)
        unit = "header" if kind == "header" else "frame"
        rows.append(
            f"| {name} | {path.name} | {count} {unit}s | {js * 1e6:,.1f} µs | {py * 1e6:,.1f} µs "
            f"| {js / py:.2f}× |"
        )
        print(rows[-1], file=sys.stderr)
    raw = WASM.read_bytes()
    lines = [
        "# The core in WebAssembly vs native",
        "",
        f"Run {now()} by `python benchmarks/bench_wasm.py --repeat {args.repeat}`.",
        "CPU time per header or frame, median of the runs (Node and Python interleaved); "
        "ratio = wasm / native (1.0 = as fast as native; goals: header parse ≤ 1.5×, "
        "decoding ≤ 2×).",
        "",
        *machine_info({"rs_dicom": rs_dicom.__version__, "node": node_version.strip()}),
        "",
        "| case | file | per run | wasm (Node) | native (Python package) | ratio |",
        "| --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        f"wasm module (js/pkg/rs_dicom_bg.wasm): {len(raw):,} bytes, "
        f"{len(gzip.compress(raw, 9)):,} bytes gzipped.",
        "",
    ]
    if args.parser_wasm.exists():
        alone = args.parser_wasm.read_bytes()
        lines[-1:-1] = [
            f"The parser alone (`scripts/build_js.sh --parser`: values, JSON; no decoders, no "
            f"display): {len(alone):,} bytes, {len(gzip.compress(alone, 9)):,} bytes gzipped "
            "(goal: under 1 MB raw, checked by scripts/wasm.sh).",
            "",
        ]
    lines += [
        "Notes: the native column is the Python package, so it includes the binding's "
        "per-call cost (about 1-2 µs); the wasm column includes the JS glue (strings in and "
        "out, a copy of the file into wasm memory on parse and of each frame out of it). "
        "Small frames (64x64) are dominated by those fixed costs; the 512x512 rows show the "
        "decoders. Node runs the module after a warm-up of at least a second (its optimising "
        "compiler tiers hot functions up on background threads; a shorter warm-up on the "
        "loaded machine timed baseline code and the compile jobs).",
        "",
    ]
    shutil.rmtree(SCRATCH, ignore_errors=True)
    md = "\n".join(lines)
    print(md)
    args.output.write_text(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
