"""``rs-dicom listen``: a Storage SCP writing what it receives into a directory, as DCMTK's
storescp."""

from __future__ import annotations

import argparse
import threading
from typing import TextIO

from rs_dicom.cli._command import Command
from rs_dicom.cli._net import (
    add_association,
    add_async_ops,
    add_output_directory,
    check_network,
)
from rs_dicom.cli._net_tls import add_accept_aet, add_tls, tls_from_args
from rs_dicom.cli._report import PROG, error_text

DESCRIPTION = """\
Listen on PORT for associations and store every instance received with C-STORE into
--output-directory as SOPINSTANCEUID.dcm (Part 10 files, written as the data arrives);
C-ECHO is answered too. Runs until interrupted (Ctrl-C) or, with --exit-after N, until N
instances were stored."""

EPILOG = """\
examples:
  rs-dicom listen 11112 -od incoming/
  rs-dicom listen 104 -od /data/dicom --aet STORE_SCP --require-called-aet
  rs-dicom listen 2762 -od incoming/ +tls scp.key scp.pem +cf ca.pem --accept-aet MODALITY1

exit status: 0 stopped normally, 1 the port could not be opened, 2 wrong usage."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rs-dicom listen``."""
    parser.add_argument("port", metavar="PORT", type=int, help="the port to listen on")
    add_output_directory(parser, "where received files are written (default: .)")
    parser.add_argument(
        "--require-called-aet",
        action="store_true",
        help="reject associations whose called AE title is not --aet",
    )
    parser.add_argument(
        "--exit-after", type=int, default=0, metavar="N", help="stop after N instances"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print each file stored")
    add_accept_aet(parser)
    parser.add_argument(
        "--max-associations",
        type=int,
        default=64,
        metavar="N",
        help="associations at once; more are rejected as transient (default 64)",
    )
    add_association(parser, peer=False)
    add_async_ops(parser, server=True)
    add_tls(parser, server=True)


def check_listen(args: argparse.Namespace) -> str | None:
    """Usage errors."""
    if args.max_associations < 1:
        return "--max-associations must be 1 or more"
    return check_network(args)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Runs ``rs-dicom listen``."""
    from rs_dicom import _core
    from rs_dicom._net_tls import spec as tls_spec

    count = 0
    done = threading.Event()
    lock = threading.Lock()

    def stored(path: str, sop_class: str, sop_instance: str, ts: str, calling: str) -> None:
        nonlocal count
        with lock:
            count += 1
            if args.verbose:
                print(f"stored {path} from {calling}", file=out, flush=True)
            if args.exit_after and count >= args.exit_after:
                done.set()

    try:
        server = _core.StorageServer(
            args.port,
            args.directory,
            ae_title=args.aet,
            require_called_ae=args.require_called_aet,
            handler=stored if (args.verbose or args.exit_after) else None,
            max_pdu=args.max_pdu,
            timeout=args.timeout,
            max_associations=args.max_associations,
            tls=tls_spec(tls_from_args(args)),
            accepted_calling_aets=args.accept_aet,
            max_async_ops=args.max_async_ops,
        )
    except (OSError, ValueError) as exc:
        print(f"{PROG}: listen on port {args.port}: {error_text(exc)}", file=err)
        return 1
    print(f"listening on port {server.port} as {args.aet}", file=out, flush=True)
    try:
        while not done.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    stats = dict(server.stats()) if server.running else {}
    with lock:
        print(f"{stats.get('stored', count)} instances stored", file=out)
    return 0


COMMAND = Command(
    name="listen",
    help="receive DICOM files from peers (storage SCP)",
    description=DESCRIPTION,
    epilog=EPILOG,
    add_arguments=add_arguments,
    run=run,
    check=check_listen,
)
