"""The ``rs-dicom`` command line tool.

``rs-dicom meta FILE...`` prints DICOM metadata: a dcmdump-like tree (default), the DICOM JSON
model (``--json``) or selected values (``--tag``). Run ``rs-dicom meta --help`` for details.
The module also runs as ``python -m rs_dicom.cli``.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

__all__ = ["TagPath", "build_parser", "main", "parse_tag_path"]

PROG = "rs-dicom"

_DESCRIPTION = """\
Read DICOM files with rs_dicom (a Rust core: memory-mapped, zero-copy).
Run 'rs-dicom COMMAND --help' for a command's options."""

_EPILOG = """\
examples:
  rs-dicom meta image.dcm
  rs-dicom meta --json --no-bulk image.dcm
  rs-dicom meta --tag PatientName --tag 0020,0013 'series/*.dcm'"""

_META_DESCRIPTION = """\
Print the metadata of DICOM files.

By default each file is shown as a tree in the style of DCMTK's dcmdump: one line per
element with its tag, VR, value, length, VM and keyword, the File Meta Information first,
sequence items indented. Text values are in [brackets], several values are separated by
a backslash, binary values show a hex preview and their size. Only the value is cut to fit
the terminal width (see --width). With several files, each tree starts with a
'# File: PATH' line and trees are separated by a blank line.

--json prints the DICOM JSON model (PS3.18 F.2) instead: for one file a single indented
JSON object; for several files JSON Lines, one compact object per line in the order of
the files, with 'null' on the line of a file that could not be read.

--tag prints only the given values, one per line, in the order given, as plain text
(several values joined with a backslash, an empty line when the element is absent). With
several files every line starts with 'PATH: '.

FILE may be a glob pattern (expanded here, also on Windows shells). A file that cannot be
read prints one line 'rs-dicom: PATH: MESSAGE' on stderr, the other files are still
printed, and the exit status is 1."""

_META_EPILOG = """\
tags (--tag) are given as a keyword (PatientName) or a hex tag: 0010,0010 (0010,0010)
00100010 0x00100010. A path reaches into sequences: an item index in brackets, then
a dot, e.g. ReferencedSeriesSequence[0].SeriesInstanceUID or (0008,1115)[0].(0020,000E);
a negative index counts from the end.

examples:
  rs-dicom meta image.dcm                          # the tree
  rs-dicom meta -s --width 0 image.dcm             # no pixel data, values never cut
  rs-dicom meta --json image.dcm > image.json      # DICOM JSON model
  rs-dicom meta --json --no-bulk 'study/*.dcm'     # JSON Lines, without binary values
  rs-dicom meta --tag PatientName --tag 0020,0013 'series/*.dcm'
  rs-dicom meta --tag 'AnatomicRegionSequence[0].CodeMeaning' image.dcm

exit status: 0 all files read, 1 a file could not be read, 2 wrong usage."""

_GLOB_CHARS = re.compile(r"[*?\[]")
_HEX_TAG = re.compile(
    r"^(?:\(\s*(?P<g1>[0-9A-Fa-f]{4})\s*,\s*(?P<e1>[0-9A-Fa-f]{4})\s*\)"
    r"|(?P<g2>[0-9A-Fa-f]{4})\s*,\s*(?P<e2>[0-9A-Fa-f]{4})"
    r"|(?:0[xX])?(?P<hex>[0-9A-Fa-f]{8}))$"
)
_STEP = re.compile(r"^(?P<tag>[^\[\]]+?)\s*(?:\[\s*(?P<index>-?\d+)\s*\])?$")


# --------------------------------------------------------------------------- tag paths


@dataclass(frozen=True)
class TagPath:
    """A parsed ``--tag`` argument: tags, each but the last with a sequence item index."""

    text: str
    """The argument as given."""
    steps: tuple[tuple[int, int | None], ...]
    """``(tag, item index or None)`` for each level."""

    def resolve(self, ds: Any) -> Any:
        """What this path names in ``ds``: an Element, a sequence item (a Dataset) for a path
        ending in ``[index]``, or ``None`` when absent."""
        current = ds
        last = len(self.steps) - 1
        for level, (tag, index) in enumerate(self.steps):
            if tag not in current:
                return None
            elem = current[tag]
            if level == last and index is None:
                return elem
            if elem.vr != "SQ":
                return None
            items = elem.value
            if index is None or not -len(items) <= index < len(items):
                return None
            current = items[index]
            if level == last:
                return current
        return None


def _parse_tag(text: str) -> int:
    from rs_dicom import dictionary

    text = text.strip()
    tag = dictionary.tag_for_keyword(text)
    if tag is not None:
        return int(tag)
    match = _HEX_TAG.match(text)
    if match is None:
        raise ValueError(f"'{text}' is neither a DICOM keyword nor a tag like 0010,0010")
    if match.group("hex"):
        return int(match.group("hex"), 16)
    group = match.group("g1") or match.group("g2")
    element = match.group("e1") or match.group("e2")
    return (int(group, 16) << 16) | int(element, 16)


def parse_tag_path(text: str) -> TagPath:
    """Parses a ``--tag`` argument: a keyword or hex tag, or a sequence path of them.

    >>> parse_tag_path("ReferencedSeriesSequence[0].SeriesInstanceUID").steps
    ((528661, 0), (2097166, None))

    Raises ``ValueError`` for an unknown keyword or malformed text.
    """
    steps: list[tuple[int, int | None]] = []
    parts = text.split(".")
    for position, part in enumerate(parts):
        match = _STEP.match(part.strip())
        if match is None:
            raise ValueError(f"'{text}': cannot read '{part}' as a tag or Sequence[index]")
        index = match.group("index")
        if index is None and position < len(parts) - 1:
            raise ValueError(f"'{text}': '{part}' needs an item index, e.g. {part}[0]")
        steps.append((_parse_tag(match.group("tag")), None if index is None else int(index)))
    return TagPath(text, tuple(steps))


def _tag_path_arg(text: str) -> TagPath:
    try:
        return parse_tag_path(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# --------------------------------------------------------------------------- arguments


def _width_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: '{text}'") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 (no limit) or more")
    return value


def _version() -> str:
    try:
        from rs_dicom import __version__
    except ImportError:  # pragma: no cover - broken installation
        return "unknown"
    return __version__


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``rs-dicom`` (subcommands: ``meta``)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    meta = commands.add_parser(
        "meta",
        help="print metadata (tree, DICOM JSON or chosen values)",
        description=_META_DESCRIPTION,
        epilog=_META_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    meta.add_argument("files", nargs="+", metavar="FILE", help="DICOM files or glob patterns")
    mode = meta.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print the DICOM JSON model (PS3.18 F.2)")
    mode.add_argument(
        "-t",
        "--tag",
        action="append",
        type=_tag_path_arg,
        metavar="TAG",
        help="print only this value (repeatable): keyword, hex tag or sequence path",
    )
    meta.add_argument(
        "--no-bulk",
        action="store_true",
        help="with --json: leave out binary values (no InlineBinary)",
    )
    meta.add_argument(
        "--include-meta",
        action="store_true",
        help="with --json: also write the File Meta Information (group 0002)",
    )
    meta.add_argument(
        "-s",
        "--stop-before-pixels",
        action="store_true",
        help="do not read the pixel data and what follows it",
    )
    meta.add_argument(
        "-f",
        "--force",
        action="store_true",
        help="read files without preamble and file meta (a bare dataset)",
    )
    meta.add_argument(
        "-w",
        "--width",
        type=_width_arg,
        metavar="N",
        help="cut tree values so that lines fit in N columns; 0: never cut (default: the "
        "terminal width; when not writing to a terminal: $COLUMNS, else values are cut at "
        "80 characters)",
    )
    meta.set_defaults(run=_run_meta)
    # Room for more commands: 'show' (render pixels) and 'export' (files, frames).
    return parser


# --------------------------------------------------------------------------- files


def _expand(patterns: Sequence[str], error: Callable[[str, str], None]) -> Iterator[str]:
    """Paths from the FILE arguments: existing paths as given, glob patterns expanded."""
    for pattern in patterns:
        if os.path.exists(pattern) or not _GLOB_CHARS.search(pattern):
            yield pattern
            continue
        matches = sorted(glob.glob(pattern, recursive=True))
        if not matches:
            error(pattern, "no file matches this pattern")
        yield from matches


def _read(path: str, args: argparse.Namespace) -> Any:
    import rs_dicom

    if os.path.isdir(path):
        raise IsADirectoryError(path)
    if not os.path.exists(path):
        raise FileNotFoundError(path)
    return rs_dicom.dcmread(path, stop_before_pixels=args.stop_before_pixels, force=args.force)


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())  # always one line


# --------------------------------------------------------------------------- meta


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


def _run_meta(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from rs_dicom._repr import tree_lines
    from rs_dicom.jsonmodel import to_json_dict

    status = 0

    def error(path: str, message: str) -> None:
        nonlocal status
        status = 1
        out.flush()
        print(f"{PROG}: {path}: {message}", file=err, flush=True)

    paths = list(_expand(args.files, error))
    several = len(paths) > 1
    width = args.width
    if width is None and (_isatty(out) or os.environ.get("COLUMNS")):
        width = shutil.get_terminal_size((80, 24)).columns
    # JSON with non-ASCII text must stay valid JSON when stdout cannot encode it.
    ascii_only = (getattr(out, "encoding", None) or "").lower().replace("-", "") != "utf8"
    bulk = "omit" if args.no_bulk else "inline"

    for number, path in enumerate(paths):
        try:
            ds = _read(path, args)
            if args.json:
                model = to_json_dict(ds, bulk_data=bulk, include_meta=args.include_meta)
                text = json.dumps(
                    model,
                    indent=None if several else 2,
                    ensure_ascii=ascii_only,
                    allow_nan=False,
                )
                lines: Iterator[str] = iter([text])
            elif args.tag:
                lines = _tag_lines(ds, args.tag)
                if several:
                    lines = (f"{path}: {line}" for line in lines)
            else:
                lines = tree_lines(ds, width=width)
                if several:
                    out.write(("\n" if number else "") + f"# File: {path}\n")
            for line in lines:
                out.write(line + "\n")
        except (OSError, ValueError, RuntimeError) as exc:
            if isinstance(exc, BrokenPipeError):
                raise
            error(path, _error_text(exc))
            if args.json and several:
                out.write("null\n")
    out.flush()
    return status


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _reconfigure(stream: TextIO) -> None:
    """Never fail on characters the terminal's encoding cannot show."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors="backslashreplace")
        except (ValueError, OSError):  # pragma: no cover - exotic streams
            pass


def main(argv: Sequence[str] | None = None) -> int:
    """Runs ``rs-dicom`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is None:
        parser.print_help(sys.stderr)
        return 2
    if not args.json and (args.no_bulk or args.include_meta):
        parser.error("--no-bulk and --include-meta need --json")
    _reconfigure(sys.stdout)
    _reconfigure(sys.stderr)
    try:
        return int(args.run(args, sys.stdout, sys.stderr))
    except BrokenPipeError:
        # The reader went away (e.g. '| head'): stop quietly. Point stdout at devnull so that
        # the interpreter's final flush does not complain again.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141 if os.name == "posix" else 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
