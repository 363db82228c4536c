"""The worker of ``bench_encode.py``: the encode cases, how each method compresses, the loops.

Runs inside a fresh subprocess per measurement (see ``harness/worker.py``), possibly under
another interpreter (a baseline build's venv, or ``--rs-dicom-python``): only the standard
library, numpy, the harness and the library under test are imported.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.worker import NotApplicable, import_name, probe

RLE = "1.2.840.10008.1.2.5"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70"
JPEGLS_LOSSLESS = "1.2.840.10008.1.2.4.80"
JPEGLS_NEAR = "1.2.840.10008.1.2.4.81"
J2K_LOSSLESS = "1.2.840.10008.1.2.4.90"
J2K = "1.2.840.10008.1.2.4.91"
HTJ2K_LOSSLESS = "1.2.840.10008.1.2.4.201"

QUALITY = 90  # JPEG baseline: DCMTK's default quality
NEAR = 2  # JPEG-LS near-lossless: DCMTK's default NEAR
RATIO = 10  # JPEG 2000 lossy: compression ratio


@dataclass(frozen=True)
class Enc:
    """One encode case: a source image set compressed to a transfer syntax."""

    base: str  # gray12 / gray8 / rgb8 (generate_encode_data.py)
    ts: str
    lossless: bool
    what: str
    reference: str  # the encoder whose size is the reference: a method or a tool
    options: dict[str, Any] = field(default_factory=dict)  # Dataset.compress keywords
    dcmtk: tuple[str, ...] | None = None  # DCMTK command before "in out"
    gdcmconv: tuple[str, ...] | None = None  # gdcmconv options before "in out"
    gdcm: dict[str, Any] | None = None  # python-gdcm codec settings; None: no encoder


ENCODES: dict[str, Enc] = {
    "rle": Enc(
        "gray12", RLE, True, "RLE Lossless, 16-bit (12 stored)", "DCMTK",
        dcmtk=("dcmcrle",), gdcmconv=("--rle",), gdcm={"codec": "RLECodec"},
    ),
    "rle-rgb": Enc(
        "rgb8", RLE, True, "RLE Lossless, 8-bit RGB", "DCMTK",
        dcmtk=("dcmcrle",), gdcmconv=("--rle",), gdcm={"codec": "RLECodec"},
    ),
    "jpeg-baseline": Enc(
        "gray8", JPEG_BASELINE, False, f"JPEG baseline, 8-bit grey, quality {QUALITY}", "DCMTK",
        options={"quality": QUALITY},
        dcmtk=("dcmcjpeg", "+eb", "+q", str(QUALITY)),
        gdcmconv=("--jpeg", "--lossy", "-q", str(QUALITY)),
        gdcm={"codec": "JPEGCodec", "lossless": False, "quality": QUALITY},
    ),
    "jpeg-baseline-rgb": Enc(
        "rgb8", JPEG_BASELINE, False,
        f"JPEG baseline, 8-bit RGB → YBR_FULL_422, quality {QUALITY}", "DCMTK",
        options={"quality": QUALITY},
        dcmtk=("dcmcjpeg", "+eb", "+q", str(QUALITY)),
        gdcmconv=("--jpeg", "--lossy", "-q", str(QUALITY)),
        gdcm={"codec": "JPEGCodec", "lossless": False, "quality": QUALITY},
    ),
    "jpeg-lossless": Enc(
        "gray12", JPEG_LOSSLESS_SV1, True, "JPEG lossless SV1, 12-bit", "DCMTK",
        dcmtk=("dcmcjpeg", "+e1"), gdcmconv=("--jpeg",),
        gdcm={"codec": "JPEGCodec", "lossless": True},
    ),
    "jpegls": Enc(
        "gray12", JPEGLS_LOSSLESS, True, "JPEG-LS lossless, 12-bit", "pydicom+pyjpegls",
        dcmtk=("dcmcjpls", "+el"), gdcmconv=("--jpegls",),
        gdcm={"codec": "JPEGLSCodec", "lossless": True},
    ),
    "jpegls-near": Enc(
        "gray12", JPEGLS_NEAR, False, f"JPEG-LS near-lossless (NEAR {NEAR}), 12-bit",
        "pydicom+pyjpegls",
        options={"jls_error": NEAR},
        dcmtk=("dcmcjpls", "+en", "+md", str(NEAR)),
        gdcmconv=("--jpegls", "--lossy", "-e", str(NEAR)),
        gdcm={"codec": "JPEGLSCodec", "lossless": False, "error": NEAR},
    ),
    "j2k": Enc(
        "gray12", J2K_LOSSLESS, True, "JPEG 2000 lossless (5/3), 12-bit", "opj_compress",
        gdcmconv=("--j2k",), gdcm={"codec": "JPEG2000Codec", "reversible": True},
    ),
    "j2k-lossy": Enc(
        "gray12", J2K, False, f"JPEG 2000 lossy (9/7, ratio {RATIO}), 12-bit", "opj_compress",
        options={"j2k_cr": [RATIO]},
        gdcmconv=("--j2k", "--lossy", "--irreversible", "-r", str(RATIO)),
        gdcm={"codec": "JPEG2000Codec", "reversible": False, "rate": RATIO},
    ),
    "htj2k": Enc(
        "gray12", HTJ2K_LOSSLESS, True, "HTJ2K lossless (5/3), 12-bit", "ojph_compress",
    ),
}  # fmt: skip


def files(data: Path, enc: Enc) -> dict[str, str]:
    return {k: str(data / "encode" / f"{enc.base}_{k}.dcm") for k in ("multi", "single")}


def cpu() -> float:
    """User + system seconds of this process and of its finished children (the CLIs)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


# --------------------------------------------------------------------------- the methods
#
# Each maker returns compress(src, dst): reads src, compresses it and, when dst is given,
# writes the result there.  The timed runs pass dst=None to the in-process libraries (read +
# compress) and a path to the CLIs (which must write).


def pydicom_maker(enc: Enc, plugin: str) -> Callable[[str, str | None], Any]:
    import pydicom
    from pydicom.pixels import get_encoder

    try:
        plugins = get_encoder(enc.ts).available_plugins
    except NotImplementedError:
        plugins = ()
    if plugin not in plugins:
        raise NotApplicable(f"pydicom has no {plugin!r} encoder for this syntax")
    dcmread, opts = pydicom.dcmread, enc.options

    def compress(src: str, dst: str | None):
        ds = dcmread(src)
        ds.compress(enc.ts, encoding_plugin=plugin, **opts)
        if dst:
            ds.save_as(dst)
        return ds

    return compress


def rs_dicom_maker(enc: Enc) -> Callable[[str, str | None], Any]:
    import rs_dicom

    if not hasattr(rs_dicom.Dataset, "compress"):
        raise NotApplicable("this rs_dicom build has no Dataset.compress")
    dcmread, opts = rs_dicom.dcmread, enc.options

    def compress(src: str, dst: str | None):
        ds = dcmread(src)
        ds.compress(enc.ts, **opts)
        if dst:
            ds.save_as(dst)
        return ds

    return compress


def gdcm_maker(enc: Enc) -> Callable[[str, str | None], Any]:
    import gdcm

    spec = enc.gdcm
    if spec is None:
        raise NotApplicable("GDCM has no encoder for this syntax")
    syntax = gdcm.TransferSyntax(gdcm.TransferSyntax.GetTSType(enc.ts))

    def codec():
        c = getattr(gdcm, spec["codec"])()
        if "lossless" in spec:
            c.SetLossless(spec["lossless"])
        if "quality" in spec:
            c.SetQuality(spec["quality"])
        if "error" in spec:
            c.SetLossyError(spec["error"])
        if "reversible" in spec:
            c.SetReversible(spec["reversible"])
        if "rate" in spec:
            c.SetRate(0, spec["rate"])
        return c

    def compress(src: str, dst: str | None):
        r = gdcm.ImageReader()
        r.SetFileName(src)
        if not r.Read():
            raise RuntimeError("gdcm.ImageReader could not read the file")
        change = gdcm.ImageChangeTransferSyntax()
        change.SetTransferSyntax(syntax)
        c = codec()
        change.SetUserCodec(c)
        change.SetInput(r.GetImage())
        if not change.Change():
            raise RuntimeError("gdcm.ImageChangeTransferSyntax.Change() failed")
        if dst:
            w = gdcm.ImageWriter()
            w.SetFileName(dst)
            w.SetFile(r.GetFile())
            w.SetImage(change.GetOutput())
            if not w.Write():
                raise RuntimeError("gdcm.ImageWriter could not write the file")
        return change, c

    return compress


def cli_maker(argv: tuple[str, ...]) -> Callable[[str, str | None], Any]:
    if shutil.which(argv[0]) is None:
        raise NotApplicable(f"{argv[0]} is not installed")

    def compress(src: str, dst: str | None):
        if dst is None:
            raise ValueError("a command-line tool must write its output")
        proc = subprocess.run([*argv, src, dst], capture_output=True, text=True)
        if proc.returncode != 0 or not os.path.exists(dst):
            err = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise RuntimeError(f"{argv[0]} exited with {proc.returncode}: {err}")
        return None

    return compress


def maker(lib: str, tool: str | None, plugin: str | None, enc: Enc):
    """(compress(src, dst), whether the timed runs must write: True for the CLIs)."""
    name = import_name(lib)
    if name == "pydicom":
        return pydicom_maker(enc, plugin or ""), False
    if name == "rs_dicom":
        return rs_dicom_maker(enc), False
    if name == "gdcm":
        return gdcm_maker(enc), False
    if tool == "dcmtk":
        if enc.dcmtk is None:
            raise NotApplicable("DCMTK has no encoder for this syntax")
        return cli_maker(enc.dcmtk), True
    if tool == "gdcmconv":
        if enc.gdcmconv is None:
            raise NotApplicable("gdcmconv has no encoder for this syntax")
        return cli_maker(("gdcmconv", *enc.gdcmconv)), True
    raise SystemExit(f"unknown method library {lib!r} / tool {tool!r}")


def probe_method(lib: str, tool: str | None) -> dict[str, Any]:
    if tool:
        exe = {"dcmtk": "dcmcrle", "gdcmconv": "gdcmconv"}[tool]
        if shutil.which(exe) is None:
            raise ImportError(f"{exe} not found")
        proc = subprocess.run([exe, "--version"], capture_output=True, text=True)
        # "$dcmtk: dcmcrle v3.6.7 2022-04-22 $", "gdcmconv: gdcm 3.0.21 $Date$"
        found = re.search(r"(?:v|gdcm )(\d+(?:\.\d+)+)", proc.stdout + proc.stderr)
        return {"version": found.group(1) if found else "?", "file": shutil.which(exe)}
    info = probe(lib)
    name = import_name(lib)
    if name == "gdcm":
        import gdcm

        info["version"] = gdcm.Version.GetVersion()
    return info


def is_unsupported(exc: BaseException) -> bool:
    return type(exc).__name__ == "UnsupportedCodecError"


def timed(fn: Callable[[], Any], budget: float, max_n: int) -> tuple[list[float], list[float]]:
    """Call ``fn`` until ``budget`` seconds or ``max_n`` calls: (walls, CPUs incl. children)."""
    walls: list[float] = []
    cpus: list[float] = []
    start = time.perf_counter()
    while True:
        t0, c0 = time.perf_counter(), cpu()
        out = fn()
        t1, c1 = time.perf_counter(), cpu()
        del out
        walls.append(t1 - t0)
        cpus.append(c1 - c0)
        if len(walls) >= max_n or time.perf_counter() - start >= budget:
            return walls, cpus


def work(req: dict[str, Any]) -> dict[str, Any]:
    """One probe, check or timed run of a method on an encode case."""
    lib, tool, mode = req["lib"], req.get("tool"), req.get("mode", "")
    if req.get("case") == "probe":
        return probe_method(lib, tool)
    enc = ENCODES[req["encode"]]
    paths = files(Path(req["data"]), enc)
    compress, writes = maker(lib, tool, req.get("plugin"), enc)
    with tempfile.TemporaryDirectory(prefix="rsdicom-encode-") as tmp:
        warm = os.path.join(tmp, "warm-up.dcm")
        try:
            compress(paths["single"], warm)  # untimed: imports, codec set-up
        except Exception as exc:
            if is_unsupported(exc):
                return {"unsupported": f"{type(exc).__name__}: {exc}"}
            raise
        if mode.startswith("check:"):
            out = Path(mode[len("check:") :]) / f"{req['label']}__{req['encode']}.dcm"
            compress(paths["multi"], str(out))
            return {"file": str(out), "bytes": out.stat().st_size}
        dst = os.path.join(tmp, "out.dcm") if writes else None
        src = paths["multi"]
        walls, cpus = timed(lambda: compress(src, dst), req["inner_budget"], req["inner_max"])
    return {
        "multi": {
            "wall": statistics.median(walls),
            "cpu": statistics.median(cpus),
            "first": walls[0],
            "n": len(walls),
        }
    }
