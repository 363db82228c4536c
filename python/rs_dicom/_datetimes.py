"""`DA`, `TM` and `DT`: DICOM dates and times as `datetime.date`, `datetime.time` and
`datetime.datetime` subclasses (pydicom's classes), public in `rs_dicom.valuerep`. A module
of their own, loaded on first use, so that ``import rs_dicom`` does not load `datetime`.
"""

from __future__ import annotations

import datetime
import re
import warnings
from typing import Any, ClassVar, cast, overload

__all__ = ["DA", "DT", "TM"]


class _DateTimeBase:
    """`str` gives the DICOM text a value was made of; pickling keeps it."""

    original_string: str
    # The datetime class of the values (date, time or datetime).
    _VALUE_TYPE: ClassVar[type]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        val = args[0] if args else None
        if isinstance(val, str):
            self.original_string = val
        elif isinstance(val, type(self)) and hasattr(val, "original_string"):
            self.original_string = val.original_string
        elif isinstance(val, self._VALUE_TYPE):
            self.original_string = self._text_of(val)

    @staticmethod
    def _text_of(val: Any) -> str:
        """The DICOM text of a datetime object (pydicom's)."""
        raise NotImplementedError

    @classmethod
    def _of_arguments(cls, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """A value of the datetime class's own arguments (``DA(2024, 1, 31)``)."""
        try:
            return cast(Any, super()).__new__(cls, *args, **kwargs)
        except Exception as exc:
            raise ValueError(f"Unable to convert '{args[0]}' to '{cls.__name__}' object") from exc

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

    _VALUE_TYPE = datetime.date

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
        return cls._of_arguments(args, kwargs)

    @staticmethod
    def _text_of(val: datetime.date) -> str:
        return f"{val.year}{val.month:02}{val.day:02}"


class DT(_DateTimeBase, datetime.datetime):
    """A DT value as a `datetime.datetime` (with a fixed-offset `tzinfo` when the text has
    ``&ZZXX``): ``DT("20240131123000.5+0100")``, ``DT(datetime)`` (pydicom's `DT`)."""

    _VALUE_TYPE = datetime.datetime

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
        return cls._of_arguments(args, kwargs)

    @staticmethod
    def _text_of(val: datetime.datetime) -> str:
        text = f"{val.year:04}{val.month:02}{val.day:02}{val.hour:02}{val.minute:02}{val.second:02}"
        if val.microsecond > 0:
            text += f".{val.microsecond:06}"
        offset = val.tzinfo.utcoffset(val) if val.tzinfo is not None else None
        if offset is not None:
            minutes = offset.days * 24 * 60 + offset.seconds // 60
            sign = "+" if minutes >= 0 else "-"
            minutes = abs(minutes)
            text += f"{sign}{minutes // 60:02}{minutes % 60:02}"
        return text


class TM(_DateTimeBase, datetime.time):
    """A TM value as a `datetime.time`: ``TM("123000.25")``, ``TM(time)`` (pydicom's `TM`)."""

    _VALUE_TYPE = datetime.time

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
        return cls._of_arguments(args, kwargs)

    @staticmethod
    def _text_of(val: datetime.time) -> str:
        text = f"{val.hour:02}{val.minute:02}{val.second:02}"
        return text + (f".{val.microsecond:06}" if val.microsecond > 0 else "")
