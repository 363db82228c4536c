"""The worker of ``bench_codecs.py``: how each method decodes, and the timed loops.

Runs inside a fresh subprocess per measurement (see ``harness/worker.py``), possibly under
a baseline build's interpreter: only the standard library, numpy, the harness and the
library under test are imported.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.worker import clock, import_name, probe, repeat_timed

# what each worker times, in this order: frame by frame first, because what a process did
# before changes how the C allocator serves the frames' buffers (glibc raises its mmap
# threshold after freeing a large block: a process that has decoded a whole multi-frame
# array first gets its frames from a heap that keeps its pages, unlike a fresh one)
CASES = ("frames", "multi", "single")
FILES = {"multi": "multi", "single": "single", "frames": "multi"}  # case -> file


def files(data: Path, codec: str) -> dict[str, str]:
    return {c: str(data / "codecs" / f"{codec}_{FILES[c]}.dcm") for c in CASES}


def getter(lib: str, plugin: str | None) -> Callable[[str], Any]:
    """get(path) -> the whole pixel array, for a method (imports its library)."""
    import numpy as np

    if lib == "pydicom":
        import pydicom

        dcmread = pydicom.dcmread

        def get_pydicom(f: str):
            ds = dcmread(f)
            ds.pixel_array_options(decoding_plugin=plugin)
            return ds.pixel_array

        return get_pydicom
    if lib == "gdcm":
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
    if lib == "dicomsdl":
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
    if lib == "rs_dicom":
        import rs_dicom

        dcmread = rs_dicom.dcmread
        return lambda f: dcmread(f).pixel_array
    raise SystemExit(f"unknown library {lib!r}")


def frame_iterator(lib: str, plugin: str | None) -> Callable[[str], Any] | None:
    """frames(path) -> an iterator of the frames, decoded one at a time; None: the library
    has no per-frame call (GDCM's ImageReader decodes the whole image)."""
    if lib == "pydicom":
        from pydicom.pixels import iter_pixels

        return lambda f: iter_pixels(f, decoding_plugin=plugin or "")
    if lib == "dicomsdl":
        import dicomsdl

        def frames_dicomsdl(f: str):
            ds = dicomsdl.open_file(f)
            n = int(ds.getPixelDataInfo()["NumberOfFrames"] or 1)
            return (ds.pixelData(k, storedvalue=True) for k in range(n))

        return frames_dicomsdl
    if lib == "rs_dicom":
        import rs_dicom

        dcmread = rs_dicom.dcmread

        def frames_rs_dicom(f: str):
            pd = dcmread(f).pixel_data
            return (pd.frame(k) for k in range(pd.frames))

        return frames_rs_dicom
    return None


def frame_by_frame(frames: Callable[[str], Any], f: str) -> int:
    """Decode every frame, dropping each array before the next: the number of frames."""
    n = 0
    for arr in frames(f):
        del arr
        n += 1
    return n


def probe_method(lib: str, plugin: str | None) -> dict[str, Any]:
    info = probe(lib)
    name = import_name(lib)
    if name == "gdcm":
        import gdcm

        info["version"] = gdcm.Version.GetVersion()
    if name == "rs_dicom":
        import rs_dicom

        if not hasattr(rs_dicom.Dataset, "pixel_array"):
            raise ImportError("this rs_dicom has no Dataset.pixel_array")
    if plugin:
        from pydicom.pixels import get_decoder
        from pydicom.uid import JPEG2000Lossless, JPEGLSLossless, RLELossless

        if not any(
            plugin in get_decoder(ts).available_plugins
            for ts in (RLELossless, JPEG2000Lossless, JPEGLSLossless)
        ):
            raise ImportError(f"pydicom plugin {plugin!r} not available")
    return info


def is_unsupported(exc: BaseException) -> bool:
    return type(exc).__name__ == "UnsupportedCodecError"


def check_run(lib: str, paths: dict[str, str], get, frames, out_dir: Path, method: str):
    """Decode each file once; save the arrays for the parent's comparison."""
    import numpy as np

    res: dict[str, Any] = {}
    for case in ("multi", "single"):
        arr = np.asarray(get(paths[case]))
        np.save(out_dir / f"{method}__{case}.npy", arr)
        res[case] = {
            "shape": list(arr.shape),
            "dtype": str(arr.dtype),
            "sum": int(arr.sum(dtype=np.int64)),
        }
    if frames is not None:
        sums = [int(np.asarray(a).sum(dtype=np.int64)) for a in frames(paths["frames"])]
        res["frames"] = {"count": len(sums), "sum": sum(sums)}
    if import_name(lib) == "pydicom":
        import pydicom
        from pydicom.pixels import get_decoder

        ts = pydicom.dcmread(paths["single"], stop_before_pixels=True).file_meta
        dec = get_decoder(ts.TransferSyntaxUID)
        res["default_plugins"] = list(getattr(dec, "_available", dec.available_plugins))
    return res


def work(req: dict[str, Any]) -> dict[str, Any]:
    """One check or timed run of a method on a codec's files."""
    lib, plugin, mode = req["lib"], req.get("plugin"), req["mode"]
    if req.get("case") == "probe":
        return probe_method(lib, plugin)
    name = import_name(lib)
    paths = files(Path(req["data"]), req["codec"])
    if plugin:
        import pydicom
        from pydicom.pixels import get_decoder

        ts = pydicom.dcmread(paths["single"], stop_before_pixels=True).file_meta
        if plugin not in get_decoder(ts.TransferSyntaxUID).available_plugins:
            return {"not_applicable": f"pydicom has no {plugin!r} plugin for this syntax"}
    get, frames = getter(name, plugin), frame_iterator(name, plugin)
    try:
        get(paths["single"])  # untimed: lazy imports, codec set-up
    except Exception as exc:
        if is_unsupported(exc):
            return {"unsupported": f"{type(exc).__name__}: {exc}"}
        raise
    if mode.startswith("check:"):
        return check_run(lib, paths, get, frames, Path(mode[len("check:") :]), req["label"])

    budget, max_n = req["inner_budget"], req["inner_max"]
    res: dict[str, Any] = {}
    for case in CASES:
        f = paths[case]
        if case == "frames":
            if frames is None:
                continue
            t0, c0 = clock()
            n = frame_by_frame(frames, f)  # the first pass, timed on its own
            t1, c1 = clock()
            walls, cpus = repeat_timed(lambda f=f: frame_by_frame(frames, f), budget, max_n)
            res[case] = {"first": t1 - t0, "first_cpu": c1 - c0, "frames": n}
        else:
            walls, cpus = repeat_timed(lambda f=f: get(f), budget, max_n)
            res[case] = {"first": walls[0]}
        res[case] |= {
            "wall": statistics.median(walls),
            "cpu": statistics.median(cpus),
            "n": len(walls),
        }
    return res
