"""``rs-dicom convert``: DICOM files or whole directories to another transfer syntax."""

from __future__ import annotations

import argparse
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TextIO

from rs_dicom.cli._command import Command
from rs_dicom.cli._files import read
from rs_dicom.cli._progress import Progress
from rs_dicom.cli._report import ERRORS, Reporter

DESCRIPTION = """\
Write DICOM files in another transfer syntax: compress (RLE, JPEG, JPEG-LS, JPEG 2000,
HTJ2K), decompress, or re-encode uncompressed data (implicit/explicit VR, big endian,
deflated). Compressed input is decoded first, so any syntax converts to any other.

IN is a file or a directory. For a file, OUT is the output file (or an existing directory
to write it into); for a directory, every file below it is converted into the same relative
path under OUT (created as needed). Files are converted in parallel (--workers); on a
terminal a progress bar shows how far the run is.

--ts NAME is a transfer syntax UID or one of: explicit, implicit, big-endian, deflated, rle,
jpeg-baseline, jpeg-lossless, jpeg-ls, jpeg-ls-near, j2k, j2k-lossless, htj2k,
htj2k-lossless, htj2k-lossless-rpcl.

A file that cannot be read or converted (not DICOM, no pixel data, an image the encoder
cannot take) prints 'rs-dicom: FILE: MESSAGE' on stderr and nothing is written for it; the
other files are still converted. A summary line ends the run."""

EPILOG = """\
examples:
  rs-dicom convert ct.dcm ct_rle.dcm --ts rle
  rs-dicom convert archive/ archive_htj2k/ --ts htj2k-lossless
  rs-dicom convert us.dcm us_small.dcm --ts jpeg-baseline --quality 85
  rs-dicom convert compressed/ plain/ --ts explicit

exit status: 0 all converted, 1 a file could not be read or converted, 2 wrong usage."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rs-dicom convert``."""
    parser.add_argument("input", metavar="IN", help="a DICOM file or a directory")
    parser.add_argument("output", metavar="OUT", help="the output file or directory")
    parser.add_argument(
        "--ts", required=True, metavar="NAME", help="transfer syntax UID or short name"
    )
    parser.add_argument("--quality", type=int, help="JPEG baseline quality 1-100 (default 90)")
    parser.add_argument(
        "--jls-error", type=int, metavar="N", help="JPEG-LS near-lossless error (default 0)"
    )
    parser.add_argument("--j2k-cr", type=float, metavar="RATIO", help="JPEG 2000 ratio")
    parser.add_argument("--lossy-step", type=float, metavar="STEP", help="HTJ2K lossy step")
    parser.add_argument(
        "--no-mct", action="store_true", help="no colour transform for RGB (JPEG, JPEG 2000)"
    )
    parser.add_argument(
        "--encapsulate-ext", action="store_true", help="write an Extended Offset Table"
    )
    parser.add_argument(
        "--keep-uid", action="store_true", help="keep the SOP Instance UID (default: new)"
    )
    parser.add_argument(
        "-j", "--workers", type=int, default=0, metavar="N", help="parallel files (default: cores)"
    )
    parser.add_argument(
        "--force", action="store_true", help="read files without a preamble and file meta"
    )


def target_uid(name: str) -> str | None:
    """The transfer syntax UID of ``--ts``, or None when unknown."""
    from rs_dicom import _core

    return _core.transfer_syntax_for_name(name)


def check(args: argparse.Namespace) -> str | None:
    """Usage errors: an unknown syntax, a directory into a file."""
    if target_uid(args.ts) is None:
        return f"--ts {args.ts!r} is not a transfer syntax UID or short name"
    if os.path.isdir(args.input) and os.path.isfile(args.output):
        return f"IN is a directory, so OUT must be one too, not the file {args.output}"
    if args.workers < 0:
        return "--workers must be 0 (all cores) or more"
    return None


def plan(args: argparse.Namespace) -> Iterator[tuple[str, str]]:
    """(input, output) paths: one file, or every file below a directory, mirrored."""
    if not os.path.isdir(args.input):
        out = args.output
        if os.path.isdir(out):
            out = os.path.join(out, os.path.basename(args.input))
        yield args.input, out
        return
    for root, dirs, files in os.walk(args.input):
        dirs.sort()
        rel = os.path.relpath(root, args.input)
        for name in sorted(files):
            yield (
                os.path.join(root, name),
                os.path.normpath(os.path.join(args.output, rel, name)),
            )


def encoding_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of ``Dataset.compress`` the options give."""
    opts: dict[str, Any] = {
        "encapsulate_ext": args.encapsulate_ext,
        "generate_instance_uid": not args.keep_uid,
    }
    if args.quality is not None:
        opts["quality"] = args.quality
    if args.jls_error is not None:
        opts["jls_error"] = args.jls_error
    if args.j2k_cr is not None:
        opts["j2k_cr"] = args.j2k_cr
    if args.lossy_step is not None:
        opts["lossy_step"] = args.lossy_step
    if args.no_mct:
        opts["use_mct"] = False
    return opts


def convert_file(source: str, target: str, uid: str, args: argparse.Namespace) -> None:
    """Converts one file; raises (and writes nothing) when it cannot."""
    from rs_dicom.valuerep import UID

    ds = read(source, force=args.force)
    syntax = UID(uid)
    meta = ds.file_meta
    current = meta.get("TransferSyntaxUID") if meta is not None else None
    compressed_now = current is not None and UID(str(current)).is_compressed
    if syntax.is_compressed:
        ds.compress(uid, **encoding_options(args))
    else:
        if compressed_now:
            ds.decompress(generate_instance_uid=not args.keep_uid)
        if ds.file_meta is None:
            from rs_dicom import FileMetaDataset

            ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = uid
    parent = os.path.dirname(target)
    if parent:
        os.makedirs(parent, exist_ok=True)
    ds.save_as(target, enforce_file_format=True)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Runs ``rs-dicom convert``."""
    uid = target_uid(args.ts)
    assert uid is not None  # check() refused unknown names
    if not os.path.exists(args.input):
        Reporter(out, err).error(args.input, "no such file or directory")
        return 1
    jobs = list(plan(args))
    report = Reporter(out, err)
    progress = Progress(len(jobs), err, "converting")
    lock = threading.Lock()
    sizes = [0, 0]

    def one(job: tuple[str, str]) -> None:
        source, target = job
        try:
            convert_file(source, target, uid, args)
        except ERRORS as exc:
            with lock:
                progress.clear()
                report.exception(source, exc)
                progress.step(False)
            return
        with lock:
            sizes[0] += os.path.getsize(source)
            sizes[1] += os.path.getsize(target)
            progress.step(True)

    workers = args.workers or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, jobs))
    progress.clear()
    converted = progress.done - progress.failed
    mib = 1024 * 1024
    err.write(
        f"converted {converted} of {len(jobs)} file(s) to {args.ts}"
        f" ({sizes[0] / mib:.1f} MiB -> {sizes[1] / mib:.1f} MiB)"
        + (f", {progress.failed} failed" if progress.failed else "")
        + "\n"
    )
    err.flush()
    return report.status


COMMAND = Command(
    name="convert",
    help="write files or directories in another transfer syntax",
    description=DESCRIPTION,
    epilog=EPILOG,
    add_arguments=add_arguments,
    run=run,
    check=check,
)
