"""Helpers shared by the test modules (importable: conftest puts tests/ on sys.path)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "sample_ct.dcm"


def load_make_sample() -> ModuleType:
    """scripts/make_sample.py as a module (its element/text encoders build test data)."""
    if "make_sample" in sys.modules:
        return sys.modules["make_sample"]
    spec = importlib.util.spec_from_file_location(
        "make_sample", ROOT / "scripts" / "make_sample.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_sample"] = module
    spec.loader.exec_module(module)
    return module


# The Debian packages' reference tools (dcmtk, libgdcm-tools, openjph-tools) live here; the
# venv's bin (first on PATH) may hold same-named wrappers, e.g. python-gdcm's `gdcmconv`,
# which behave differently.
SYSTEM_BIN = "/usr/local/bin:/usr/bin:/bin"


def reference_tool(name: str) -> str:
    """Path of a reference command-line tool (system install preferred). Missing: a skip,
    or a failure under CI=true, where .ci/run installs them."""
    import os
    import shutil

    import pytest

    path = shutil.which(name, path=SYSTEM_BIN) or shutil.which(name)
    if path is None:
        msg = f"{name} is not installed (apt-get install dcmtk libgdcm-tools openjph-tools)"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return path
