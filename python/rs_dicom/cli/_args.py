"""Argument types and options shared by the subcommands (argparse ``type=`` functions raise
``ArgumentTypeError``, which argparse reports as a usage error, exit status 2)."""

from __future__ import annotations

import argparse
import re

_FRAME_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")
_MAX_FRAME_LIST = 1_000_000


def _int_arg(text: str, minimum: int, rule: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: '{text}'") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(rule)
    return value


def width_arg(text: str) -> int:
    """A width where 0 means no limit."""
    return _int_arg(text, 0, "must be 0 (no limit) or more")


def count_arg(text: str) -> int:
    """A count of 1 or more."""
    return _int_arg(text, 1, "must be 1 or more")


def float_arg(text: str) -> float:
    """A finite number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: '{text}'") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"not a finite number: '{text}'")
    return value


def parse_frames(text: str) -> list[int]:
    """Parses a ``--frames`` argument: numbers and inclusive ranges, comma separated.

    >>> parse_frames("0,2,5-7")
    [0, 2, 5, 6, 7]

    Duplicates are dropped, the order is kept. Raises ``ValueError`` for malformed text.
    """
    frames: dict[int, None] = {}
    for part in text.split(","):
        match = _FRAME_RANGE.match(part)
        if match is None:
            raise ValueError(f"'{part.strip()}' is neither a frame number nor a range like 5-9")
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        if last < first:
            raise ValueError(f"range '{part.strip()}' ends before it starts")
        if last - first + len(frames) > _MAX_FRAME_LIST:
            raise ValueError(f"too many frames in '{text}'")
        frames.update(dict.fromkeys(range(first, last + 1)))
    return list(frames)


def frames_arg(text: str) -> list[int]:
    """:func:`parse_frames` as an argparse type."""
    try:
        return parse_frames(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_force(parser: argparse.ArgumentParser) -> None:
    """``-f/--force``: read files without preamble and file meta (``dcmread(force=True)``)."""
    parser.add_argument(
        "-f",
        "--force",
        action="store_true",
        help="read files without preamble and file meta (a bare dataset)",
    )


def add_window(parser: argparse.ArgumentParser) -> None:
    """``--window CENTER WIDTH`` for the display image."""
    parser.add_argument(
        "--window",
        nargs=2,
        type=float_arg,
        metavar=("CENTER", "WIDTH"),
        help="VOI window center and width (e.g. 40 400; default: the file's first VOI LUT or "
        "window, else the value range of the frame)",
    )
