"""``rs-dicom send``: Storage (C-STORE) of files and directories to a DICOM peer, as DCMTK's
storescu, over several associations in parallel."""

from __future__ import annotations

import argparse
import os
import threading
from typing import TextIO

from rs_dicom.cli._command import Command
from rs_dicom.cli._net import add_association, add_async_ops, check_network
from rs_dicom.cli._net_tls import add_identity, add_tls, tls_from_args
from rs_dicom.cli._progress import Progress
from rs_dicom.cli._report import PROG, Reporter, error_text

DESCRIPTION = """\
Send DICOM files to the peer at HOST PORT with C-STORE. PATH is a file or a directory (every
file below it is sent). Files go over --associations associations in parallel; each is sent
in its own transfer syntax when the peer accepts it, else decompressed or re-encoded in
explicit/implicit VR little endian. On a terminal a progress bar shows how far the run is.

A file that cannot be read or that the peer refuses prints 'rs-dicom: FILE: MESSAGE' on
stderr; the others are still sent. A summary line ends the run."""

EPILOG = """\
examples:
  rs-dicom send localhost 104 image.dcm
  rs-dicom send pacs 11112 study/ --aet MY_AE --aec PACS -j 4
  rs-dicom send pacs 11112 study/ --max-async-ops 8   # up to 8 C-STOREs in flight
  rs-dicom send pacs 2762 study/ +tls me.key me.pem +cf ca.pem -usr alice -pwd secret

exit status: 0 every file stored, 1 a file failed or no association could be established,
2 wrong usage."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rs-dicom send``."""
    parser.add_argument("host", metavar="HOST", help="the peer's host name or address")
    parser.add_argument("port", metavar="PORT", type=int, help="the peer's port")
    parser.add_argument("paths", metavar="PATH", nargs="+", help="files or directories")
    parser.add_argument(
        "-j",
        "--associations",
        type=int,
        default=4,
        metavar="N",
        help="associations in parallel (default 4)",
    )
    add_association(parser)
    add_async_ops(parser, server=False)
    add_identity(parser)
    add_tls(parser)


def check(args: argparse.Namespace) -> str | None:
    """Usage errors."""
    if args.associations < 1:
        return "--associations must be 1 or more"
    return check_network(args)


def files(paths: list[str], report: Reporter) -> list[str]:
    """Every file named or below a directory named, in a stable order."""
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, names in os.walk(p):
                dirs.sort()
                out.extend(os.path.join(root, n) for n in sorted(names))
        elif os.path.exists(p):
            out.append(p)
        else:
            report.error(p, "no such file")
    return out


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Runs ``rs-dicom send``."""
    from rs_dicom import net

    report = Reporter(out, err)
    todo = files(args.paths, report)
    if not todo:
        print(f"{PROG}: no files to send", file=err)
        return 1
    progress = Progress(len(todo), err, "send")
    lock = threading.Lock()

    def step(i: int, status: int | None, error: str | None) -> None:
        with lock:
            progress.step(
                error is None
                and status is not None
                and status in (0, 1)
                or (status is not None and 0xB000 <= status <= 0xBFFF)
            )

    try:
        results = net.send(
            todo,
            args.host,
            args.port,
            ae_title=args.aet,
            called_ae=args.aec,
            timeout=args.timeout,
            max_pdu=args.max_pdu,
            workers=args.associations,
            callback=step,
            username=args.user,
            password=args.password,
            identity_response=args.identity_response,
            tls=tls_from_args(args),
            max_async_ops=args.max_async_ops,
        )
    except (OSError, ValueError) as exc:
        progress.clear()
        print(f"{PROG}: send to {args.host}:{args.port}: {error_text(exc)}", file=err)
        return 1
    progress.clear()
    failed = 0
    for r in results:
        if r.ok:
            continue
        failed += 1
        why = r.error if r.error is not None else f"the peer answered status 0x{r.status:04X}"
        report.error(str(r.item), " ".join(why.split()))
    sent = len(results) - failed
    print(f"{sent} of {len(results)} files stored, {failed} failed", file=out)
    return 1 if failed or report.status else 0


COMMAND = Command(
    name="send",
    help="send DICOM files to a peer (C-STORE)",
    description=DESCRIPTION,
    epilog=EPILOG,
    add_arguments=add_arguments,
    run=run,
    check=check,
)
