"""The Native DICOM Model XML (PS3.19 A.1) read into plain Python structures, so that two
documents (rs_dicom's and DCMTK's ``dcm2xml --native-format``) compare attribute by
attribute. Used by tests/test_xml_dcmtk.py and tests/test_xml.py."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

GROUPS = ("Alphabetic", "Ideographic", "Phonetic")
COMPONENTS = ("FamilyName", "GivenName", "MiddleName", "NamePrefix", "NameSuffix")


@dataclass
class Attribute:
    """One ``<DicomAttribute>``: its XML attributes and what it holds."""

    tag: str
    vr: str
    keyword: str | None
    creator: str | None
    values: list[str | None] = field(default_factory=list)
    names: list[dict[str, dict[str, str]] | None] = field(default_factory=list)
    items: list[dict[tuple[str, str | None], Attribute]] = field(default_factory=list)
    inline: bytes | None = None
    bulk: dict[str, str] | None = None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _dataset(node: ET.Element) -> dict[tuple[str, str | None], Attribute]:
    out: dict[tuple[str, str | None], Attribute] = {}
    for child in node:
        assert _local(child.tag) == "DicomAttribute", child.tag
        a = Attribute(
            tag=child.attrib["tag"],
            vr=child.attrib["vr"],
            keyword=child.attrib.get("keyword"),
            creator=child.attrib.get("privateCreator"),
        )
        for part in child:
            kind = _local(part.tag)
            if kind == "Value":
                assert int(part.attrib["number"]) == len(a.values) + 1
                a.values.append(part.text or None)
            elif kind == "PersonName":
                assert int(part.attrib["number"]) == len(a.names) + 1
                groups = {_local(g.tag): {_local(c.tag): c.text or "" for c in g} for g in part}
                a.names.append(groups or None)
            elif kind == "Item":
                assert int(part.attrib["number"]) == len(a.items) + 1
                a.items.append(_dataset(part))
            elif kind == "InlineBinary":
                a.inline = base64.b64decode(part.text or "")
            elif kind == "BulkData":
                a.bulk = dict(part.attrib)
            else:
                raise AssertionError(f"unexpected <{kind}>")
        key = (a.tag, a.creator)
        assert key not in out, key
        out[key] = a
    return out


def parse(document: bytes | str) -> dict[tuple[str, str | None], Attribute]:
    """The attributes of a document, keyed by (tag as written, private creator)."""
    data = document.encode() if isinstance(document, str) else document
    root = ET.fromstring(data)
    assert _local(root.tag) == "NativeDicomModel"
    return _dataset(root)


def name_text(groups: dict[str, dict[str, str]] | None) -> str:
    """A ``<PersonName>`` as PN text (trailing empty components and groups dropped)."""
    if not groups:
        return ""
    texts = []
    for g in GROUPS:
        comps = groups.get(g, {})
        texts.append("^".join(comps.get(c, "") for c in COMPONENTS).rstrip("^"))
    return "=".join(texts).rstrip("=")


def summary(attrs: dict[tuple[str, str | None], Attribute]) -> dict[str, Any]:
    """A JSON-like view (for assertion messages)."""
    return {f"{t}/{c}": a.vr for (t, c), a in attrs.items()}
