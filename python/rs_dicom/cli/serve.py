"""``rs-dicom serve``: a small PACS (Query/Retrieve, Storage and Verification SCP) over a
directory, as DCMTK's dcmqrscp."""

from __future__ import annotations

import argparse
from typing import TextIO

from rs_dicom.cli._command import Command
from rs_dicom.cli._net import add_association, add_async_ops, check_network, run_until_interrupted
from rs_dicom.cli._net_tls import (
    add_accept_aet,
    add_tls,
    client_tls_for_server,
    tls_from_args,
)
from rs_dicom.cli._report import PROG, error_text

DESCRIPTION = """\
Index the DICOM files under DIR and answer C-FIND, C-MOVE and C-GET (Patient and Study
Root) about them on --port; instances received with C-STORE are written to DIR and indexed
at once. The index is kept in DIR/.rs_dicom_index.sqlite (or --index PATH), so a restart
reads only the files added or changed since. C-MOVE destinations are given with
--destination AE=HOST:PORT. With +tls the associations are TLS ones, and so are C-MOVE's to
the destinations (as dcmqrscp does), unless --plain-destinations. With --worklist WLDIR it
answers Modality Worklist C-FIND from the worklist files under WLDIR too (see 'rs-dicom
worklist'). Runs until interrupted
(Ctrl-C)."""

EPILOG = """\
examples:
  rs-dicom serve /data/dicom --port 11112 --aet PACS
  rs-dicom serve archive/ --port 104 --destination VIEWER=10.0.0.5:11113
  rs-dicom serve archive/ --port 11112 --worklist worklists/
  rs-dicom serve archive/ --port 2762 +tls pacs.key pacs.pem +cf ca.pem --accept-aet VIEWER

exit status: 0 stopped normally, 1 the port could not be opened, 2 wrong usage."""


def _destination(text: str) -> tuple[str, tuple[str, int]]:
    ae, sep, rest = text.partition("=")
    host, _, port = rest.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"'{text}' is not AE=HOST:PORT")
    return ae, (host, int(port))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rs-dicom serve``."""
    parser.add_argument("directory", metavar="DIR", help="the files served and stored")
    parser.add_argument("--port", type=int, default=11112, help="port (default 11112)")
    parser.add_argument(
        "--destination",
        type=_destination,
        action="append",
        default=[],
        metavar="AE=HOST:PORT",
        help="a C-MOVE destination; repeatable",
    )
    parser.add_argument(
        "--worklist",
        metavar="WLDIR",
        default=None,
        help="also a Modality Worklist SCP serving the worklist files under WLDIR",
    )
    parser.add_argument(
        "--require-called-aet",
        action="store_true",
        help="reject associations whose called AE title is not --aet",
    )
    index = parser.add_mutually_exclusive_group()
    index.add_argument(
        "--index",
        metavar="PATH",
        help="the SQLite file keeping the index across starts (default DIR/.rs_dicom_index.sqlite)",
    )
    index.add_argument(
        "--no-index-file",
        action="store_true",
        help="keep the index in memory only: read every file at each start",
    )
    add_association(parser, peer=False)
    add_accept_aet(parser)
    add_async_ops(parser, server=True)
    add_tls(parser, server=True)
    parser.add_argument(
        "--plain-destinations",
        action="store_true",
        help="with +tls, open C-MOVE's associations to the destinations without TLS "
        "(by default they use TLS with the same certificate and trusted CAs)",
    )


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Runs ``rs-dicom serve``."""
    from rs_dicom import net

    try:
        server = net.QueryRetrieveServer(
            args.directory,
            args.port,
            ae_title=args.aet,
            destinations=dict(args.destination),
            require_called_ae=args.require_called_aet,
            max_pdu=args.max_pdu,
            timeout=args.timeout,
            tls=tls_from_args(args),
            accepted_calling_aets=args.accept_aet,
            max_async_ops=args.max_async_ops,
            destination_tls=None if args.plain_destinations else client_tls_for_server(args),
            worklist=args.worklist,
            index=None if args.no_index_file else (args.index or True),
        )
    except (OSError, ValueError) as exc:
        print(f"{PROG}: serve on port {args.port}: {error_text(exc)}", file=err)
        return 1
    if server.index_warning:
        print(f"{PROG}: warning: {server.index_warning}", file=err)
    for path, why in server.unreadable:
        print(f"{PROG}: {path}: not indexed: {why}", file=err)
    print(
        f"serving {server.indexed} instances from {args.directory} on port {server.port} "
        f"as {args.aet}",
        file=out,
    )
    if server.index_file:
        stats = server.index_stats()
        print(
            f"index {server.index_file}: {stats['read']} files read, {stats['reused']} "
            f"unchanged, {stats['removed']} removed",
            file=out,
        )
    out.flush()
    run_until_interrupted(server)
    print(f"{server.stats().get('stored', 0)} instances stored", file=out)
    return 0


COMMAND = Command(
    name="serve",
    help="serve a directory as a small PACS (Query/Retrieve SCP)",
    description=DESCRIPTION,
    epilog=EPILOG,
    add_arguments=add_arguments,
    run=run,
    check=check_network,
)
