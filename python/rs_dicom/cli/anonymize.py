"""``rs-dicom anonymize``: de-identify files and directory trees by PS3.15 Annex E."""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any, TextIO

from rs_dicom.cli._command import Command
from rs_dicom.cli._files import expand
from rs_dicom.cli._report import PROG, Reporter, error_text, isatty

DESCRIPTION = """\
De-identify DICOM files by the DICOM standard: the Basic Application Level Confidentiality
Profile of PS3.15 Annex E (Table E.1-1) and the options asked for, at any depth of sequences.

Each FILE is a DICOM file or a directory (searched recursively for DICOM Part 10 files; other
files there are counted as skipped). The output tree under -o mirrors the input's relative
paths and file names (--name-by-uid names files STUDY/SERIES/INSTANCE.dcm by their new UIDs
instead). Input is never overwritten unless --in-place is given; an existing output file only
with --overwrite.

UIDs, pseudonyms and date offsets come from the secret key in --key FILE: the same input gives
the same output in every run with the same key, so series and studies de-identified apart still
link up. Without --key a random key is used (consistent within this run only).

Files are handled in parallel (--workers), with a progress bar on a terminal. A file that
cannot be read or de-identified prints one line 'rs-dicom: FILE: MESSAGE' on stderr, nothing is
written for it, the other files go on, and the exit status is 1. A summary ends the run."""

EPILOG = """\
examples:
  rs-dicom anonymize study/ -o anon/ --key secret.key
  rs-dicom anonymize a.dcm b.dcm -o anon/ --retain-uids --shift-dates --audit log.jsonl
  rs-dicom anonymize archive/ -o anon/ --key k --map ids.csv --clean-descriptors -j 8

exit status: 0 all de-identified, 1 a file failed, 2 wrong usage."""

# Command-line flag → option of rs_dicom.deid.
_FLAGS = {
    "retain_safe_private": "keep the private attributes of PS3.15 Table E.3.10-1 (and those of "
    "--safe-private and those a file declares safe)",
    "retain_uids": "keep UIDs",
    "retain_device_identity": "keep device identifiers (serial numbers, station names)",
    "retain_institution_identity": "keep institution names and addresses",
    "retain_patient_characteristics": "keep sex, age, size, weight and the like",
    "clean_descriptors": "keep descriptions with identifying words blanked out",
    "clean_structured_content": "keep structured content (SR) cleaned",
    "clean_graphics": "keep overlays, curves and graphic annotations",
    "clean_pixel_data": "blank burned-in text in the regions of --pixel-rules",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rs-dicom anonymize``."""
    parser.add_argument("files", nargs="+", metavar="FILE", help="DICOM files or directories")
    parser.add_argument("-o", "--output", metavar="OUTDIR", help="the output directory")
    parser.add_argument("--key", metavar="FILE", help="the secret key (at least 16 bytes)")
    parser.add_argument("--map", metavar="CSV", help="patient IDs/names: original,pseudonym")
    parser.add_argument("--audit", metavar="JSONL", help="write one audit record per file")
    dates = parser.add_mutually_exclusive_group()
    dates.add_argument(
        "--retain-dates", action="store_true", help="keep dates and times (full dates)"
    )
    dates.add_argument(
        "--shift-dates", action="store_true", help="move dates by a per-patient offset"
    )
    for name, text in _FLAGS.items():
        parser.add_argument("--" + name.replace("_", "-"), action="store_true", help=text)
    parser.add_argument("--pixel-rules", metavar="JSON", help="regions of burned-in text")
    parser.add_argument("--safe-private", metavar="JSON", help="more private attributes known safe")
    parser.add_argument("--name-by-uid", action="store_true", help="name outputs by new UIDs")
    parser.add_argument("--in-place", action="store_true", help="replace the input files")
    parser.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    parser.add_argument("-j", "--workers", type=int, metavar="N", help="threads (default: all)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def check(args: argparse.Namespace) -> str | None:
    """Usage errors: an output is needed unless the files are changed in place."""
    if args.in_place and args.output:
        return "--in-place and -o exclude each other"
    if not args.in_place and not args.output:
        return "give -o OUTDIR (or --in-place to replace the input files)"
    if args.in_place and args.name_by_uid:
        return "--name-by-uid needs -o OUTDIR"
    if args.workers is not None and args.workers < 1:
        return "--workers must be at least 1"
    return None


def _is_part10(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(132)
    except OSError:
        return True  # reported by the de-identifier, with the reason
    return head[128:132] == b"DICM"


def plan(args: argparse.Namespace, report: Reporter) -> tuple[list[tuple[str, str]], int]:
    """(input, output) pairs, and the number of non-DICOM files skipped in directories."""
    jobs: list[tuple[str, str]] = []
    skipped = 0
    for path in expand(args.files, report.error):
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    src = os.path.join(root, name)
                    if name.startswith(".") or not _is_part10(src):
                        skipped += 1
                        continue
                    rel = os.path.relpath(src, path)
                    jobs.append((src, src if args.in_place else os.path.join(args.output, rel)))
        else:
            out = path if args.in_place else os.path.join(args.output, os.path.basename(path))
            jobs.append((path, out))
    return jobs, skipped


def _options(args: argparse.Namespace) -> list[str]:
    opts = [name for name in _FLAGS if getattr(args, name)]
    if args.retain_dates:
        opts.append("retain_long_full_dates")
    if args.shift_dates:
        opts.append("retain_long_modified_dates")
    return opts


def _load_json(path: str | None) -> list[dict[str, Any]]:
    if path is None:
        return []
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list")
    return data


class _Progress:
    """A one-line progress bar on a terminal (stderr), nothing elsewhere."""

    def __init__(self, err: TextIO, enabled: bool) -> None:
        self.err = err
        self.enabled = enabled and isatty(err)
        self.start = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total == 0:
            return
        width = 30
        filled = width * done // total
        rate = done / max(time.perf_counter() - self.start, 1e-9)
        bar = "#" * filled + "-" * (width - filled)
        self.err.write(f"\r[{bar}] {done}/{total} files, {rate:.0f}/s")
        self.err.flush()

    def close(self) -> None:
        if self.enabled:
            self.err.write("\n")
            self.err.flush()


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Runs ``rs-dicom anonymize``."""
    from rs_dicom import deid

    report = Reporter(out, err)
    try:
        key = deid.load_key(args.key) if args.key else None
        engine = deid.Anonymizer(
            options=_options(args),
            key=key,
            id_map=args.map,
            pixel_rules=[deid.PixelRule(**r) for r in _load_json(args.pixel_rules)],
            safe_private=[deid.SafePrivate(**s) for s in _load_json(args.safe_private)],
            audit=bool(args.audit or args.name_by_uid),
        )
    except (OSError, ValueError, TypeError) as exc:
        report.error(args.key or args.map or "anonymize", error_text(exc))
        return 1
    if key is None:
        print(
            f"{PROG}: no --key: a random key, so UIDs and pseudonyms differ from other runs",
            file=err,
        )
    jobs, skipped = plan(args, report)
    if args.name_by_uid:
        # Written under a temporary name, renamed once the new UIDs are known.
        jobs = [
            (src, os.path.join(args.output, f".rs-dicom-{n}.tmp"))
            for n, (src, _) in enumerate(jobs)
        ]
    if not args.in_place:
        inputs = {os.path.realpath(src) for src, _ in jobs}
        clash = [dst for _, dst in jobs if os.path.realpath(dst) in inputs]
        if clash:
            report.error(clash[0], "would overwrite an input file: give --in-place to do that")
            return 1
    progress = _Progress(err, not args.no_progress)
    start = time.perf_counter()
    results = engine.anonymize_files(
        jobs, overwrite=args.overwrite or args.in_place, workers=args.workers, progress=progress
    )
    progress.close()
    elapsed = time.perf_counter() - start
    failed = 0
    audit_file = open(args.audit, "w", encoding="utf-8") if args.audit else None  # noqa: SIM115
    try:
        for result in results:
            if result.error is not None:
                failed += 1
                report.exception(result.input, result.error)
                continue
            output = result.output
            if args.name_by_uid:
                try:
                    output = _rename_by_uid(result.output, args.output, args.overwrite)
                except OSError as exc:
                    failed += 1
                    report.exception(result.input, exc)
                    continue
            if audit_file is not None and result.audit is not None:
                record = dict(result.audit, output=os.path.relpath(output, args.output or "."))
                audit_file.write(json.dumps(record) + "\n")
    finally:
        if audit_file is not None:
            audit_file.close()
    done = len(results) - failed
    rate = len(results) / elapsed if elapsed > 0 else 0.0
    summary = f"anonymized {done} file{'s' * (done != 1)}"
    if failed:
        summary += f", {failed} failed"
    if skipped:
        summary += f", {skipped} skipped (not DICOM)"
    print(f"{summary} in {elapsed:.1f} s ({rate:.0f} files/s)", file=out)
    return report.status


def _rename_by_uid(path: str, outdir: str, overwrite: bool) -> str:
    import rs_dicom

    ds = rs_dicom.dcmread(path, stop_before_pixels=True)
    parts = [str(ds.get(k, "") or "NONE") for k in ("StudyInstanceUID", "SeriesInstanceUID")]
    target = os.path.join(outdir, *parts, f"{ds.SOPInstanceUID}.dcm")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.exists(target) and not overwrite:
        os.remove(path)
        raise FileExistsError(target)
    os.replace(path, target)
    return target


COMMAND = Command(
    name="anonymize",
    help="de-identify files by PS3.15 Annex E",
    description=DESCRIPTION,
    epilog=EPILOG,
    add_arguments=add_arguments,
    run=run,
    check=check,
)
