"""Query/Retrieve for :mod:`rs_dicom.net`: C-FIND, C-MOVE and C-GET on an association, and
the Q/R SCP. The responses stream from Rust one at a time (network I/O without the GIL)."""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterable, Mapping
from typing import Any, Self

from rs_dicom import _core
from rs_dicom._net_tls import TLS, spec

PATIENT_ROOT_FIND = "1.2.840.10008.5.1.4.1.2.1.1"
PATIENT_ROOT_MOVE = "1.2.840.10008.5.1.4.1.2.1.2"
PATIENT_ROOT_GET = "1.2.840.10008.5.1.4.1.2.1.3"
STUDY_ROOT_FIND = "1.2.840.10008.5.1.4.1.2.2.1"
STUDY_ROOT_MOVE = "1.2.840.10008.5.1.4.1.2.2.2"
STUDY_ROOT_GET = "1.2.840.10008.5.1.4.1.2.2.3"
MODALITY_WORKLIST_FIND = "1.2.840.10008.5.1.4.31"
INDEX_FILE_NAME = ".rs_dicom_index.sqlite"

_MODELS = {
    ("P", "find"): PATIENT_ROOT_FIND,
    ("P", "move"): PATIENT_ROOT_MOVE,
    ("P", "get"): PATIENT_ROOT_GET,
    ("S", "find"): STUDY_ROOT_FIND,
    ("S", "move"): STUDY_ROOT_MOVE,
    ("S", "get"): STUDY_ROOT_GET,
    ("W", "find"): MODALITY_WORKLIST_FIND,
}
_ALIASES = {"patient": "P", "study": "S", "worklist": "W", "mwl": "W"}


def model_uid(model: str, op: str) -> str:
    """The SOP class of ``op`` (find, move, get) in ``model``: ``"P"`` (Patient Root, as
    DCMTK's ``-P``), ``"S"`` (Study Root, ``-S``), ``"W"`` (Modality Worklist, ``-W``),
    pynetdicom's names (``"PatientRootQueryRetrieveInformationModelFind"``...), or a UID."""
    if model and model[0].isdigit():
        return model
    key = _ALIASES.get(model.lower(), model.upper())
    if (key, op) in _MODELS:
        return _MODELS[(key, op)]
    for (k, o), uid in _MODELS.items():
        name = {"P": "PatientRoot", "S": "StudyRoot", "W": "ModalityWorklist"}[k]
        if o == op and model.startswith(name):
            return uid
    raise ValueError(f"no {op.upper()} SOP class for query model {model!r}")


class Status(int):
    """A response status (an ``int``: ``0xFF00`` pending, ``0`` success, ``0xFE00``
    cancelled...) carrying the C-MOVE/C-GET sub-operation counts (pynetdicom puts them in
    the status Dataset as ``NumberOfCompletedSuboperations`` etc.)."""

    remaining: int | None
    completed: int | None
    failed: int | None
    warning: int | None
    error_comment: str | None

    def __new__(
        cls, value: int, counts: tuple[int, int, int, int] | None, comment: str | None
    ) -> Status:
        s = super().__new__(cls, value)
        s.remaining, s.completed, s.failed, s.warning = counts or (None, None, None, None)
        s.error_comment = comment
        return s

    @property
    def is_pending(self) -> bool:
        """More responses follow."""
        return int(self) in (0xFF00, 0xFF01)


def set_key(ds: Any, tag: int, vr: str, value: Any) -> None:
    """Sets a query key. Range (``20200101-``) and UID list (``1.2\\1.3``) matching need
    values that a stored attribute may not hold: those go in as their bytes."""
    from rs_dicom import DicomError

    try:
        ds.add_new(tag, vr, value)
    except DicomError:
        if not isinstance(value, str):
            raise
        ds.add_new(tag, vr, value.encode("utf-8"))


def as_query(query: Any, level: str | None) -> Any:
    """A Dataset from a Dataset or a ``{keyword: value}`` mapping (values may be ranges and
    UID lists); ``level`` sets QueryRetrieveLevel when the query has none."""
    from rs_dicom import Dataset, dictionary

    if isinstance(query, Mapping):
        ds = Dataset()
        for k, v in query.items():
            tag = dictionary.tag_for_keyword(k)
            if tag is None:
                raise ValueError(f"{k!r} is not a DICOM keyword")
            set_key(ds, int(tag), dictionary.dictionary_VR(tag), v)
        query = ds
    if level is not None and "QueryRetrieveLevel" not in query:
        query.QueryRetrieveLevel = level.upper()
    return query


def run(
    inner: Any,
    op: str,
    query: Any,
    model: str,
    level: str | None,
    destination: str | None = None,
    directory: str | os.PathLike[str] | None = None,
) -> Generator[tuple[Status, Any], None, None]:
    """Yields ``(status, identifier)`` per response, the final one last. Closing the
    generator early sends a C-CANCEL and reads the remaining responses, so the association
    stays usable."""
    uid = model_uid(model, op)
    ds = as_query(query, level if not uid.endswith(".31") else None)
    d = None if directory is None else os.fspath(directory)
    if d is not None:
        os.makedirs(d, exist_ok=True)
    operation = inner.qr_start(op, uid, ds, destination, d)
    try:
        while True:
            r = operation.next(inner)
            if r is None:
                return
            status, identifier, counts, comment = r
            yield Status(status, counts, comment), identifier
    finally:
        if not operation.done and inner.is_established:
            operation.cancel(inner)
            while operation.next(inner) is not None:
                pass


def policies(
    tls: TLS | None,
    accepted_calling_aets: Iterable[str] | None,
    identity_handler: Callable[[int, bytes, bytes, str], bool | bytes | None] | None,
    require_identity: bool,
) -> dict[str, Any]:
    """The acceptor policies of the SCPs, as the ``_core`` servers take them."""
    return {
        "tls": spec(tls),
        "accepted_calling_aets": (
            None if accepted_calling_aets is None else [str(a) for a in accepted_calling_aets]
        ),
        "identity_handler": identity_handler,
        "require_identity": require_identity,
    }


class ServerBase:
    """What the SCPs of :mod:`rs_dicom.net` share: the port, the counters, stopping, and use
    as a context manager that stops the server on exit."""

    _server: Any

    @property
    def port(self) -> int:
        """The port listened on."""
        return int(self._server.port)

    @property
    def running(self) -> bool:
        """Listening (not yet stopped)."""
        return bool(self._server.running)

    def stats(self) -> dict[str, int]:
        """Counters: associations, refused, stored, failed, errors."""
        return dict(self._server.stats())

    def stop(self) -> None:
        """Stops listening, closes open associations and waits for their threads."""
        self._server.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class QueryRetrieveServer(ServerBase):
    """A Query/Retrieve SCP (Patient and Study Root C-FIND, C-MOVE, C-GET) serving the DICOM
    files under ``directory``, indexed at start; it accepts C-STORE and C-ECHO too, and
    what it stores is written to ``directory`` and indexed at once — a small PACS.

    ``destinations`` maps C-MOVE destination AE titles to ``(host, port)``; C-MOVE's
    associations to them use TLS when ``destination_tls`` is given (a client
    :class:`~rs_dicom.net.TLS`: the CAs a destination's certificate must chain to, and our
    certificate when destinations ask for one), plain TCP otherwise. ``tls``,
    ``accepted_calling_aets``, ``identity_handler`` and ``require_identity`` are the
    policies of :class:`~rs_dicom.net.StorageServer`, and so is ``max_async_ops`` (a request
    arriving during a C-FIND/C-MOVE/C-GET within the window waits for it instead of aborting
    the association). With ``worklist`` (a folder of worklist files, as
    :class:`WorklistServer` serves) it answers Modality Worklist C-FIND too.

    ``index`` is the SQLite file that keeps the index across starts (``True``, the default:
    ``DIR/.rs_dicom_index.sqlite``; a path; ``None`` or ``False``: no file, every file read
    at each start). With it a start reads only the files added or changed (size or
    modification time) since the last one; a damaged index file is rebuilt
    (:attr:`index_warning` says so). A context manager that stops the server on exit."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        port: int = 0,
        *,
        host: str = "0.0.0.0",
        ae_title: str = "RS_DICOM",
        destinations: Mapping[str, tuple[str, int]] | None = None,
        require_called_ae: bool = False,
        max_pdu: int = 262144,
        timeout: float | None = 60.0,
        max_associations: int = 64,
        tls: TLS | None = None,
        accepted_calling_aets: Iterable[str] | None = None,
        identity_handler: Callable[[int, bytes, bytes, str], bool | bytes | None] | None = None,
        require_identity: bool = False,
        destination_tls: TLS | None = None,
        max_async_ops: int = 16,
        worklist: str | os.PathLike[str] | None = None,
        ae_folders: bool = False,
        index: str | os.PathLike[str] | bool | None = True,
    ) -> None:
        self.directory = os.fspath(directory)
        if index is True:
            index = os.path.join(self.directory, INDEX_FILE_NAME)
        index_file = None if index is None or index is False else os.fspath(index)
        self._server = _core.QueryRetrieveServer(
            port,
            self.directory,
            host=host,
            ae_title=ae_title,
            destinations=dict(destinations or {}),
            require_called_ae=require_called_ae,
            max_pdu=max_pdu,
            timeout=timeout,
            max_associations=max_associations,
            **policies(tls, accepted_calling_aets, identity_handler, require_identity),
            destination_tls=spec(destination_tls),
            max_async_ops=max_async_ops,
            worklist=None if worklist is None else os.fspath(worklist),
            ae_folders=ae_folders,
            index=index_file,
        )
        self.index_file = index_file

    @property
    def indexed(self) -> int:
        """Instances in the index."""
        return int(self._server.indexed)

    @property
    def unreadable(self) -> list[tuple[str, str]]:
        """Files of the directory that could not be indexed at start, with why."""
        return [(os.fspath(p), why) for p, why in self._server.unreadable]

    def index_stats(self) -> dict[str, int]:
        """What building the index at start did: ``reused`` (instances taken from the index
        file, their files not read), ``read`` (files read), ``removed`` (rows of files gone)."""
        return dict(self._server.index_stats())

    @property
    def index_warning(self) -> str | None:
        """Why the index file was rebuilt or not used at start, if it was."""
        return self._server.index_warning


class WorklistServer(ServerBase):
    """A Modality Worklist SCP (PS3.4 K) with Verification, serving the worklist files under
    ``directory`` (DCMTK wlmscpfs's ``.wl`` files, or any DICOM file with a Scheduled
    Procedure Step Sequence; subfolders included), as DCMTK's ``wlmscpfs`` does. With
    ``ae_folders`` the files served are those of ``directory/<called AE title>`` (wlmscpfs's
    ``-dfp`` layout) and a called AE title without a folder gets a failed C-FIND (0xC000).

    The folder is listed for every C-FIND, so files added, changed or removed count from the
    next query on (a file is parsed again only when its size or time changed). Each matching
    Scheduled Procedure Step is one answer, with the keys of the query filled from the file
    and empty where the file lacks them; private keys are not supported (left out, status
    0xFF01). The other arguments are those of :class:`QueryRetrieveServer`. A context
    manager that stops the server on exit."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        port: int = 0,
        *,
        ae_folders: bool = False,
        host: str = "0.0.0.0",
        ae_title: str = "RS_DICOM",
        require_called_ae: bool = False,
        max_pdu: int = 262144,
        timeout: float | None = 60.0,
        max_associations: int = 64,
        tls: TLS | None = None,
        accepted_calling_aets: Iterable[str] | None = None,
        identity_handler: Callable[[int, bytes, bytes, str], bool | bytes | None] | None = None,
        require_identity: bool = False,
    ) -> None:
        self.directory = os.fspath(directory)
        self._server = _core.QueryRetrieveServer(
            port,
            self.directory,
            host=host,
            ae_title=ae_title,
            require_called_ae=require_called_ae,
            max_pdu=max_pdu,
            timeout=timeout,
            max_associations=max_associations,
            **policies(tls, accepted_calling_aets, identity_handler, require_identity),
            worklist_only=True,
            ae_folders=ae_folders,
        )
