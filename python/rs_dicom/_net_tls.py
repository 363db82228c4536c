"""TLS settings for :mod:`rs_dicom.net` (PS3.15 B.1 secure transport, rustls underneath)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class TLS:
    """TLS for an association or a server, from PEM files.

    ``cert``/``key``: our certificate (chain, leaf first) and its private key; a server needs
    them, a client gives them for mutual authentication. ``ca``: the trusted CA certificate
    file(s) the peer's certificate must chain to. ``verify_peer=False`` accepts any peer
    certificate (DCMTK's ``-ic``: encrypted, not authenticated). A server with
    ``verify_peer=True`` asks for a client certificate: required with
    ``require_peer_cert=True`` (DCMTK's ``-rc``), checked only when given with ``False``
    (``-vc``). ``check_hostname``: a client also checks that the server's certificate names
    the host connected to (off by default, as in DCMTK: DICOM certificates often name an
    AE rather than a host)."""

    cert: PathLike | None = None
    key: PathLike | None = None
    ca: PathLike | Iterable[PathLike] | None = None
    verify_peer: bool = True
    require_peer_cert: bool = True
    check_hostname: bool = False

    def _spec(self) -> tuple[Any, ...]:
        """The tuple the Rust side reads."""
        if self.ca is None:
            ca: list[str] = []
        elif isinstance(self.ca, (str, os.PathLike)):
            ca = [os.fspath(self.ca)]
        else:
            ca = [os.fspath(c) for c in self.ca]
        if not self.verify_peer:
            peer = "ignore"
        elif self.require_peer_cert:
            peer = "require"
        else:
            peer = "if-present"
        cert = None if self.cert is None else os.fspath(self.cert)
        key = None if self.key is None else os.fspath(self.key)
        return (cert, key, ca, peer, bool(self.check_hostname))


def spec(tls: TLS | None) -> tuple[Any, ...] | None:
    """``tls._spec()``, or None for plain TCP."""
    if tls is None:
        return None
    if not isinstance(tls, TLS):
        raise TypeError(f"tls must be an rs_dicom.net.TLS, not {type(tls).__name__}")
    return tls._spec()
