"""`Tag`: a DICOM attribute tag that is an ``int`` (``0xGGGGEEEE``), like pydicom's."""

from __future__ import annotations

from typing import Any

from rs_dicom import _core

__all__ = ["Tag"]


class Tag(int):
    """A DICOM tag: ``Tag(0x00100010)``, ``Tag(0x0010, 0x0010)``, ``Tag((0x0010, 0x0010))``
    or ``Tag("PatientName")``. Compares and hashes like its int value."""

    __slots__ = ()

    def __new__(cls, arg: Any, element: int | None = None) -> Tag:
        if element is not None:
            group = int(arg)
            if not (0 <= group <= 0xFFFF and 0 <= element <= 0xFFFF):
                raise ValueError(f"tag group and element must be 0..0xFFFF: {arg!r}, {element!r}")
            return super().__new__(cls, (group << 16) | element)
        if isinstance(arg, Tag):
            return arg
        if isinstance(arg, tuple):
            if len(arg) != 2:
                raise ValueError("a tag tuple must be (group, element)")
            return cls(arg[0], arg[1])
        if isinstance(arg, str):
            value = _core.tag_for_keyword(arg)
            if value is None:
                try:
                    value = int(arg, 16)
                except ValueError:
                    raise ValueError(f"'{arg}' is not a DICOM keyword or hex tag") from None
            return super().__new__(cls, value)
        value = int(arg)
        if not 0 <= value <= 0xFFFFFFFF:
            raise OverflowError(f"tag out of range: {value:#x}")
        return super().__new__(cls, value)

    @property
    def group(self) -> int:
        """The group number."""
        return int(self) >> 16

    @property
    def element(self) -> int:
        """The element number."""
        return int(self) & 0xFFFF

    elem = element

    @property
    def is_private(self) -> bool:
        """True for tags in odd (private) groups."""
        g = self.group
        return g % 2 == 1 and g > 0x0007 and g != 0xFFFF

    @property
    def is_private_creator(self) -> bool:
        """True for private creator elements (gggg,0010-00FF)."""
        return self.is_private and 0x0010 <= self.element <= 0x00FF

    @property
    def keyword(self) -> str:
        """The dictionary keyword ('' if unknown or private)."""
        if self.is_private:
            return ""
        entry = _core.dictionary_entry(int(self))
        return entry[4] if entry is not None else ""

    def __str__(self) -> str:
        return f"({self.group:04X},{self.element:04X})"

    def __repr__(self) -> str:
        return str(self)

    def json_key(self) -> str:
        """The DICOM JSON model key, e.g. ``00100010``."""
        return f"{int(self):08X}"


# The native module makes Tag objects for element tags and AT values (with int.__new__, so
# no Python code runs); it learns the class here instead of importing this module.
_core._register_tag_type(Tag)
