"""``rs-dicom export``: the frames of DICOM files as PNG images or NumPy ``.npy`` arrays."""

from __future__ import annotations

import argparse
import os
from typing import Any, TextIO

from rs_dicom.cli._args import add_force, add_window, frames_arg
from rs_dicom.cli._command import Command
from rs_dicom.cli._files import expand, read, stem
from rs_dicom.cli._pixels import display_image, frame_index, frame_values, pixel_frames
from rs_dicom.cli._report import ERRORS, OutputError, Reporter, error_text

DESCRIPTION = """\
Write the frames of DICOM files as PNG images or NumPy .npy arrays.

--format png (default) writes the display image of each frame (8-bit grey or RGB, as
'rs-dicom show' draws it; --window chooses the window). With --raw it writes the stored
pixel values instead: 8-bit grey or colour as 8-bit PNG, up to 16-bit grey or colour as
16-bit PNG; values below 0 (signed data) or floats cannot be raw PNG: use --format npy.

--format npy writes the decoded pixel values of each frame unchanged (the frame of
Dataset.pixel_array: rows x columns, or rows x columns x samples, with its dtype).

-o names a directory (an existing one, or a path ending in '/', or a path without a .png
or .npy suffix; it is created when the first file is written) where each frame becomes
STEM_fNNNN.png or .npy (STEM: the input file name without a .dcm suffix, NNNN: the frame
number from 0). Or -o names a file (ending in .png or .npy, which also sets --format) for
exactly one frame of one input file; with .npy, several frames of one file are saved as one
stacked array (frames x rows x columns ...).

Each file written is printed on stdout. A file that cannot be read or exported (no pixel
data, pixel data cut short or not decodable, no such frame) prints one line
'rs-dicom: FILE: MESSAGE' on stderr, the other files are still exported, and the exit
status is 1. A run that writes nothing leaves nothing behind."""

EPILOG = """\
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rs-dicom export``."""
    parser.add_argument("files", nargs="+", metavar="FILE", help="DICOM files or glob patterns")
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="DIR_OR_FILE",
        help="output directory (STEM_fNNNN.png / .npy inside) or a .png / .npy file",
    )
    parser.add_argument(
        "--format",
        choices=("png", "npy"),
        help="png: display image (or raw values with --raw); npy: decoded pixel values "
        "(default: from the -o suffix, else png)",
    )
    parser.add_argument(
        "--frames",
        type=frames_arg,
        metavar="LIST",
        help="frames to write, e.g. 0,2,5-9 (from 0; default: all)",
    )
    parser.add_argument(
        "--raw",
        action="store_true",
        help="with png: the stored pixel values (8- or 16-bit PNG) instead of display values",
    )
    add_window(parser)
    add_force(parser)


def check(args: argparse.Namespace) -> str | None:
    """Options that contradict each other."""
    if args.raw and args.format == "npy":
        return "--raw is for --format png (npy files always hold the raw values)"
    return None


def raw_png_image(values: Any) -> Any:
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


def output_plan(args: argparse.Namespace) -> tuple[bool, str]:
    """Whether -o names a directory, and the format."""
    output: str = args.output
    suffix = os.path.splitext(output)[1].lower()
    is_dir = (
        os.path.isdir(output) or output.endswith(("/", os.sep)) or suffix not in (".png", ".npy")
    )
    fmt = args.format or ("npy" if not is_dir and suffix == ".npy" else "png")
    return is_dir, fmt


class _DirectoryError(Exception):
    """The output directory cannot be made: nothing can be written, the run stops."""


class _Outputs:
    """The files of one run: the output directory is made for the first file written, and a
    run that writes nothing removes the directories it made."""

    def __init__(self, directory: str | None, out: TextIO) -> None:
        self.directory = directory
        self.out = out
        self.written: dict[str, str] = {}
        self.made: list[str] = []  # directories this run created, outermost first

    def _make_directory(self) -> None:
        if self.directory is None or self.made or os.path.isdir(self.directory):
            return
        missing = []
        parent = os.path.abspath(self.directory)
        while parent and not os.path.exists(parent):
            missing.append(parent)
            parent = os.path.dirname(parent)
        try:
            os.makedirs(self.directory, exist_ok=True)
        except OSError as exc:
            self.made = [d for d in reversed(missing) if os.path.isdir(d)]
            raise _DirectoryError(error_text(exc)) from exc
        self.made = list(reversed(missing))

    def save(self, target: str, source: str, data: Any, png: bool) -> None:
        """Writes ``data`` (from the input file ``source``) to ``target`` and prints it."""
        import numpy as np

        from rs_dicom.png import encode_png

        if target in self.written:
            raise ValueError(f"{target} was already written for {self.written[target]}")
        encoded = encode_png(data) if png else None  # encoding errors come before any file
        self._make_directory()
        existed = os.path.exists(target)
        try:
            with open(target, "wb") as f:
                if encoded is not None:
                    f.write(encoded)
                else:
                    np.save(f, data, allow_pickle=False)
        except OSError as exc:
            if not existed:
                _remove(target)  # no half-written file
            raise OutputError(target, exc) from exc
        self.written[target] = source
        self.out.write(target + "\n")
        self.out.flush()

    def clean_up(self) -> None:
        """Removes the directories this run made when it wrote nothing into them."""
        if self.written:
            return
        for directory in reversed(self.made):
            try:
                os.rmdir(directory)  # only when empty
            except OSError:
                break


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _export_file(
    path: str, args: argparse.Namespace, is_dir: bool, fmt: str, files: _Outputs
) -> None:
    import numpy as np

    ds = read(path, force=args.force)
    frames = pixel_frames(ds)
    wanted = args.frames if args.frames is not None else list(range(frames))
    for f in wanted:
        frame_index(f, frames)  # the first frame that is not there is the error
    if not is_dir:
        if fmt == "npy" and len(wanted) > 1:
            stack = np.stack([frame_values(ds, f) for f in wanted])
            files.save(args.output, path, stack, png=False)
            return
        if len(wanted) > 1:
            raise ValueError(
                f"{len(wanted)} frames do not fit in one PNG file {args.output}: "
                "give -o DIR/ or --frames N"
            )
    for f in wanted:
        if fmt == "npy":
            data = frame_values(ds, f)
        elif args.raw:
            data = raw_png_image(frame_values(ds, f))
        else:
            data = display_image(ds, f, args.window)
        target = (
            os.path.join(args.output, f"{stem(path)}_f{f:04d}.{fmt}") if is_dir else args.output
        )
        files.save(target, path, data, png=fmt == "png")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Runs ``rs-dicom export``."""
    report = Reporter(out, err)
    paths = list(expand(args.files, report.error))
    is_dir, fmt = output_plan(args)
    if not is_dir and len(paths) > 1:
        report.error(
            args.output, f"names one file but there are {len(paths)} input files: give -o DIR/"
        )
        return 1
    files = _Outputs(args.output if is_dir else None, out)
    try:
        for path in paths:
            try:
                _export_file(path, args, is_dir, fmt, files)
            except ERRORS as exc:
                report.exception(path, exc)
    except _DirectoryError as exc:
        report.error(args.output, str(exc))
    finally:
        files.clean_up()
    out.flush()
    return report.status


COMMAND = Command(
    name="export",
    help="write frames as PNG or .npy files",
    description=DESCRIPTION,
    epilog=EPILOG,
    add_arguments=add_arguments,
    run=run,
    check=check,
)
