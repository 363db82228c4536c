"""``rs-dicom index``: the headers of many files (folders, globs, lists, fsspec URLs), as one
Parquet file."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, TextIO

from rs_dicom.cli._command import Command
from rs_dicom.cli._progress import Progress
from rs_dicom.cli._report import ERRORS, Reporter
from rs_dicom.cli._sources import SourceError, entries, read_list
from rs_dicom.remote import is_url

DESCRIPTION = """\
Write a Parquet file with one row per file: path, size, error (why a file could not be read,
or empty), transfer syntax, SOP class, the tags asked for (default: rs_dicom.scan's patient,
study, series, instance and image attributes), mtime and etag. Values are typed as in
rs_dicom.scan (dates, times, numbers, lists).

PATH is a folder (read recursively), a file, a glob ('*.dcm', 'a/**/IM*') or an fsspec URL:
a URL ending in / is a prefix listed recursively (s3://bucket/prefix/, or an HTTP index page
whose links are followed), a URL with * or ? a glob, any other URL one file. Of a URL only
the header is fetched, by range requests, and nothing is written to disk; --storage-options
gives fsspec its options (an S3 endpoint, keys, anonymous access) as a JSON object. s3://
needs s3fs, https:// aiohttp (pip install 'rs-dicom[remote]' s3fs).

Files are read in parallel (--workers), each only up to its pixel data, and written in
batches, so memory stays flat however many files there are. When OUTPUT exists and was made
with the same tags, only new files and files whose size, modification time or ETag changed
are read again (a store that gives neither time nor ETag, like a plain HTTP server, is
compared by size only); rows of files that are gone are dropped. A progress line is shown on
a terminal; files that cannot be read are listed on stderr (they are rows with their error)
and a summary goes to stdout. Needs pyarrow (pip install 'rs-dicom[scan]')."""

EPILOG = """\
examples:
  rs-dicom index /archive -o index.parquet
  rs-dicom index a b -o index.parquet --tags PatientID,StudyDate,Modality --workers 4
  rs-dicom index 'scans/**/*.dcm' --files-from more.txt -o index.parquet
  rs-dicom index s3://bucket/study/ -o index.parquet \\
      --storage-options '{"anon": true}'

exit status: 0 the index was written, 1 it could not be written, 2 wrong usage."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rs-dicom index``."""
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="folders, files, globs or fsspec URLs to index",
    )
    parser.add_argument("-o", "--output", required=True, metavar="OUTPUT", help="Parquet file")
    parser.add_argument(
        "--files-from",
        metavar="LIST",
        help="a file with one more PATH a line (- for standard input)",
    )
    parser.add_argument(
        "--storage-options",
        metavar="JSON",
        help="fsspec options for URLs, as a JSON object",
    )
    parser.add_argument(
        "--tags", metavar="A,B,...", help="keywords or GGGGEEEE tags (default: scan's set)"
    )
    parser.add_argument(
        "-j", "--workers", type=int, metavar="N", help="files read at once (default: CPUs)"
    )


def _storage_options(args: argparse.Namespace) -> dict[str, Any] | None:
    if args.storage_options is None:
        return None
    value = json.loads(args.storage_options)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def check(args: argparse.Namespace) -> str | None:
    """Options that cannot work."""
    if args.workers is not None and args.workers < 1:
        return "--workers must be at least 1"
    if not args.paths and args.files_from is None:
        return "give a PATH or --files-from"
    try:
        _storage_options(args)
    except ValueError as e:
        return f"--storage-options: {e}"
    return None


def _previous(output: str, schema: Any) -> dict[str, tuple[Any, ...]]:
    """(size, mtime, etag) by path of an existing index made with the same columns."""
    import pyarrow.parquet as pq

    if not os.path.exists(output):
        return {}
    try:
        old = pq.ParquetFile(output)
        if not old.schema_arrow.equals(schema):
            return {}
        t = old.read(columns=["path", "size", "mtime", "etag"])
    except ERRORS:
        return {}
    keys = zip(
        t.column("size").to_pylist(),
        t.column("mtime").cast("int64").to_pylist(),
        t.column("etag").to_pylist(),
        strict=True,
    )
    return dict(zip(t.column("path").to_pylist(), keys, strict=True))


def _with_etags(batch: Any, etags: dict[str, str], schema: Any, pa: Any) -> Any:
    """The scan's batch with the ``etag`` column the listing gave."""
    if not etags:  # local files: no path is looked up
        column = pa.nulls(batch.num_rows, pa.string())
    else:
        column = pa.array([etags.get(p) for p in batch.column(0).to_pylist()], pa.string())
    return pa.RecordBatch.from_arrays([*batch.columns, column], schema=schema)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Runs ``rs-dicom index``."""
    report = Reporter(out, err)
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        from rs_dicom import _core
        from rs_dicom._scan import batches, resolve_tags

        tags = None if args.tags is None else [t for t in args.tags.split(",") if t]
        scanner = _core.Scanner(resolve_tags(tags), mtime=True)
    except ERRORS as exc:
        report.exception(args.output, exc)
        return 1
    schema = pa.schema([*pa.schema(scanner.schema()), pa.field("etag", pa.string())])
    try:
        paths = list(args.paths)
        if args.files_from is not None:
            paths += read_list(args.files_from, sys.stdin)
        previous = _previous(args.output, schema)

        def lister(directory: str, recursive: bool) -> list[str]:
            return scanner.list_files(directory, recursive, args.workers)

        # With no previous index every file is read, so no size or modification time is
        # needed before: folders are listed in Rust, and the rows give both.
        files = entries(paths, _storage_options(args), None if previous else lister)
    except SourceError as exc:
        report.error(exc.arg, exc.message)
        return 1
    except ERRORS as exc:
        report.exception(args.files_from or args.output, exc)
        return 1
    unchanged = {e.path for e in files if previous.get(e.path) == (e.size, e.mtime, e.etag)}
    todo = [e.path for e in files if e.path not in unchanged]
    infos = {e.path: (e.size, e.mtime) for e in files if is_url(e.path)}
    etags = {e.path: e.etag for e in files if e.etag is not None}
    tmp = args.output + ".tmp"
    failed = 0
    progress = Progress(len(todo), err, "index")
    try:
        with pq.ParquetWriter(tmp, schema) as writer:
            if unchanged:
                keep = pa.array(sorted(unchanged))
                for old in pq.ParquetFile(args.output).iter_batches():
                    mask = pc.is_in(old.column(0), value_set=keep)
                    writer.write_batch(old.filter(mask))
            scanned = batches(scanner, todo, args.workers, progress, _storage_options(args), infos)
            for batch in scanned:
                batch = _with_etags(batch, etags, schema, pa)
                writer.write_batch(batch)
                errors = batch.column(2)
                if errors.null_count < batch.num_rows:
                    for path, error in zip(
                        batch.column(0).to_pylist(), errors.to_pylist(), strict=True
                    ):
                        if error is not None:
                            failed += 1
                            progress.clear()
                            print(f"rs-dicom: {path}: {error}", file=err)
        progress.clear()
        os.replace(tmp, args.output)
    except ERRORS as exc:
        progress.clear()
        if os.path.exists(tmp):
            os.remove(tmp)
        report.exception(args.output, exc)
        return 1
    removed = len(previous.keys() - {e.path for e in files})
    out.write(
        f"{args.output}: {len(files)} files ({len(todo)} read, {len(unchanged)} unchanged, "
        f"{removed} removed); {failed} could not be read\n"
    )
    return 0


COMMAND = Command(
    name="index",
    help="write the headers of files, folders, globs or URLs to a Parquet file",
    description=DESCRIPTION,
    epilog=EPILOG,
    add_arguments=add_arguments,
    run=run,
    check=check,
)
