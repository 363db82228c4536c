"""The parent side of ``bench_encode.py``'s check: what each method wrote, and reference sizes.

:func:`analyze` reads a method's output with pydicom: its transfer syntax, photometric
interpretation, the frames' codestream sizes, and the pixels decoded by pydicom's plugins
(pylibjpeg for RLE, JPEG and JPEG 2000 / HTJ2K, pyjpegls for JPEG-LS: decoders independent of
rs_dicom and of the encoders under test where they can be), compared with the source.
:func:`reference_sizes` runs the reference encoders that are not methods of the benchmark
(OpenJPEG's ``opj_compress``, OpenJPH's ``ojph_compress``) frame by frame, untimed.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from encode_worker import HTJ2K_LOSSLESS, J2K, J2K_LOSSLESS, JPEGLS_NEAR, NEAR, RATIO, Enc, files
from pydicom.encaps import generate_frames

# pydicom decoding plugin per syntax family (the first in the list that is installed)
DECODERS = {"1.2.840.10008.1.2.4.8": ("pyjpegls", "gdcm")}
DEFAULT_DECODERS = ("pylibjpeg", "gdcm")
# lossy output this far from the source is a wrong image (e.g. colour decoded in the wrong
# space), not compression loss: every encoder here at its settings gives over 35 dB
PSNR_FLOOR = 30


@cache
def source(path: str) -> np.ndarray:
    """The source pixels of a native file."""
    return pydicom.dcmread(path).pixel_array


def decode(ds: pydicom.Dataset) -> tuple[np.ndarray, str]:
    """The pixels (RGB for colour, as pydicom's default) and the plugin that decoded them."""
    from pydicom.pixels import get_decoder

    ts = str(ds.file_meta.TransferSyntaxUID)
    wanted = next((v for k, v in DECODERS.items() if ts.startswith(k)), DEFAULT_DECODERS)
    available = get_decoder(ts).available_plugins
    plugin = next((p for p in wanted if p in available), "")
    ds.pixel_array_options(decoding_plugin=plugin)
    return ds.pixel_array, plugin or "pydicom default"


def analyze(path: Path, enc: Enc, data: Path, meta: dict) -> dict[str, Any]:
    """Sizes, syntax and pixel check of one method's output."""
    ds = pydicom.dcmread(path)
    ts = str(ds.file_meta.TransferSyntaxUID)
    n = int(ds.get("NumberOfFrames", 1) or 1)
    frames = list(generate_frames(ds.PixelData, number_of_frames=n))
    res: dict[str, Any] = {
        "ts": ts,
        "photometric": str(ds.get("PhotometricInterpretation", "")),
        "frames": len(frames),
        "compressed": sum(len(f) for f in frames),
        "lossy_flag": str(ds.get("LossyImageCompression", "")),
    }
    notes = []
    if ts != enc.ts:
        notes.append(f"wrote transfer syntax {ts}, not {enc.ts}")
    if len(frames) != meta["frames"]:
        notes.append(f"{len(frames)} frames, not {meta['frames']}")
    src = source(files(data, enc)["multi"])
    try:
        arr, res["decoder"] = decode(ds)
    except Exception as exc:
        notes.append(f"pydicom could not decode it: {type(exc).__name__}: {exc}")
        res["ok"], res["notes"] = False, notes
        return res
    if arr.shape != src.shape:
        notes.append(f"decoded shape {arr.shape} ≠ source {src.shape}")
    else:
        diff = np.abs(arr.astype(np.int64) - src.astype(np.int64))
        res["maxdiff"] = int(diff.max())
        mse = float((diff.astype(np.float64) ** 2).mean())
        peak = (1 << meta["bits_stored"]) - 1
        res["psnr"] = math.inf if mse == 0 else 10 * math.log10(peak * peak / mse)
        if enc.lossless and res["maxdiff"]:
            notes.append(f"lossless output differs from the source (max |diff| {res['maxdiff']})")
        if not enc.lossless and res["psnr"] < PSNR_FLOOR:
            notes.append(f"PSNR {res['psnr']:.1f} dB < {PSNR_FLOOR} dB: not the source image")
        if enc.ts == JPEGLS_NEAR and res["maxdiff"] > NEAR:
            notes.append(f"near-lossless error {res['maxdiff']} > NEAR {NEAR}")
    res["ok"], res["notes"] = not notes, notes
    return res


# --------------------------------------------------------------------------- references


def pnm(path: Path, frame: np.ndarray, bits: int) -> None:
    """A binary PGM / PPM (big-endian samples above 8 bits), maxval 2**bits - 1."""
    rows, cols = frame.shape[:2]
    magic = "P6" if frame.ndim == 3 else "P5"
    body = frame.astype(">u2" if bits > 8 else np.uint8).tobytes()
    path.write_bytes(f"{magic}\n{cols} {rows}\n{(1 << bits) - 1}\n".encode() + body)


def tool_command(enc: Enc, src: Path, dst: Path) -> list[str] | None:
    if enc.ts == J2K_LOSSLESS:
        return ["opj_compress", "-i", str(src), "-o", str(dst)]
    if enc.ts == J2K:
        return ["opj_compress", "-i", str(src), "-o", str(dst), "-r", str(RATIO), "-I"]
    if enc.ts == HTJ2K_LOSSLESS:
        return ["ojph_compress", "-i", str(src), "-o", str(dst), "-reversible", "true"]
    return None


def reference_sizes(enc: Enc, data: Path, meta: dict) -> dict[str, Any]:
    """The reference tool's compressed size (sum over the frames), when it is a tool; {}
    when the reference is one of the methods."""
    probe = tool_command(enc, Path("in"), Path("out"))
    if probe is None:
        return {}
    if shutil.which(probe[0]) is None:
        return {"tool": probe[0], "error": f"{probe[0]} not installed"}
    src = source(files(data, enc)["multi"])
    total = 0
    with tempfile.TemporaryDirectory(prefix="rsdicom-encode-ref-") as tmp:
        for i, frame in enumerate(src):
            ext = ".j2c" if probe[0] == "ojph_compress" else ".j2k"
            p, j = Path(tmp) / f"{i}.p{'p' if frame.ndim == 3 else 'g'}m", Path(tmp) / f"{i}{ext}"
            pnm(p, frame, meta["bits_stored"])
            cmd = tool_command(enc, p, j)
            assert cmd is not None
            subprocess.run(cmd, check=True, capture_output=True)
            total += j.stat().st_size
    return {"tool": probe[0], "settings": " ".join(probe[5:]), "compressed": total}
