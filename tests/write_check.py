"""What the writing tests share: reading any corpus file, the transfer syntaxes we write, and
element-by-element comparison of two readings of the same data written in different encodings
(rs_dicom against rs_dicom, pydicom against pydicom).

Encodings differ in ways the standard allows, and the comparison allows exactly those:
- numbers in OW/OF/OD/OL/OV values are compared as numbers, so that big and little endian
  files compare equal;
- in implicit VR the VR is not written: a reader takes it from the dictionary, so private
  elements come back as UN (their bytes, compared in little endian), elements whose VR
  depends on other elements (US/SS, OB/OW) may come back with the other VR (same bytes).
  (Private sequences stay sequences: the writer gives them undefined lengths in implicit VR.)
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import rs_dicom

IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
EXPLICIT_BE = "1.2.840.10008.1.2.2"
DEFLATED = "1.2.840.10008.1.2.1.99"
UNCOMPRESSED = {
    "implicit": IMPLICIT_LE,
    "explicit": EXPLICIT_LE,
    "big": EXPLICIT_BE,
    "deflated": DEFLATED,
}

# Bytes per number of the VRs whose values are byte-swapped between byte orders.
SWAP = {"US": 2, "SS": 2, "OW": 2, "AT": 2, "UL": 4, "SL": 4, "FL": 4, "OF": 4, "OL": 4}
SWAP |= {"FD": 8, "OD": 8, "SV": 8, "UV": 8, "OV": 8}


def read_rs(path: Path | str | bytes) -> tuple[rs_dicom.Dataset, bool]:
    """rs_dicom's reading of a file or bytes: (dataset, force) — force only when needed."""
    src = path if isinstance(path, bytes) else str(path)
    try:
        return rs_dicom.dcmread(src), False
    except rs_dicom.InvalidDicomError:
        return rs_dicom.dcmread(src, force=True), True


def read_pydicom(path: Path | str | bytes) -> Any:
    import pydicom
    from pydicom.errors import InvalidDicomError

    src = io.BytesIO(path) if isinstance(path, bytes) else path
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pydicom.dcmread(src)
        except InvalidDicomError:
            if isinstance(src, io.BytesIO):
                src.seek(0)
            return pydicom.dcmread(src, force=True)


def is_encapsulated(ds: rs_dicom.Dataset) -> bool:
    return "PixelData" in ds and ds["PixelData"].fragments is not None


def save_bytes(ds: rs_dicom.Dataset, uid: str | None = None, *, enforce: bool = False) -> bytes:
    """The bytes `ds.save_as` writes, in transfer syntax `uid` (as read when None)."""
    if uid is not None:
        ds.file_meta.TransferSyntaxUID = uid
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=enforce)
    return out.getvalue()


def little_endian_bytes(raw: bytes, vr: str, big: bool) -> bytes:
    """The value's bytes in little endian (numbers of `vr` swapped when `big`)."""
    import numpy as np

    size = SWAP.get(vr, 1)
    if not big or size == 1:
        return raw
    whole = len(raw) - len(raw) % size
    swapped = np.frombuffer(raw[:whole], dtype=f">u{size}").astype(f"<u{size}").tobytes()
    return swapped + raw[whole:]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _rs_value(elem: rs_dicom.Element, big: bool) -> Any:
    value = elem.value
    if isinstance(value, memoryview):
        return little_endian_bytes(bytes(value), elem.vr, big)
    if isinstance(value, list):
        return [int(v) if isinstance(v, int) else v for v in value]
    if isinstance(value, int):
        return int(value)
    return value


def compare_rs(
    a: rs_dicom.Dataset,
    b: rs_dicom.Dataset,
    *,
    a_big: bool,
    b_big: bool,
    implicit: bool,
    path: str = "",
) -> Iterator[str]:
    """Differences between two rs_dicom readings; `implicit`: `b` was written in implicit VR."""
    atags = [int(e.tag) for e in a]
    btags = [int(e.tag) for e in b]
    if atags != btags:
        yield f"{path or 'top'}: tags differ: {sorted(set(atags) ^ set(btags))[:6]}"
        return
    for ea, eb in zip(a, b, strict=True):
        where = f"{path}{ea.tag}"
        if ea.tag.element == 0:
            continue  # group lengths: recomputed for the encoding (write_oracles checks them)
        if ea.vr == "SQ" and eb.vr == "SQ":
            ia, ib = list(ea.value), list(eb.value)
            if len(ia) != len(ib):
                yield f"{where}: {len(ia)} items vs {len(ib)}"
                continue
            for i, (x, y) in enumerate(zip(ia, ib, strict=True)):
                yield from compare_rs(
                    x, y, a_big=a_big, b_big=b_big, implicit=implicit, path=f"{where}[{i}]."
                )
            continue
        if ea.vr != eb.vr:
            if not implicit:
                yield f"{where}: VR {ea.vr} became {eb.vr}"
            elif little_endian_bytes(bytes(ea.raw), ea.vr, a_big) != little_endian_bytes(
                bytes(eb.raw), ea.vr, b_big
            ):
                yield f"{where}: {ea.vr} -> {eb.vr} and the bytes differ"
            continue
        if ea.tag == 0x7FE00010 and ea.fragments is not None:
            fa, fb = ea.fragments, eb.fragments
            if (
                fb is None
                or bytes(fa[0]) != bytes(fb[0])
                or [bytes(f) for f in fa[1]] != [bytes(f) for f in fb[1]]
            ):
                yield f"{where}: encapsulated pixel data differs"
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                va = _rs_value(ea, a_big)
            except rs_dicom.DicomError as exc:
                # A value the input holds badly (a bad DS, ...): the bytes must be kept.
                va = ("undecodable", type(exc).__name__)
            try:
                vb = _rs_value(eb, b_big)
            except rs_dicom.DicomError as exc:
                vb = ("undecodable", type(exc).__name__)
        if isinstance(va, tuple) or isinstance(vb, tuple):
            ra = little_endian_bytes(bytes(ea.raw), ea.vr, a_big)
            rb = little_endian_bytes(bytes(eb.raw), eb.vr, b_big)
            if ra != rb:
                yield f"{where}: undecodable value changed bytes"
            continue
        if not _same(va, vb):
            yield f"{where} {ea.vr}: {_short(va)} != {_short(vb)}"


def _short(v: Any) -> str:
    s = repr(v)
    return s if len(s) < 100 else s[:97] + "..."


def _pydicom_value(elem: Any, big: bool) -> Any:
    from pydicom.multival import MultiValue
    from pydicom.valuerep import PersonName

    value = elem.value
    if isinstance(value, (bytes, bytearray)):
        return little_endian_bytes(bytes(value), str(elem.VR), big)
    if isinstance(value, (MultiValue, list, tuple)):
        return [str(v) if isinstance(v, PersonName) else v for v in value]
    if isinstance(value, PersonName):
        return str(value)
    return value


def compare_pydicom(
    a: Any, b: Any, *, a_big: bool, b_big: bool, implicit: bool, path: str = ""
) -> Iterator[str]:
    """Differences between pydicom's readings of the input and of what we wrote."""
    atags = [int(e.tag) for e in a]
    btags = [int(e.tag) for e in b]
    if atags != btags:
        yield f"{path or 'top'}: tags differ: {sorted(set(atags) ^ set(btags))[:6]}"
        return
    for ea, eb in zip(a, b, strict=True):
        where = f"{path}({int(ea.tag) >> 16:04X},{int(ea.tag) & 0xFFFF:04X})"
        if int(ea.tag) & 0xFFFF == 0:
            continue
        va_r, vb_r = str(ea.VR), str(eb.VR)
        if va_r == "SQ" and vb_r == "SQ":
            if len(ea.value) != len(eb.value):
                yield f"{where}: {len(ea.value)} items vs {len(eb.value)}"
                continue
            for i, (x, y) in enumerate(zip(ea.value, eb.value, strict=True)):
                yield from compare_pydicom(
                    x, y, a_big=a_big, b_big=b_big, implicit=implicit, path=f"{where}[{i}]."
                )
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                va, vb = _pydicom_value(ea, a_big), _pydicom_value(eb, b_big)
            except Exception:  # pydicom cannot convert the input's value: nothing to compare
                continue
        if va_r != vb_r:
            if not implicit:
                yield f"{where}: VR {va_r} became {vb_r}"
            elif isinstance(va, bytes) and isinstance(vb, bytes) and va != vb:
                yield f"{where}: {va_r} -> {vb_r} and the bytes differ"
            # Values decoded by different VRs are not comparable; compare_rs compares bytes.
            continue
        if not _same(va, vb):
            yield f"{where} {va_r}: {_short(va)} != {_short(vb)}"
