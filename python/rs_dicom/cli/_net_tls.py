"""TLS, user identity and acceptor-policy options of the network subcommands, spelled as in
DCMTK's echoscu, storescu and storescp (``+tls KEY CERT``, ``+tla``, ``+cf FILE``, ``-rc``,
``-vc``, ``-ic``, ``-usr``, ``-pwd``, ``-rsp``)."""

from __future__ import annotations

import argparse
from typing import Any


def add_tls(parser: argparse.ArgumentParser, *, server: bool = False) -> None:
    """The TLS options (DCMTK's ``+`` spellings need ``+`` as an option prefix)."""
    parser.prefix_chars = "-+"
    g = parser.add_argument_group("transport layer security (TLS)")
    g.add_argument(
        "+tls",
        "--enable-tls",
        nargs=2,
        metavar=("KEY", "CERT"),
        dest="tls_key_cert",
        help="use TLS with this private key and certificate (PEM)",
    )
    if not server:
        g.add_argument(
            "+tla",
            "--anonymous-tls",
            action="store_true",
            help="use TLS without a certificate of ours",
        )
    g.add_argument(
        "+cf",
        "--add-cert-file",
        action="append",
        default=[],
        metavar="FILE",
        dest="tls_ca",
        help="trust the CA certificate(s) in FILE (PEM); repeatable",
    )
    peer = g.add_mutually_exclusive_group()
    for short, long, value, text in (
        ("-rc", "--require-peer-cert", "require", "verify the peer's certificate, fail if absent"),
        ("-vc", "--verify-peer-cert", "if-present", "verify the peer's certificate if present"),
        ("-ic", "--ignore-peer-cert", "ignore", "do not verify the peer's certificate"),
    ):
        if value == "if-present" and not server:
            continue  # a server always presents a certificate (DCMTK's SCUs lack -vc too)
        if value == "require":
            text += " (default)"
        peer.add_argument(
            short, long, action="store_const", const=value, dest="tls_peer", help=text
        )
    parser.set_defaults(tls_peer="require")


def add_identity(parser: argparse.ArgumentParser) -> None:
    """User identity negotiation as a requestor (PS3.7 D.3.3.7)."""
    g = parser.add_argument_group("user identity negotiation")
    g.add_argument("-usr", "--user", metavar="NAME", help="send this user name")
    g.add_argument(
        "-pwd", "--password", metavar="PASSWORD", help="send this password (with --user)"
    )
    g.add_argument(
        "-rsp",
        "--pos-response",
        action="store_true",
        dest="identity_response",
        help="ask for a positive response; fail without one (with --user)",
    )


def add_accept_aet(parser: argparse.ArgumentParser) -> None:
    """The acceptor's allow list of calling AE titles."""
    parser.add_argument(
        "--accept-aet",
        action="append",
        metavar="AE",
        dest="accept_aet",
        help="accept only this calling AE title (repeatable; default: any)",
    )


def check_tls(args: argparse.Namespace) -> str | None:
    """Options that cannot work together."""
    if getattr(args, "password", None) is not None and getattr(args, "user", None) is None:
        return "--password needs --user"
    if getattr(args, "identity_response", False) and getattr(args, "user", None) is None:
        return "-rsp needs --user"
    if getattr(args, "anonymous_tls", False) and args.tls_key_cert:
        return "+tla and +tls exclude each other"
    if args.tls_ca and not tls_enabled(args):
        return "+cf needs +tls or +tla"
    return None


def tls_enabled(args: argparse.Namespace) -> bool:
    return bool(args.tls_key_cert) or bool(getattr(args, "anonymous_tls", False))


def tls_from_args(args: argparse.Namespace) -> Any:
    """The :class:`rs_dicom.net.TLS` the options ask for, or None."""
    if not tls_enabled(args):
        return None
    from rs_dicom.net import TLS

    key, cert = args.tls_key_cert if args.tls_key_cert else (None, None)
    peer = args.tls_peer
    return TLS(
        cert=cert,
        key=key,
        ca=list(args.tls_ca),
        verify_peer=peer != "ignore",
        require_peer_cert=peer == "require",
    )


def client_tls_for_server(args: argparse.Namespace) -> Any:
    """A server's TLS options as a client's, for the associations it opens itself (C-MOVE
    sub-operations): its certificate for mutual authentication, its trusted CAs, and no
    check of the peer's certificate only when ``-ic`` asks for none."""
    if not tls_enabled(args):
        return None
    from rs_dicom.net import TLS

    key, cert = args.tls_key_cert
    return TLS(cert=cert, key=key, ca=list(args.tls_ca), verify_peer=args.tls_peer != "ignore")
