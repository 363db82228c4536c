"""Options shared by the network subcommands, spelled as DCMTK's tools spell them."""

from __future__ import annotations

import argparse
from contextlib import AbstractContextManager
from typing import Any


def add_association(parser: argparse.ArgumentParser, *, peer: bool = True) -> None:
    """``--aetitle/--aet``, ``--call/--aec``, ``--timeout/-to``, ``--max-pdu/-pdu``."""
    parser.add_argument(
        "-aet",
        "--aetitle",
        "--aet",
        dest="aet",
        default="RS_DICOM",
        metavar="AE",
        help="our AE title (default RS_DICOM)",
    )
    if peer:
        parser.add_argument(
            "-aec",
            "--call",
            "--aec",
            dest="aec",
            default="ANY-SCP",
            metavar="AE",
            help="the peer's (called) AE title (default ANY-SCP)",
        )
    parser.add_argument(
        "-to",
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="connection, ARTIM and DIMSE timeout (default 30)",
    )
    parser.add_argument(
        "-pdu",
        "--max-pdu",
        type=int,
        default=262144,
        metavar="N",
        help="maximum PDU length we receive (default 262144)",
    )


def add_async_ops(parser: argparse.ArgumentParser, *, server: bool) -> None:
    """``--max-async-ops N``: the asynchronous operations window (PS3.7 D.3.3.3; DCMTK's
    tools have no option for it)."""
    if server:
        default, what = 16, "C-STOREs a peer may keep outstanding, granted when it asks"
    else:
        default, what = 1, "C-STOREs kept outstanding per association, if the peer agrees"
    parser.add_argument(
        "--max-async-ops",
        type=int,
        default=default,
        metavar="N",
        help=f"{what} (asynchronous operations window; 0 unlimited, 1 one at a time; "
        f"default {default})",
    )


def check_association(args: argparse.Namespace) -> str | None:
    """AE titles of at most 16 characters, a PDU size DCMTK would take."""
    for name in ("aet", "aec"):
        value = getattr(args, name, None)
        if value is not None and not 0 < len(value) <= 16:
            return f"the AE title {value!r} must be 1 to 16 characters"
    if not 4096 <= args.max_pdu <= 131072 * 32:
        return "--max-pdu must be between 4096 and 4194304"
    port = getattr(args, "port", None)
    if port is not None and not 0 <= port <= 65535:
        return "PORT must be between 0 and 65535"
    window = getattr(args, "max_async_ops", None)
    if window is not None and not 0 <= window <= 65535:
        return "--max-async-ops must be between 0 (unlimited) and 65535"
    return None


def check_network(args: argparse.Namespace) -> str | None:
    """The association options, then the TLS and identity ones."""
    from rs_dicom.cli._net_tls import check_tls

    return check_association(args) or check_tls(args)


def add_output_directory(parser: argparse.ArgumentParser, help: str) -> None:
    """``-od/--output-directory`` (default: the current directory)."""
    parser.add_argument(
        "-od",
        "--output-directory",
        dest="directory",
        default=".",
        metavar="DIR",
        help=help,
    )


def associate(args: argparse.Namespace, **extra: Any) -> AbstractContextManager[Any]:
    """An association with HOST PORT as the association options say."""
    from rs_dicom import net
    from rs_dicom.cli._net_tls import tls_from_args

    if hasattr(args, "tls_key_cert"):
        extra.setdefault("tls", tls_from_args(args))
    if getattr(args, "user", None) is not None:
        extra.setdefault("username", args.user)
        extra.setdefault("password", args.password)
        extra.setdefault("identity_response", bool(getattr(args, "identity_response", False)))
    return net.associate(
        args.host,
        args.port,
        ae_title=args.aet,
        called_ae=args.aec,
        timeout=args.timeout,
        max_pdu=args.max_pdu,
        **extra,
    )


def run_until_interrupted(server: Any) -> None:
    """Waits until Ctrl-C, then stops ``server``."""
    import time

    try:
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
