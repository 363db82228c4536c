"""The record tree of a file-set: nodes over directory record datasets, the keys that match
an instance to its patient, study and series, new File IDs, and the tree as text."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

LEVELS = ("PATIENT", "STUDY", "SERIES")
"""The records above an instance's record in the General Purpose profile."""

_KEYS = {"PATIENT": "PatientID", "STUDY": "StudyInstanceUID", "SERIES": "SeriesInstanceUID"}

# The first letters of new File ID components, by record type (pydicom's layout).
_PREFIXES = {
    "PATIENT": "PT",
    "STUDY": "ST",
    "SERIES": "SE",
    "IMAGE": "IM",
    "RT DOSE": "RD",
    "RT STRUCTURE SET": "RS",
    "RT PLAN": "RP",
    "RT TREAT RECORD": "RX",
    "PRESENTATION": "PR",
    "WAVEFORM": "WV",
    "SR DOCUMENT": "SR",
    "KEY OBJECT DOC": "KY",
    "SPECTROSCOPY": "SP",
    "RAW DATA": "RW",
    "REGISTRATION": "RG",
    "FIDUCIAL": "FD",
    "ENCAP DOC": "ED",
    "VALUE MAP": "VM",
}

# What a line of the tree shows of each record type.
_SHOWN = {
    "PATIENT": ("PatientID", "PatientName"),
    "STUDY": ("StudyDate", "StudyTime", "StudyDescription", "StudyID"),
    "SERIES": ("Modality", "SeriesNumber", "SeriesDescription"),
}


def _components(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return tuple(str(value).split("\\"))


class RecordNode:
    """A directory record in the tree: its dataset, the record above and those below."""

    def __init__(self, record: Any, parent: RecordNode | None, offset: int | None = None) -> None:
        self.record = record
        self.parent = parent
        self.offset = offset
        """Byte offset of the record in the DICOMDIR it was read from (``None`` when new)."""
        self.children: list[RecordNode] = []
        self.detached = False
        self.file_id = _components(record.get("ReferencedFileID"))

    @property
    def record_type(self) -> str:
        """The Directory Record Type (``PATIENT``, ``STUDY``, ``IMAGE`` ...)."""
        return str(self.record.get("DirectoryRecordType", "") or "")

    @property
    def has_instance(self) -> bool:
        """Whether the record references a file (an instance of the file-set)."""
        return "ReferencedFileID" in self.record

    @property
    def ancestors(self) -> list[RecordNode]:
        """The records above this one, the top one first."""
        found = []
        node = self.parent
        while node is not None:
            found.append(node)
            node = node.parent
        return found[::-1]

    @property
    def depth(self) -> int:
        """0 for a record of the root directory entity."""
        return len(self.ancestors)

    def set_file_id(self, file_id: tuple[str, ...]) -> None:
        """Points the record at a file."""
        self.record.ReferencedFileID = list(file_id)
        self.file_id = file_id

    def detach(self, roots: list[RecordNode]) -> None:
        """Removes this record, and the records above it left with nothing below them."""
        node: RecordNode | None = self
        while node is not None:
            siblings = node.parent.children if node.parent else roots
            siblings.remove(node)
            node.detached = True
            parent = node.parent
            node = parent if parent is not None and not parent.children else None
            if node is not None and node.has_instance:
                break

    def __iter__(self) -> Iterator[RecordNode]:
        """The records below this one, depth-first."""
        return walk(self.children)

    def __repr__(self) -> str:
        return f"<RecordNode {self.record_type} at {self.offset}>"


def walk(nodes: list[RecordNode]) -> Iterator[RecordNode]:
    """``nodes`` and the records below them, depth-first (each record before those below
    it), without recursion."""
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def node_key(record: Any, level: str) -> str:
    """What makes two records of ``level`` the same patient, study or series."""
    return str(record.get(_KEYS[level], "") or "")


def new_file_ids(
    staged: Iterable[Any],
    taken: set[tuple[str, ...]],
    roots: list[RecordNode],
    root: str | None = None,
) -> Iterator[tuple[str, ...]]:
    """File IDs for the staged instances, in pydicom's layout ``PTnnnnnn/STnnnnnn/
    SEnnnnnn/IMnnnnnn`` (numbers: positions among the records of the level), none of them
    in ``taken`` or, under ``root``, an existing file."""
    for instance in staged:
        node = instance.node
        parts = []
        for above in node.ancestors:
            siblings = above.parent.children if above.parent else roots
            parts.append(f"{_PREFIXES.get(above.record_type, 'XX')}{siblings.index(above):06d}")
        prefix = _PREFIXES.get(node.record_type, "IN")
        number = (node.parent.children if node.parent else roots).index(node)
        while True:
            file_id = (*parts, f"{prefix}{number:06d}")
            exists = root is not None and os.path.exists(os.path.join(root, *file_id))
            if file_id not in taken and not exists:
                break
            number += 1
        taken.add(file_id)
        yield file_id


def _shown(record: Any, keyword: str) -> str | None:
    value = record.get(keyword)
    if value is None or value == "":
        return None
    text = str(value)
    return f"{keyword}={text!r}" if isinstance(value, str) else f"{keyword}={text}"


def record_lines(roots: list[RecordNode], *, every_instance: bool = False) -> Iterator[str]:
    """The tree as indented lines: one per patient, study and series record; the records
    that reference files are counted per series (or, with ``every_instance``, one line each
    with their File ID)."""
    stack: list[tuple[RecordNode, int]] = [(n, 0) for n in reversed(roots)]
    while stack:
        node, depth = stack.pop()
        pad = "  " * depth
        kind = node.record_type or "(no type)"
        if node.has_instance and not every_instance:
            continue
        fields = [s for kw in _SHOWN.get(kind, ()) if (s := _shown(node.record, kw))]
        if node.has_instance:
            number = _shown(node.record, "InstanceNumber")
            fields = [f for f in (number, f"File ID: {'/'.join(node.file_id)}") if f]
        yield f"{pad}{kind}: {', '.join(fields)}".rstrip(": ").rstrip()
        leaves = [c for c in node.children if c.has_instance]
        if leaves and not every_instance:
            kinds = sorted({c.record_type for c in leaves})
            count = len(leaves)
            yield f"{pad}  {'/'.join(kinds)}: {count} instance{'s' if count != 1 else ''}"
        stack.extend((c, depth + 1) for c in reversed(node.children))
