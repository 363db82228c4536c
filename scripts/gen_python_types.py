"""The Python files `generate_dictionary.py` makes from the same PS3.6 tables as the Rust one.

* ``python/rs_dicom/_keywords.pyi``: every data dictionary keyword as a typed property of
  `Dataset` (getter and setter), for type checkers and editors; stub only.
* ``python/rs_dicom/_uid_constants.py``: a `UID` constant per transfer syntax and SOP class
  keyword of the UID registry (``ExplicitVRLittleEndian``, ``CTImageStorage``, ...).

Both are written so that ``ruff format`` leaves them as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from gen_common import is_retired, split_vrs

# (VR, VM, Name, Retired, Keyword)
DictRow = tuple[str, str, str, str, str]
# (Name, Type, Info, Retired, Keyword)
UidRow = tuple[str, str, str, str, str]

LINE_LENGTH = 100

# What a value of each VR is when read (getter) and what an assignment takes for one value
# (setter; a multi-valued element takes an iterable of these). The runtime's
# `Dataset.__getattr__`/`__setattr__` must agree with these.
_TEXT = ("str", "str")
VALUE_TYPES: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("AE", "AS", "CS", "LO", "LT", "SH", "ST", "UC", "UR", "UT"), _TEXT),
    "PN": ("_PersonName", "str"),
    "UI": ("_UID", "str"),
    "DA": ("str", "str | date"),
    "TM": ("str", "str | time"),
    "DT": ("str", "str | datetime"),
    "DS": ("float", "float | str | Decimal"),
    "IS": ("int", "int | str"),
    **dict.fromkeys(("US", "SS", "UL", "SL", "UV", "SV"), ("int", "int")),
    **dict.fromkeys(("FL", "FD"), ("float", "float")),
    "AT": ("_Tag", "int | tuple[int, int]"),
    **dict.fromkeys(("OB", "OD", "OF", "OL", "OV", "OW", "UN"), ("memoryview", "_Bytes")),
    "SQ": ("_Sequence", "_Items"),
}
# Names the annotations use inside the class body, where a keyword of the same name would
# shadow them.
ANNOTATION_NAMES = frozenset(
    ("Iterable", "Decimal", "date", "time", "datetime", "_PersonName", "_UID", "_Tag")
)
# VRs whose value is one object whatever the VM (bytes, sequences).
SINGLE_VRS = frozenset(("OB", "OD", "OF", "OL", "OV", "OW", "UN", "SQ"))

KEYWORDS_HEADER = '''\
"""Typed keyword attributes of `Dataset`, for type checkers and editors (a stub only).

Every data dictionary keyword (retired ones too) is a property: reading gives the value
as `Dataset.__getattr__` returns it (PN → `PersonName`, UI → `UID`, DS → float, US → int,
OB/OW → memoryview, SQ → the items; a list when the VM is more than 1, either when the
VM may be 1 or more), assigning takes what `Dataset.__setattr__` accepts (``None``: an
empty value). Reading an element the dataset does not have raises ``AttributeError``.
"""

from collections.abc import Iterable, MutableSequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import type_check_only

from rs_dicom._core import Dataset
from rs_dicom.tag import Tag
from rs_dicom.valuerep import UID, PersonName

# Names in the class body are the keywords (`PersonName` and `UID` are two of them), so the
# annotations use these private names.
_PersonName = PersonName
_UID = UID
_Tag = Tag
_Bytes = bytes | bytearray | memoryview
_Sequence = MutableSequence[Dataset]
_Items = Iterable[Dataset]

@type_check_only
class _DatasetKeywords:
    """The keyword properties `Dataset` inherits in the stubs."""
'''


def _union(alternatives: Iterable[str]) -> str:
    """``'a | b'`` of the distinct `alternatives`, in order."""
    return " | ".join(dict.fromkeys(alternatives))


def vm_kind(vm: str) -> str:
    """``'one'`` (VM 1), ``'many'`` (always more than one) or ``'either'`` (``1-n``, ``1-3``)."""
    low, _, high = vm.partition("-")
    if not high:
        return "one" if low in ("1", "0") else "many"
    return "either" if low in ("0", "1") else "many"


def property_types(vr: str, vm: str) -> tuple[str, str]:
    """(getter type, setter type) of an element of `vr` (``'US or SS'``) and `vm`."""
    kind = vm_kind(vm)
    getters: list[str] = []
    setters: list[str] = []
    for v in split_vrs(vr):
        get, put = VALUE_TYPES[v]
        if v in SINGLE_VRS or kind != "many":
            getters.append(get)
            setters += put.split(" | ")
        if v not in SINGLE_VRS and kind != "one":
            getters.append(f"list[{get}]")
            setters.append(f"Iterable[{put}]")
    return _union(getters), _union([*setters, "None"])


def _def(name: str, params: str, returns: str, body: str = " ...") -> list[str]:
    """A method definition (at class level), wrapped the way ``ruff format`` wraps it."""
    line = f"    def {name}({params}) -> {returns}:{body}"
    if len(line) <= LINE_LENGTH:
        return [line]
    inner = f"        {params}"
    if len(inner) <= LINE_LENGTH:
        return ["    def " + name + "(", inner, f"    ) -> {returns}:{body}"]
    return (
        ["    def " + name + "("]
        + [f"        {p.strip()}," for p in params.split(", ")]
        + [f"    ) -> {returns}:{body}"]
    )


def _docstring(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def keyword_property(tag: str, row: DictRow) -> list[str]:
    """The getter and setter of one keyword."""
    vr, vm, name, retired, keyword = row
    get, put = property_types(vr, vm)
    doc = f"{tag} {name} · {vr} · VM {vm}{' · retired' if is_retired(retired) else ''}"
    doc_line = f'        """{_docstring(doc)}"""'
    if len(doc_line) > LINE_LENGTH:
        doc_line = f'        """{_docstring(f"{tag} {name}")}\n\n        {vr} · VM {vm}"""'
        if is_retired(retired):
            doc_line = doc_line[:-3] + ' · retired"""'
    return [
        "    @property",
        *_def(keyword, "self", get, ""),
        doc_line,
        f"    @{keyword}.setter",
        *_def(keyword, f"self, value: {put}", "None"),
    ]


def _tag_text(pattern: str) -> str:
    return f"({pattern[:4]},{pattern[4:]})"


def generate_keywords(
    dictionary: Mapping[int, DictRow], repeaters: Mapping[str, DictRow], version: str
) -> str:
    """Return the text of ``_keywords.pyi``."""
    rows: dict[str, tuple[str, DictRow]] = {}
    items = [(f"{tag:08X}", row) for tag, row in dictionary.items()]
    items += [(pattern.upper(), row) for pattern, row in repeaters.items()]
    for pattern, row in items:
        keyword = row[4]
        if not keyword or row[0].strip() in ("", "NONE"):
            continue
        if keyword in rows:
            raise ValueError(f"duplicate keyword {keyword!r}")
        if not keyword.isidentifier() or not keyword.isascii():
            raise ValueError(f"keyword {keyword!r} is not an identifier")
        if keyword in ANNOTATION_NAMES:
            raise ValueError(f"keyword {keyword!r} shadows a name the annotations use")
        rows[keyword] = (_tag_text(pattern).replace("X", "x"), row)
    out = [
        "# @generated by scripts/generate_dictionary.py from the PS3.6 tables shipped in",
        f"# pydicom {version}; do not edit.",
        KEYWORDS_HEADER,
    ]
    for keyword in sorted(rows):
        tag, row = rows[keyword]
        out += keyword_property(tag, row)
    return "\n".join(out) + "\n"


UID_KINDS = ("Transfer Syntax", "SOP Class")

UIDS_HEADER = '''\
"""`UID` constants of the UID registry (PS3.6 Annex A): every transfer syntax and SOP class
that has a keyword, retired ones too. Imported by `rs_dicom.uid`."""

from rs_dicom.valuerep import UID
'''


def generate_uid_constants(uids: Mapping[str, UidRow], version: str) -> str:
    """Return the text of ``_uid_constants.py``."""
    out = [
        "# @generated by scripts/generate_dictionary.py from the PS3.6 tables shipped in",
        f"# pydicom {version}; do not edit.",
        UIDS_HEADER,
    ]
    names: set[str] = set()
    by_kind: dict[str, list[str]] = {k: [] for k in UID_KINDS}
    for uid, (_name, kind, _info, _retired, keyword) in sorted(uids.items()):
        if kind not in UID_KINDS or not keyword:
            continue
        if keyword in names or not keyword.isidentifier():
            raise ValueError(f"UID keyword {keyword!r} is repeated or not an identifier")
        names.add(keyword)
        by_kind[kind].append(keyword)
        line = f'{keyword} = UID("{uid}")'
        out += [line] if len(line) <= LINE_LENGTH else [f"{keyword} = UID(", f'    "{uid}"', ")"]
    out += ["", "TRANSFER_SYNTAX_KEYWORDS = ("]
    out += [f'    "{k}",' for k in by_kind["Transfer Syntax"]]
    out += [")", '"""Keywords of the transfer syntax constants, in UID order."""', ""]
    return "\n".join(out)
