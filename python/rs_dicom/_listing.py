"""What a store lists under a URL (``s3://bucket/prefix/``, a glob, ``https://host/dir/``):
each file with what tells a re-run whether it changed (size, modification time, ETag). Shared
by :func:`rs_dicom.scan` and ``rs-dicom index``; fsspec is imported only when a URL is listed."""

from __future__ import annotations

import datetime
from typing import Any, NamedTuple


class Entry(NamedTuple):
    """A file to read and what its store says of it (None: not known)."""

    path: str
    size: int | None
    mtime: int | None
    etag: str | None


def _path_part(url: str) -> str:
    # In an HTTP URL "?" starts the query, so it is not taken as a wildcard.
    return url.split("?", 1)[0] if url.startswith(("http://", "https://")) else url


def is_glob(url: str) -> bool:
    """Whether a URL is a glob (``*``, ``[``, or outside HTTP ``?``)."""
    path = _path_part(url)
    return "*" in path or "[" in path or (path == url and "?" in path)


def is_listing(url: str) -> bool:
    """Whether a URL names several files: a prefix ending in ``/``, or a glob."""
    return _path_part(url).endswith("/") or is_glob(url)


def mtime_ns(info: dict[str, Any]) -> int | None:
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


def etag(info: dict[str, Any]) -> str | None:
    """The ETag (or MD5 hash) a store's ``info`` gives."""
    for key in ("ETag", "etag", "md5Hash"):
        value = info.get(key)
        if value:
            return str(value)
    return None


def remote_entries(
    url: str, storage_options: dict[str, Any] | None, *, recursive: bool = True
) -> list[Entry]:
    """The files of a URL, sorted: a prefix ending in ``/`` is listed (recursively unless
    ``recursive=False``), a glob is expanded (a matching directory listed likewise), anything
    else is one file. An object's info gives its size, modification time and ETag; where a
    listing gives no size (HTTP index pages), the object's info is asked. An empty listing is
    an empty list; a store that cannot be listed raises what fsspec raised."""
    from rs_dicom.remote import _filesystem

    fs, root = _filesystem(url, storage_options)
    depth = None if recursive else 1
    if is_glob(url):
        infos = []
        for info in fs.glob(root, detail=True).values():
            if info.get("type") == "directory":
                infos.extend(fs.find(info["name"], maxdepth=depth, detail=True).values())
            else:
                infos.append(info)
    elif _path_part(url).endswith("/"):
        infos = list(fs.find(root, maxdepth=depth, detail=True).values())
    else:
        infos = [fs.info(root)]
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
                mtime_ns(info),
                etag(info),
            )
        )
    return sorted(entries)
