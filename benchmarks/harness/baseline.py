"""Library labels ``rs_dicom@REV``: rs_dicom as built from an earlier git revision.

``baseline.sh REV`` (beside the scripts) builds a release wheel of that revision into a venv
of its own, cached by commit hash under ``benchmarks/.baseline/``; the harness runs the
label's workers with that venv's interpreter, interleaved with the current build's.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
BASELINE_SH = HERE / "baseline.sh"
LIB = "rs_dicom"


def label(rev: str) -> str:
    """The library label of a revision: ``rs_dicom@REV``."""
    return f"{LIB}@{rev}"


def revision(lib: str) -> str | None:
    """REV of a label ``rs_dicom@REV``; None for any other library."""
    base, sep, rev = lib.partition("@")
    return rev if sep and base == LIB and rev else None


def rename(method: str, rev: str) -> str:
    """A method name for the baseline: ``rs_dicom 1 thread`` -> ``rs_dicom@REV 1 thread``."""
    return method.replace(LIB, label(rev), 1) if method.startswith(LIB) else f"{method}@{rev}"


@functools.cache
def interpreter(rev: str) -> str:
    """The Python of the baseline venv for ``rev`` (built by baseline.sh on first use)."""
    print(f"baseline {rev}: bash {BASELINE_SH.name} {rev}", file=sys.stderr)
    proc = subprocess.run(
        ["bash", str(BASELINE_SH), rev],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
    )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"baseline.sh {rev} failed (exit {proc.returncode})")
    return lines[-1]
