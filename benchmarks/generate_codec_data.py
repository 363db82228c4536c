#!/usr/bin/env python3
"""Generate deterministic compressed DICOM files for ``bench_codecs.py``.

Writes into ``benchmarks/data/codecs/`` (gitignored), for every codec, a multi-frame file
``<codec>_multi.dcm`` (default 32 frames, one fragment per frame, Basic Offset Table) and a
single-frame file ``<codec>_single.dcm`` (the middle frame's codestream), plus
``manifest.json`` with the sums of the uncompressed source pixels (for the lossless check).

Base images (synthetic, seeded):

* ``gray12`` -- CT-like 512x512 frames (body, lungs, spine, noise), BitsAllocated 16,
  BitsStored 12, unsigned (stored value = HU + 1024, 0 outside the scan field of view).
* ``gray8``  -- the same frames, soft-tissue window, 8-bit.
* ``rgb8``   -- ultrasound-like 640x480 RGB: a speckled grey fan with colour-Doppler blobs
  and yellow annotation bars on black.

The compression is done by real tools: DCMTK (``dcmcrle``, ``dcmcjpeg``, ``dcmcjpls``),
GDCM (``gdcmconv``) and OpenJPH (``ojph_compress``, whose codestreams are wrapped with
``pydicom.encaps.encapsulate``).  Install them with
``apt-get install -y dcmtk libgdcm-tools openjph-tools``.  The tools' codestreams are then
re-wrapped (one fragment per frame, with a BOT) into a header written here, so the same
arguments and tool versions give byte-identical files.

Requires ``pydicom>=3`` and ``numpy``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate, generate_frames
from pydicom.uid import UID, ExplicitVRLittleEndian
from synthetic import (
    PIXEL_SPACING,
    STUDY_DATE,
    Phantom,
    SeriesUIDs,
    add_equipment,
    add_patient_study,
    file_meta,
    save,
    uid,
)

DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "codecs"
MANIFEST_VERSION = 3  # 3: every file written in one write() (synthetic.save)

SC_STORAGE = "1.2.840.10008.5.1.4.1.1.7"
MF_WORD_SC_STORAGE = "1.2.840.10008.5.1.4.1.1.7.3"
MF_BYTE_SC_STORAGE = "1.2.840.10008.5.1.4.1.1.7.2"
US_STORAGE = "1.2.840.10008.5.1.4.1.1.6.1"
US_MF_STORAGE = "1.2.840.10008.5.1.4.1.1.3.1"

RLE = "1.2.840.10008.1.2.5"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
JPEG_EXTENDED = "1.2.840.10008.1.2.4.51"
JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70"
JPEGLS_LOSSLESS = "1.2.840.10008.1.2.4.80"
J2K_LOSSLESS = "1.2.840.10008.1.2.4.90"
J2K = "1.2.840.10008.1.2.4.91"
HTJ2K_LOSSLESS = "1.2.840.10008.1.2.4.201"


@dataclass(frozen=True)
class Codec:
    base: str  # gray12 / gray8 / rgb8
    ts: str
    tool: tuple[str, ...]  # command before "in out" ("ojph" = per-frame OpenJPH)
    lossless: bool
    what: str


CODECS: dict[str, Codec] = {
    "rle": Codec("gray12", RLE, ("dcmcrle",), True, "RLE Lossless, 16-bit (12 stored)"),
    "rle-rgb": Codec("rgb8", RLE, ("dcmcrle",), True, "RLE Lossless, 8-bit RGB"),
    "jpeg-baseline": Codec(
        "gray8", JPEG_BASELINE, ("dcmcjpeg", "+eb"), False, "JPEG baseline, 8-bit grey, q 90"
    ),
    "jpeg-baseline-rgb": Codec(
        "rgb8",
        JPEG_BASELINE,
        ("dcmcjpeg", "+eb"),
        False,
        "JPEG baseline, 8-bit YBR_FULL_422, q 90",
    ),
    "jpeg-extended": Codec(
        "gray12", JPEG_EXTENDED, ("dcmcjpeg", "+ee"), False, "JPEG extended, 12-bit, q 90"
    ),
    "jpeg-lossless": Codec(
        "gray12", JPEG_LOSSLESS_SV1, ("dcmcjpeg", "+e1"), True, "JPEG lossless SV1, 12-bit"
    ),
    "jpegls": Codec(
        "gray12", JPEGLS_LOSSLESS, ("dcmcjpls", "+el"), True, "JPEG-LS lossless, 12-bit"
    ),
    "j2k": Codec(
        "gray12", J2K_LOSSLESS, ("gdcmconv", "--j2k"), True, "JPEG 2000 lossless (5/3), 12-bit"
    ),
    "j2k-lossy": Codec(
        "gray12",
        J2K,
        ("gdcmconv", "--j2k", "--lossy", "--irreversible", "-r", "10"),
        False,
        "JPEG 2000 lossy (9/7, GDCM rate 10), 12-bit",
    ),
    "htj2k": Codec(
        "gray12", HTJ2K_LOSSLESS, ("ojph",), True, "HTJ2K lossless (OpenJPH, 5/3), 12-bit"
    ),
}

GRAY = (512, 512)
RGB = (480, 640)


# --------------------------------------------------------------------------- base images


def gray12_frames(seed: int, n: int) -> np.ndarray:
    phantom = Phantom(16)
    out = np.empty((n, *GRAY), dtype=np.uint16)
    for i in range(n):
        rng = np.random.default_rng([seed, 0x4A50, i])
        v = phantom.slice(i, n, rng).astype(np.int32)  # HU + 1024, -2000 outside the FOV
        out[i] = np.where(phantom.fov, np.clip(v, 0, 4095), 0).astype(np.uint16)
    return out


def gray8_frames(g12: np.ndarray) -> np.ndarray:
    # soft-tissue window (W 400, L 40) of stored = HU + 1024
    lo = 1024 + 40 - 200
    return (np.clip((g12.astype(np.float32) - lo) / 400.0, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def rgb8_frames(seed: int, n: int) -> np.ndarray:
    rows, cols = RGB
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float32)
    apex_x, apex_y = cols / 2, 40.0
    r = np.hypot(x - apex_x, y - apex_y)
    ang = np.arctan2(x - apex_x, y - apex_y)
    fan = (r > 30) & (r < 420) & (np.abs(ang) < 0.75)
    out = np.zeros((n, rows, cols, 3), dtype=np.uint8)
    for i in range(n):
        rng = np.random.default_rng([seed, 0x5553, i])
        t = i / max(n, 1)
        tissue = 70 + 50 * np.sin(r / 23.0 + 6.28 * t) * np.cos(ang * 7.0)
        vessel = np.hypot(x - apex_x - 40 * np.sin(6.28 * t), y - 260) < 45
        tissue[vessel] = 12
        speckle = rng.rayleigh(1.0, size=(rows, cols)).astype(np.float32)
        grey = np.clip(tissue * speckle * 0.8, 0, 255).astype(np.uint8)
        grey[~fan] = 0
        frame = np.repeat(grey[:, :, None], 3, axis=2)
        flow = vessel & fan & (rng.random((rows, cols)) < 0.9)
        up = flow & (y < 260)
        frame[up] = (200, 30, 20)
        frame[flow & ~up] = (20, 60, 210)
        frame[10:22, 20:200] = (230, 220, 40)  # annotation bar
        frame[rows - 30 : rows - 18, cols - 180 : cols - 20] = (230, 220, 40)
        out[i] = frame
    return out


# --------------------------------------------------------------------------- datasets


def header(uids: SeriesUIDs, base: str, codec: str, frames: int, multi: bool) -> Dataset:
    if base == "rgb8":
        sop_class = US_MF_STORAGE if multi else US_STORAGE
    elif base == "gray8":
        sop_class = MF_BYTE_SC_STORAGE if multi else SC_STORAGE
    else:
        sop_class = MF_WORD_SC_STORAGE if multi else SC_STORAGE
    sop = uid(uids.seed, "codec", codec, "multi" if multi else "single")
    ds = Dataset()
    ds.file_meta = file_meta(sop_class, sop)
    add_patient_study(ds, uids)
    ds.ImageType = ["DERIVED", "SECONDARY"]
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop
    ds.ContentDate = STUDY_DATE
    ds.ContentTime = "120000.000000"
    ds.Modality = "US" if base == "rgb8" else "OT"
    if base != "rgb8":
        ds.ConversionType = "WSD"
    add_equipment(ds)
    ds.SeriesDescription = f"Codec benchmark {codec} (synthetic)"
    ds.SeriesInstanceUID = uid(uids.seed, "codec-series", codec)
    ds.SeriesNumber = "950"
    ds.InstanceNumber = "1"
    rows, cols = RGB if base == "rgb8" else GRAY
    ds.SamplesPerPixel = 3 if base == "rgb8" else 1
    ds.PhotometricInterpretation = "RGB" if base == "rgb8" else "MONOCHROME2"
    if base == "rgb8":
        ds.PlanarConfiguration = 0
    if multi:
        ds.NumberOfFrames = str(frames)
        ds.FrameIncrementPointer = 0x00181063  # FrameTime
        ds.FrameTime = "33.3"
    ds.Rows = rows
    ds.Columns = cols
    if base != "rgb8":
        ds.PixelSpacing = [str(PIXEL_SPACING), str(PIXEL_SPACING)]
    bits = 12 if base == "gray12" else 8
    ds.BitsAllocated = 16 if bits > 8 else 8
    ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 0
    if base == "gray12":
        # identity rescale: DCMTK's lossy encoders would otherwise re-map the stored values
        ds.RescaleIntercept = "0"
        ds.RescaleSlope = "1"
        ds.WindowCenter = "1064"
        ds.WindowWidth = "400"
    return ds


def native_file(path: Path, ds: Dataset, pixels: np.ndarray) -> None:
    ds = ds.copy()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.PixelData = np.ascontiguousarray(pixels).tobytes()
    ds["PixelData"].VR = "OW" if pixels.dtype.itemsize == 2 else "OB"
    save(ds, path)


def encapsulated_file(path: Path, ds: Dataset, ts: str, frames: list[bytes], tool: Dataset):
    ds = ds.copy()
    ds.file_meta.TransferSyntaxUID = UID(ts)
    # attributes the encoder sets (colour space after compression, lossy flags)
    for kw in (
        "PhotometricInterpretation",
        "PlanarConfiguration",
        "LossyImageCompression",
        "LossyImageCompressionRatio",
        "LossyImageCompressionMethod",
        "RescaleIntercept",
        "RescaleSlope",
    ):
        if kw in tool:
            setattr(ds, kw, tool[kw].value)
    if UID(ts) in (RLE, J2K_LOSSLESS, JPEG_LOSSLESS_SV1, JPEGLS_LOSSLESS, HTJ2K_LOSSLESS):
        ds.LossyImageCompression = "00"
        for kw in ("LossyImageCompressionRatio", "LossyImageCompressionMethod"):
            if kw in ds:
                delattr(ds, kw)
    ds.PixelData = encapsulate(frames, has_bot=True)
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    save(ds, path)


def pgm(path: Path, frame: np.ndarray, maxval: int) -> None:
    rows, cols = frame.shape
    path.write_bytes(f"P5\n{cols} {rows}\n{maxval}\n".encode() + frame.astype(">u2").tobytes())


def compress(codec: str, spec: Codec, src: Path, pixels: np.ndarray, tmp: Path):
    """Run the tool on the native multi-frame file: (per-frame codestreams, tool's dataset)."""
    n = pixels.shape[0]
    if spec.tool == ("ojph",):
        frames = []
        for i in range(n):
            p, j = tmp / f"{codec}_{i}.pgm", tmp / f"{codec}_{i}.j2c"
            pgm(p, pixels[i], 4095)
            subprocess.run(
                ["ojph_compress", "-i", str(p), "-o", str(j), "-reversible", "true"],
                check=True,
                capture_output=True,
            )
            frames.append(j.read_bytes())
        return frames, pydicom.dcmread(src, stop_before_pixels=True)
    out = tmp / f"{codec}.dcm"
    cmd = [*spec.tool, str(src), str(out)]
    subprocess.run(cmd, check=True, capture_output=True)
    ds = pydicom.dcmread(out)
    if ds.file_meta.TransferSyntaxUID != spec.ts:
        raise SystemExit(f"{codec}: {cmd[0]} wrote {ds.file_meta.TransferSyntaxUID}, not {spec.ts}")
    frames = list(generate_frames(ds.PixelData, number_of_frames=n))
    if len(frames) != n:
        raise SystemExit(f"{codec}: {len(frames)} frames, expected {n}")
    return frames, ds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    p.add_argument("--frames", type=int, default=32, help="frames in the multi-frame files (32)")
    p.add_argument("--seed", type=int, default=20240315, help="RNG / UID seed")
    p.add_argument(
        "--codecs", default=",".join(CODECS), help=f"comma-separated subset of {','.join(CODECS)}"
    )
    p.add_argument("--force", action="store_true", help="regenerate even if files exist")
    args = p.parse_args(argv)

    codecs = [c.strip() for c in args.codecs.split(",") if c.strip()]
    for c in codecs:
        if c not in CODECS:
            p.error(f"unknown codec {c!r}")
    tools = {CODECS[c].tool[0] for c in codecs} - {"ojph"}
    tools |= {"ojph_compress"} if any(CODECS[c].tool == ("ojph",) for c in codecs) else set()
    missing = sorted(t for t in tools if shutil.which(t) is None)
    if missing:
        print(
            f"missing tools: {', '.join(missing)} "
            "(apt-get install -y dcmtk libgdcm-tools openjph-tools)",
            file=sys.stderr,
        )
        return 2

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / "manifest.json"
    old = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    params = {"version": MANIFEST_VERSION, "seed": args.seed, "frames": args.frames}
    if old.get("params") != params:
        old = {"codecs": {}}  # other parameters: regenerate everything
    manifest = {"params": params, "codecs": dict(old.get("codecs", {}))}
    uids = SeriesUIDs(args.seed)
    bases: dict[str, np.ndarray] = {}
    t_all = time.perf_counter()
    mid = args.frames // 2

    with tempfile.TemporaryDirectory(prefix="rsdicom-codecs-") as tmpdir:
        tmp = Path(tmpdir)
        for codec in codecs:
            spec = CODECS[codec]
            multi, single = out / f"{codec}_multi.dcm", out / f"{codec}_single.dcm"
            if not args.force and multi.exists() and single.exists() and codec in old["codecs"]:
                print(f"{codec}: exists, skipped")
                continue
            t0 = time.perf_counter()
            if spec.base not in bases:
                if spec.base == "rgb8":
                    bases["rgb8"] = rgb8_frames(args.seed, args.frames)
                else:
                    if "gray12" not in bases:
                        bases["gray12"] = gray12_frames(args.seed, args.frames)
                    if spec.base == "gray8":
                        bases["gray8"] = gray8_frames(bases["gray12"])
            pixels = bases[spec.base]
            src = tmp / f"{spec.base}_native.dcm"
            if not src.exists():
                native_file(src, header(uids, spec.base, "native", args.frames, True), pixels)
            frames, tool_ds = compress(codec, spec, src, pixels, tmp)
            hdr = header(uids, spec.base, codec, args.frames, True)
            encapsulated_file(multi, hdr, spec.ts, frames, tool_ds)
            hdr1 = header(uids, spec.base, codec, 1, False)
            encapsulated_file(single, hdr1, spec.ts, [frames[mid]], tool_ds)
            raw = pixels.nbytes
            comp = sum(len(f) for f in frames)
            manifest["codecs"][codec] = {
                "ts": spec.ts,
                "what": spec.what,
                "lossless": spec.lossless,
                "base": spec.base,
                "shape": list(pixels.shape),
                "dtype": str(pixels.dtype),
                "frames": args.frames,
                "single_frame_index": mid,
                "source_sum_multi": int(pixels.sum(dtype=np.int64)),
                "source_sum_single": int(pixels[mid].sum(dtype=np.int64)),
                "pixel_bytes": raw,
                "compressed_bytes": comp,
                "files": [multi.name, single.name],
                "photometric": str(tool_ds.get("PhotometricInterpretation", "")),
            }
            print(
                f"{codec}: {args.frames} frames, {comp / 2**20:.1f} MiB compressed "
                f"(ratio {raw / comp:.1f}:1, {tool_ds.get('PhotometricInterpretation')}) "
                f"({time.perf_counter() - t0:.1f} s)"
            )

    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"done in {time.perf_counter() - t_all:.1f} s -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
