"""DICOM networking (DIMSE): Verification (C-ECHO), Storage (C-STORE) and Query/Retrieve
(C-FIND, C-MOVE, C-GET; Modality Worklist C-FIND) as SCU and SCP.

The network runs in Rust threads with the GIL released; Python is called only for a
``StorageServer`` handler. Names follow pynetdicom where it has one (``ae_title``,
``is_established``, ``release``, ``abort``, status integers); failures raise
``NetworkError`` (a ``ConnectionError``) or its subclasses ``AssociationRejectedError`` and
``AssociationAbortedError`` — pynetdicom reports these through ``assoc.is_established``
instead of exceptions.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from rs_dicom import _core
from rs_dicom._net_qr import (
    QueryRetrieveServer,
    ServerBase,
    Status,
    WorklistServer,
    policies,
)
from rs_dicom._net_qr import run as _qr_run
from rs_dicom._net_tls import TLS, spec

NetworkError = _core.NetworkError
AssociationRejectedError = _core.AssociationRejectedError
AssociationAbortedError = _core.AssociationAbortedError

__all__ = [
    "AssociationAbortedError",
    "AssociationRejectedError",
    "NetworkError",
    "QueryRetrieveServer",
    "Status",
    "StorageServer",
    "StoreResult",
    "TLS",
    "WorklistServer",
    "associate",
    "echo",
    "send",
]

DEFAULT_MAX_PDU = 262144
DEFAULT_ASYNC_OPS = 16
"""The asynchronous operations window our SCPs grant by default."""


def _requestor(
    username: str | None, password: str | None, tls: TLS | None, identity_response: bool
) -> dict[str, Any]:
    """The requestor's identity and TLS, as the ``_core`` functions take them."""
    return {
        "username": username,
        "password": password,
        "tls": spec(tls),
        "identity_response": identity_response,
    }


def _window(max_async_ops: int) -> int:
    """A window size as the wire carries it (0 to 65535; 0 is unlimited)."""
    n = int(max_async_ops)
    if not 0 <= n <= 0xFFFF:
        raise ValueError(f"max_async_ops must be 0 (unlimited) to 65535, not {n}")
    return n


def echo(
    host: str,
    port: int,
    *,
    ae_title: str = "RS_DICOM",
    called_ae: str = "ANY-SCP",
    timeout: float | None = 30.0,
    max_pdu: int = DEFAULT_MAX_PDU,
    username: str | None = None,
    password: str | None = None,
    tls: TLS | None = None,
    identity_response: bool = False,
) -> int:
    """Sends a C-ECHO and returns the response status (0 is success). ``username`` (and
    ``password``): user identity negotiation (PS3.7 D.3.3.7), with ``identity_response``
    asking the peer for a positive response (DCMTK's ``-rsp``; without one the association
    fails with :class:`NetworkError`); ``tls``: a :class:`TLS`."""
    who = _requestor(username, password, tls, identity_response)
    return int(_core.net_echo(host, port, ae_title, called_ae, timeout, max_pdu, **who))


@dataclass(frozen=True)
class StoreResult:
    """What happened to one item given to :func:`send`."""

    item: Any
    """The path or dataset given."""
    status: int | None
    """The C-STORE response status (0 success), or None when it was not sent."""
    error: str | None
    """Why it was not sent (unreadable file, no accepted context, association failure)."""

    @property
    def ok(self) -> bool:
        """Stored with a success (0x0000) or warning (0x0001, 0xB000-0xBFFF) status."""
        s = self.status
        return s is not None and (s in (0, 1) or 0xB000 <= s <= 0xBFFF)


def send(
    paths_or_datasets: Iterable[Any],
    host: str,
    port: int,
    *,
    ae_title: str = "RS_DICOM",
    called_ae: str = "ANY-SCP",
    timeout: float | None = 30.0,
    max_pdu: int = DEFAULT_MAX_PDU,
    workers: int = 1,
    callback: Callable[[int, int | None, str | None], None] | None = None,
    username: str | None = None,
    password: str | None = None,
    tls: TLS | None = None,
    identity_response: bool = False,
    max_async_ops: int = 1,
) -> list[StoreResult]:
    """Stores files (paths) and datasets with C-STORE, over ``workers`` associations in
    parallel. Each instance goes in its own transfer syntax when the peer accepts it, else
    converted (decompressed, or re-encoded in explicit/implicit VR little endian). Returns a
    :class:`StoreResult` per item, in order; raises :class:`NetworkError` when an
    association cannot be established. ``callback(index, status, error)`` runs after each
    item (from a worker thread).

    ``max_async_ops``: how many C-STORE requests each association may keep outstanding
    (the asynchronous operations window, PS3.7 D.3.3.3; 0 asks for unlimited). More than 1
    is proposed to the peer and used as far as it accepts; a peer that does not answer the
    proposal gets one at a time. Responses are matched to their requests whatever their
    order. When an association fails, the items sent but not answered have the error
    ``"not confirmed ..."`` and those not yet sent ``"not sent: ..."``."""
    items = [os.fspath(x) if isinstance(x, (str, os.PathLike)) else x for x in paths_or_datasets]
    if not items:
        return []
    who = _requestor(username, password, tls, identity_response)
    n = max(1, workers)
    out = _core.net_send(
        items,
        host,
        port,
        ae_title,
        called_ae,
        timeout,
        max_pdu,
        n,
        callback,
        max_async_ops=_window(max_async_ops),
        **who,
    )
    return [
        StoreResult(item, status, error) for item, (status, error) in zip(items, out, strict=True)
    ]


class Association:
    """An established association (from :func:`associate`)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    @property
    def is_established(self) -> bool:
        """Established and not released or aborted (pynetdicom's name)."""
        return bool(self._inner.is_established)

    @property
    def identity_response(self) -> bytes | None:
        """The acceptor's user identity server response (empty for a username, with or
        without password), or None when it sent none (and once released)."""
        r = self._inner.identity_response
        return None if r is None else bytes(r)

    @property
    def async_ops(self) -> tuple[int, int]:
        """The negotiated asynchronous operations window (PS3.7 D.3.3.3): (operations we
        may invoke, operations we may be asked to perform) with responses outstanding; 0 is
        unlimited, (1, 1) when the peer did not answer the proposal."""
        invoked, performed = self._inner.async_ops
        return int(invoked), int(performed)

    @property
    def accepted_contexts(self) -> list[tuple[str, str]]:
        """(abstract syntax, transfer syntax) of every accepted presentation context."""
        return list(self._inner.accepted_contexts)

    def echo(self) -> int:
        """C-ECHO: the response status."""
        return int(self._inner.echo())

    def send(self, ds: Any) -> int:
        """C-STORE of a dataset or file path: the response status."""
        if isinstance(ds, (str, os.PathLike)):
            ds = os.fspath(ds)
        return int(self._inner.send(ds))

    def find(
        self, query: Any, model: str = "S", *, level: str | None = None
    ) -> Generator[tuple[Status, Any], None, None]:
        """C-FIND: yields ``(status, identifier)`` per response as pynetdicom's
        ``send_c_find`` does (``status`` an int, 0xFF00 with each match, the final one last
        with identifier None). ``query`` is a Dataset or ``{keyword: value}``; ``model`` is
        ``"P"``, ``"S"``, ``"W"`` (worklist) or a SOP class UID; ``level`` sets
        QueryRetrieveLevel. Closing the generator early sends a C-CANCEL."""
        return _qr_run(self._inner, "find", query, model, level)

    def move(
        self, query: Any, destination: str, model: str = "S", *, level: str | None = None
    ) -> Generator[tuple[Status, Any], None, None]:
        """C-MOVE to the AE title ``destination``: yields ``(status, identifier)`` per
        response; ``status.completed``/``failed``/``warning``/``remaining`` are the counts."""
        return _qr_run(self._inner, "move", query, model, level, destination=destination)

    def get(
        self,
        query: Any,
        model: str = "S",
        *,
        level: str | None = None,
        directory: str | os.PathLike[str] = ".",
    ) -> Generator[tuple[Status, Any], None, None]:
        """C-GET: the instances come back on this association (the default contexts
        propose the SCP role for the storage classes) and are written to ``directory`` as
        ``<SOPInstanceUID>.dcm``; yields ``(status, identifier)`` per C-GET response."""
        return _qr_run(self._inner, "get", query, model, level, directory=directory)

    def release(self) -> None:
        """A-RELEASE (pynetdicom's name)."""
        self._inner.release()

    def abort(self) -> None:
        """A-ABORT."""
        self._inner.abort()


@contextmanager
def associate(
    host: str,
    port: int,
    *,
    ae_title: str = "RS_DICOM",
    called_ae: str = "ANY-SCP",
    contexts: Iterable[str | tuple[str, Iterable[str]]] | None = None,
    timeout: float | None = 30.0,
    max_pdu: int = DEFAULT_MAX_PDU,
    username: str | None = None,
    password: str | None = None,
    tls: TLS | None = None,
    identity_response: bool = False,
    max_async_ops: int = 1,
) -> Iterator[Association]:
    """An association as a context manager: released on exit, aborted on an exception.

    ``contexts``: SOP class UIDs (proposed with explicit and implicit VR little endian) or
    ``(sop_class_uid, [transfer_syntax_uid, ...])`` pairs; by default Verification and the
    Q/R and worklist models and the standard's storage SOP classes (up to the 128 contexts
    an association holds), with the SCP role proposed for the storage classes (C-GET).
    ``identity_response``: see :func:`echo`; the response is ``Association.identity_response``.
    ``max_async_ops``: the asynchronous operations window proposed (see :func:`send`); what
    the peer accepted is ``Association.async_ops`` (``Association.send`` still stores one
    instance at a time)."""
    proposed = None
    if contexts is not None:
        proposed = [("1.2.840.10008.1.1", ["1.2.840.10008.1.2"])]
        for c in contexts:
            if isinstance(c, str):
                proposed.append((c, ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"]))
            else:
                uid, syntaxes = c
                proposed.append((str(uid), [str(s) for s in syntaxes]))
    who = _requestor(username, password, tls, identity_response)
    inner = _core.net_associate(
        host,
        port,
        ae_title,
        called_ae,
        proposed,
        timeout,
        max_pdu,
        max_async_ops=_window(max_async_ops),
        **who,
    )
    assoc = Association(inner)
    try:
        yield assoc
    except BaseException:
        assoc.abort()
        raise
    else:
        assoc.release()


class StorageServer(ServerBase):
    """A Storage (and Verification) SCP listening on ``port`` (0: a free one, see ``.port``)
    in background threads, one per association; a context manager that stops it on exit.

    Received instances are streamed to ``directory`` as ``<SOPInstanceUID>.dcm`` (Part 10,
    with file meta), never held whole in memory. With ``handler``, ``handler(ds)`` is
    called for each with the dataset read from that file and returns the status to answer
    (None: success); without ``directory`` the files go to a temporary directory and are
    deleted after the handler ran.

    Policies: ``tls`` (a :class:`TLS` with the server's certificate and key);
    ``accepted_calling_aets``: only these calling AE titles are accepted (others get
    A-ASSOCIATE-RJ "calling AE title not recognized"); ``identity_handler(user_identity_type,
    primary, secondary, calling_ae)`` checks the user identity a requestor sends (1 username,
    2 username and passcode; bytes) and returns True, or the server response as bytes, to
    accept, False to reject the association; ``require_identity`` rejects requests without
    one; over ``max_associations`` a request is rejected as transient (local limit
    exceeded); ``max_async_ops``: the asynchronous operations window granted to a requestor
    that proposes one (PS3.7 D.3.3.3; 1 declines, 0 grants whatever is proposed): that many
    C-STOREs may be outstanding, and a requestor exceeding it is aborted."""

    def __init__(
        self,
        port: int = 0,
        directory: str | os.PathLike[str] | None = None,
        handler: Callable[[Any], int | None] | None = None,
        *,
        host: str = "0.0.0.0",
        ae_title: str = "RS_DICOM",
        require_called_ae: bool = False,
        max_pdu: int = DEFAULT_MAX_PDU,
        timeout: float | None = 60.0,
        max_associations: int = 64,
        tls: TLS | None = None,
        accepted_calling_aets: Iterable[str] | None = None,
        identity_handler: Callable[[int, bytes, bytes, str], bool | bytes | None] | None = None,
        require_identity: bool = False,
        max_async_ops: int = DEFAULT_ASYNC_OPS,
    ) -> None:
        self._tmp = None if directory is not None else tempfile.mkdtemp(prefix="rs_dicom_scp_")
        self.directory: str = os.fspath(directory) if directory is not None else str(self._tmp)
        self._handler = handler
        self._server = _core.StorageServer(
            port,
            self.directory,
            host=host,
            ae_title=ae_title,
            require_called_ae=require_called_ae,
            handler=self._on_stored if handler is not None else None,
            max_pdu=max_pdu,
            timeout=timeout,
            max_associations=max_associations,
            **policies(tls, accepted_calling_aets, identity_handler, require_identity),
            max_async_ops=_window(max_async_ops),
        )

    def _on_stored(
        self, path: str, sop_class: str, sop_instance: str, ts: str, calling_ae: str
    ) -> int | None:
        from rs_dicom import dcmread

        assert self._handler is not None
        if self._tmp is not None:
            with open(path, "rb") as f:
                data = f.read()
            os.unlink(path)
            ds = dcmread(data)
        else:
            ds = dcmread(path)
        return self._handler(ds)

    def stop(self) -> None:
        """Stops listening, closes open associations and waits for their threads."""
        super().stop()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
