"""``rs-dicom find``: C-FIND against a Query/Retrieve or worklist SCP, as DCMTK's findscu."""

from __future__ import annotations

import argparse
import os
from typing import Any, TextIO

from rs_dicom._net_qr import model_uid
from rs_dicom.cli import _qr
from rs_dicom.cli._command import Command
from rs_dicom.cli._net import add_output_directory, associate

DESCRIPTION = """\
Send a C-FIND request built from the -k keys to the peer at HOST PORT and print every
matching identifier; with -X they are also written to --output-directory as rsp0001.dcm,
rsp0002.dcm... (as findscu does)."""

EPILOG = """\
examples:
  rs-dicom find -S -k QueryRetrieveLevel=STUDY -k PatientName='DOE*' -k StudyInstanceUID pacs 104
  rs-dicom find -P -k QueryRetrieveLevel=PATIENT -k PatientID -aec PACS localhost 11112
  rs-dicom find -W -k ScheduledProcedureStepSequence[0].Modality=MR -k PatientName wl 104

exit status: 0 the final status is Success, 1 it is not (or no association), 2 wrong
usage."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rs-dicom find``."""
    _qr.add_query(parser, worklist=True)
    parser.add_argument(
        "-X", "--extract", action="store_true", help="write each response to a file"
    )
    add_output_directory(parser, "where -X writes (default: .)")
    parser.add_argument(
        "--cancel", type=int, default=0, metavar="N", help="cancel after N responses"
    )


def _extract(ds: Any, sop_class: str, directory: str, n: int) -> None:
    """A response as a Part 10 file, as findscu -X writes them."""
    from rs_dicom import FileMetaDataset, uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = uid.generate_uid()
    meta.TransferSyntaxUID = "1.2.840.10008.1.2.1"
    ds.file_meta = meta
    ds.preamble = b"\0" * 128
    os.makedirs(directory, exist_ok=True)
    ds.save_as(os.path.join(directory, f"rsp{n:04d}.dcm"))


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Runs ``rs-dicom find``."""
    query = _qr.build_query(args.keys)
    final = None
    try:
        with associate(args) as assoc:
            responses = assoc.find(query, args.model)
            n = 0
            for status, ds in responses:
                if ds is not None and status.is_pending:
                    n += 1
                    _qr.print_identifier(ds, out, n)
                    if args.extract:
                        _extract(ds, model_uid(args.model, "find"), args.directory, n)
                    if args.cancel and n >= args.cancel:
                        # Closing the generator sends the C-CANCEL and reads the rest.
                        responses.close()
                        print(f"C-FIND cancelled after {n} responses", file=out)
                        return 0
                else:
                    final = status
    except (OSError, ValueError) as exc:
        return _qr.fail(args, "find", exc, err)
    if final is None:
        return 1
    _qr.final_line("C-FIND", final, out)
    return 0 if int(final) == 0 else 1


COMMAND = Command(
    name="find",
    help="query a PACS or worklist (C-FIND)",
    description=DESCRIPTION,
    epilog=EPILOG,
    add_arguments=add_arguments,
    run=run,
    check=_qr.check,
)
