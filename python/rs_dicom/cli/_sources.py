"""The files ``rs-dicom index`` reads: folders, globs, files, lists of files and fsspec URLs
(``s3://bucket/prefix/``, ``https://host/dir/``), each with what tells a re-run whether it
changed (size, modification time, ETag)."""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rs_dicom._listing import Entry, remote_entries
from rs_dicom.remote import is_url


class SourceError(Exception):
    """An argument that names no file (a missing path, a glob that matches nothing, a URL
    that cannot be listed)."""

    def __init__(self, arg: str, message: str) -> None:
        super().__init__(f"{arg}: {message}")
        self.arg = arg
        self.message = message


def _stat(path: str) -> Entry:
    st = os.stat(path)
    return Entry(path, st.st_size, st.st_mtime_ns, None)


def _walk(directory: str) -> Iterator[Entry]:
    """Every file under ``directory``, in a stable order."""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_file():
            st = entry.stat()
            yield Entry(entry.path, st.st_size, st.st_mtime_ns, None)
        elif entry.is_dir():
            yield from _walk(entry.path)


Lister = Callable[[str, bool], list[str]]
"""Lists a folder's files recursively in :func:`_walk`'s order (``Scanner.list_files``: in
Rust, sub-folders in parallel), or raises for one it lists otherwise."""


def _folder(directory: str, lister: Lister | None) -> Iterator[Entry]:
    """The files of a folder; with ``lister``, listed by it, and their size and modification
    time not asked for (None: a first index reads every file, and its rows hold both)."""
    if lister is not None:
        try:
            paths = lister(directory, True)
        except (OSError, ValueError):
            pass  # an unreadable sub-folder or a name that is not UTF-8: _walk's rules
        else:
            yield from (Entry(p, None, None, None) for p in paths)
            return
    yield from _walk(directory)


def _local(arg: str, lister: Lister | None = None) -> Iterator[Entry]:
    if os.path.isdir(arg):
        yield from _folder(arg, lister)
    elif os.path.exists(arg):
        yield _stat(arg)
    elif glob.has_magic(arg):
        matches = sorted(glob.glob(arg, recursive=True))
        if not matches:
            raise SourceError(arg, "matches no file")
        for m in matches:
            yield from _folder(m, lister) if os.path.isdir(m) else [_stat(m)]
    else:
        raise SourceError(arg, "no such file or directory")


def _remote(url: str, storage_options: dict[str, Any] | None) -> list[Entry]:
    found = remote_entries(url, storage_options)
    if not found:
        raise SourceError(url, "no files found")
    return found


def entries(
    args: Iterable[str], storage_options: dict[str, Any] | None, lister: Lister | None = None
) -> list[Entry]:
    """Every file the arguments name, each once, in argument order; ``lister``: folders are
    listed by it, without the size and modification time of their files (see
    :func:`_folder`)."""
    seen: set[str] = set()
    out: list[Entry] = []
    for arg in args:
        if is_url(arg):
            try:
                found = list(_remote(arg, storage_options))
            except SourceError:
                raise
            except Exception as e:  # any failure of the store: its message, one line
                raise SourceError(arg, " ".join(str(e).split()) or type(e).__name__) from e
        else:
            found = list(_local(arg, lister))
        for entry in found:
            if entry.path not in seen:
                seen.add(entry.path)
                out.append(entry)
    return out


def read_list(name: str, stdin: Any) -> list[str]:
    """The paths or URLs of a list file (one a line; ``-``: standard input)."""
    if name == "-":
        text = stdin.read()
    else:
        with open(name, encoding="utf-8") as f:
            text = f.read()
    return [line.strip() for line in text.splitlines() if line.strip()]
