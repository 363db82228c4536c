"""The files ``rs-dicom index`` reads: folders, globs, files, lists of files and fsspec URLs
(``s3://bucket/prefix/``, ``https://host/dir/``), each with what tells a re-run whether it
changed (size, modification time, ETag)."""

from __future__ import annotations

import datetime
import glob
import os
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from rs_dicom.remote import is_url


class Entry(NamedTuple):
    """A file to index and what its store says of it (None: not known)."""

    path: str
    size: int | None
    mtime: int | None
    etag: str | None


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


def _local(arg: str) -> Iterator[Entry]:
    if os.path.isdir(arg):
        yield from _walk(arg)
    elif os.path.exists(arg):
        yield _stat(arg)
    elif glob.has_magic(arg):
        matches = sorted(glob.glob(arg, recursive=True))
        if not matches:
            raise SourceError(arg, "matches no file")
        for m in matches:
            yield from _walk(m) if os.path.isdir(m) else [_stat(m)]
    else:
        raise SourceError(arg, "no such file or directory")


def _mtime_ns(info: dict[str, Any]) -> int | None:
    """The modification time a store's ``info`` gives (S3 ``LastModified``, a local or SFTP
    ``mtime``, GCS ``updated``), in ns since the epoch."""
    for key in ("LastModified", "mtime", "last_modified", "updated"):
        value = info.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            try:
                value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
        if isinstance(value, datetime.datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=datetime.UTC)
            delta = value - datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
            return (delta.days * 86_400 + delta.seconds) * 10**9 + delta.microseconds * 1000
        if isinstance(value, int | float):
            return int(round(value * 1e9))
    return None


def _etag(info: dict[str, Any]) -> str | None:
    for key in ("ETag", "etag", "md5Hash"):
        value = info.get(key)
        if value:
            return str(value)
    return None


def _remote(url: str, storage_options: dict[str, Any] | None) -> Iterator[Entry]:
    """The files of a URL: a prefix ending in ``/`` is listed recursively, a glob is
    expanded, anything else is one file. An object's info gives its size, modification time
    and ETag; where a listing gives no size (HTTP index pages), the object's info is asked."""
    from rs_dicom.remote import _filesystem

    fs, root = _filesystem(url, storage_options)
    if glob.has_magic(root):
        found = fs.glob(root, detail=True)
        infos = []
        for info in found.values():
            if info.get("type") == "directory":
                infos.extend(fs.find(info["name"], detail=True).values())
            else:
                infos.append(info)
    elif url.endswith("/"):
        infos = list(fs.find(root, detail=True).values())
    else:
        infos = [fs.info(root)]
    if not infos:
        raise SourceError(url, "no files found")
    entries = []
    for info in infos:
        if info.get("type") == "directory":
            continue
        if info.get("size") is None:
            info = {**fs.info(info["name"]), **{k: v for k, v in info.items() if v is not None}}
        size = info.get("size")
        entries.append(
            Entry(
                fs.unstrip_protocol(info["name"]),
                None if size is None else int(size),
                _mtime_ns(info),
                _etag(info),
            )
        )
    yield from sorted(entries)


def entries(args: Iterable[str], storage_options: dict[str, Any] | None) -> list[Entry]:
    """Every file the arguments name, each once, in argument order."""
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
            found = list(_local(arg))
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
