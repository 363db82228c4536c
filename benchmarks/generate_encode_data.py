#!/usr/bin/env python3
"""Generate the uncompressed source files of ``bench_encode.py``.

Writes into ``benchmarks/data/encode/`` (gitignored), for each base image set of
``generate_codec_data.py`` (the same frames, from the same seed), a multi-frame file
``<base>_multi.dcm`` (default 32 frames) and a single-frame file ``<base>_single.dcm`` (the
middle frame: the workers' untimed warm-up), both Explicit VR Little Endian, plus
``manifest.json`` with their shapes and pixel sums:

* ``gray12`` -- CT-like 512x512 frames, BitsAllocated 16, BitsStored 12, unsigned.
* ``gray8``  -- the same frames in a soft-tissue window, 8-bit (JPEG baseline takes 8 bits).
* ``rgb8``   -- ultrasound-like 640x480 RGB.

Deterministic: the same arguments give byte-identical files.  Requires ``pydicom>=3`` and
``numpy``; takes a few seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from generate_codec_data import gray8_frames, gray12_frames, header, native_file, rgb8_frames
from synthetic import SeriesUIDs

DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "encode"
MANIFEST_VERSION = 1
BASES = ("gray12", "gray8", "rgb8")
WHAT = {
    "gray12": "CT-like 512×512, 16 bits allocated, 12 stored, unsigned",
    "gray8": "the same frames, soft-tissue window, 8-bit",
    "rgb8": "ultrasound-like 640×480 RGB, 8-bit",
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    p.add_argument("--frames", type=int, default=32, help="frames in the multi-frame files (32)")
    p.add_argument("--seed", type=int, default=20240315, help="RNG / UID seed")
    p.add_argument("--force", action="store_true", help="regenerate even if files exist")
    args = p.parse_args(argv)

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / "manifest.json"
    params = {"version": MANIFEST_VERSION, "seed": args.seed, "frames": args.frames}
    old = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    files = [out / f"{b}_{k}.dcm" for b in BASES for k in ("multi", "single")]
    if not args.force and old.get("params") == params and all(f.exists() for f in files):
        print(f"encode data: up to date in {out}")
        return 0

    uids = SeriesUIDs(args.seed)
    g12 = gray12_frames(args.seed, args.frames)
    rgb = rgb8_frames(args.seed, args.frames)
    pixels = {"gray12": g12, "gray8": gray8_frames(g12), "rgb8": rgb}
    mid = args.frames // 2
    manifest: dict = {"params": params, "bases": {}}
    for base in BASES:
        arr = pixels[base]
        native_file(out / f"{base}_multi.dcm", header(uids, base, "source", args.frames, True), arr)
        native_file(out / f"{base}_single.dcm", header(uids, base, "source", 1, False), arr[mid])
        manifest["bases"][base] = {
            "what": WHAT[base],
            "shape": list(arr.shape),
            "dtype": str(arr.dtype),
            "frames": args.frames,
            "bits_stored": 12 if base == "gray12" else 8,
            "pixel_bytes": arr.nbytes,
            "source_sum_multi": int(arr.sum(dtype=np.int64)),
            "source_sum_single": int(arr[mid].sum(dtype=np.int64)),
        }
        print(f"{base}: {args.frames} frames {arr.shape[1:]} {arr.dtype}")
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"done -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
