"""`rs_dicom.scan`: the headers of many files as one pyarrow Table, one row per file.

The files are read in Rust on a pool of threads, each only up to its pixel data, and the
Arrow arrays are built there; pyarrow (the ``rs-dicom[scan]`` extra) is imported only here.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from rs_dicom import _core
from rs_dicom._listing import is_listing, remote_entries
from rs_dicom.dictionary import tag_for_keyword
from rs_dicom.remote import is_url

if TYPE_CHECKING:
    import pyarrow

__all__ = ["DEFAULT_TAGS", "expand_paths", "resolve_tags", "scan"]

DEFAULT_TAGS: tuple[str, ...] = (
    # patient
    "PatientID",
    "PatientName",
    "PatientBirthDate",
    "PatientSex",
    "PatientAge",
    # study
    "StudyInstanceUID",
    "StudyDate",
    "StudyTime",
    "StudyDescription",
    "AccessionNumber",
    "StudyID",
    # series
    "SeriesInstanceUID",
    "SeriesNumber",
    "SeriesDescription",
    "Modality",
    "BodyPartExamined",
    "ProtocolName",
    "Manufacturer",
    "ManufacturerModelName",
    "FrameOfReferenceUID",
    # instance
    "SOPInstanceUID",
    "InstanceNumber",
    "ImageType",
    "AcquisitionDateTime",
    "ContentDate",
    "ContentTime",
    # image
    "Rows",
    "Columns",
    "NumberOfFrames",
    "SamplesPerPixel",
    "PhotometricInterpretation",
    "BitsAllocated",
    "BitsStored",
    "PixelRepresentation",
    "PixelSpacing",
    "SliceThickness",
    "ImagePositionPatient",
    "ImageOrientationPatient",
    "RescaleSlope",
    "RescaleIntercept",
)
"""The tags :func:`scan` reads when none are given: patient, study, series, instance and
image attributes enough to group files into series and volumes."""

_BATCH = 4096
"""Paths handed to Rust at a time: the progress bar moves per batch, memory stays flat."""


def _import_pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError as exc:
        raise ImportError("rs_dicom.scan needs pyarrow: pip install 'rs-dicom[scan]'") from exc
    return pyarrow


def resolve_tags(tags: Iterable[Any] | None) -> list[int]:
    """Tag numbers of keywords, ints, ``(group, element)`` tuples or ``"GGGG,EEEE"`` text."""
    out: list[int] = []
    for t in DEFAULT_TAGS if tags is None else tags:
        if isinstance(t, tuple):
            out.append((int(t[0]) << 16) | int(t[1]))
        elif isinstance(t, int):
            out.append(int(t))
        elif isinstance(t, str):
            number = tag_for_keyword(t)
            if number is None:
                hexed = t.strip("() ").replace(",", "")
                try:
                    number = int(hexed, 16) if len(hexed) == 8 else None
                except ValueError:
                    number = None
            if number is None:
                raise ValueError(f"unknown tag {t!r}: give a keyword, a tag number or GGGG,EEEE")
            out.append(number)
        else:
            raise TypeError(f"a tag is a keyword, an int or a (group, element) tuple, not {t!r}")
    if len(set(out)) != len(out):
        raise ValueError("a tag is asked for twice")
    return out


Info = tuple[int | None, int | None]
"""What a store's listing says of a URL: size and modification time (ns), either unknown."""


def _walk(directory: str, recursive: bool) -> Iterator[str]:
    entries = sorted(os.scandir(directory), key=lambda e: e.name)
    for entry in entries:
        if entry.is_file():
            yield entry.path
        elif recursive and entry.is_dir():
            yield from _walk(entry.path, recursive)


Lister = Callable[[str, bool], list[str]]
"""Lists a folder as :func:`_walk` does (``Scanner.list``: in Rust, sub-folders in parallel)."""


def _listed(directory: str, recursive: bool, lister: Lister | None) -> list[str]:
    if lister is not None and isinstance(directory, str):
        try:
            return lister(directory, recursive)
        except (OSError, ValueError):
            pass  # listed again below: the same files, or the error os.scandir raises
    return list(_walk(directory, recursive))


def expand_paths(
    paths: Any,
    recursive: bool = True,
    storage_options: dict[str, Any] | None = None,
    infos: dict[str, Info] | None = None,
    lister: Lister | None = None,
) -> list[str]:
    """Files of a directory, a glob, a path, a URL, or a list of any of these, in a stable
    order. A URL prefix ending in ``/`` and a URL glob are listed by their store (fsspec);
    ``infos`` receives the size and modification time the listing gave. A URL listing that
    fails is kept as the URL itself, so the scan gives its error row. ``lister`` lists local
    folders in place of :func:`_walk` (which still lists those it fails on)."""
    items: Sequence[Any] = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    files: list[str] = []
    for item in items:
        p = os.fspath(item)
        if is_url(p):
            if not is_listing(p):
                files.append(p)
                continue
            try:
                found = remote_entries(p, storage_options, recursive=recursive)
            except Exception:  # the scan reports it as the URL's error row
                files.append(p)
                continue
            for entry in found:
                files.append(entry.path)
                if infos is not None:
                    infos[entry.path] = (entry.size, entry.mtime)
        elif os.path.isdir(p):
            files.extend(_listed(p, recursive, lister))
        elif glob.has_magic(p) and not os.path.exists(p):
            for match in sorted(glob.glob(p, recursive=recursive)):
                files.extend(_listed(match, recursive, lister) if os.path.isdir(match) else [match])
        else:
            # A missing file becomes a row with its error, like any unreadable file.
            files.append(p)
    return files


def _progress_bar(total: int) -> Any:
    import sys

    from rs_dicom.cli._progress import Progress

    return Progress(total, sys.stderr, "scan")


_FETCHERS = 16
"""URLs whose headers are fetched at a time (the waits are the network's, not the CPU's)."""

_URL_BATCH = 1024
"""URLs whose header bytes are held at once (a few KiB each): memory stays flat."""


def fetch_header(
    scanner: Any,
    url: str,
    storage_options: dict[str, Any] | None = None,
    info: Info | None = None,
) -> tuple[str, int | None, int | None, bytes | str]:
    """The scan input of ``url``: ``(url, size, mtime, header bytes)``, or the error as str.

    The first 8 KiB are fetched by a range request, then more (each request 4 times the
    bytes held) until ``scanner.wanted`` says the bytes give the row the whole file would:
    the header up to the last tag the scan needs, or to a defect. Nothing is written to disk.
    """
    from rs_dicom.remote import FIRST_REQUEST, _Remote

    size, mtime = info if info is not None else (None, None)
    try:
        remote = _Remote(url, storage_options, size=size)
        size = remote.size
        data = remote.read(0, FIRST_REQUEST)
        ended = len(data) < FIRST_REQUEST
        while (want := scanner.wanted(data, len(data) if ended else size)) is not None:
            more = remote.read(len(data), want)
            ended = len(more) < want - len(data)
            data += more
    except Exception as e:  # any failure of the store is this URL's error row
        text = str(e) or type(e).__name__
        return url, None, mtime, text if text.startswith(url) else f"{url}: {text}"
    return url, size, mtime, data


def _read_chunk(
    scanner: Any,
    chunk: list[str],
    workers: int | None,
    pa: Any,
    storage_options: dict[str, Any] | None = None,
    infos: dict[str, Info] | None = None,
) -> Iterator[Any]:
    """Record batches of ``chunk``; a URL's row is the scan of its header bytes, fetched by
    range requests (:func:`fetch_header`) and read from memory."""
    # "://" first: a substring test costs a tenth of the URL pattern, for every local path.
    urls = [i for i, p in enumerate(chunk) if "://" in p and is_url(p)]
    if not urls:
        for batch in scanner.read(chunk, workers):
            yield pa.record_batch(batch)
        return
    infos = infos or {}
    for start in range(0, len(chunk), _URL_BATCH):
        part = chunk[start : start + _URL_BATCH]
        todo = [p for p in part if is_url(p)]
        with ThreadPoolExecutor(max(1, min(_FETCHERS, len(todo)))) as pool:
            got = iter(
                list(
                    pool.map(
                        lambda u: fetch_header(scanner, u, storage_options, infos.get(u)), todo
                    )
                )
            )
        items: list[Any] = [next(got) if is_url(p) else p for p in part]
        for batch in scanner.read_inputs(items, workers):
            yield pa.record_batch(batch)


def batches(
    scanner: Any,
    files: Sequence[str],
    workers: int | None,
    progress: Any = None,
    storage_options: dict[str, Any] | None = None,
    infos: dict[str, Info] | None = None,
) -> Iterator[Any]:
    """pyarrow record batches of ``files`` read by ``scanner``, ``_BATCH`` files at a time;
    ``infos``: the size and mtime of URLs, when a listing gave them."""
    pa = _import_pyarrow()

    def read(start: int) -> list[Any]:
        chunk = list(files[start : start + _BATCH])
        return list(_read_chunk(scanner, chunk, workers, pa, storage_options, infos))

    # The next files are read (in Rust, without the GIL) while the caller takes these
    # batches (writes them to Parquet, say), so the workers do not wait for the caller.
    starts = range(0, len(files), _BATCH)
    with ThreadPoolExecutor(1) as ahead:
        pending = [ahead.submit(read, s) for s in starts[:1]]
        for i in range(len(starts)):
            got = pending.pop().result()
            if i + 1 < len(starts):
                pending.append(ahead.submit(read, starts[i + 1]))
            for rb in got:
                if progress is not None:
                    # Progress counts one step at a time: add the batch less one, then step.
                    progress.done += rb.num_rows - 1
                    progress.failed += rb.num_rows - rb.column(2).null_count
                    progress.step(True)
                yield rb


def scan(
    paths: Any,
    tags: Iterable[Any] | None = None,
    *,
    recursive: bool = True,
    workers: int | None = None,
    progress: bool = False,
    storage_options: dict[str, Any] | None = None,
) -> pyarrow.Table:
    """The headers of DICOM files as a pyarrow Table, one row per file.

    ``paths``: a directory (its files, recursively unless ``recursive=False``), a glob, a file,
    a URL (any fsspec URL, the ``rs-dicom[remote]`` extra: its header is fetched by range
    requests, 8 KiB and then more only while the bytes do not reach the last requested tag,
    and scanned from memory like a local file, with no temporary file; the row's ``size`` is
    the remote file's, and a URL that cannot be fetched is an error row; ``storage_options``
    go to fsspec, e.g. an S3 endpoint and keys; a URL ending in ``/`` — ``s3://bucket/prefix/``
    — or a URL glob — ``s3://bucket/*/IM*`` — is listed by the store, recursively unless
    ``recursive=False``, and a listing that fails is the URL's error row), or a list
    of these. ``tags``: keywords, tag
    numbers or ``(group, element)`` tuples; the default is :data:`DEFAULT_TAGS`. ``workers``:
    threads (default: all cores).

    Columns: ``path``, ``size`` (bytes), ``error`` (null, or why the file could not be read:
    a bad file is a row, never an exception), ``transfer_syntax_uid``, ``sop_class_uid``, then
    one column per tag named by its keyword (``GGGGEEEE`` without one). Types follow the data
    dictionary: DA → date32, TM → time64[us], DT → timestamp[us] (the wall-clock time as
    written; a UTC offset is dropped), DS/FL/FD → float64, IS/US/UL/SS/SL/SV → int64, UV →
    uint64, AT → int64 (the tag number), text and PN → string, binary VRs and tags the
    dictionary does not know → binary; tags that may hold several values → lists. A missing
    element and an empty value are nulls (an empty value is ``[]`` in a list column); a value
    that does not convert (a DS of ``"abc"``, a date of ``"2024"``) is a null; a scalar text
    column keeps a value with more values than the dictionary allows as DICOM writes it
    (joined by ``\\``). Sequences cannot be asked for.
    Each file is read only up to the last requested tag (or its pixel data, if that comes
    first): an 8 KiB prefix, more only for longer headers. A defect after that point does not
    make an error row, and an element written out of tag order after it is not seen.
    """
    pa = _import_pyarrow()
    scanner = _core.Scanner(resolve_tags(tags))
    schema = pa.schema(scanner.schema())
    items: list[Any] = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    local = not any(is_url(os.fspath(p)) for p in items)
    if not progress and local and len(items) == 1:
        folder = os.fspath(items[0])
        if isinstance(folder, str) and os.path.isdir(folder):
            # One local folder: listed (sub-folders in parallel) and read in one Rust call.
            try:
                read = scanner.read_dir(folder, recursive, workers)
            except (OSError, ValueError):
                pass  # listed below: the same rows, or the error os.scandir raises
            else:
                return pa.Table.from_batches([pa.record_batch(b) for b in read], schema=schema)
    infos: dict[str, Info] = {}

    def lister(directory: str, recursive: bool) -> list[str]:
        return scanner.list_files(directory, recursive, workers)

    files = expand_paths(items, recursive, storage_options, infos, lister)
    if not progress and local:
        # Local files only and no progress to show: one call reads them all (the table holds
        # every row anyway), with no pause between batches for Python to hand over the next.
        out = [pa.record_batch(b) for b in scanner.read(files, workers)]
        return pa.Table.from_batches(out, schema=schema)
    bar = _progress_bar(len(files)) if progress else None
    try:
        out = list(batches(scanner, files, workers, bar, storage_options, infos))
    finally:
        if bar is not None:
            bar.clear()
    return pa.Table.from_batches(out, schema=schema)
