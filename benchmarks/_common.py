"""Helpers shared by the benchmark scripts (bench_read.py, bench_pixels.py).

The scripts are run as ``python benchmarks/<script>.py``, so this module is importable as
``_common`` (the script's directory is on ``sys.path``).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE / "data"

# distribution names, where they differ from the import name
_DIST = {"rs_dicom": "rs-dicom"}


def ct_files(data: Path, limit: int | None) -> list[str]:
    files = sorted(str(p) for p in (data / "ct").glob("*.dcm"))
    if not files:
        raise SystemExit(f"no CT files in {data / 'ct'}; run benchmarks/generate_data.py")
    return files[:limit] if limit else files


def probe(lib: str) -> dict:
    """Import the library; return its version (or raise)."""
    from importlib import import_module, metadata

    mod = import_module(lib)
    if lib == "rs_dicom" and not hasattr(mod, "dcmread"):
        raise ImportError("rs_dicom has no dcmread (extension not built yet?)")
    version = getattr(mod, "__version__", None)
    if not version:
        try:
            version = metadata.version(_DIST.get(lib, lib))
        except metadata.PackageNotFoundError:
            version = "?"
    return {"version": str(version), "file": getattr(mod, "__file__", None)}


def run_worker(
    script: str | Path, label: str, argv: list[str], env: dict[str, str] | None = None
) -> dict:
    """Run ``script argv`` in a fresh interpreter; return the JSON of its last stdout line.

    ``env``: variables to set on top of the current environment.
    """
    cmd = [sys.executable, str(Path(script).resolve()), *argv]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env={**os.environ, **env} if env else None
    )
    if proc.returncode != 0:
        err = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RuntimeError(f"{label} failed: {err}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def detect(libs: list[str], probe_lib) -> tuple[dict[str, str], dict[str, str]]:
    """Probe each library (``probe_lib(lib) -> dict`` in a subprocess).

    Returns ({lib: version}, {lib: why it was skipped}).
    """
    versions, skipped = {}, {}
    for lib in libs:
        try:
            versions[lib] = probe_lib(lib)["version"]
        except RuntimeError as exc:
            skipped[lib] = str(exc).split(": ", 1)[-1]
            print(f"skipping {lib}: {skipped[lib]}", file=sys.stderr)
    return versions, skipped


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(versions: dict[str, str]) -> list[str]:
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    try:
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024**2
        mem_s = f"{mem:.0f} GiB"
    except (OSError, ValueError, IndexError):
        mem_s = "?"
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    try:
        import numpy

        np_v = numpy.__version__
    except ImportError:
        np_v = "not installed"
    libs = ", ".join(f"{k} {v}" for k, v in versions.items())
    return [
        f"- CPU: {cpu_model()} ({os.cpu_count()} logical cores, {affinity} usable), RAM {mem_s}",
        f"- OS: {platform.platform()}",
        f"- Python: {platform.python_implementation()} {platform.python_version()}, numpy {np_v}",
        f"- Libraries: {libs}",
        f"- Load average at start (1/5/15 min): {load}",
    ]


def fmt_time(s: float) -> str:
    return f"{s * 1000:,.0f} ms" if s >= 1 else f"{s * 1000:,.1f} ms"
