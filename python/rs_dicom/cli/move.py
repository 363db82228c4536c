"""``rs-dicom move``: C-MOVE from a Query/Retrieve SCP to an AE title, as DCMTK's movescu
(with ``+P PORT`` it receives the instances itself)."""

from __future__ import annotations

import argparse
from typing import TextIO

from rs_dicom.cli import _qr
from rs_dicom.cli._command import Command
from rs_dicom.cli._net import add_output_directory

DESCRIPTION = """\
Send a C-MOVE request built from the -k keys to the peer at HOST PORT, asking it to store
the matching instances at the AE title --move (default: our own AE title). With +P PORT a
storage SCP listens on PORT during the move and writes what arrives to
--output-directory (the peer must know our AE title at that port); with +tls it listens
with TLS, the same certificate and trusted CAs."""

EPILOG = """\
examples:
  rs-dicom move -S -aem ARCHIVE -k QueryRetrieveLevel=STUDY -k StudyInstanceUID=1.2.3 pacs 104
  rs-dicom move -aet ME +P 11113 -od in/ -k QueryRetrieveLevel=STUDY -k StudyID=7 pacs 104
  rs-dicom move +tls me.key me.pem +cf ca.pem +P 11113 -k QueryRetrieveLevel=STUDY ... pacs 2762

exit status: 0 every sub-operation succeeded, 1 not (or no association), 2 wrong usage."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rs-dicom move``."""
    # DCMTK spells the listening port '+P': argparse reads the prefix characters when it
    # parses, so allowing '+' here is enough.
    parser.prefix_chars = "-+"
    _qr.add_query(parser)
    parser.add_argument(
        "-aem", "--move", dest="move", default=None, metavar="AE", help="the destination"
    )
    parser.add_argument(
        "+P", "--port", dest="listen", type=int, default=None, metavar="PORT",
        help="receive the instances on PORT",
    )  # fmt: skip
    add_output_directory(parser, "where +P writes received files (default: .)")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Runs ``rs-dicom move``."""
    from contextlib import ExitStack

    from rs_dicom import net
    from rs_dicom.cli._net_tls import tls_from_args

    with ExitStack() as stack:
        if args.listen is not None:
            try:
                # With +tls the instances come over TLS too (our certificate serves both
                # ends, as the SCP's C-MOVE association uses its TLS settings).
                listener_tls = tls_from_args(args) if args.tls_key_cert else None
                stack.enter_context(
                    net.StorageServer(
                        args.listen,
                        args.directory,
                        ae_title=args.aet,
                        timeout=args.timeout,
                        tls=listener_tls,
                    )
                )
            except (OSError, ValueError) as exc:
                return _qr.fail(args, f"move (listening on {args.listen})", exc, err)
        destination = args.move or args.aet
        return _qr.retrieve(
            args,
            "MOVE",
            lambda assoc, query: assoc.move(query, destination, args.model),
            out,
            err,
        )


COMMAND = Command(
    name="move",
    help="have a PACS send instances to an AE title (C-MOVE)",
    description=DESCRIPTION,
    epilog=EPILOG,
    add_arguments=add_arguments,
    run=run,
    check=_qr.check,
)
