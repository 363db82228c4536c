"""``rs-dicom move``: C-MOVE from a Query/Retrieve SCP to an AE title, as DCMTK's movescu
(with ``+P PORT`` it receives the instances itself)."""

from __future__ import annotations

import argparse
from typing import TextIO

from rs_dicom.cli import _qr
from rs_dicom.cli._command import Command
from rs_dicom.cli._net import check_association

DESCRIPTION = """\
Send a C-MOVE request built from the -k keys to the peer at HOST PORT, asking it to store
the matching instances at the AE title --move (default: our own AE title). With +P PORT a
storage SCP listens on PORT during the move and writes what arrives to
--output-directory (the peer must know our AE title at that port)."""

EPILOG = """\
examples:
  rs-dicom move -S -aem ARCHIVE -k QueryRetrieveLevel=STUDY -k StudyInstanceUID=1.2.3 pacs 104
  rs-dicom move -aet ME +P 11113 -od in/ -k QueryRetrieveLevel=STUDY -k StudyID=7 pacs 104

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
    parser.add_argument(
        "-od",
        "--output-directory",
        dest="directory",
        default=".",
        metavar="DIR",
        help="where +P writes received files (default: .)",
    )


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Runs ``rs-dicom move``."""
    from contextlib import ExitStack

    from rs_dicom import net

    final = None
    try:
        with ExitStack() as stack:
            if args.listen is not None:
                stack.enter_context(
                    net.StorageServer(
                        args.listen, args.directory, ae_title=args.aet, timeout=args.timeout
                    )
                )
            assoc = stack.enter_context(
                net.associate(
                    args.host,
                    args.port,
                    ae_title=args.aet,
                    called_ae=args.aec,
                    timeout=args.timeout,
                    max_pdu=args.max_pdu,
                )
            )
            query = _qr.build_query(args.keys)
            for status, _ in assoc.move(query, args.move or args.aet, args.model):
                final = status
    except (OSError, ValueError) as exc:
        return _qr.fail(args, "move", exc, err)
    if final is None:
        return 1
    _qr.final_line("C-MOVE", final, out)
    return 0 if int(final) == 0 else 1


COMMAND = Command(
    name="move",
    help="have a PACS send instances to an AE title (C-MOVE)",
    description=DESCRIPTION,
    epilog=EPILOG,
    add_arguments=add_arguments,
    run=run,
    check=lambda a: check_association(a) or _qr.check_query(a),
)
