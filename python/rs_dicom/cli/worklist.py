"""``rs-dicom worklist``: a Modality Worklist SCP serving worklist files, as DCMTK's
wlmscpfs."""

from __future__ import annotations

import argparse
from typing import TextIO

from rs_dicom.cli._command import Command
from rs_dicom.cli._net import add_association, run_until_interrupted
from rs_dicom.cli._net_tls import add_accept_aet, add_tls, tls_from_args
from rs_dicom.cli._report import PROG, error_text
from rs_dicom.cli.listen import check_listen

DESCRIPTION = """\
Listen on PORT and answer Modality Worklist C-FIND (and C-ECHO) from the worklist files
under --data-files-path, laid out as for wlmscpfs: DIR/CALLED_AE_TITLE/*.wl (any DICOM file
with a Scheduled Procedure Step Sequence counts; wlmscpfs's lockfile is skipped). With
--flat the files under DIR itself are served whatever the called AE title. The folder is
read again for every query, so files added or changed count at once. Runs until interrupted
(Ctrl-C)."""

EPILOG = """\
examples:
  rs-dicom worklist 11112 -dfp /data/worklists          # /data/worklists/WLMSCP/*.wl
  rs-dicom worklist 104 -dfp wl/ --flat --aet RIS --require-called-aet

exit status: 0 stopped normally, 1 the port could not be opened or DIR is not a directory,
2 wrong usage."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rs-dicom worklist``."""
    parser.add_argument("port", metavar="PORT", type=int, help="the port to listen on")
    parser.add_argument(
        "-dfp",
        "--data-files-path",
        dest="directory",
        default=".",
        metavar="DIR",
        help="path to the worklist files (default: .)",
    )
    parser.add_argument(
        "--flat",
        action="store_true",
        help="serve the files under DIR for every called AE title (no DIR/AE folders)",
    )
    parser.add_argument(
        "--require-called-aet",
        action="store_true",
        help="reject associations whose called AE title is not --aet",
    )
    parser.add_argument(
        "--max-associations",
        type=int,
        default=50,
        metavar="N",
        help="associations at once; more are rejected as transient (default 50)",
    )
    add_accept_aet(parser)
    add_association(parser, peer=False)
    add_tls(parser, server=True)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Runs ``rs-dicom worklist``."""
    from rs_dicom import net

    try:
        server = net.WorklistServer(
            args.directory,
            args.port,
            ae_folders=not args.flat,
            ae_title=args.aet,
            require_called_ae=args.require_called_aet,
            max_pdu=args.max_pdu,
            timeout=args.timeout,
            max_associations=args.max_associations,
            tls=tls_from_args(args),
            accepted_calling_aets=args.accept_aet,
        )
    except (OSError, ValueError) as exc:
        print(f"{PROG}: worklist on port {args.port}: {error_text(exc)}", file=err)
        return 1
    layout = "" if args.flat else "/<called AE title>"
    print(
        f"serving the worklist in {args.directory}{layout} on port {server.port} as {args.aet}",
        file=out,
        flush=True,
    )
    run_until_interrupted(server)
    return 0


COMMAND = Command(
    name="worklist",
    help="serve worklist files (Modality Worklist SCP, as wlmscpfs)",
    description=DESCRIPTION,
    epilog=EPILOG,
    add_arguments=add_arguments,
    run=run,
    check=check_listen,
)
