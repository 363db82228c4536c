"""DICOM JSON and Native DICOM Model XML against DCMTK (dcm2json, dcm2xml --native-format),
attribute by attribute on every file of pydicom and pydicom-data that DCMTK converts.

Where DCMTK and rs_dicom differ for a known reason, the comparison says so here (and only
there is a difference accepted):

- DCMTK converts the dataset to UTF-8 first (dcm2json always, dcm2xml with +U8) and so
  writes, or adds, SpecificCharacterSet (0008,0005) 'ISO_IR 192'. rs_dicom, as pydicom, keeps
  the value the dataset has (the models are Unicode either way), so that a dataset read back
  from them encodes its text as before.
- DCMTK cannot convert ISO 2022 IR 87 / IR 159 text (glibc's iconv lacks them) and refuses
  NaN and infinity in JSON numbers: those files are skipped, with DCMTK's message as the
  reason. It writes no JSON for compressed pixel data: such files are compared without
  their pixel data (removed from a copy with dcmodify).
- Numbers: DCMTK writes FL with 9 and FD with 17 significant digits (and its 17 digits are
  not always correctly rounded: 0.02622878766196998 comes out as 0.026228787661969975, one
  unit in the last place off); rs_dicom writes the shortest text that reads back exactly.
  FL values are compared as 32-bit floats, FD values to one unit in the last place.
- Text: DCMTK strips the spaces around each value of a multi-valued string ('DERIVED \\
  PRIMARY'); pydicom and rs_dicom strip them at the end of the element only. DCMTK writes
  -0.0 as 0.
- Person names: DCMTK leaves trailing empty components out ('OB^^^^' → 'OB', '^^^^' → no
  value); rs_dicom keeps the text as pydicom does. In XML, DCMTK 3.6.7 writes an empty value
  or component group with the components of the group before it (a bug), so groups that
  rs_dicom has empty are not compared.
- Keywords: DCMTK writes none for retired attributes; PS3.6 has them and rs_dicom writes them.
- Private elements whose block has no creator element: DCMTK writes them as gggg00ee
  (the block number lost); rs_dicom keeps the whole tag, so that they read back where they
  were. Such keys are compared in DCMTK's form.
- Odd-length values (nested_priv_SQ.dcm): DCMTK pads them to even length when it reads.
- VRs: where DCMTK does not know an element's VR (private tags pydicom's private dictionary
  has, or the elements of rtdose_rle.dcm, which DCMTK reads as UN) it writes UN; the value
  is not compared. DCMTK writes encapsulated pixel data as OB whatever the file says.
- InlineBinary in XML (+Eb): DCMTK writes the words of OW, OF, OL, OD and OV big endian
  (its source: "Base64 encoder requires big endian input data"); rs_dicom writes them little
  endian, as PS3.18 F.2.7 has it for JSON (PS3.5 byte ordering). They are compared after
  swapping DCMTK's words. DCMTK 3.6.7 cannot write encapsulated pixel data inline (its
  output breaks off), so those files are compared without +Eb only.
"""

from __future__ import annotations

import base64
import json
import math
import os
import struct
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest
import rs_dicom
from conformance import corpus_files
from helpers import reference_tool
from native_model import GROUPS, Attribute, parse

try:
    FILES = corpus_files()
except ImportError:  # pydicom missing: test_corpus_is_there reports it
    FILES = []

WORD = {"OW": 2, "OF": 4, "OL": 4, "OD": 8, "OV": 8}


def test_corpus_is_there() -> None:
    if os.environ.get("CI") != "true":
        pytest.importorskip("pydicom")
    assert len(FILES) > 200


def _ours(path: Path) -> rs_dicom.Dataset:
    try:
        return rs_dicom.dcmread(path, force=True)
    except rs_dicom.DicomError as exc:
        pytest.skip(f"rs_dicom does not read this file: {exc}")


def _run(args: list[str], path: Path) -> bytes:
    result = subprocess.run([*args, str(path)], capture_output=True, timeout=120)
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        pytest.skip(f"{Path(args[0]).name} cannot convert it: {message[-1] if message else '?'}")
    return result.stdout


def _retired(tag: str) -> bool:
    from pydicom.datadict import dictionary_is_retired

    try:
        return bool(dictionary_is_retired(int(tag, 16)))
    except KeyError:
        return False


def _same_number(vr: str, a: Any, b: Any) -> bool:
    if a is None or b is None or isinstance(a, str) or isinstance(b, str):
        fa, fb = _float(a), _float(b)
        if fa is None or fb is None:
            return a == b
        a, b = fa, fb
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if vr == "FL":  # == also makes -0.0 equal to DCMTK's 0
        return bool(
            struct.unpack("<f", struct.pack("<f", a)) == struct.unpack("<f", struct.pack("<f", b))
        )
    if vr == "FD":
        return a == b or abs(a - b) <= math.ulp(a)
    return a == b


def _float(v: Any) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _groups(values: list[Any] | None) -> list[list[str]]:
    """The component groups of PN values, trailing empty components dropped."""
    return [
        [(v or {}).get(g, "").rstrip("^") for g in ("Alphabetic", "Ideographic", "Phonetic")]
        for v in values or []
    ]


def _masked(key: str) -> str:
    """A private tag without its block number (gggg00ee), as DCMTK writes it without a
    creator."""
    group, element = int(key[:4], 16), int(key[4:], 16)
    if group % 2 == 1 and element >= 0x1000:
        return f"{group:04X}00{element & 0xFF:02X}"
    return key


def _same_text(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return all(_same_text(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, str) and isinstance(b, str):
        return a.strip(" ") == b.strip(" ")
    return bool(a == b)


def _same_bytes(a: bytes, b: bytes) -> bool:
    return a == b or (len(a) % 2 == 1 and a + b"\0" == b)


# --------------------------------------------------------------------------- dcm2json


def _compare_json(
    ours: dict[str, Any], theirs: dict[str, Any], where: str, empty_groups: bool = True
) -> int:
    """Compares attribute by attribute; `empty_groups=False`: name groups that are empty in
    `ours` are not compared (DCMTK's XML fills them with the group before)."""
    compared = 0
    theirs = {_masked(k): v for k, v in theirs.items()}
    ours = {k if k in theirs else _masked(k): v for k, v in ours.items()}
    assert ours.keys() - {"00080005"} == theirs.keys() - {"00080005"}, where
    for key in ours.keys() - {"00080005"}:
        a, b, at = ours[key], theirs[key], f"{where}{key}"
        if b["vr"] == "UN" and a["vr"] != "UN":
            continue  # DCMTK does not know the VR
        if key == "7FE00010" and b["vr"] == "OB" and "InlineBinary" not in a:
            continue  # encapsulated pixel data, whatever VR the file gave it
        assert a["vr"] == b["vr"], at
        va, vb = a.get("Value"), b.get("Value")
        if a["vr"] == "SQ":
            assert len(va or []) == len(vb or []), at
            for i, (x, y) in enumerate(zip(va or [], vb or [], strict=True)):
                compared += _compare_json(x, y, f"{at}[{i}].", empty_groups)
        elif a["vr"] == "PN":
            mine, them = _groups(va), _groups(vb)
            if not empty_groups:
                them = [
                    [t if m else "" for m, t in zip(x, y, strict=True)]
                    for x, y in zip(mine, them, strict=False)
                ]
            if any(any(n) for n in mine) or vb:
                assert mine == them, at
        elif a["vr"] in ("FL", "FD", "DS", "IS", "US", "SS", "UL", "SL", "UV", "SV"):
            assert len(va or []) == len(vb or []), at
            for x, y in zip(va or [], vb or [], strict=True):
                assert _same_number(a["vr"], x, y), (at, x, y)
        elif "InlineBinary" in a:
            assert _same_bytes(
                base64.b64decode(a["InlineBinary"]), base64.b64decode(b.get("InlineBinary", ""))
            ), at
        else:
            assert a.keys() == b.keys() and _same_text(va, vb), at
        compared += 1
    return compared


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_json_agrees_with_dcm2json(path: Path, tmp_path: Path) -> None:
    tool = reference_tool("dcm2json")
    ds = _ours(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = ds.to_json_dict()
    first = subprocess.run([tool, str(path)], capture_output=True, timeout=120)
    if b"not supported for compressed pixel data" in first.stderr:
        # DCMTK writes no JSON for compressed pixel data: compare the rest, from a copy of
        # the file without it (dcmodify removes the element).
        copy = tmp_path / "no_pixels.dcm"
        copy.write_bytes(path.read_bytes())
        subprocess.run(
            [reference_tool("dcmodify"), "-nb", "-e", "(7fe0,0010)", str(copy)],
            check=True,
            capture_output=True,
        )
        del ours["7FE00010"]
        ours.pop("FFFCFFFC", None)  # dcmodify drops Data Set Trailing Padding as it writes
        path = copy
    output = _run([tool], path)
    try:
        theirs = json.loads(output.decode("utf-8"))
    except UnicodeDecodeError as exc:
        pytest.skip(f"dcm2json wrote text that is not UTF-8 (it converted only part): {exc}")
    assert _compare_json(ours, theirs, "") > 0


# --------------------------------------------------------------------------- dcm2xml


def _compare_xml(
    ours: dict[tuple[str, str | None], Attribute],
    theirs: dict[tuple[str, str | None], Attribute],
    where: str,
    binary: bool,
) -> int:
    compared = 0
    skip = {("00080005", None)}
    theirs = {(_masked(t), c): v for (t, c), v in theirs.items()}
    ours = {(t if c or (t, c) in theirs else _masked(t), c): v for (t, c), v in ours.items()}
    assert ours.keys() - skip == theirs.keys() - skip, where
    for key in ours.keys() - skip:
        a, b, at = ours[key], theirs[key], f"{where}{key}"
        if b.vr == "UN" and a.vr != "UN":
            continue  # DCMTK does not know the VR
        if a.tag == "7FE00010" and a.vr == "OW" and b.vr == "OB" and b.inline is None:
            continue  # encapsulated pixel data
        assert a.vr == b.vr, at
        assert a.keyword == b.keyword or (b.keyword is None and _retired(a.tag)), at
        assert len(a.items) == len(b.items), at
        for i, (x, y) in enumerate(zip(a.items, b.items, strict=True)):
            compared += _compare_xml(x, y, f"{at}[{i}].", binary)
        if a.names or b.names:
            if not b.names:  # DCMTK leaves out a name of empty components
                assert all(
                    not any(v for g in (x or {}).values() for v in g.values()) for x in a.names
                ), at
            else:
                assert len(a.names) == len(b.names), at
            for x, y in zip(a.names, b.names, strict=False):
                for g in GROUPS:
                    mine = (x or {}).get(g, {})
                    if any(mine.values()):
                        assert {k: v for k, v in mine.items() if v} == (y or {}).get(g), at
        elif a.vr in ("FL", "FD", "US", "SS", "UL", "SL", "UV", "SV"):
            assert len(a.values) == len(b.values), at
            for x, y in zip(a.values, b.values, strict=True):
                assert _same_number(a.vr, x, y), (at, x, y)
        else:
            assert _same_text(a.values, b.values), at
        if a.inline is not None and binary:
            theirs_bytes = b.inline or b""
            size = WORD.get(a.vr)
            if size:  # DCMTK's words are big endian
                theirs_bytes = b"".join(
                    theirs_bytes[i : i + size][::-1] for i in range(0, len(theirs_bytes), size)
                )
            assert _same_bytes(a.inline, theirs_bytes), at
        elif a.inline is not None:
            assert b.bulk is not None and "uuid" in b.bulk, at
        compared += 1
    return compared


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_xml_agrees_with_dcm2xml(path: Path) -> None:
    tool = reference_tool("dcm2xml")
    ds = _ours(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = parse(ds.to_xml())
    # Binary values as BulkData UUIDs (DCMTK's default): every file.
    theirs = parse(_run([tool, "--native-format", "+U8"], path))
    assert _compare_xml(ours, theirs, "", binary=False) > 0
    # Binary values inline: the files DCMTK can write so.
    inline = subprocess.run(
        [tool, "--native-format", "+U8", "+Eb", str(path)], capture_output=True, timeout=120
    )
    if inline.returncode == 0 and b"premature end of stream" not in inline.stderr:
        _compare_xml(ours, parse(inline.stdout), "", binary=True)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_from_xml_reads_dcm2xml_output(path: Path) -> None:
    """DCMTK's document (binary values as BulkData UUIDs) reads back as the file, but for
    the binary values, which come back empty, each named once to the handler."""
    tool = reference_tool("dcm2xml")
    ds = _ours(path)
    document = _run([tool, "--native-format", "+U8"], path)
    asked: list[tuple[str, str, str]] = []

    def handler(tag: str, vr: str, uri: str) -> None:
        asked.append((tag, vr, uri))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back = rs_dicom.Dataset.from_xml(document, handler, validate=False)
        ours = ds.to_json_dict(bulk_data="omit")
        again = back.to_json_dict(bulk_data="omit")
    assert all(uri.startswith("urn:uuid:") for _, _, uri in asked)
    assert len({uri for _, _, uri in asked}) == len(asked)
    _compare_json(ours, again, "", empty_groups=False)
