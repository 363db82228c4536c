"""The DICOM JSON Model (PS3.18 Annex F.2) for rs_dicom datasets.

>>> import rs_dicom
>>> from rs_dicom.jsonmodel import to_json_dict
>>> ds = rs_dicom.dcmread("examples/sample_ct.dcm")  # doctest: +SKIP
>>> to_json_dict(ds)["00100010"]  # doctest: +SKIP
{'vr': 'PN', 'Value': [{'Alphabetic': 'Müller^Jürgen'}]}

Encoding rules (F.2.2 - F.2.7) and where this module differs from pydicom's
``Dataset.to_json_dict()``:

- Keys are ``"GGGGEEEE"`` in ascending order; each value is ``{"vr": VR, ...}``.
- Group Length elements ``(gggg,0000)`` are left out, as F.2.2 requires (pydicom keeps them).
- An empty value has no ``"Value"`` key (F.2.5); an empty value inside a multi-valued element
  is ``null`` (pydicom keeps ``""``). A sequence without items has no ``"Value"`` key
  (pydicom writes ``[]``); an empty item is ``{}``.
- PN: ``{"Alphabetic": ..., "Ideographic": ..., "Phonetic": ...}`` from the ``=``-separated
  component groups, non-empty groups only (pydicom writes empty groups as ``""``).
- IS, DS and the binary numbers are JSON numbers. A DS or IS that is not a valid number, and a
  DS / FL / FD that is not finite, is a string (DS: its text in the file; FL / FD: ``"NaN"``,
  ``"Infinity"``, ``"-Infinity"``) because JSON has no NaN or infinity.
- AT: ``"GGGGEEEE"`` strings.
- SQ: a list of nested JSON model objects.
- OB OD OF OL OV OW UN: ``"InlineBinary"`` (base64 of the value bytes), or nothing besides
  ``"vr"`` when ``bulk_data="omit"``. Encapsulated pixel data is the encapsulated byte stream
  (items and fragments, as pydicom). Values of big endian datasets are byte-swapped to
  little endian for OD OF OL OV OW (F.2.7 applies the PS3.5 byte ordering rules and the JSON
  model has no transfer syntax; pydicom copies the big endian bytes).
- The File Meta Information is not part of the JSON model; ``include_meta=True`` adds its
  elements (group 0002) at the start.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any, Literal

__all__ = ["BulkData", "element_to_json_dict", "to_json", "to_json_dict"]

BulkData = Literal["inline", "omit"]
"""How binary values are written: ``"inline"`` (``InlineBinary``) or ``"omit"``."""

_BINARY_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN"})
_WORD_SIZE = {"OW": 2, "OF": 4, "OL": 4, "OD": 8, "OV": 8}
_INT_VRS = frozenset({"IS", "SL", "SS", "SV", "UL", "US", "UV"})
_FLOAT_VRS = frozenset({"DS", "FD", "FL"})


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, list) and len(value) == 0)


def _person_name(value: str | None) -> dict[str, str] | None:
    if not value:
        return None
    groups = value.split("=")
    names = ("Alphabetic", "Ideographic", "Phonetic")
    return {name: group for name, group in zip(names, groups, strict=False) if group}


def _raw_parts(elem: Any) -> list[str]:
    raw = bytes(elem.raw).decode("ascii", "replace")
    return [part.strip(" \0") for part in raw.split("\\")]


def _number(value: Any, vr: str, elem: Any, index: int) -> Any:
    """A JSON number, or a string where JSON cannot hold the value (see the module doc)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):  # a DS / IS that is not a valid number: keep its text
        return value
    if isinstance(value, float) and not math.isfinite(value):
        if vr == "DS":
            parts = _raw_parts(elem)
            if index < len(parts):
                return parts[index]
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if vr in _INT_VRS:
        return int(value)
    if vr in _FLOAT_VRS:
        return float(value)
    return value


def _binary(elem: Any, value: memoryview, big_endian: bool) -> str:
    data = bytes(value)
    size = _WORD_SIZE.get(elem.vr)
    if big_endian and size and elem.fragments is None and len(data) % size == 0:
        swapped = bytearray(len(data))
        for i in range(size):
            swapped[i::size] = data[size - 1 - i :: size]
        data = bytes(swapped)
    return base64.b64encode(data).decode("ascii")


def element_to_json_dict(
    elem: Any, *, bulk_data: BulkData = "inline", big_endian: bool = False
) -> dict[str, Any]:
    """One element as a DICOM JSON model attribute object: ``{"vr": ..., "Value": [...]}``.

    ``big_endian``: the element comes from a big endian dataset (binary words are swapped).
    """
    vr = elem.vr
    out: dict[str, Any] = {"vr": vr}
    value = elem.value
    if vr == "SQ":
        if len(value):
            out["Value"] = [
                _dataset_dict(item, bulk_data=bulk_data, big_endian=big_endian) for item in value
            ]
        return out
    if isinstance(value, memoryview) or vr in _BINARY_VRS:
        if bulk_data == "inline" and value is not None and len(value):
            out["InlineBinary"] = _binary(elem, value, big_endian)
        return out
    if _is_empty(value):
        return out
    values = value if isinstance(value, list) else [value]
    if vr == "PN":
        out["Value"] = [_person_name(v) for v in values]
    elif vr == "AT":
        out["Value"] = [None if v is None else f"{int(v):08X}" for v in values]
    elif vr in _INT_VRS or vr in _FLOAT_VRS:
        out["Value"] = [_number(v, vr, elem, i) for i, v in enumerate(values)]
    else:
        out["Value"] = [None if v == "" or v is None else v for v in values]
    return out


def _dataset_dict(ds: Any, *, bulk_data: BulkData, big_endian: bool) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for elem in ds:
        tag = int(elem.tag)
        if tag & 0xFFFF == 0:  # Group Length: not in the JSON model (F.2.2)
            continue
        result[f"{tag:08X}"] = element_to_json_dict(
            elem, bulk_data=bulk_data, big_endian=big_endian
        )
    return result


def to_json_dict(
    ds: Any, *, bulk_data: BulkData = "inline", include_meta: bool = False
) -> dict[str, Any]:
    """The dataset as a DICOM JSON model object (a ``dict`` ready for :func:`json.dumps`).

    ``bulk_data``: ``"inline"`` writes binary values (OB OD OF OL OV OW UN, encapsulated pixel
    data) as base64 ``InlineBinary``; ``"omit"`` leaves them out (the attribute keeps its
    ``"vr"``). ``include_meta``: also write the File Meta Information elements (group 0002),
    which the JSON model itself does not contain. Raises ``ValueError`` for an unknown
    ``bulk_data``, and whatever reading a value raises (``rs_dicom.DicomError``).
    """
    if bulk_data not in ("inline", "omit"):
        raise ValueError(f"bulk_data must be 'inline' or 'omit', not {bulk_data!r}")
    big_endian = not ds.is_little_endian
    result: dict[str, Any] = {}
    meta = ds.file_meta if include_meta else None
    if meta is not None:
        # The file meta group is always Explicit VR Little Endian.
        result.update(_dataset_dict(meta, bulk_data=bulk_data, big_endian=False))
    result.update(_dataset_dict(ds, bulk_data=bulk_data, big_endian=big_endian))
    return result


def to_json(
    ds: Any,
    *,
    bulk_data: BulkData = "inline",
    include_meta: bool = False,
    indent: int | None = None,
    ensure_ascii: bool = False,
) -> str:
    """The dataset as DICOM JSON model text; see :func:`to_json_dict` for the options.

    ``indent`` and ``ensure_ascii`` are passed to :func:`json.dumps`; the output is strict
    JSON (no ``NaN``).
    """
    return json.dumps(
        to_json_dict(ds, bulk_data=bulk_data, include_meta=include_meta),
        indent=indent,
        ensure_ascii=ensure_ascii,
        allow_nan=False,
    )
