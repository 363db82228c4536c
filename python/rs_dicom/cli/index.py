"""``rs-dicom index``: the headers of every file under some folders, as one Parquet file."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from typing import Any, TextIO

from rs_dicom.cli._command import Command
from rs_dicom.cli._progress import Progress
from rs_dicom.cli._report import ERRORS, Reporter

DESCRIPTION = """\
Write a Parquet file with one row per file under the given folders (recursively): path,
size, error (why a file could not be read, or empty), transfer syntax, SOP class, the tags
asked for (default: rs_dicom.scan's patient, study, series, instance and image attributes)
and mtime. Values are typed as in rs_dicom.scan (dates, times, numbers, lists).

Files are read in parallel (--workers), each only up to its pixel data, and written in
batches, so memory stays flat however many files there are. When OUTPUT exists and was made
with the same tags, only new files and files whose size or modification time changed are
read again; rows of files that are gone are dropped. A progress line is shown on a terminal;
files that cannot be read are listed on stderr (they are rows with their error) and a
summary goes to stdout. Needs pyarrow (pip install 'rs-dicom[scan]')."""

EPILOG = """\
examples:
  rs-dicom index /archive -o index.parquet
  rs-dicom index a b -o index.parquet --tags PatientID,StudyDate,Modality --workers 4

exit status: 0 the index was written, 1 it could not be written, 2 wrong usage."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rs-dicom index``."""
    parser.add_argument("directories", nargs="+", metavar="DIR", help="folders to index")
    parser.add_argument("-o", "--output", required=True, metavar="OUTPUT", help="Parquet file")
    parser.add_argument(
        "--tags", metavar="A,B,...", help="keywords or GGGGEEEE tags (default: scan's set)"
    )
    parser.add_argument(
        "-j", "--workers", type=int, metavar="N", help="files read at once (default: CPUs)"
    )


def check(args: argparse.Namespace) -> str | None:
    """Options that cannot work."""
    if args.workers is not None and args.workers < 1:
        return "--workers must be at least 1"
    return None


def _walk(directory: str) -> Iterator[tuple[str, int, int]]:
    """(path, size, mtime in ns) of every file under ``directory``, in a stable order."""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_file():
            st = entry.stat()
            yield entry.path, st.st_size, st.st_mtime_ns
        elif entry.is_dir():
            yield from _walk(entry.path)


def _previous(output: str, schema: Any) -> dict[str, tuple[int, int]]:
    """(size, mtime) by path of an existing index made with the same columns."""
    import pyarrow.parquet as pq

    if not os.path.exists(output):
        return {}
    try:
        old = pq.ParquetFile(output)
        if not old.schema_arrow.equals(schema):
            return {}
        t = old.read(columns=["path", "size", "mtime"])
    except ERRORS:
        return {}
    mtimes = t.column("mtime").cast("int64").to_pylist()
    return dict(
        zip(
            t.column("path").to_pylist(),
            zip(t.column("size").to_pylist(), mtimes, strict=True),
            strict=True,
        )
    )


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
    schema = pa.schema(scanner.schema())
    for d in args.directories:
        if not os.path.isdir(d):
            report.error(d, "not a directory")
            return 1
    files = [f for d in args.directories for f in _walk(d)]
    previous = _previous(args.output, schema)
    unchanged = {p for p, size, mtime in files if previous.get(p) == (size, mtime)}
    todo = [p for p, _, _ in files if p not in unchanged]
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
            for batch in batches(scanner, todo, args.workers, progress):
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
    removed = len(previous.keys() - {p for p, _, _ in files})
    out.write(
        f"{args.output}: {len(files)} files ({len(todo)} read, {len(unchanged)} unchanged, "
        f"{removed} removed); {failed} could not be read\n"
    )
    return 0


COMMAND = Command(
    name="index",
    help="write the headers of every file under DIR... to a Parquet file",
    description=DESCRIPTION,
    epilog=EPILOG,
    add_arguments=add_arguments,
    run=run,
    check=check,
)
