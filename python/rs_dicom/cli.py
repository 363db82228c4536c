"""The ``rs-dicom`` command line tool.

``rs-dicom meta FILE...`` prints DICOM metadata: a dcmdump-like tree (default), the DICOM JSON
model (``--json``) or selected values (``--tag``). ``rs-dicom show FILE`` draws the image in
the terminal (or writes a PNG with ``-o``); ``rs-dicom export FILE... -o DIR`` writes frames as
PNG or NumPy ``.npy`` files. Run ``rs-dicom COMMAND --help`` for details. The module also runs
as ``python -m rs_dicom.cli``.
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
from typing import Any, Literal, TextIO

__all__ = ["TagPath", "build_parser", "main", "parse_frames", "parse_tag_path"]

PROG = "rs-dicom"

_DESCRIPTION = """\
Read DICOM files with rs_dicom (a Rust core: memory-mapped, zero-copy).
Run 'rs-dicom COMMAND --help' for a command's options."""

_EPILOG = """\
examples:
  rs-dicom meta image.dcm
  rs-dicom meta --json --no-bulk image.dcm
  rs-dicom meta --tag PatientName --tag 0020,0013 'series/*.dcm'
  rs-dicom show image.dcm
  rs-dicom show --window 40 400 -o image.png image.dcm
  rs-dicom export cine.dcm --frames 0-9 -o frames/"""

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

_SHOW_DESCRIPTION = """\
Show the image of a DICOM file in the terminal, or write it as a PNG file (-o).

The stored pixel values go through the modality LUT (rescale), the VOI LUT or window (the
file's first one unless --window is given, else the frame's value range), MONOCHROME1
inversion and palette colour, as rs_dicom.display.to_display does, to 8-bit grey or RGB
display values.

In the terminal each character cell shows two pixels with the upper half block '▀' (its
colour the top pixel, its background the bottom pixel), sized to fit the terminal (or
--width / --height) with the physical proportions of Pixel Spacing. The colour mode is
taken from the environment unless --mode is given: NO_COLOR → ascii, COLORTERM=truecolor
or 24bit → truecolor, a TERM naming 256 colours (or most others) → 256, TERM=dumb or no
TERM → ascii. The ascii mode uses the characters ' .:-=+*#%@' from dark to bright.

A file without pixel data, or whose pixel data cannot be decoded (e.g. a compression that
is not supported yet), prints one line 'rs-dicom: FILE: MESSAGE' on stderr; exit status 1."""

_SHOW_EPILOG = """\
examples:
  rs-dicom show image.dcm                      # fit the terminal
  rs-dicom show --width 60 --mode ascii image.dcm
  rs-dicom show --window -600 1500 chest.dcm   # lung window (center -600, width 1500)
  rs-dicom show --frame 12 cine.dcm            # frames count from 0; -1 is the last
  rs-dicom show -o image.png image.dcm         # a PNG of the display values
  rs-dicom show -o - image.dcm | display       # PNG on stdout

exit status: 0 shown, 1 the file could not be read or shown, 2 wrong usage."""

_EXPORT_DESCRIPTION = """\
Write the frames of DICOM files as PNG images or NumPy .npy arrays.

--format png (default) writes the display image of each frame (8-bit grey or RGB, as
'rs-dicom show' draws it; --window chooses the window). With --raw it writes the stored
pixel values instead: 8-bit grey or colour as 8-bit PNG, up to 16-bit grey or colour as
16-bit PNG; values below 0 (signed data) or floats cannot be raw PNG: use --format npy.

--format npy writes the decoded pixel values of each frame unchanged (the frame of
Dataset.pixel_array: rows x columns, or rows x columns x samples, with its dtype).

-o names a directory (an existing one, or a path ending in '/', or a path without a .png
or .npy suffix; it is created) where each frame becomes STEM_fNNNN.png or .npy (STEM: the
input file name without a .dcm suffix, NNNN: the frame number from 0). Or -o names a file
(ending in .png or .npy, which also sets --format) for exactly one frame of one input file;
with .npy, several frames of one file are saved as one stacked array (frames x rows x
columns ...).

Each file written is printed on stdout. A file that cannot be read or exported prints one
line 'rs-dicom: FILE: MESSAGE' on stderr, the other files are still exported, and the exit
status is 1."""

_EXPORT_EPILOG = """\
frames (--frames) are numbers from 0, separated by commas, and inclusive ranges A-B:
0,2,5-9 is frames 0 2 5 6 7 8 9. Default: every frame.

examples:
  rs-dicom export image.dcm -o image.png                 # one PNG
  rs-dicom export 'series/*.dcm' -o pngs/                # one PNG per file and frame
  rs-dicom export cine.dcm --frames 0,10-19 -o frames/   # frames/cine_f0000.png ...
  rs-dicom export ct.dcm --raw -o ct_raw.png             # 16-bit PNG of the stored values
  rs-dicom export cine.dcm --format npy -o arrays/       # arrays/cine_f0000.npy ...
  rs-dicom export cine.dcm -o cine.npy                   # all frames in one .npy array

exit status: 0 all written, 1 a file could not be read or exported, 2 wrong usage."""

_MODES = ("truecolor", "256", "ascii")
_FRAME_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")
_MAX_FRAME_LIST = 1_000_000

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


def parse_frames(text: str) -> list[int]:
    """Parses a ``--frames`` argument: numbers and inclusive ranges, comma separated.

    >>> parse_frames("0,2,5-7")
    [0, 2, 5, 6, 7]

    Duplicates are dropped, the order is kept. Raises ``ValueError`` for malformed text.
    """
    frames: dict[int, None] = {}
    for part in text.split(","):
        match = _FRAME_RANGE.match(part)
        if match is None:
            raise ValueError(f"'{part.strip()}' is neither a frame number nor a range like 5-9")
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        if last < first:
            raise ValueError(f"range '{part.strip()}' ends before it starts")
        if last - first + len(frames) > _MAX_FRAME_LIST:
            raise ValueError(f"too many frames in '{text}'")
        frames.update(dict.fromkeys(range(first, last + 1)))
    return list(frames)


def _frames_arg(text: str) -> list[int]:
    try:
        return parse_frames(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _count_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _float_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: '{text}'") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"not a finite number: '{text}'")
    return value


def _add_window(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--window",
        nargs=2,
        type=_float_arg,
        metavar=("CENTER", "WIDTH"),
        help="VOI window center and width (e.g. 40 400; default: the file's first VOI LUT or "
        "window, else the value range of the frame)",
    )


def _add_force(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-f",
        "--force",
        action="store_true",
        help="read files without preamble and file meta (a bare dataset)",
    )


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

    show = commands.add_parser(
        "show",
        help="show the image in the terminal, or write it as PNG (-o)",
        description=_SHOW_DESCRIPTION,
        epilog=_SHOW_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    show.add_argument("file", metavar="FILE", help="a DICOM file with pixel data")
    show.add_argument(
        "--frame",
        type=int,
        default=0,
        metavar="N",
        help="the frame of a multi-frame image, from 0 (default 0; negative: from the end)",
    )
    _add_window(show)
    show.add_argument(
        "-o",
        "--output",
        metavar="OUT.png",
        help="write a PNG file of the display image instead ('-': to stdout)",
    )
    show.add_argument(
        "-w",
        "--width",
        type=_count_arg,
        metavar="COLS",
        help="terminal columns to use (default: fit the terminal; the height follows)",
    )
    show.add_argument(
        "--height",
        type=_count_arg,
        metavar="LINES",
        help="terminal lines to use at most (default: fit the terminal)",
    )
    show.add_argument(
        "-m",
        "--mode",
        choices=_MODES,
        help="colours: 24-bit, the 256-colour palette or plain ASCII characters "
        "(default: from NO_COLOR, COLORTERM and TERM)",
    )
    _add_force(show)
    show.set_defaults(run=_run_show, stop_before_pixels=False)

    export = commands.add_parser(
        "export",
        help="write frames as PNG or .npy files",
        description=_EXPORT_DESCRIPTION,
        epilog=_EXPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("files", nargs="+", metavar="FILE", help="DICOM files or glob patterns")
    export.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="DIR_OR_FILE",
        help="output directory (STEM_fNNNN.png / .npy inside) or a .png / .npy file",
    )
    export.add_argument(
        "--format",
        choices=("png", "npy"),
        help="png: display image (or raw values with --raw); npy: decoded pixel values "
        "(default: from the -o suffix, else png)",
    )
    export.add_argument(
        "--frames",
        type=_frames_arg,
        metavar="LIST",
        help="frames to write, e.g. 0,2,5-9 (from 0; default: all)",
    )
    export.add_argument(
        "--raw",
        action="store_true",
        help="with png: the stored pixel values (8- or 16-bit PNG) instead of display values",
    )
    _add_window(export)
    _add_force(export)
    export.set_defaults(run=_run_export, stop_before_pixels=False)
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


def _pixel_problem(ds: Any) -> str | None:
    """What is wrong with pixel data the file ends inside of (the header read whole)."""
    from rs_dicom import DicomError

    for keyword in ("PixelData", "FloatPixelData", "DoubleFloatPixelData"):
        if keyword in ds and ds[keyword].is_truncated:
            try:
                ds.pixel_data  # noqa: B018 - raises the error kept for the pixels
            except DicomError as exc:
                return f"pixel data: {exc} (the header above was read whole)"
    return None


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
    bulk: Literal["inline", "omit"] = "omit" if args.no_bulk else "inline"

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
            problem = _pixel_problem(ds)
            if problem:
                error(path, problem)
        except (OSError, ValueError, RuntimeError) as exc:
            if isinstance(exc, BrokenPipeError):
                raise
            error(path, _error_text(exc))
            if args.json and several:
                out.write("null\n")
    out.flush()
    return status


# --------------------------------------------------------------------------- show, export


def _pixel_frames(ds: Any) -> int:
    """Frames of ``ds``'s pixel data; ``ValueError`` when it has none."""
    pixel_data = ds.pixel_data
    if pixel_data is None:
        raise ValueError("no pixel data in this file")
    return max(1, int(pixel_data.frames))


def _frame_index(frame: int, frames: int) -> int:
    if not -frames <= frame < frames:
        raise ValueError(
            f"no frame {frame}: the image has {frames} frame{'s' if frames != 1 else ''}"
            f" (0-{frames - 1})"
        )
    return frame % frames


def _display(ds: Any, frame: int, window: Sequence[float] | None) -> Any:
    from rs_dicom.display import to_display

    chosen = None if window is None else (float(window[0]), float(window[1]))
    return to_display(ds, frame=frame, window=chosen)


def _frame_values(ds: Any, frame: int) -> Any:
    """The decoded (raw) pixel values of one frame, as ``pixel_array`` has them."""
    import numpy as np

    pixel_data = ds.pixel_data
    if hasattr(pixel_data, "frame"):
        return np.asarray(pixel_data.frame(frame))
    array = np.asarray(ds.pixel_array)
    return array[frame] if _pixel_frames(ds) > 1 else array


# What reading, decoding or writing one file may raise: reported per file, not as a traceback.
_ERRORS = (OSError, ValueError, RuntimeError, LookupError, TypeError, ImportError)


def _run_show(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from rs_dicom.viz import pixel_aspect

    path = args.file
    try:
        ds = _read(path, args)
        frame = _frame_index(args.frame, _pixel_frames(ds))
        image = _display(ds, frame, args.window)
        if args.output is not None:
            from rs_dicom.png import encode_png, write_png

            if args.output == "-":
                out.flush()
                buffer = getattr(out, "buffer", None)
                if buffer is None:
                    raise OSError("stdout cannot take binary data")
                buffer.write(encode_png(image))
                buffer.flush()
            else:
                try:
                    write_png(args.output, image)
                except OSError as exc:
                    raise _OutputError(args.output, exc) from exc
            return 0
        from rs_dicom.terminal import detect_mode, render

        mode = args.mode or detect_mode()
        if mode != "ascii" and not _can_encode(out, "\u2580"):
            mode = "ascii"  # e.g. a Latin-1 or ASCII terminal: no half blocks
        text = render(
            image, width=args.width, height=args.height, mode=mode, aspect=pixel_aspect(ds)
        )
    except _ERRORS as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        out.flush()
        print(f"{PROG}: {_error_path(path, exc)}: {_error_text(exc)}", file=err, flush=True)
        return 1
    out.write(text + "\n")
    out.flush()
    return 0


class _OutputError(OSError):
    """Writing an output file failed: the message names that file, not the input."""

    def __init__(self, target: str, cause: OSError) -> None:
        super().__init__(f"cannot write: {cause.strerror or cause}")
        self.target = target


def _error_path(path: str, exc: BaseException) -> str:
    return exc.target if isinstance(exc, _OutputError) else path


def _can_encode(stream: TextIO, text: str) -> bool:
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _raw_png_image(values: Any) -> Any:
    """Raw pixel values as a uint8/uint16 array that PNG can hold, or ``ValueError``."""
    import numpy as np

    array = np.asarray(values)
    if array.ndim == 3 and array.shape[2] not in (1, 3, 4):
        raise ValueError(f"--raw: cannot write {array.shape[2]} samples per pixel as PNG")
    if array.dtype.kind not in "ui":
        raise ValueError(f"--raw: {array.dtype} pixel values cannot be PNG; use --format npy")
    if array.dtype == np.uint8:
        return array
    low = int(array.min(initial=0))
    high = int(array.max(initial=0))
    if low < 0 or high > 0xFFFF:
        raise ValueError(
            f"--raw: pixel values {low}..{high} do not fit a 16-bit PNG (0..65535); "
            "use --format npy"
        )
    if array.dtype.itemsize == 1:
        return array.astype(np.uint8)
    return array.astype(np.uint16)


def _output_plan(args: argparse.Namespace) -> tuple[bool, str]:
    """Whether -o names a directory, and the format."""
    output: str = args.output
    suffix = os.path.splitext(output)[1].lower()
    is_dir = (
        os.path.isdir(output) or output.endswith(("/", os.sep)) or suffix not in (".png", ".npy")
    )
    fmt = args.format or ("npy" if not is_dir and suffix == ".npy" else "png")
    return is_dir, fmt


def _stem(path: str) -> str:
    name = os.path.basename(os.path.normpath(path))
    stem, suffix = os.path.splitext(name)
    return stem if suffix.lower() in (".dcm", ".dicom", ".dic", ".ima") else name


def _run_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import numpy as np

    from rs_dicom.png import write_png

    status = 0

    def error(path: str, message: str) -> None:
        nonlocal status
        status = 1
        out.flush()
        print(f"{PROG}: {path}: {message}", file=err, flush=True)

    paths = list(_expand(args.files, error))
    is_dir, fmt = _output_plan(args)
    if not is_dir and len(paths) > 1:
        error(args.output, f"names one file but there are {len(paths)} input files: give -o DIR/")
        return 1
    if is_dir and paths:
        try:
            os.makedirs(args.output, exist_ok=True)
        except OSError as exc:
            error(args.output, _error_text(exc))
            return 1
    written: dict[str, str] = {}

    def save(target: str, source: str, data: Any, png: bool) -> None:
        if target in written:
            raise ValueError(f"{target} was already written for {written[target]}")
        try:
            if png:
                write_png(target, data)
            else:
                with open(target, "wb") as f:
                    np.save(f, data, allow_pickle=False)
        except OSError as exc:
            raise _OutputError(target, exc) from exc
        written[target] = source
        out.write(target + "\n")
        out.flush()

    for path in paths:
        try:
            ds = _read(path, args)
            frames = _pixel_frames(ds)
            wanted = args.frames if args.frames is not None else list(range(frames))
            missing = [f for f in wanted if f >= frames]
            if missing:
                raise ValueError(
                    f"no frame {missing[0]}: the image has {frames} frame"
                    f"{'s' if frames != 1 else ''} (0-{frames - 1})"
                )
            if not is_dir:
                if fmt == "npy" and len(wanted) > 1:
                    stack = np.stack([_frame_values(ds, f) for f in wanted])
                    save(args.output, path, stack, png=False)
                    continue
                if len(wanted) > 1:
                    raise ValueError(
                        f"{len(wanted)} frames do not fit in one PNG file {args.output}: "
                        "give -o DIR/ or --frames N"
                    )
            for f in wanted:
                if fmt == "npy":
                    data = _frame_values(ds, f)
                elif args.raw:
                    data = _raw_png_image(_frame_values(ds, f))
                else:
                    data = _display(ds, f, args.window)
                target = (
                    os.path.join(args.output, f"{_stem(path)}_f{f:04d}.{fmt}")
                    if is_dir
                    else args.output
                )
                save(target, path, data, png=fmt == "png")
        except _ERRORS as exc:
            if isinstance(exc, BrokenPipeError):
                raise
            error(_error_path(path, exc), _error_text(exc))
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
    if args.command == "meta" and not args.json and (args.no_bulk or args.include_meta):
        parser.error("--no-bulk and --include-meta need --json")
    if args.command == "export" and args.raw and args.format == "npy":
        parser.error("--raw is for --format png (npy files always hold the raw values)")
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
