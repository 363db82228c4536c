"""``rs-dicom meta``: the metadata of DICOM files as a tree, DICOM JSON, XML or chosen values."""

from __future__ import annotations

import argparse
import json
import os
import shutil
from collections.abc import Iterator, Sequence
from typing import Any, Literal, TextIO

from rs_dicom.cli._args import add_force, width_arg
from rs_dicom.cli._command import Command
from rs_dicom.cli._files import expand, read
from rs_dicom.cli._pixels import cut_short
from rs_dicom.cli._report import ERRORS, Reporter, isatty
from rs_dicom.cli._tagpath import TagPath, tag_path_arg

DESCRIPTION = """\
Print the metadata of DICOM files.

By default each file is shown as a tree in the style of DCMTK's dcmdump: one line per
element with its tag, VR, value, length, VM and keyword, the File Meta Information first,
sequence items indented. Text values are in [brackets], several values are separated by
a backslash, binary values show a hex preview and their size. Only the value is cut to fit
the terminal width (see --width). With several files, each tree starts with a
'# File: PATH' line and trees are separated by a blank line.

A DICOMDIR (the directory of a File-set) is shown as its record tree instead: one line
per PATIENT, STUDY and SERIES record with their main keys, and one per instance record
with its File ID, indented by level. --elements shows its elements as for any file.

--json prints the DICOM JSON model (PS3.18 F.2) instead: for one file a single indented
JSON object; for several files JSON Lines, one compact object per line in the order of
the files, with 'null' on the line of a file that could not be read.

--xml prints the Native DICOM Model XML (PS3.19 A.1) instead, in UTF-8 as DCMTK's
'dcm2xml --native-format' lays it out; with several files the documents follow one another,
each starting with its XML declaration.

--tag prints only the given values, one per line, in the order given, as plain text
(several values joined with a backslash, an empty line when the element is absent). With
several files every line starts with 'PATH: '.

FILE may be a glob pattern (expanded here, also on Windows shells). A file that cannot be
read prints one line 'rs-dicom: PATH: MESSAGE' on stderr, the other files are still
printed, and the exit status is 1. A file whose pixel data is cut short (the file ends
inside it) prints its header, then reports the pixel problem the same way."""

EPILOG = """\
tags (--tag) are given as a keyword (PatientName) or a hex tag: 0010,0010 (0010,0010)
00100010 0x00100010. A path reaches into sequences: an item index in brackets, then
a dot, e.g. ReferencedSeriesSequence[0].SeriesInstanceUID or (0008,1115)[0].(0020,000E);
a negative index counts from the end.

examples:
  rs-dicom meta image.dcm                          # the tree
  rs-dicom meta -s --width 0 image.dcm             # no pixel data, values never cut
  rs-dicom meta --json image.dcm > image.json      # DICOM JSON model
  rs-dicom meta --json --no-bulk 'study/*.dcm'     # JSON Lines, without binary values
  rs-dicom meta --xml image.dcm > image.xml        # Native DICOM Model XML
  rs-dicom meta /media/cd/DICOMDIR                 # the File-set's record tree
  rs-dicom meta --tag PatientName --tag 0020,0013 'series/*.dcm'
  rs-dicom meta --tag 'AnatomicRegionSequence[0].CodeMeaning' image.dcm

exit status: 0 all files read, 1 a file could not be read, 2 wrong usage."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rs-dicom meta``."""
    parser.add_argument("files", nargs="+", metavar="FILE", help="DICOM files or glob patterns")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print the DICOM JSON model (PS3.18 F.2)")
    mode.add_argument(
        "--xml", action="store_true", help="print the Native DICOM Model XML (PS3.19 A.1)"
    )
    mode.add_argument(
        "-t",
        "--tag",
        action="append",
        type=tag_path_arg,
        metavar="TAG",
        help="print only this value (repeatable): keyword, hex tag or sequence path",
    )
    parser.add_argument(
        "--no-bulk",
        action="store_true",
        help="with --json or --xml: leave out binary values (no InlineBinary)",
    )
    parser.add_argument(
        "--include-meta",
        action="store_true",
        help="with --json or --xml: also write the File Meta Information (group 0002)",
    )
    parser.add_argument(
        "-s",
        "--stop-before-pixels",
        action="store_true",
        help="do not read the pixel data and what follows it",
    )
    parser.add_argument(
        "--elements",
        action="store_true",
        help="for a DICOMDIR: the element tree instead of the record tree",
    )
    add_force(parser)
    parser.add_argument(
        "-w",
        "--width",
        type=width_arg,
        metavar="N",
        help="cut tree values so that lines fit in N columns; 0: never cut (default: the "
        "terminal width; when not writing to a terminal: $COLUMNS, else values are cut at "
        "80 characters)",
    )


def check(args: argparse.Namespace) -> str | None:
    """Options that only mean something together."""
    if not (args.json or args.xml) and (args.no_bulk or args.include_meta):
        return "--no-bulk and --include-meta need --json or --xml"
    return None


def _tag_lines(ds: Any, paths: Sequence[TagPath]) -> Iterator[str]:
    from rs_dicom import Dataset
    from rs_dicom._repr import plain_value

    for path in paths:
        found = path.resolve(ds)
        if found is None:
            yield ""
        elif isinstance(found, Dataset):  # a sequence item: Sequence[index]
            yield f"(Item, {len(found)} element{'s' if len(found) != 1 else ''})"
        else:
            yield plain_value(found)


def _is_dicomdir(ds: Any) -> bool:
    from rs_dicom.fileset import DICOMDIR_SOP_CLASS

    meta = ds.file_meta
    return bool(meta) and str(meta.get("MediaStorageSOPClassUID", "")) == DICOMDIR_SOP_CLASS


def _record_lines(ds: Any) -> Iterator[str]:
    """The record tree of a DICOMDIR (read through rs_dicom.FileSet)."""
    from rs_dicom._fileset_tree import record_lines
    from rs_dicom.fileset import FileSet

    fs = FileSet(ds)
    count = len(fs)
    yield (
        f"# File-set ID: {fs.ID or '(none)'}, UID: {fs.UID or '(none)'}, "
        f"{count} instance{'s' if count != 1 else ''}"
    )
    yield from record_lines(fs._roots, every_instance=True)


def _pixel_problem(ds: Any) -> str | None:
    """What to report after the header of a file that ends inside its pixel data."""
    problem = cut_short(ds)
    if problem is None:
        return None
    return f"pixel data: {problem} (the header above was read whole)"


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Runs ``rs-dicom meta``."""
    from rs_dicom._repr import tree_lines
    from rs_dicom.jsonmodel import to_json_dict

    report = Reporter(out, err)
    paths = list(expand(args.files, report.error))
    several = len(paths) > 1
    width = args.width
    if width is None and (isatty(out) or os.environ.get("COLUMNS")):
        width = shutil.get_terminal_size((80, 24)).columns
    # JSON with non-ASCII text must stay valid JSON when stdout cannot encode it.
    ascii_only = (getattr(out, "encoding", None) or "").lower().replace("-", "") != "utf8"
    bulk: Literal["inline", "omit"] = "omit" if args.no_bulk else "inline"

    for number, path in enumerate(paths):
        try:
            ds = read(path, stop_before_pixels=args.stop_before_pixels, force=args.force)
            if args.json:
                model = to_json_dict(ds, bulk_data=bulk, include_meta=args.include_meta)
                text = json.dumps(
                    model,
                    indent=None if several else 2,
                    ensure_ascii=ascii_only,
                    allow_nan=False,
                )
                lines: Iterator[str] = iter([text])
            elif args.xml:
                text = ds.to_xml(bulk_data=bulk, include_meta=args.include_meta)
                if ascii_only:  # character references keep it valid UTF-8-declared XML
                    text = text.encode("ascii", "xmlcharrefreplace").decode("ascii")
                lines = iter([text.rstrip("\n")])
            elif args.tag:
                lines = _tag_lines(ds, args.tag)
                if several:
                    lines = (f"{path}: {line}" for line in lines)
            elif not args.elements and _is_dicomdir(ds):
                lines = _record_lines(ds)
                if several:
                    out.write(("\n" if number else "") + f"# File: {path}\n")
            else:
                lines = tree_lines(ds, width=width)
                if several:
                    out.write(("\n" if number else "") + f"# File: {path}\n")
            for line in lines:
                out.write(line + "\n")
            if len(ds) == 0:  # file meta only: nothing of what a user came for
                report.error(path, "no data elements after the File Meta Information")
            problem = _pixel_problem(ds)
            if problem:
                report.error(path, problem)
        except ERRORS as exc:
            report.exception(path, exc)
            if args.json and several:
                out.write("null\n")
    out.flush()
    return report.status


COMMAND = Command(
    name="meta",
    help="print metadata (tree, DICOM JSON, XML or chosen values)",
    description=DESCRIPTION,
    epilog=EPILOG,
    add_arguments=add_arguments,
    run=run,
    check=check,
)
