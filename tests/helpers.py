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


def run_tool(args: list[str]) -> None:
    """Runs a reference tool, failing the test with its output when it fails."""
    import subprocess

    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"{args} failed: {proc.stdout}\n{proc.stderr}")


def write_uncompressed(
    path: Path,
    arr,
    *,
    spp: int,
    bits: int,
    frames: int = 1,
    pi: str | None = None,
    planar: bool = False,
) -> Path:
    """A Secondary Capture file (Explicit VR Little Endian) holding `arr`, shaped like pydicom's
    pixel_array (frames first when `frames` > 1, samples last when `spp` > 1), written with
    pydicom; colour samples plane by plane when `planar` (Planar Configuration 1)."""
    import numpy as np
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = UID("1.2.840.10008.5.1.4.1.1.7")
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientName = "Codec^Test"
    ds.PatientID = "1"
    ds.Modality = "OT"
    ds.Rows, ds.Columns = arr.shape[-3:-1] if spp > 1 else arr.shape[-2:]
    ds.SamplesPerPixel = spp
    ds.PhotometricInterpretation = pi or ("RGB" if spp == 3 else "MONOCHROME2")
    if spp > 1:
        ds.PlanarConfiguration = int(planar)
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.BitsAllocated = arr.dtype.itemsize * 8
    ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 1 if arr.dtype.kind == "i" else 0
    data = arr.astype(arr.dtype.newbyteorder("<"))
    if spp > 1 and planar:
        data = np.moveaxis(data, -1, -3)  # (frames,) samples, rows, columns
    ds.PixelData = np.ascontiguousarray(data).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path
