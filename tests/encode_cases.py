"""What the encoding tests share: every transfer syntax of issue 13 with what it can take,
the generated source images, and the decoders used as oracles (pydicom with its plugins,
DCMTK, GDCM) reading a written file back to pixels.
"""

from __future__ import annotations

import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import rs_dicom
from helpers import reference_tool, write_uncompressed


@dataclass(frozen=True)
class Syntax:
    name: str  # the CLI short name
    uid: str
    lossless: bool
    dcmtk: str | None  # DCMTK's decompressor, if it has one
    gdcm: bool  # gdcmconv --raw decodes it (GDCM 3.0 knows no HTJ2K)
    eight_bit_only: bool = False
    options: tuple[tuple[str, object], ...] = ()

    @property
    def psnr_floor(self) -> float:
        """dB below which lossy output means a broken pipeline. JPEG 2000 is rate-driven:
        10:1 of the small noisy test sources costs more (27-29 dB) than the other codecs'
        settings; the ratio sizes the data after the main header as in opj_compress, and
        the Rust tests check the quality against opj_compress's at the same size."""
        return 25.0 if self.name == "j2k" else 30.0

    def param(self) -> object:
        return pytest.param(self, id=self.name)


SYNTAXES = [
    Syntax("rle", "1.2.840.10008.1.2.5", True, "dcmdrle", True),
    Syntax(
        "jpeg-baseline",
        "1.2.840.10008.1.2.4.50",
        False,
        "dcmdjpeg",
        True,
        eight_bit_only=True,
        options=(("quality", 95),),
    ),
    Syntax("jpeg-lossless", "1.2.840.10008.1.2.4.70", True, "dcmdjpeg", True),
    Syntax("jpeg-ls", "1.2.840.10008.1.2.4.80", True, "dcmdjpls", True),
    Syntax(
        "jpeg-ls-near",
        "1.2.840.10008.1.2.4.81",
        False,
        "dcmdjpls",
        True,
        options=(("jls_error", 2),),
    ),
    Syntax("j2k-lossless", "1.2.840.10008.1.2.4.90", True, None, True),
    Syntax("j2k", "1.2.840.10008.1.2.4.91", False, None, True, options=(("j2k_cr", 10),)),
    Syntax("htj2k-lossless", "1.2.840.10008.1.2.4.201", True, None, False),
    Syntax("htj2k-lossless-rpcl", "1.2.840.10008.1.2.4.202", True, None, False),
    Syntax("htj2k", "1.2.840.10008.1.2.4.203", False, None, False),
]
LOSSLESS = [s for s in SYNTAXES if s.lossless]
LOSSY = [s for s in SYNTAXES if not s.lossless]


@dataclass(frozen=True)
class Source:
    rows: int
    cols: int
    frames: int
    spp: int
    bits_allocated: int
    bits_stored: int
    signed: bool

    def array(self, seed: int = 7) -> np.ndarray:
        """Smooth gradients, noise and flat areas (pydicom's pixel_array shape)."""
        rng = np.random.default_rng(seed)
        hi = 1 << (self.bits_stored - 1 if self.signed else self.bits_stored)
        lo = -hi if self.signed else 0
        y, x = np.mgrid[0 : self.rows, 0 : self.cols]
        base = (x * 3 + y * 5) % (hi - lo) + lo
        shape = (self.frames, self.rows, self.cols, self.spp)
        data = np.broadcast_to(base[None, :, :, None], shape).astype(np.int64)
        data = data + rng.integers(-3, 4, size=shape)
        data[:, : self.rows // 3, : self.cols // 3, :] = lo + (hi - lo) // 3
        data = np.clip(data, lo, hi - 1)
        dtype = np.dtype(f"{'i' if self.signed else 'u'}{self.bits_allocated // 8}")
        out = data.astype(dtype)
        if self.spp == 1:
            out = out[..., 0]
        return out[0] if self.frames == 1 else out

    def write(self, path: Path) -> Path:
        return write_uncompressed(
            path, self.array(), spp=self.spp, bits=self.bits_stored, frames=self.frames
        )


SOURCES = {
    "u8": Source(37, 29, 1, 1, 8, 8, False),
    "i8": Source(29, 37, 1, 1, 8, 8, True),
    "u12": Source(40, 33, 1, 1, 16, 12, False),
    "i12": Source(33, 40, 1, 1, 16, 12, True),
    "u16": Source(31, 45, 1, 1, 16, 16, False),
    "i16": Source(45, 31, 1, 1, 16, 16, True),
    "rgb8": Source(24, 35, 1, 3, 8, 8, False),
    "u16-frames": Source(32, 24, 4, 1, 16, 16, False),
    "rgb8-frames": Source(16, 20, 3, 3, 8, 8, False),
}


def fits(syntax: Syntax, source: Source) -> bool:
    """Whether the syntax's encoder is meant to take the source."""
    if syntax.eight_bit_only:
        return source.bits_allocated == 8 and not source.signed
    return True


def compressed(syntax: Syntax, src: Path, dst: Path, **kwargs: object) -> rs_dicom.Dataset:
    """`src` compressed into `syntax` with rs_dicom and saved as `dst`."""
    ds = rs_dicom.dcmread(str(src))
    ds.compress(syntax.uid, **dict(syntax.options), **kwargs)
    ds.save_as(str(dst), enforce_file_format=True)
    return ds


def pydicom_pixels(path: Path) -> np.ndarray:
    """pydicom's pixel_array (pylibjpeg, pyjpegls and pylibjpeg-rle plugins)."""
    pydicom = pytest.importorskip("pydicom")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(path).pixel_array


def dcmtk_pixels(tool: str, path: Path, tmp: Path) -> np.ndarray:
    """DCMTK's decompression of `path`, read back (native) with rs_dicom."""
    exe = reference_tool(tool)
    out = tmp / f"{tool}.dcm"
    proc = subprocess.run([exe, str(path), str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, f"{tool} failed: {proc.stdout}{proc.stderr}"
    return np.asarray(rs_dicom.dcmread(str(out)).pixel_array)


def gdcm_pixels(path: Path, tmp: Path) -> np.ndarray:
    """GDCM's `gdcmconv --raw` of `path`, read back with rs_dicom."""
    exe = reference_tool("gdcmconv")
    out = tmp / "gdcm.dcm"
    proc = subprocess.run([exe, "--raw", str(path), str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, f"gdcmconv failed: {proc.stdout}{proc.stderr}"
    return np.asarray(rs_dicom.dcmread(str(out)).pixel_array)


def psnr(a: np.ndarray, b: np.ndarray, bits: int) -> float:
    """Peak signal-to-noise ratio in dB for `bits`-bit samples."""
    err = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    if err == 0:
        return float("inf")
    peak = float((1 << bits) - 1)
    return 10 * np.log10(peak * peak / err)
