"""``rs-dicom echo``: Verification (C-ECHO) against a DICOM peer, as DCMTK's echoscu."""

from __future__ import annotations

import argparse
from typing import TextIO

from rs_dicom.cli._command import Command
from rs_dicom.cli._net import add_association, associate, check_network
from rs_dicom.cli._net_tls import add_identity, add_tls
from rs_dicom.cli._report import PROG, error_text

DESCRIPTION = """\
Open an association with the DICOM peer at HOST PORT, send a C-ECHO request (Verification)
and release the association. Prints the response status; like DCMTK's echoscu."""

EPILOG = """\
examples:
  rs-dicom echo localhost 104
  rs-dicom echo pacs.example.org 11112 --aet MY_AE --aec PACS
  rs-dicom echo pacs 2762 +tls me.key me.pem +cf ca.pem -usr alice -pwd secret

exit status: 0 the peer answered with success, 1 it did not (no connection, association
rejected or aborted, another status), 2 wrong usage."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rs-dicom echo``."""
    parser.add_argument("host", metavar="HOST", help="the peer's host name or address")
    parser.add_argument("port", metavar="PORT", type=int, help="the peer's port")
    parser.add_argument(
        "-r", "--repeat", type=int, default=1, metavar="N", help="send N C-ECHO requests"
    )
    add_association(parser)
    add_identity(parser)
    add_tls(parser)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Runs ``rs-dicom echo``."""
    try:
        with associate(args, contexts=[]) as assoc:
            statuses = [assoc.echo() for _ in range(max(1, args.repeat))]
    except (OSError, ValueError) as exc:
        print(f"{PROG}: echo {args.host}:{args.port}: {error_text(exc)}", file=err)
        return 1
    for status in statuses:
        print(
            f"C-ECHO response status 0x{status:04X}" + (" (Success)" if status == 0 else ""),
            file=out,
        )
    return 0 if all(s == 0 for s in statuses) else 1


COMMAND = Command(
    name="echo",
    help="check a DICOM peer answers (C-ECHO)",
    description=DESCRIPTION,
    epilog=EPILOG,
    add_arguments=add_arguments,
    run=run,
    check=check_network,
)
