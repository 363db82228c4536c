"""Tag paths given on the command line: ``PatientName``, ``0010,0010``, ``(0010,0010)``,
``0x00100010``, and paths into sequences such as
``ReferencedSeriesSequence[0].SeriesInstanceUID``."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from typing import Any

_HEX_TAG = re.compile(
    r"^(?:\(\s*(?P<g1>[0-9A-Fa-f]{4})\s*,\s*(?P<e1>[0-9A-Fa-f]{4})\s*\)"
    r"|(?P<g2>[0-9A-Fa-f]{4})\s*,\s*(?P<e2>[0-9A-Fa-f]{4})"
    r"|(?:0[xX])?(?P<hex>[0-9A-Fa-f]{8}))$"
)
_STEP = re.compile(r"^(?P<tag>[^\[\]]+?)\s*(?:\[\s*(?P<index>-?\d+)\s*\])?$")


@dataclass(frozen=True)
class TagPath:
    """A parsed ``--tag`` argument: tags, each but the last with a sequence item index."""

    text: str
    """The argument as given."""
    steps: tuple[tuple[int, int | None], ...]
    """``(tag, item index or None)`` for each level."""

    def resolve(self, ds: Any) -> Any:
        """What this path names in ``ds``: an Element, a sequence item (a Dataset) for a path
        ending in ``[index]``, or ``None`` when absent."""
        current = ds
        last = len(self.steps) - 1
        for level, (tag, index) in enumerate(self.steps):
            if tag not in current:
                return None
            elem = current[tag]
            if level == last and index is None:
                return elem
            if elem.vr != "SQ":
                return None
            items = elem.value
            if index is None or not -len(items) <= index < len(items):
                return None
            current = items[index]
            if level == last:
                return current
        return None


def _parse_tag(text: str) -> int:
    from rs_dicom import dictionary

    text = text.strip()
    tag = dictionary.tag_for_keyword(text)
    if tag is not None:
        return int(tag)
    match = _HEX_TAG.match(text)
    if match is None:
        raise ValueError(f"'{text}' is neither a DICOM keyword nor a tag like 0010,0010")
    if match.group("hex"):
        return int(match.group("hex"), 16)
    group = match.group("g1") or match.group("g2")
    element = match.group("e1") or match.group("e2")
    return (int(group, 16) << 16) | int(element, 16)


def parse_tag_path(text: str) -> TagPath:
    """Parses a ``--tag`` argument: a keyword or hex tag, or a sequence path of them.

    >>> parse_tag_path("ReferencedSeriesSequence[0].SeriesInstanceUID").steps
    ((528661, 0), (2097166, None))

    Raises ``ValueError`` for an unknown keyword or malformed text.
    """
    steps: list[tuple[int, int | None]] = []
    parts = text.split(".")
    for position, part in enumerate(parts):
        match = _STEP.match(part.strip())
        if match is None:
            raise ValueError(f"'{text}': cannot read '{part}' as a tag or Sequence[index]")
        index = match.group("index")
        if index is None and position < len(parts) - 1:
            raise ValueError(f"'{text}': '{part}' needs an item index, e.g. {part}[0]")
        steps.append((_parse_tag(match.group("tag")), None if index is None else int(index)))
    return TagPath(text, tuple(steps))


def tag_path_arg(text: str) -> TagPath:
    """:func:`parse_tag_path` as an argparse type."""
    try:
        return parse_tag_path(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
