"""The worker side of the harness: what runs inside each fresh benchmark subprocess.

A worker is the benchmark script itself, started as ``python <script> --worker '<json>'``
(by :func:`harness.runner.Runner.call`, possibly with another interpreter: a baseline
build's venv).  :func:`serve` decodes the request, calls the script's worker function and
prints its result as JSON on the last line of stdout.  Only the standard library is
imported here: numpy and the libraries under test are imported by the scripts' workers.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

# distribution names, where they differ from the import name
_DIST = {"rs_dicom": "rs-dicom", "gdcm": "python-gdcm"}


class NotApplicable(Exception):  # noqa: N818 -- a verdict, not an error
    """Raised by a worker when its method does not apply (e.g. an older build lacks an API)."""


def serve(work: Callable[[dict[str, Any]], dict[str, Any]], request: str) -> int:
    """Run ``work(json.loads(request))`` and print the result (or why it does not apply)."""
    req = json.loads(request)
    try:
        out = work(req)
    except NotApplicable as exc:
        out = {"not_applicable": str(exc)}
    except Exception:
        traceback.print_exc()
        return 1
    print(json.dumps(out))
    return 0


def import_name(lib: str) -> str:
    """The module of a library label: ``rs_dicom@6d0c234`` is ``rs_dicom``."""
    return lib.split("@", 1)[0]


def probe(lib: str) -> dict[str, Any]:
    """Import the library; return its version and where it was loaded from (or raise)."""
    from importlib import import_module, metadata

    name = import_name(lib)
    mod = import_module(name)
    if name == "rs_dicom" and not hasattr(mod, "dcmread"):
        raise ImportError("rs_dicom has no dcmread (extension not built yet?)")
    version = getattr(mod, "__version__", None)
    if not version:
        try:
            version = metadata.version(_DIST.get(name, name))
        except metadata.PackageNotFoundError:
            version = "?"
    return {"version": str(version), "file": getattr(mod, "__file__", None)}


def clock() -> tuple[float, float]:
    """(wall, CPU) seconds: ``perf_counter`` and ``process_time`` (user+sys, all threads)."""
    return time.perf_counter(), time.process_time()


def max_rss() -> int:
    """Peak resident set size of this process so far, in bytes (Linux: ru_maxrss in KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib if sys.platform == "darwin" else kib * 1024


def rss_split() -> dict[str, int]:
    """Current anonymous / file-backed resident bytes (Linux only; {} elsewhere)."""
    out = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("RssAnon", "RssFile", "RssShmem"):
                out[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return out


def owner(arr: Any) -> str:
    """What holds an array's memory: follows ``.base`` down to the owning object."""
    import numpy as np

    b = arr
    while isinstance(b, np.ndarray) and b.base is not None:
        b = b.base
    if isinstance(b, memoryview):
        b = b.obj
    name = type(b).__name__
    if name == "ndarray":
        name = "own memory"
    return name + ("" if arr.flags.writeable else ", read-only")


def repeat_timed(
    fn: Callable[[], Any], budget: float, max_n: int
) -> tuple[list[float], list[float]]:
    """Call ``fn`` until ``budget`` seconds have passed or ``max_n`` calls: (walls, CPUs).

    The result of each call is dropped before the next one starts.
    """
    walls: list[float] = []
    cpus: list[float] = []
    start = time.perf_counter()
    while True:
        t0, c0 = clock()
        out = fn()
        t1, c1 = clock()
        del out
        walls.append(t1 - t0)
        cpus.append(c1 - c0)
        if len(walls) >= max_n or time.perf_counter() - start >= budget:
            return walls, cpus
