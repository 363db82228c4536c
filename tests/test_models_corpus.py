"""DICOM JSON and Native DICOM Model XML on every file of pydicom and pydicom-data:
model → Dataset → Part 10 file → read → model is the identity, and rs_dicom's JSON agrees
with pydicom's both ways (``to_json_dict`` and ``from_json``).

The one accepted difference of the round trip: a binary value of odd length (the files
nested_priv_SQ.dcm and meta_missing_tsyntax.dcm have one, which a Part 10 file cannot
hold) comes back padded with a zero byte, as PS3.5 7.1.1 pads every value to even length.
"""

from __future__ import annotations

import base64
import io
import json
import os
import warnings
from pathlib import Path
from typing import Any

import pytest
import rs_dicom
from conformance import corpus_files, read_pydicom
from test_json import _normalise_pydicom, compare_models

try:
    FILES = corpus_files()
except ImportError:  # pydicom missing: test_corpus_is_there reports it
    FILES = []


def test_corpus_is_there() -> None:
    if os.environ.get("CI") != "true":
        pytest.importorskip("pydicom")
    assert len(FILES) > 200


def _pydicom_json(path: Path) -> tuple[dict[str, Any], bool]:
    """pydicom's JSON of the file (skip when pydicom cannot convert it) and whether the
    file needs force=True."""
    try:
        ds, force = read_pydicom(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ds.to_json_dict()
    except Exception as exc:  # pydicom's own limits: not ours to test
        pytest.skip(f"pydicom cannot convert it: {type(exc).__name__}: {exc}")
    if not model:
        pytest.skip("pydicom reads no element of it (a damaged file)")
    return model, force


def _ours(path: Path, force: bool) -> rs_dicom.Dataset:
    try:
        return rs_dicom.dcmread(path, force=force)
    except rs_dicom.DicomError as exc:
        pytest.skip(f"rs_dicom refuses this damaged file (pydicom reads it leniently): {exc}")


def _through_a_file(ds: rs_dicom.Dataset, transfer_syntax: str | None) -> rs_dicom.Dataset:
    """`ds` saved with save_as and read back. The models carry no transfer syntax, so the
    original file's is given (as pydicom users set file_meta after from_json): encapsulated
    pixel data can only be written in it. A Part 10 file (preamble and file meta made from
    the SOP Class and Instance UIDs) where the dataset has those UIDs, else a bare dataset."""
    if transfer_syntax:
        meta = rs_dicom.FileMetaDataset()
        meta.TransferSyntaxUID = transfer_syntax
        ds.file_meta = meta
    out = io.BytesIO()
    try:
        ds.save_as(out, enforce_file_format=True)
        return rs_dicom.dcmread(io.BytesIO(out.getvalue()))
    except rs_dicom.DicomError:
        out = io.BytesIO()
        ds.save_as(out)
        return rs_dicom.dcmread(io.BytesIO(out.getvalue()), force=True)


def _padded(model: Any) -> Any:
    """The model with odd-length InlineBinary values padded to even length."""
    if isinstance(model, dict):
        out = {k: _padded(v) for k, v in model.items()}
        inline = out.get("InlineBinary")
        if isinstance(inline, str):
            raw = base64.b64decode(inline)
            if len(raw) % 2:
                out["InlineBinary"] = base64.b64encode(raw + b"\0").decode()
        return out
    if isinstance(model, list):
        return [_padded(v) for v in model]
    return model


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_json_file_json_is_the_identity(path: Path) -> None:
    _, force = _pydicom_json(path)
    ds = _ours(path, force)
    text = ds.to_json()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # values that break their VR's rules warn
        back = rs_dicom.Dataset.from_json(text)
    again = _through_a_file(back, ds.transfer_syntax_uid).to_json()
    if again != text:
        assert json.loads(again) == _padded(json.loads(text))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_xml_file_xml_is_the_identity(path: Path) -> None:
    _, force = _pydicom_json(path)
    ds = _ours(path, force)
    text = ds.to_xml()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back = rs_dicom.Dataset.from_xml(text)
    again = _through_a_file(back, ds.transfer_syntax_uid)
    if again.to_xml() != text:
        # The same dataset, but for odd-length values padded by the file.
        assert _padded(again.to_json_dict()) == _padded(ds.to_json_dict())


def _big_endian_words(ds: rs_dicom.Dataset) -> bool:
    return ds.transfer_syntax_uid == "1.2.840.10008.1.2.2"


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_to_json_dict_agrees_with_pydicom(path: Path) -> None:
    theirs, force = _pydicom_json(path)
    ds = _ours(path, force)
    if _big_endian_words(ds):
        pytest.skip("big endian: rs_dicom swaps OW words to little endian (test_json.py)")
    compare_models(ds.to_json_dict(), _normalise_pydicom(theirs), "")


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_from_json_agrees_with_pydicom(path: Path) -> None:
    """pydicom's JSON of the file read by rs_dicom and by pydicom: the same dataset."""
    import pydicom

    theirs, force = _pydicom_json(path)
    ds = _ours(path, force)
    if _big_endian_words(ds):
        pytest.skip("big endian: pydicom's JSON has big endian words (test_json.py)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = rs_dicom.Dataset.from_json(theirs)
        pydicom_back = pydicom.Dataset.from_json(theirs).to_json_dict()
    compare_models(_padded(ours.to_json_dict()), _padded(_normalise_pydicom(pydicom_back)), "")
