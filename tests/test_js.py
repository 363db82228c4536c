"""The JavaScript package (js/, the core in WebAssembly) against the Python package on every
corpus file (pydicom's and pydicom-data's): the same elements with the same values, the same
DICOM JSON model, the same frames sample for sample, and the same errors (class, byte offset,
tag path). Node reads all files in one run (tests/js_dump.mjs). The allowed differences come
from the C libraries the wasm build lacks: codecs only they have (JPEG-LS, 12-bit lossy JPEG,
JPEG 2000 in JP2 boxes) raise UnsupportedCodecError "codec not available in this build" where
Python decodes, and lossy JPEG is decoded by jpeg-decoder instead of libjpeg-turbo, whose IDCT
colour conversion and chroma upsampling round differently: samples may differ by up to 2% of
the stored range, as tests/test_compressed.py allows between decoders (on at most 2% of them).

Needs `node` and the built package (scripts/build_js.sh, run by scripts/wasm.sh before the
Python tests in scripts/test.sh); under CI=true their absence is a failure."""

from __future__ import annotations

import base64
import json
import math
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("pydicom")

import rs_dicom  # noqa: E402
from conformance import corpus_files  # noqa: E402
from conftest import IN_CI  # noqa: E402
from helpers import ROOT  # noqa: E402

PKG = ROOT / "js" / "pkg" / "rs_dicom_bg.wasm"
PARSER_PKG = ROOT / "js" / "pkg-parser" / "rs_dicom_bg.wasm"
DUMP = ROOT / "tests" / "js_dump.mjs"
FILES = corpus_files()
TYPED = {
    "Uint8Array": "u1",
    "Int8Array": "i1",
    "Uint16Array": "<u2",
    "Int16Array": "<i2",
    "Uint32Array": "<u4",
    "Int32Array": "<i4",
    "BigUint64Array": "<u8",
    "BigInt64Array": "<i8",
    "Float32Array": "<f4",
    "Float64Array": "<f8",
}
NOT_IN_BUILD = "codec not available in this build"
LOSSY_JPEG = {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51"}


def require_js(pkg: Path = PKG, build: str = "bash scripts/build_js.sh") -> str:
    node = shutil.which("node")
    missing = [] if node else ["node"]
    if not pkg.exists():
        missing.append(f"{pkg.relative_to(ROOT)} ({build})")
    if missing:
        msg = f"JavaScript package not testable: missing {', '.join(missing)}"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    assert node is not None
    return node


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    node = require_js()
    out = tmp_path_factory.mktemp("js")
    subprocess.run([node, str(DUMP), str(out), *map(str, FILES)], check=True, timeout=600, cwd=ROOT)
    recs = [json.loads(p.read_text()) for p in out.glob("*.json")]
    return {r["file"]: r for r in recs}


@pytest.fixture(scope="module")
def parser_records(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    node = require_js(PARSER_PKG, "bash scripts/build_js.sh --parser")
    out = tmp_path_factory.mktemp("js_parser")
    subprocess.run(
        [node, str(DUMP), "--parser", str(out), *map(str, FILES)],
        check=True,
        timeout=600,
        cwd=ROOT,
    )
    recs = [json.loads(p.read_text()) for p in out.glob("*.json")]
    return {r["file"]: r for r in recs}


def encode(value: Any, vr: str) -> Any:
    """A Python element value in the JSON encoding of tests/js_dump.mjs."""
    if isinstance(value, rs_dicom.Sequence):
        return {"items": [elements(item) for item in value]} if len(value) else []
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return [encode(v, vr) for v in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"bytes": base64.b64encode(bytes(value)).decode()}
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return {"big": str(int(value))} if vr in ("SV", "UV") else int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return {"float": {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[str(value)]}
        return float(value)
    return str(value)  # PersonName, UID


def elements(ds: Any) -> list[dict[str, Any]]:
    out = []
    for e in ds:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.append({"tag": int(e.tag), "vr": e.vr, "value": encode(e.value, e.vr)})
    return out


def py_error(exc: BaseException) -> dict[str, Any]:
    return {
        "name": type(exc).__name__,
        "offset": getattr(exc, "offset", None),
        "tagPath": getattr(exc, "tag_path", None),
    }


def same_error(js: dict[str, Any], exc: BaseException) -> None:
    assert {k: js[k] for k in ("name", "offset", "tagPath")} == py_error(exc), js["message"]


def read_py(path: Path, force: bool) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rs_dicom.dcmread(path, force=force)


def test_corpus_is_there() -> None:
    assert len(FILES) > 50


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_same_as_python(path: Path, records: dict[str, dict[str, Any]]) -> None:
    rec = records[str(path)]
    try:
        ds = read_py(path, rec["force"])
    except rs_dicom.DicomError as exc:
        assert "error" in rec, f"JS read the file, Python raised {exc!r}"
        js = rec["forceError"] if rec["force"] and rec["forceError"] else rec["error"]
        same_error(js, exc)
        return
    assert "error" not in rec, f"Python read the file, JS raised {rec['error']}"

    # Every element, in order, with the same VR and value (sequences recursively).
    assert rec["meta"] == elements(ds.file_meta or [])
    py_elements = elements(ds)
    assert len(rec["elements"]) == len(py_elements)
    for js_e, py_e in zip(rec["elements"], py_elements, strict=True):
        assert js_e == py_e, f"({py_e['tag'] >> 16:04X},{py_e['tag'] & 0xFFFF:04X})"

    # The DICOM JSON model.
    try:
        model = ds.to_json_dict()
    except rs_dicom.DicomError as exc:
        assert rec["jsonError"] is not None
        same_error(rec["jsonError"], exc)
    else:
        assert rec["json"] is not None, rec["jsonError"]
        assert json.loads(rec["json"]) == model

    # Every frame, sample for sample, or the same error.
    try:
        px = ds.pixel_data
    except rs_dicom.DicomError as exc:
        assert rec["framesError"] is not None
        same_error(rec["framesError"], exc)
        return
    assert rec["framesError"] is None, rec["framesError"]
    assert len(rec["frames"]) == (px.frames if px is not None else 0)
    for i, frame in enumerate(rec["frames"]):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                arr = np.asarray(px.frame(i))
        except rs_dicom.DicomError as exc:
            assert "error" in frame, f"frame {i}: Python raised {exc!r}, JS decoded it"
            same_error(frame["error"], exc)
            continue
        if "error" in frame:
            # Only a codec this build does not have may differ.
            assert frame["error"]["name"] == "UnsupportedCodecError", frame["error"]
            assert NOT_IN_BUILD in frame["error"]["message"]
            continue
        samples = frame["samplesPerPixel"]
        shape = (frame["rows"], frame["columns"]) + ((samples,) if samples > 1 else ())
        got = np.fromfile(frame["bin"], dtype=TYPED[frame["type"]]).reshape(shape)
        assert got.dtype.newbyteorder("=") == arr.dtype.newbyteorder("="), frame["type"]
        assert got.shape == arr.shape
        if rec["transferSyntax"] in LOSSY_JPEG:
            diff = np.abs(got.astype(np.int64) - arr.astype(np.int64))
            stored = int(ds.get("BitsStored") or 8)
            assert diff.max() <= 0.02 * 2**stored, f"frame {i}"
            assert np.count_nonzero(diff) <= diff.size // 50, f"frame {i}"
        else:
            np.testing.assert_array_equal(got, arr, err_msg=f"frame {i}")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_parser_module_same_as_full(
    path: Path, records: dict[str, dict[str, Any]], parser_records: dict[str, dict[str, Any]]
) -> None:
    """The parser-only module (issue 17's size goal) reads every file as the full module
    does: same elements, VRs, values, DICOM JSON and errors; no frames. (Both take private
    VRs from the core's compact table, which test_same_as_python checks against the Python
    package's full private dictionary.)"""
    full, alone = records[str(path)], parser_records[str(path)]
    for key in ("force", "error", "forceError", "transferSyntax", "meta", "elements", "json"):
        assert alone.get(key) == full.get(key), key
    assert alone.get("jsonError") == full.get("jsonError")
    assert alone.get("frames", []) == []
