"""``rs-dicom dicomdir``: write DIR/DICOMDIR for the DICOM files of a folder tree (STD-GEN-CD)."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TextIO

from rs_dicom.cli._command import Command
from rs_dicom.cli._report import ERRORS, Reporter, error_text, isatty

DESCRIPTION = """\
Write DIR/DICOMDIR, the directory of a DICOM File-set, for the DICOM files under DIR, in the
General Purpose profile (STD-GEN-CD): a PATIENT, STUDY and SERIES record above each
instance's record, keyed by Patient ID, Study and Series Instance UID. Files stay where they
are; their paths relative to DIR are their File IDs, which the standard limits to at most 8
components of 1 to 8 characters from A-Z, 0-9 and _ (as written on CDs: 'IMAGES/CT0001').

When DIR/DICOMDIR exists it is updated: its records are kept, files not in it yet are
added, and records of files that no longer exist are removed. --remove FILE takes a file
out of the file-set and deletes it (as pydicom's FileSet.remove does when written).

Files are read in parallel (--workers), with a progress line on a terminal. A file that
cannot be added (a damaged DICOM file, a name that is no valid File ID, a Type 1 key
missing for its record) prints 'rs-dicom: FILE: MESSAGE' on stderr and is left out; files
that are not DICOM at all, and DICOMDIRs in subfolders, are counted in the summary only.
The summary goes to stdout."""

EPILOG = """\
examples:
  rs-dicom dicomdir /media/cd                   # /media/cd/DICOMDIR
  rs-dicom dicomdir cd --id STUDY_2026          # File-set ID
  rs-dicom dicomdir cd --remove cd/IMAGES/IM3   # one file out of the file-set

exit status: 0 every DICOM file is in the DICOMDIR, 1 a file was left out or the DICOMDIR
could not be written, 2 wrong usage."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rs-dicom dicomdir``."""
    parser.add_argument("directory", metavar="DIR", help="the file-set's root directory")
    parser.add_argument(
        "--id", dest="fileset_id", metavar="ID", help="File-set ID (at most 16 characters)"
    )
    parser.add_argument(
        "--remove",
        action="append",
        default=[],
        metavar="FILE",
        help="take FILE out of the file-set and delete it (repeatable)",
    )
    parser.add_argument(
        "-j", "--workers", type=int, metavar="N", help="files read at once (default: CPUs)"
    )
    parser.add_argument(
        "--implicit",
        action="store_true",
        help="write the DICOMDIR in Implicit VR Little Endian (PS3.10 asks for explicit VR)",
    )


def check(args: argparse.Namespace) -> str | None:
    """Options that cannot work."""
    if args.fileset_id is not None and len(args.fileset_id) > 16:
        return "--id: a File-set ID has at most 16 characters"
    if args.workers is not None and args.workers < 1:
        return "--workers must be at least 1"
    return None


def _files(root: str) -> Iterator[str]:
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(folder, name)
            if os.path.samefile(folder, root) and name == "DICOMDIR":
                continue
            yield path


class _NotDicom(Exception):
    """The file is not a DICOM instance (not DICOM at all, or another DICOMDIR): skipped
    without counting as a failure."""


def _records(root: str, path: str) -> list[Any]:
    """The records of one file (run in a worker thread; the Rust parts release the GIL)."""
    from rs_dicom import _core
    from rs_dicom.fileset import DICOMDIR_SOP_CLASS

    try:
        ds = _core.dcmread(path, stop_before_pixels=True)
    except _core.InvalidDicomError as exc:
        raise _NotDicom(str(exc)) from exc
    meta = ds.file_meta
    if meta and str(meta.get("MediaStorageSOPClassUID", "")) == DICOMDIR_SOP_CLASS:
        raise _NotDicom("a DICOMDIR of another file-set")
    file_id = _core._dicomdir_file_id(root, path)
    return _core._dicomdir_instance_records(ds, file_id)


class _Progress:
    """A progress line on stderr when it is a terminal."""

    def __init__(self, err: TextIO, total: int) -> None:
        self.err = err
        self.total = total
        self.shown = isatty(err) and total > 0
        self.last = 0.0

    def update(self, done: int) -> None:
        now = time.monotonic()
        if self.shown and (now - self.last > 0.1 or done == self.total):
            self.last = now
            width = 30
            filled = width * done // self.total
            bar = "#" * filled + "-" * (width - filled)
            self.err.write(f"\r[{bar}] {done}/{self.total} files")
            self.err.flush()

    def interrupt(self) -> None:
        """Ends the progress line so that a message can be printed."""
        if self.shown:
            self.err.write("\n")

    def close(self) -> None:
        if self.shown:
            self.err.write("\n")
            self.err.flush()


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Runs ``rs-dicom dicomdir``."""
    from rs_dicom.fileset import FileSet

    report = Reporter(out, err)
    root = os.path.abspath(args.directory)
    if not os.path.isdir(root):
        report.error(args.directory, "not a directory")
        return 1
    dicomdir = os.path.join(root, "DICOMDIR")
    try:
        fs = FileSet(dicomdir) if os.path.exists(dicomdir) else FileSet()
    except ERRORS as exc:
        report.exception(dicomdir, exc)
        return 1
    if args.fileset_id is not None:
        fs.ID = args.fileset_id
    kept = removed = 0
    removing = {os.path.abspath(p) for p in args.remove}
    known = set()
    for instance in list(fs):
        path = os.path.abspath(instance.path)
        known.add(path)
        if path in removing or not os.path.isfile(path):
            fs.remove(instance)
            removed += 1
        else:
            kept += 1
    for path in removing - known:
        if os.path.exists(path):
            report.error(path, "not in the file-set")
    paths = [p for p in _files(root) if os.path.abspath(p) not in known | removing]
    added = not_dicom = failed = 0
    progress = _Progress(err, len(paths))
    with ThreadPoolExecutor(max_workers=args.workers or os.cpu_count() or 1) as pool:
        futures = [(p, pool.submit(_records, root, p)) for p in paths]
        for done, (path, future) in enumerate(futures, 1):
            try:
                fs._insert(future.result())
                added += 1
            except _NotDicom:
                not_dicom += 1
            except ERRORS as exc:
                failed += 1
                progress.interrupt()
                report.error(path, error_text(exc))
            progress.update(done)
    progress.close()
    try:
        fs.write(root)
    except ERRORS as exc:
        report.exception(dicomdir, exc)
        return 1
    patients = sum(1 for node in fs._roots if node.record_type == "PATIENT")
    out.write(
        f"{dicomdir}: {len(fs)} instances of {patients} patient{'s' if patients != 1 else ''} "
        f"({added} added, {kept} kept, {removed} removed); "
        f"{failed} file{'s' if failed != 1 else ''} left out, {not_dicom} not DICOM instances\n"
    )
    return report.status


COMMAND = Command(
    name="dicomdir",
    help="write DIR/DICOMDIR for the DICOM files under DIR (a File-set)",
    description=DESCRIPTION,
    epilog=EPILOG,
    add_arguments=add_arguments,
    run=run,
    check=check,
)
