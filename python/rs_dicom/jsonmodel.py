"""The DICOM JSON Model (PS3.18 Annex F.2) for rs_dicom datasets.

>>> import rs_dicom
>>> from rs_dicom.jsonmodel import to_json_dict
>>> ds = rs_dicom.dcmread("examples/sample_ct.dcm")  # doctest: +SKIP
>>> to_json_dict(ds)["00100010"]  # doctest: +SKIP
{'vr': 'PN', 'Value': [{'Alphabetic': 'Müller^Jürgen'}]}
>>> rs_dicom.Dataset.from_json(to_json(ds)).PatientName  # doctest: +SKIP
'Müller^Jürgen'

The work is done in Rust (``rs_dicom::json``); these functions are the same as the methods
``Dataset.to_json_dict()``, ``Dataset.to_json()``, ``Element.to_json_dict()`` and
``Dataset.from_json()``, kept for code that imports them from here.

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
  model has no transfer syntax; pydicom copies the big endian bytes). Each dataset's own
  byte order decides (the items of a UN sequence are little endian in any file).
- The File Meta Information is not part of the JSON model; ``include_meta=True`` adds its
  elements (group 0002) at the start.
- The text (``to_json``) is what ``json.dumps`` writes for the object model, keys in tag order
  and ``"vr"`` first (pydicom's ``to_json`` sorts the keys, so ``"Value"`` comes first).

Reading (``from_json``), where it differs from pydicom's ``Dataset.from_json()``:

- Values are encoded as assignment encodes them and checked against their VR and the
  dictionary's VM. A value that breaks a rule is kept with a ``UserWarning`` naming it, as
  pydicom reads (``validate=None``, the default); ``validate=True`` raises
  ``rs_dicom.DicomError`` instead, ``validate=False`` keeps it silently. A value that cannot
  be encoded at all (a US of 70000, a character the Specific Character Set lacks) raises.
- Encapsulated pixel data given inline (an item stream, as written above) becomes
  encapsulated pixel data again, so that a file written from it stays encapsulated.
- A ``BulkDataURI`` with no handler leaves the value empty with a ``UserWarning``, as in
  pydicom; a handler is called as ``handler(uri)`` or ``handler(tag, vr, uri)`` (by the
  number of its parameters, as pydicom decides) and returns the value (``bytes`` for binary
  VRs; ``str``, ``int`` or ``float`` for the others; ``None`` leaves it empty).

The PS3.19 Native DICOM Model XML is the same model in XML: ``Dataset.to_xml()`` and
``Dataset.from_xml()`` (see ``rs_dicom::xml``), with the same bulk data options.
"""

from __future__ import annotations

from typing import Any, Literal

import rs_dicom

__all__ = ["BulkData", "element_to_json_dict", "from_json", "to_json", "to_json_dict"]

BulkData = Literal["inline", "omit"]
"""How binary values are written: ``"inline"`` (``InlineBinary``) or ``"omit"``."""


def element_to_json_dict(
    elem: Any, *, bulk_data: BulkData = "inline", big_endian: bool | None = None
) -> dict[str, Any]:
    """One element as a DICOM JSON model attribute object: ``{"vr": ..., "Value": [...]}``.

    ``big_endian`` is ignored: the element's dataset knows its byte order (binary words of
    big endian datasets are swapped to little endian).
    """
    del big_endian
    result: dict[str, Any] = elem.to_json_dict(bulk_data=bulk_data)
    return result


def to_json_dict(
    ds: Any, *, bulk_data: BulkData = "inline", include_meta: bool = False
) -> dict[str, Any]:
    """The dataset as a DICOM JSON model object (a ``dict`` ready for :func:`json.dumps`).

    ``bulk_data``: ``"inline"`` writes binary values (OB OD OF OL OV OW UN, encapsulated pixel
    data) as base64 ``InlineBinary``; ``"omit"`` leaves them out (the attribute keeps its
    ``"vr"``). ``include_meta``: also write the File Meta Information elements (group 0002),
    which the JSON model itself does not contain. Raises ``ValueError`` for an unknown
    ``bulk_data``, and ``rs_dicom.DicomError`` when the file changed while it was read.
    """
    result: dict[str, Any] = ds.to_json_dict(bulk_data=bulk_data, include_meta=include_meta)
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

    The text is what :func:`json.dumps` writes for :func:`to_json_dict` with ``indent`` and
    ``ensure_ascii``; it is strict JSON (no ``NaN``).
    """
    text: str = ds.to_json(
        bulk_data=bulk_data, include_meta=include_meta, indent=indent, ensure_ascii=ensure_ascii
    )
    return text


def from_json(
    json_dataset: str | bytes | dict[str, Any],
    bulk_data_uri_handler: Any = None,
    *,
    validate: bool | None = None,
) -> rs_dicom.Dataset:
    """A dataset from DICOM JSON: the same as ``rs_dicom.Dataset.from_json``."""
    return rs_dicom.Dataset.from_json(json_dataset, bulk_data_uri_handler, validate=validate)
