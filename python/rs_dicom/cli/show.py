"""``rs-dicom show``: the image of a DICOM file in the terminal, or as a PNG file."""

from __future__ import annotations

import argparse
import os
import shutil
from typing import Any, TextIO

from rs_dicom.cli._args import add_force, add_window, count_arg
from rs_dicom.cli._command import Command
from rs_dicom.cli._files import read
from rs_dicom.cli._pixels import display_image, frame_index, pixel_frames
from rs_dicom.cli._report import ERRORS, OutputError, Reporter, can_encode, isatty

MODES = ("truecolor", "256", "ascii")

DESCRIPTION = """\
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

When the output is not a terminal (a pipe or a file), the picture is plain text in the
ascii mode, with no escape codes, unless --mode asks for colours (e.g. to page it with
'less -R'); it is sized to the terminal the command runs in, if any, else 80 x 24.

A file without pixel data, or whose pixel data cannot be decoded (e.g. a compression that
is not supported yet, or pixel data cut short), prints one line 'rs-dicom: FILE: MESSAGE'
on stderr; exit status 1."""

EPILOG = """\
examples:
  rs-dicom show image.dcm                      # fit the terminal
  rs-dicom show --width 60 --mode ascii image.dcm
  rs-dicom show --window -600 1500 chest.dcm   # lung window (center -600, width 1500)
  rs-dicom show --frame 12 cine.dcm            # frames count from 0; -1 is the last
  rs-dicom show image.dcm | less               # plain ascii text
  rs-dicom show -m truecolor image.dcm | less -R
  rs-dicom show -o image.png image.dcm         # a PNG of the display values
  rs-dicom show -o - image.dcm | display       # PNG on stdout

exit status: 0 shown, 1 the file could not be read or shown, 2 wrong usage."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rs-dicom show``."""
    parser.add_argument("file", metavar="FILE", help="a DICOM file with pixel data")
    parser.add_argument(
        "--frame",
        type=int,
        default=0,
        metavar="N",
        help="the frame of a multi-frame image, from 0 (default 0; negative: from the end)",
    )
    add_window(parser)
    parser.add_argument(
        "-o",
        "--output",
        metavar="OUT.png",
        help="write a PNG file of the display image instead ('-': to stdout)",
    )
    parser.add_argument(
        "-w",
        "--width",
        type=count_arg,
        metavar="COLS",
        help="terminal columns to use (default: fit the terminal; the height follows)",
    )
    parser.add_argument(
        "--height",
        type=count_arg,
        metavar="LINES",
        help="terminal lines to use at most (default: fit the terminal)",
    )
    parser.add_argument(
        "-m",
        "--mode",
        choices=MODES,
        help="colours: 24-bit, the 256-colour palette or plain ASCII characters "
        "(default: from NO_COLOR, COLORTERM and TERM on a terminal, else ascii)",
    )
    add_force(parser)


def choose_mode(requested: str | None, out: TextIO) -> str:
    """The terminal mode: as requested, else the terminal's richest, else (not a terminal:
    a pipe or a file, where escape codes would be noise) ascii."""
    from rs_dicom.terminal import detect_mode

    if requested is not None:
        mode = requested
    elif isatty(out):
        mode = detect_mode()
    else:
        mode = "ascii"
    if mode != "ascii" and not can_encode(out, "\u2580"):
        mode = "ascii"  # e.g. a Latin-1 or ASCII terminal: no half blocks
    return mode


def terminal_size(out: TextIO, err: TextIO) -> tuple[int, int]:
    """``(columns, lines)`` to fit: $COLUMNS / $LINES, else the terminal of stdout, else (when
    stdout is a pipe, e.g. into 'less') the terminal of stderr, else 80 x 24."""
    columns, lines = shutil.get_terminal_size((0, 0))  # the environment, then stdout
    if columns <= 0 or lines <= 0:
        for stream in (out, err):
            try:
                size = os.get_terminal_size(stream.fileno())
            except (AttributeError, ValueError, OSError):
                continue
            columns = columns if columns > 0 else size.columns
            lines = lines if lines > 0 else size.lines
            break
    return (columns if columns > 0 else 80, lines if lines > 0 else 24)


def _write_png(target: str, image: Any, out: TextIO) -> None:
    from rs_dicom.png import encode_png, write_png

    if target == "-":
        out.flush()
        buffer = getattr(out, "buffer", None)
        if buffer is None:
            raise OSError("stdout cannot take binary data")
        buffer.write(encode_png(image))
        buffer.flush()
        return
    try:
        write_png(target, image)
    except OSError as exc:
        raise OutputError(target, exc) from exc


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Runs ``rs-dicom show``."""
    from rs_dicom.terminal import render
    from rs_dicom.viz import pixel_aspect

    report = Reporter(out, err)
    try:
        ds = read(args.file, force=args.force)
        frame = frame_index(args.frame, pixel_frames(ds))
        image = display_image(ds, frame, args.window)
        if args.output is not None:
            _write_png(args.output, image, out)
            return 0
        fit = None if args.width or args.height else terminal_size(out, err)
        text = render(
            image,
            width=args.width,
            height=args.height,
            mode=choose_mode(args.mode, out),
            aspect=pixel_aspect(ds),
            terminal=fit,
        )
    except ERRORS as exc:
        report.exception(args.file, exc)
        return report.status
    out.write(text + "\n")
    out.flush()
    return 0


COMMAND = Command(
    name="show",
    help="show the image in the terminal, or write it as PNG (-o)",
    description=DESCRIPTION,
    epilog=EPILOG,
    add_arguments=add_arguments,
    run=run,
)
