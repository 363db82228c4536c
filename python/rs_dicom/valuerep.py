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

The native module returns PN and UI values as these classes: it learns them here, at import,
and makes instances with ``str.__new__`` (no Python code runs per value).
"""

from __future__ import annotations

import datetime
import re
import warnings
from collections.abc import Sequence
from typing import Any, cast, overload

from rs_dicom import _core

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


class _DateTimeBase:
    """`str` gives the DICOM text a value was made of; pickling keeps it."""

    original_string: str

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__.copy()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        reduced = cast(tuple[Any, ...], super().__reduce_ex__(protocol))
        return reduced + (self.__getstate__(),)

    def __str__(self) -> str:
        if hasattr(self, "original_string"):
            return self.original_string
        return super().__str__()

    def __repr__(self) -> str:
        return f'"{self}"'


def _leap_second(second: int, what: str) -> int:
    if second == 60:
        warnings.warn(
            f"'{what}' doesn't allow a value of '60' for the seconds component, changing to '59'",
            stacklevel=3,
        )
        return 59
    return second


def _fraction(digits: str | None) -> int:
    return int(digits.rstrip().ljust(6, "0")) if digits else 0


class DA(_DateTimeBase, datetime.date):
    """A DA value as a `datetime.date`: ``DA("20240131")``, ``DA(date)``; ``None`` for
    ``None`` or an empty string (pydicom's `DA`). ``str()`` is the DICOM text."""

    @overload
    def __new__(cls, val: None, /) -> None: ...  # type: ignore[misc]
    @overload
    def __new__(cls, val: datetime.date, /) -> DA: ...
    @overload
    def __new__(cls, val: str, /) -> DA | None: ...  # type: ignore[misc]
    @overload
    def __new__(cls, year: int, month: int, day: int, /) -> DA: ...
    def __new__(cls, *args: Any, **kwargs: Any) -> DA | None:  # type: ignore[misc]
        if not args or args[0] is None:
            return None
        val = args[0]
        if isinstance(val, str):
            if val.strip() == "":
                return None
            if len(val) == 8:
                return super().__new__(cls, int(val[0:4]), int(val[4:6]), int(val[6:8]))
            if len(val) == 10 and val[4] == "." and val[7] == ".":
                # ACR-NEMA 300 dates, YYYY.MM.DD
                return super().__new__(cls, int(val[0:4]), int(val[5:7]), int(val[8:10]))
        if isinstance(val, datetime.date):
            return super().__new__(cls, val.year, val.month, val.day)
        try:
            return super().__new__(cls, *args, **kwargs)
        except Exception as exc:
            raise ValueError(f"Unable to convert '{val}' to 'DA' object") from exc

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        val = args[0]
        if isinstance(val, str):
            self.original_string = val
        elif isinstance(val, DA) and hasattr(val, "original_string"):
            self.original_string = val.original_string
        elif isinstance(val, datetime.date):
            self.original_string = f"{val.year}{val.month:02}{val.day:02}"


class DT(_DateTimeBase, datetime.datetime):
    """A DT value as a `datetime.datetime` (with a fixed-offset `tzinfo` when the text has
    ``&ZZXX``): ``DT("20240131123000.5+0100")``, ``DT(datetime)`` (pydicom's `DT`)."""

    _regex_dt = re.compile(r"((\d{4,14})(\.(\d{1,6}))?)([+-]\d{4})?")

    @staticmethod
    def _utc_offset(value: str) -> datetime.timezone:
        minutes = int(value[1:3]) * 60 + int(value[3:5])
        seconds = -minutes * 60 if value[0] == "-" else minutes * 60
        return datetime.timezone(datetime.timedelta(seconds=seconds), name=value)

    @overload
    def __new__(cls, val: None, /) -> None: ...  # type: ignore[misc]
    @overload
    def __new__(cls, val: datetime.datetime, /) -> DT: ...
    @overload
    def __new__(cls, val: str, /) -> DT | None: ...  # type: ignore[misc]
    @overload
    def __new__(cls, year: int, month: int, day: int, *args: Any, **kwargs: Any) -> DT: ...
    def __new__(cls, *args: Any, **kwargs: Any) -> DT | None:  # type: ignore[misc]
        if not args or args[0] is None:
            return None
        val = args[0]
        if isinstance(val, str):
            if val.strip() == "":
                return None
            match = cls._regex_dt.match(val)
            if not match or len(val) > 26:
                raise ValueError(f"Unable to convert non-conformant value '{val}' to 'DT' object")
            d = match.group(2)

            def part(start: int, default: int) -> int:
                return default if len(d) < start + 2 else int(d[start : start + 2])

            micro = _fraction(match.group(4)) if len(d) >= 14 else 0
            tz = match.group(5)
            return super().__new__(
                cls,
                int(d[0:4]),
                part(4, 1),
                part(6, 1),
                part(8, 0),
                part(10, 0),
                _leap_second(part(12, 0), "datetime.datetime"),
                micro,
                cls._utc_offset(tz) if tz else None,
            )
        if isinstance(val, datetime.datetime):
            return super().__new__(cls, *val.timetuple()[:6], val.microsecond, val.tzinfo)
        try:
            return super().__new__(cls, *args, **kwargs)
        except Exception as exc:
            raise ValueError(f"Unable to convert '{val}' to 'DT' object") from exc

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        val = args[0]
        if isinstance(val, str):
            self.original_string = val
        elif isinstance(val, DT) and hasattr(val, "original_string"):
            self.original_string = val.original_string
        elif isinstance(val, datetime.datetime):
            text = (
                f"{val.year:04}{val.month:02}{val.day:02}"
                f"{val.hour:02}{val.minute:02}{val.second:02}"
            )
            if val.microsecond > 0:
                text += f".{val.microsecond:06}"
            offset = val.tzinfo.utcoffset(val) if val.tzinfo is not None else None
            if offset is not None:
                minutes = offset.days * 24 * 60 + offset.seconds // 60
                sign = "+" if minutes >= 0 else "-"
                minutes = abs(minutes)
                text += f"{sign}{minutes // 60:02}{minutes % 60:02}"
            self.original_string = text


class TM(_DateTimeBase, datetime.time):
    """A TM value as a `datetime.time`: ``TM("123000.25")``, ``TM(time)`` (pydicom's `TM`)."""

    _RE_TIME = re.compile(
        r"(?P<h>^([01][0-9]|2[0-3]))"
        r"((?P<m>([0-5][0-9]))"
        r"((?P<s>([0-5][0-9]|60))"
        r"(\.(?P<ms>([0-9]{1,6})?))?)?)?$"
    )

    @overload
    def __new__(cls, val: None, /) -> None: ...  # type: ignore[misc]
    @overload
    def __new__(cls, val: datetime.time, /) -> TM: ...
    @overload
    def __new__(cls, val: str, /) -> TM | None: ...  # type: ignore[misc]
    @overload
    def __new__(cls, hour: int = 0, *args: Any, **kwargs: Any) -> TM: ...
    def __new__(cls, *args: Any, **kwargs: Any) -> TM | None:  # type: ignore[misc]
        if not args or args[0] is None:
            return None
        val = args[0]
        if isinstance(val, str):
            if val.strip() == "":
                return None
            match = cls._RE_TIME.match(val)
            if not match:
                raise ValueError(f"Unable to convert non-conformant value '{val}' to 'TM' object")
            hour = int(match.group("h"))
            minute = int(match.group("m") or 0)
            second = _leap_second(int(match.group("s") or 0), "datetime.time")
            return super().__new__(cls, hour, minute, second, _fraction(match.group("ms")))
        if isinstance(val, datetime.time):
            return super().__new__(cls, val.hour, val.minute, val.second, val.microsecond)
        try:
            return super().__new__(cls, *args, **kwargs)
        except Exception as exc:
            raise ValueError(f"Unable to convert '{val}' to 'TM' object") from exc

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        val = args[0]
        if isinstance(val, str):
            self.original_string = val
        elif isinstance(val, TM) and hasattr(val, "original_string"):
            self.original_string = val.original_string
        elif isinstance(val, datetime.time):
            text = f"{val.hour:02}{val.minute:02}{val.second:02}"
            if val.microsecond > 0:
                text += f".{val.microsecond:06}"
            self.original_string = text


# The native module makes PN and UI values of these classes (with str.__new__, so no Python
# code runs); it learns them here instead of importing this module.
_core._register_value_types(person_name=PersonName, uid=UID)
