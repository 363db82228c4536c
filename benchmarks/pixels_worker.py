"""The worker of ``bench_pixels.py``: how each method gets the pixels, and the timed loops.

Runs inside a fresh subprocess per measurement (see ``harness/worker.py``), possibly under
a baseline build's interpreter: only the standard library, numpy, the harness and the
library under test are imported.
"""

from __future__ import annotations

import gc
import os
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.worker import NotApplicable, clock, max_rss, owner, probe, rss_split

CT_DIRS = {"ct": "ct", "ct-implicit": "ct_implicit"}  # case -> folder of the CT series
MULTIFRAME = "multiframe.dcm"


def ct_files(data: Path, limit: int | None, case: str = "ct") -> list[str]:
    sub = CT_DIRS[case]
    files = sorted(str(p) for p in (data / sub).glob("*.dcm"))
    if not files:
        raise SystemExit(f"no CT files in {data / sub}; run benchmarks/generate_data.py")
    return files[:limit] if limit else files


@dataclass(frozen=True)
class Geometry:
    """Where the native pixel data of a file is: the last `nbytes` bytes of the file."""

    dtype: str
    shape: tuple[int, ...]
    nbytes: int
    frame_bytes: int


def geometry(path: str) -> Geometry:
    """Pixel layout from the header (pydicom), for the raw baselines only."""
    import pydicom

    ds = pydicom.dcmread(path, stop_before_pixels=True)
    frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
    size = ds.BitsAllocated // 8
    kind = "i" if ds.PixelRepresentation else "u"
    frame_shape = (ds.Rows, ds.Columns)
    if ds.SamplesPerPixel != 1 or ds.BitsAllocated not in (8, 16, 32):
        raise SystemExit("raw baseline: only single-sample 8/16/32-bit data")
    frame_bytes = ds.Rows * ds.Columns * size
    shape = (frames, *frame_shape) if frames > 1 else frame_shape
    return Geometry(f"<{kind}{size}", shape, frame_bytes * frames, frame_bytes)


Getter = Callable[[str, int], Any]  # get(path, frame index) -> ndarray


def library_getters(method: str) -> dict[str, Getter]:
    """{case: get} for a method of a DICOM library (imports it)."""
    import numpy as np

    if method == "pydicom":
        import pydicom

        dcmread = pydicom.dcmread
        whole: Getter = lambda f, i: dcmread(f).pixel_array  # noqa: E731
        return {"ct": whole, "frame": lambda f, i: dcmread(f).pixel_array[i], "whole": whole}
    if method == "pydicom.pixels":
        from pydicom.pixels import pixel_array

        return {
            "ct": lambda f, i: pixel_array(f),
            "frame": lambda f, i: pixel_array(f, index=i),
            "whole": lambda f, i: pixel_array(f),
        }
    if method == "dicomsdl":
        import dicomsdl

        open_file = dicomsdl.open_file

        def all_frames(f: str, i: int):
            ds = open_file(f)
            info = ds.getPixelDataInfo()
            n = int(info["NumberOfFrames"] or 1)
            out = np.empty((n, info["Rows"], info["Cols"]), dtype=info["dtype"])
            for k in range(n):
                ds.copyFrameData(k, out[k])
            return out

        return {
            "ct": lambda f, i: open_file(f).pixelData(storedvalue=True),
            "frame": lambda f, i: open_file(f).pixelData(i, storedvalue=True),
            "whole": all_frames,
        }
    if method in ("rs_dicom", "rs_dicom mmap=True"):
        import rs_dicom

        if not hasattr(rs_dicom.Dataset, "pixel_array"):
            raise ImportError("this rs_dicom has no Dataset.pixel_array")
        kw: dict[str, Any] = {}
        if method == "rs_dicom mmap=True":
            kw = {"mmap": True}
            try:  # a file that does not exist: only an unknown keyword gives a TypeError
                rs_dicom.dcmread(str(Path(__file__).with_suffix(".missing")), **kw)
            except TypeError as exc:
                raise NotApplicable("this build's dcmread has no mmap= option") from exc
            except Exception:
                pass
        read = rs_dicom.dcmread
        return {
            "ct": lambda f, i: read(f, **kw).pixel_array,
            "frame": lambda f, i: read(f, **kw).pixel_data.frame(i),
            "whole": lambda f, i: read(f, **kw).pixel_array,
        }
    raise SystemExit(f"unknown method {method!r}")


def raw_getters(method: str, ct: Geometry, mf: Geometry) -> dict[str, Getter]:
    """{case: get} for the baselines that parse nothing (PixelData is the file's last bytes)."""
    import numpy as np

    if method == "raw read":

        def read_all(geo: Geometry) -> Getter:
            def get(f: str, i: int):
                with open(f, "rb") as fh:
                    buf = fh.read()
                return np.frombuffer(buf, geo.dtype, offset=len(buf) - geo.nbytes).reshape(
                    geo.shape
                )

            return get

        def read_frame(f: str, i: int):
            with open(f, "rb") as fh:
                fh.seek(-(mf.nbytes - i * mf.frame_bytes), os.SEEK_END)
                buf = fh.read(mf.frame_bytes)
            return np.frombuffer(buf, mf.dtype).reshape(mf.shape[-2:])

        return {"ct": read_all(ct), "frame": read_frame, "whole": read_all(mf)}

    if method == "raw readinto":

        def into(f: str, shape: tuple[int, ...], dtype: str, from_end: int):
            arr = np.empty(shape, dtype)
            with open(f, "rb", buffering=0) as fh:
                fh.seek(-from_end, os.SEEK_END)
                if fh.readinto(arr) != arr.nbytes:
                    raise OSError(f"{f}: short read")
            return arr

        return {
            "ct": lambda f, i: into(f, ct.shape, ct.dtype, ct.nbytes),
            "frame": lambda f, i: into(f, mf.shape[-2:], mf.dtype, mf.nbytes - i * mf.frame_bytes),
            "whole": lambda f, i: into(f, mf.shape, mf.dtype, mf.nbytes),
        }

    import mmap

    def mapped(f: str) -> mmap.mmap:
        with open(f, "rb") as fh:
            return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)

    def map_all(geo: Geometry) -> Getter:
        def get(f: str, i: int):
            m = mapped(f)
            return np.frombuffer(m, geo.dtype, offset=len(m) - geo.nbytes).reshape(geo.shape)

        return get

    def map_frame(f: str, i: int):
        m = mapped(f)
        off = len(m) - mf.nbytes + i * mf.frame_bytes
        arr = np.frombuffer(m, mf.dtype, count=mf.frame_bytes // int(mf.dtype[2:]), offset=off)
        return arr.reshape(mf.shape[-2:])

    return {"ct": map_all(ct), "frame": map_frame, "whole": map_all(mf)}


def getters(method: str, data: Path, case: str) -> dict[str, Getter]:
    """{case: get} for a method; the CT cases share the key "ct"."""
    if not method.startswith("raw "):
        return library_getters(method)
    ct_case = case if case in CT_DIRS else "ct"
    return raw_getters(
        method, geometry(ct_files(data, 1, ct_case)[0]), geometry(str(data / MULTIFRAME))
    )


# --------------------------------------------------------------------------- the cases


def ct_case(get: Getter, files: list[str]) -> dict[str, Any]:
    """Get (and get + sum) every file's pixels; "get" and "get + sum" alternate file by file,
    so that neither gets the benefit of running second (a grown heap, warm allocator caches)."""
    import numpy as np

    t_get = c_get = t_sum = c_sum = 0.0
    nbytes = chk = 0
    for f in files:
        t0, c0 = clock()
        arr = get(f, 0)
        t1, c1 = clock()
        nbytes += arr.nbytes
        del arr
        t2, c2 = clock()
        chk += int(get(f, 0).sum(dtype=np.int64))
        t3, c3 = clock()
        t_get, c_get = t_get + t1 - t0, c_get + c1 - c0
        t_sum, c_sum = t_sum + t3 - t2, c_sum + c3 - c2
    arr = get(files[0], 0)
    return {
        "get": t_get,
        "get_cpu": c_get,
        "total": t_sum,
        "total_cpu": c_sum,
        "n": len(files),
        "bytes": nbytes,
        "check": chk,
        "array": f"{arr.dtype} {list(arr.shape)}, {owner(arr)}",
    }


def multiframe_case(get: Getter, path: str, index: int, req: dict[str, Any]) -> dict[str, Any]:
    """The first call (timed, and its peak RSS growth), then repeated calls in-process."""
    import numpy as np

    base_rss, base_split = max_rss(), rss_split()
    runs: list[tuple[float, float, float, float]] = []
    first: dict[str, Any] = {}
    spent = 0.0
    while True:
        t0, c0 = clock()
        arr = get(path, index)
        t1, c1 = clock()
        chk = int(arr.sum(dtype=np.int64))
        t2, c2 = clock()
        runs.append((t1 - t0, c1 - c0, t2 - t0, c2 - c0))
        if not first:  # measured while the array is alive
            split = rss_split()
            first = {
                "rss": max_rss() - base_rss,
                "anon": split.get("RssAnon", 0) - base_split.get("RssAnon", 0),
                "file": split.get("RssFile", 0) - base_split.get("RssFile", 0),
                "check": chk,
                "bytes": arr.nbytes,
                "array": f"{arr.dtype} {list(arr.shape)}, {owner(arr)}",
            }
        del arr
        spent += t2 - t0
        if spent >= req["inner_budget"] or len(runs) >= req["inner_max"]:
            break
    return {
        **first,
        "get": runs[0][0],
        "get_cpu": runs[0][1],
        "total": runs[0][2],
        "total_cpu": runs[0][3],
        "inner_n": len(runs),
        "inner_get": statistics.median(r[0] for r in runs),
        "inner_total": statistics.median(r[2] for r in runs),
        "inner_total_cpu": statistics.median(r[3] for r in runs),
        "base_rss": base_rss,
    }


def work(req: dict[str, Any]) -> dict[str, Any]:
    """One measurement: ``req`` names the method, the case and the parameters."""
    method, case = req["method"], req["case"]
    if case == "probe":
        if method.startswith("raw "):
            import numpy

            return {"version": f"numpy {numpy.__version__}"}
        info = probe(req["lib"])
        library_getters(method)  # raises NotApplicable / ImportError for a build without it
        return info
    import numpy as np

    data = Path(req["data"])
    get_for = getters(method, data, case)
    ct_key = "ct" if case in CT_DIRS else case
    files = ct_files(data, req["ct_files"], case if case in CT_DIRS else "ct")
    # warm-up: imports, lazy pixel handlers, first-call set-up; not timed (not the
    # multi-frame operation itself: its peak RSS is measured), and numpy's first-call
    # set-up of the sum loops for the dtypes the cases produce
    int(get_for["ct"](files[0], 0).sum(dtype=np.int64))
    for dtype in (np.int16, np.uint16):
        int(np.ones(64, dtype).sum(dtype=np.int64))
    gc.collect()
    if case in CT_DIRS:
        return ct_case(get_for[ct_key], files)
    return multiframe_case(get_for[case], str(data / MULTIFRAME), req["frame"], req)
