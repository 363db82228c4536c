"""Input files: FILE arguments with glob patterns, and reading one file as a dataset."""

from __future__ import annotations

import glob
import os
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from typing import Any

_GLOB_CHARS = re.compile(r"[*?\[]")


class NoDatasetError(ValueError):
    """The file was read but holds no DICOM data elements at all."""


def expand(patterns: Sequence[str], error: Callable[[str, str], None]) -> Iterator[str]:
    """Paths from the FILE arguments: existing paths as given, glob patterns expanded (also
    on Windows shells, which do not expand them); a pattern matching nothing is an error."""
    for pattern in patterns:
        if os.path.exists(pattern) or not _GLOB_CHARS.search(pattern):
            yield pattern
            continue
        matches = sorted(glob.glob(pattern, recursive=True))
        if not matches:
            error(pattern, "no file matches this pattern")
        yield from matches


def read(path: str, *, stop_before_pixels: bool = False, force: bool = False) -> Any:
    """``rs_dicom.dcmread(path)`` for the command line: a directory, a missing file, an empty
    file and a dataset with no elements at all (what a forced read of a non-DICOM file may
    give) are errors with a plain message, not something to print nothing for."""
    import rs_dicom

    if os.path.isdir(path):
        raise IsADirectoryError(path)
    if not os.path.exists(path):
        raise FileNotFoundError(path)
    info = os.stat(path)
    if stat.S_ISREG(info.st_mode) and info.st_size == 0:
        raise NoDatasetError("empty file (0 bytes), not a DICOM file")
    ds = rs_dicom.dcmread(path, stop_before_pixels=stop_before_pixels, force=force)
    if len(ds) == 0 and not ds.file_meta:
        raise NoDatasetError(
            f"no DICOM data elements in this file ({info.st_size} bytes"
            + (", read with --force)" if force else ")")
        )
    return ds


def stem(path: str) -> str:
    """The file name without a DICOM suffix (.dcm, .dicom, .dic, .ima), for output names."""
    name = os.path.basename(os.path.normpath(path))
    base, suffix = os.path.splitext(name)
    return base if suffix.lower() in (".dcm", ".dicom", ".dic", ".ima") else name
