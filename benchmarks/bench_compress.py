#!/usr/bin/env python3
"""Encoding speed: rs_dicom's ``Dataset.compress`` against pydicom 3's (with its encoder
plugins: its own RLE, pylibjpeg-rle, pylibjpeg-openjpeg, pyjpegls), DCMTK (dcmcrle,
dcmcjpls, dcmcjpeg) and GDCM (gdcmconv), on 512x512 16-bit CT-like frames (12 bits stored:
a smooth body, noise, air around it).

Cases: ``single`` -- read + compress of a one-frame file (frames/s, one thread: rs_dicom
runs with ``RAYON_NUM_THREADS=1``); ``multi`` -- read + compress of a 32-frame file, rs_dicom
with one thread and with every core (its scaling). Command-line tools convert the 32-frame
file (their start-up is shared by 32 frames). Each case is repeated for about two seconds
in a fresh subprocess and the median is reported, with the compressed size of one frame.
Every output is checked, before timing, to decode (with the same library) to the source
pixels (all the codecs here are lossless).

    python benchmarks/bench_compress.py          # markdown on stdout and results_compress.md
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FRAMES = 32

# (label, rs_dicom short name, pydicom UID name, pydicom plugin, DCMTK tool + args, gdcm args)
CODECS = [
    ("RLE", "rle", "RLELossless", ["pydicom", "pylibjpeg"], ["dcmcrle"], ["--rle"]),
    ("HTJ2K lossless", "htj2k-lossless", None, [], None, None),
    ("HTJ2K lossless RPCL", "htj2k-lossless-rpcl", None, [], None, None),
    ("JPEG-LS lossless", "jpeg-ls", "JPEGLSLossless", ["pyjpegls"], ["dcmcjpls"], ["--jpegls"]),
    (
        "JPEG 2000 lossless",
        "j2k-lossless",
        "JPEG2000Lossless",
        ["pylibjpeg"],
        None,
        ["--j2k"],
    ),
    ("JPEG lossless SV1", "jpeg-lossless", None, [], ["dcmcjpeg"], ["--jpeg"]),
]


def make_files(root: Path) -> tuple[Path, Path]:
    """A 1-frame and a FRAMES-frame CT-like file (pydicom writes them)."""
    import numpy as np

    sys.path.insert(0, str(HERE.parent / "tests"))
    from helpers import write_uncompressed

    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:512, 0:512]
    r = np.hypot(x - 256, y - 256)
    frames = []
    for k in range(FRAMES):
        body = np.where(r < 200 + 5 * np.sin(k), 1000 + 40 * np.cos(x / 30 + k) + y / 8, 24)
        frames.append(np.clip(body + rng.normal(0, 12, body.shape), 0, 4095))
    data = np.asarray(frames).astype(np.uint16)
    one = write_uncompressed(root / "one.dcm", data[0], spp=1, bits=12)
    multi = write_uncompressed(root / "multi.dcm", data, spp=1, bits=12, frames=FRAMES)
    return one, multi


WORKER = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
lib, path, syntax, plugin, budget = sys.argv[1:6]
budget = float(budget)
if lib == "rs_dicom":
    import rs_dicom
    def once():
        ds = rs_dicom.dcmread(path)
        ds.compress(syntax)
        return ds
    def size(ds):
        return len(bytes(ds.pixel_data.frame_bytes(0)))
else:
    import pydicom
    from pydicom import uid
    def once():
        ds = pydicom.dcmread(path)
        ds.compress(getattr(uid, syntax), encoding_plugin=plugin)
        return ds
    def size(ds):
        from pydicom.encaps import generate_frames
        return len(next(generate_frames(ds.PixelData, number_of_frames=1)))
ds = once()
# Lossless: what was written decodes to the source pixels.
source = (rs_dicom if lib == "rs_dicom" else pydicom).dcmread(path).pixel_array
assert (ds.pixel_array == source).all(), "not lossless"
times = []
start = time.perf_counter()
while time.perf_counter() - start < budget or len(times) < 3:
    t = time.perf_counter(); once(); times.append(time.perf_counter() - t)
print(json.dumps({"seconds": sorted(times)[len(times) // 2], "size": size(ds)}))
"""


def run_python(lib: str, path: Path, syntax: str, plugin: str, threads: int | None) -> dict:
    env = dict(os.environ)
    if threads is not None:
        env["RAYON_NUM_THREADS"] = str(threads)
    proc = subprocess.run(
        [sys.executable, "-c", WORKER, lib, str(path), syntax, plugin, "2"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1][:80]}
    return json.loads(proc.stdout)


def run_tool(args: list[str], src: Path, dst: Path) -> dict:
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < 2 or len(times) < 3:
        t = time.perf_counter()
        proc = subprocess.run([*args, str(src), str(dst)], capture_output=True, check=False)
        times.append(time.perf_counter() - t)
        if proc.returncode != 0:
            return {"error": proc.stderr.decode(errors="replace").strip()[:80]}
    return {"seconds": statistics.median(times), "bytes": dst.stat().st_size}


def main() -> int:
    import rs_dicom

    available = set(rs_dicom._core.encoders())
    lines = [
        "# Encoding: frames/s (512x512, 16-bit, 12 bits stored, read + compress)",
        "",
        f"Machine: {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}. rs_dicom 1T = "
        "RAYON_NUM_THREADS=1. Size: one compressed frame (tools: file size / frames).",
        "",
        "| codec | method | single frames/s | 32 frames: frames/s | bytes/frame |",
        "|---|---|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        one, multi = make_files(Path(tmp))
        for label, short, pyname, plugins, dcmtk, gdcm in CODECS:
            uid = rs_dicom._core.transfer_syntax_for_name(short)
            if uid in available:
                for threads, name in ((1, "rs_dicom 1T"), (None, "rs_dicom all cores")):
                    s = run_python("rs_dicom", one, short, "", threads)
                    m = run_python("rs_dicom", multi, short, "", threads)
                    lines.append(_row(label, name, s, m))
            for plugin in plugins:
                s = run_python("pydicom", one, pyname or "", plugin, None)
                m = run_python("pydicom", multi, pyname or "", plugin, None)
                lines.append(_row(label, f"pydicom + {plugin}", s, m))
            out = Path(tmp) / "out.dcm"
            if dcmtk and shutil.which(dcmtk[0]):
                r = run_tool(dcmtk, multi, out)
                lines.append(_tool_row(label, f"DCMTK {dcmtk[0]}", r))
            if gdcm and shutil.which("gdcmconv"):
                r = run_tool(["gdcmconv", *gdcm], multi, out)
                lines.append(_tool_row(label, "GDCM gdcmconv", r))
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / "results_compress.md").write_text(text)
    return 0


def _fps(r: dict, frames: int) -> str:
    return r["error"] if "error" in r else f"{frames / r['seconds']:.0f}"


def _row(label: str, name: str, s: dict, m: dict) -> str:
    size = s.get("size", "")
    return f"| {label} | {name} | {_fps(s, 1)} | {_fps(m, FRAMES)} | {size} |"


def _tool_row(label: str, name: str, r: dict) -> str:
    size = r["bytes"] // FRAMES if "bytes" in r else ""
    return f"| {label} | {name} | | {_fps(r, FRAMES)} | {size} |"


if __name__ == "__main__":
    raise SystemExit(main())
