"""Value types with pydicom 3's names: `PersonName` (PN), `UID` (UI), and `DA`, `TM`, `DT`
(dates and times convertible to and from `datetime`).

`PersonName` and `UID` are ``str`` subclasses, so a value compares, hashes and prints like
the text it holds::

    >>> from rs_dicom.valuerep import PersonName, UID
    >>> pn = PersonName("Doe^Jane^^Dr.")
    >>> pn == "Doe^Jane^^Dr.", pn.family_name, pn.given_name, pn.name_prefix
    (True, 'Doe', 'Jane', 'Dr.')
    >>> UID("1.2.840.10008.1.2.4.50").name
    'JPEG Baseline (Process 1)'

The native module returns PN and UI values as these classes: ``import rs_dicom`` registers
them with it, and it makes instances with ``str.__new__`` (no Python code runs per value).
`DA`, `TM` and `DT` live in ``rs_dicom._datetimes`` and load on first use (they need
`datetime`, which ``import rs_dicom`` does not load otherwise).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, overload

from rs_dicom import _core

if TYPE_CHECKING:
    from rs_dicom._datetimes import DA, DT, TM

__all__ = ["DA", "DT", "TM", "PersonName", "UID"]

_PN_PARTS = ("family_name", "given_name", "middle_name", "name_prefix", "name_suffix")


class PersonName(str):
    """A PN value: ``'Family^Given^Middle^Prefix^Suffix=Ideographic=Phonetic'``.

    As pydicom's `PersonName`, trailing empty component groups are dropped
    (``PersonName("Doe^Jane=")`` is ``'Doe^Jane'``) and ``PersonName(None)`` is ``None``.
    Unlike pydicom's, it is a ``str``: the text is already decoded (the native reader decodes
    the Specific Character Set), so there is no ``encodings``/``original_string``.
    """

    @overload
    def __new__(cls, val: None, encodings: Sequence[str] | None = None) -> None: ...  # type: ignore[misc]
    @overload
    def __new__(
        cls, val: str | bytes = "", encodings: Sequence[str] | None = None
    ) -> PersonName: ...
    def __new__(  # type: ignore[misc]
        cls, val: str | bytes | None = "", encodings: Sequence[str] | None = None
    ) -> PersonName | None:
        if val is None:
            return None
        if isinstance(val, bytes | bytearray):
            val = _decode_bytes(bytes(val), encodings)
        elif not isinstance(val, str):
            raise TypeError(f"a person name must be a str, not {type(val).__name__}")
        return super().__new__(cls, str(val).rstrip("="))

    @property
    def components(self) -> tuple[str, ...]:
        """The (alphabetic, ideographic, phonetic) component groups present."""
        return tuple(self.split("=")) if self else ()

    def _group(self, i: int) -> str:
        parts = self.split("=")
        return parts[i] if i < len(parts) else ""

    def _name_part(self, i: int) -> str:
        parts = self._group(0).split("^")
        return parts[i] if i < len(parts) else ""

    @property
    def family_name(self) -> str:
        """The family name of the alphabetic group."""
        return self._name_part(0)

    @property
    def given_name(self) -> str:
        """The given name of the alphabetic group."""
        return self._name_part(1)

    @property
    def middle_name(self) -> str:
        """The middle name of the alphabetic group."""
        return self._name_part(2)

    @property
    def name_prefix(self) -> str:
        """The name prefix of the alphabetic group, e.g. ``'Dr.'``."""
        return self._name_part(3)

    @property
    def name_suffix(self) -> str:
        """The name suffix of the alphabetic group, e.g. ``'M.D.'``."""
        return self._name_part(4)

    @property
    def alphabetic(self) -> str:
        """The alphabetic component group."""
        return self._group(0)

    @property
    def ideographic(self) -> str:
        """The ideographic component group."""
        return self._group(1)

    @property
    def phonetic(self) -> str:
        """The phonetic component group."""
        return self._group(2)

    def family_comma_given(self) -> str:
        """The name as ``'Family, Given'``."""
        return f"{self.family_name}, {self.given_name}"

    def formatted(self, format_str: str) -> str:
        """The name formatted with ``%``-style keys: ``'%(family_name)s, %(given_name)s'``
        (also ``middle_name``, ``name_prefix``, ``name_suffix``, ``ideographic``,
        ``phonetic``)."""
        keys = {p: getattr(self, p) for p in (*_PN_PARTS, "ideographic", "phonetic")}
        return format_str % keys

    def decode(self, encodings: Sequence[str] | None = None) -> PersonName:
        """The name itself: it is already decoded (kept for pydicom code)."""
        return self

    @classmethod
    def from_named_components(
        cls,
        family_name: str | bytes = "",
        given_name: str | bytes = "",
        middle_name: str | bytes = "",
        name_prefix: str | bytes = "",
        name_suffix: str | bytes = "",
        family_name_ideographic: str | bytes = "",
        given_name_ideographic: str | bytes = "",
        middle_name_ideographic: str | bytes = "",
        name_prefix_ideographic: str | bytes = "",
        name_suffix_ideographic: str | bytes = "",
        family_name_phonetic: str | bytes = "",
        given_name_phonetic: str | bytes = "",
        middle_name_phonetic: str | bytes = "",
        name_prefix_phonetic: str | bytes = "",
        name_suffix_phonetic: str | bytes = "",
        encodings: list[str] | None = None,
    ) -> PersonName:
        """A name from its named components, as pydicom's; ``ValueError`` if a component
        holds ``^``, ``=`` or a backslash. Trailing empty components and groups are
        dropped."""
        groups = (
            (family_name, given_name, middle_name, name_prefix, name_suffix),
            (
                family_name_ideographic,
                given_name_ideographic,
                middle_name_ideographic,
                name_prefix_ideographic,
                name_suffix_ideographic,
            ),
            (
                family_name_phonetic,
                given_name_phonetic,
                middle_name_phonetic,
                name_prefix_phonetic,
                name_suffix_phonetic,
            ),
        )
        return cls._from_groups(groups, encodings)

    @classmethod
    def from_named_components_veterinary(
        cls,
        responsible_party_name: str | bytes = "",
        patient_name: str | bytes = "",
        responsible_party_name_ideographic: str | bytes = "",
        patient_name_ideographic: str | bytes = "",
        responsible_party_name_phonetic: str | bytes = "",
        patient_name_phonetic: str | bytes = "",
        encodings: list[str] | None = None,
    ) -> PersonName:
        """A veterinary name (responsible party, patient), as pydicom's."""
        groups = (
            (responsible_party_name, patient_name),
            (responsible_party_name_ideographic, patient_name_ideographic),
            (responsible_party_name_phonetic, patient_name_phonetic),
        )
        return cls._from_groups(groups, encodings)

    @classmethod
    def _from_groups(
        cls, groups: Sequence[Sequence[str | bytes]], encodings: Sequence[str] | None
    ) -> PersonName:
        texts = []
        for group in groups:
            parts = []
            for part in group:
                text = _decode_bytes(part, encodings) if isinstance(part, bytes) else part
                for ch in ("\\", "=", "^"):
                    if ch in text:
                        raise ValueError(f"Strings may not contain the {ch} character")
                parts.append(text)
            texts.append("^".join(parts).rstrip("^"))
        return cls("=".join(texts))


def _decode_bytes(value: bytes, encodings: Sequence[str] | None) -> str:
    """Bytes of a name in the first of `encodings` (Python codec names), else ISO 8859-1 (the
    default repertoire as pydicom decodes it)."""
    codec = encodings[0] if encodings else "iso8859"
    return value.decode(codec)


class UID(str):
    """A UI value, with the UID registry's view of it (pydicom's `UID`).

    Transfer syntax properties come from the registry the reader uses, so they say how
    rs_dicom reads the syntax; they raise ``ValueError`` for a UID that is not a transfer
    syntax, as pydicom's do.
    """

    _PRIVATE_TS_ENCODING: tuple[bool, bool]

    def __new__(cls, val: str) -> UID:
        if not isinstance(val, str):
            raise TypeError("A UID must be created from a string")
        uid = super().__new__(cls, val.strip())
        if isinstance(val, UID) and "_PRIVATE_TS_ENCODING" in val.__dict__:
            uid._PRIVATE_TS_ENCODING = val._PRIVATE_TS_ENCODING
        return uid

    def _entry(self) -> tuple[str, str, str, bool, str] | None:
        return _core.uid_entry(str(self))

    @property
    def name(self) -> str:
        """The registry name, or the UID itself if it is not registered."""
        entry = self._entry()
        return str(self) if entry is None else entry[0]

    @property
    def keyword(self) -> str:
        """The registry keyword, e.g. ``'CTImageStorage'``, or ``''``."""
        entry = self._entry()
        return "" if entry is None else entry[4]

    @property
    def type(self) -> str:
        """The registry type, e.g. ``'SOP Class'`` or ``'Transfer Syntax'``, or ``''``."""
        entry = self._entry()
        return "" if entry is None else entry[1]

    @property
    def info(self) -> str:
        """The registry's info column (e.g. ``'Default Transfer Syntax for DICOM'``)."""
        entry = self._entry()
        return "" if entry is None else entry[2]

    @property
    def is_retired(self) -> bool:
        """True for a retired registry UID."""
        entry = self._entry()
        return False if entry is None else entry[3]

    @property
    def is_private(self) -> bool:
        """True when the UID is not under the DICOM root ``1.2.840.10008.``."""
        return self[:14] != "1.2.840.10008."

    @property
    def is_valid(self) -> bool:
        """True for a conformant UID: at most 64 characters, digits and dots, no leading
        zeros (PS3.5 9.1)."""
        return len(self) <= 64 and _RE_VALID_UID.match(self) is not None

    def _ts(self) -> tuple[Any, ...]:
        """The registry's tuple of a transfer syntax; ``ValueError`` for other UIDs."""
        encoding = self.__dict__.get("_PRIVATE_TS_ENCODING")
        if encoding is not None and self.is_private:
            # As pydicom: a private syntax is taken as encapsulated, not deflated.
            implicit, little = encoding
            return ("", "", "", not implicit, not little, False, True, None, False, False)
        info = _core.transfer_syntax_info(str(self))
        if info is not None and info[0]:
            return info
        if self.type == "Transfer Syntax":
            # Registered but unknown to the reader (XML Encoding, Papyrus 3, SMPTE ST 2110):
            # taken as the reader takes an unknown syntax, explicit VR little endian and
            # encapsulated, as pydicom does.
            return ("", "", "", True, False, False, True, None, False, self.is_retired)
        raise ValueError("UID is not a transfer syntax.")

    @property
    def is_transfer_syntax(self) -> bool:
        """True for a transfer syntax: registered, in the UID registry, or a private one
        given its encoding with :meth:`set_private_encoding`."""
        try:
            self._ts()
        except ValueError:
            return False
        return True

    @property
    def is_implicit_VR(self) -> bool:
        """True for an implicit VR transfer syntax."""
        return not self._ts()[3]

    @property
    def is_little_endian(self) -> bool:
        """True for a little endian transfer syntax."""
        return not self._ts()[4]

    @property
    def is_deflated(self) -> bool:
        """True when the dataset is deflated (Deflated Explicit VR Little Endian and the JPIP
        Referenced Deflate syntaxes)."""
        return bool(self._ts()[5])

    @property
    def is_encapsulated(self) -> bool:
        """True when pixel data is encapsulated (fragments)."""
        return bool(self._ts()[6])

    @property
    def is_compressed(self) -> bool:
        """True for an encapsulated transfer syntax (as pydicom, the same as
        :attr:`is_encapsulated`)."""
        return self.is_encapsulated

    def set_private_encoding(self, implicit_vr: bool, little_endian: bool) -> None:
        """Give a private transfer syntax its dataset encoding (pydicom 3)."""
        self._PRIVATE_TS_ENCODING = (implicit_vr, little_endian)


_RE_VALID_UID = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*\Z")


def __getattr__(name: str) -> object:
    if name in ("DA", "DT", "TM"):
        from rs_dicom import _datetimes

        return getattr(_datetimes, name)
    raise AttributeError(f"module 'rs_dicom.valuerep' has no attribute '{name}'")
