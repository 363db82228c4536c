"""DICOM File-sets (PS3.10 8): a DICOMDIR and the files it indexes, with pydicom's names.

>>> from rs_dicom import FileSet
>>> fs = FileSet("cd/DICOMDIR")  # doctest: +SKIP
>>> for instance in fs:  # doctest: +SKIP
...     print(instance.PatientID, instance.path)
>>> ct = fs.find(Modality="CT")  # doctest: +SKIP
>>> ds = ct[0].load()  # doctest: +SKIP

The record tree is read by the Rust core (``rs_dicom::dicomdir``): records are linked by the
byte offsets the DICOMDIR stores, and a DICOMDIR is written with those offsets computed from
the bytes the writer produces. New file-sets follow the General Purpose profile (STD-GEN-CD):
PATIENT, STUDY and SERIES records above each instance's record.

Differences from pydicom: :meth:`FileSet.write` keeps the File IDs of instances already in the
file-set (pydicom moves every file to its own ``PTnnnnnn/STnnnnnn/...`` layout unless
``use_existing=True``); only instances added since get new File IDs in that layout.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rs_dicom import _core
from rs_dicom._fileset_tree import (
    LEVELS,
    RecordNode,
    new_file_ids,
    node_key,
    record_lines,
    walk,
)

__all__ = ["FileInstance", "FileSet", "RecordNode"]

DICOMDIR_SOP_CLASS = "1.2.840.10008.1.3.10"
"""Media Storage Directory Storage: the SOP Class of a DICOMDIR."""


class FileInstance:
    """One instance of a file-set: its directory record and those above it.

    Attributes of the records are attributes of the instance (``instance.PatientID`` is found
    in the PATIENT record), as in pydicom.
    """

    def __init__(self, node: RecordNode, file_set: FileSet) -> None:
        self.node = node
        self.file_set = file_set
        self._staged: Any = None  # a path or Dataset to write, for an instance not yet written

    @property
    def for_addition(self) -> bool:
        """Whether the instance was added since the file-set was last written."""
        return self._staged is not None

    @property
    def FileID(self) -> str:  # noqa: N802 - pydicom's name
        """The File ID, its components joined with the OS path separator."""
        return os.fspath(Path(*self.node.file_id)) if self.node.file_id else ""

    @property
    def path(self) -> str:
        """Where the instance's file is (for a staged instance: where it will be copied from,
        or ``""`` when it is a dataset in memory)."""
        if self._staged is not None:
            return (
                "" if not isinstance(self._staged, (str, os.PathLike)) else os.fspath(self._staged)
            )
        root = self.file_set.path
        return os.fspath(Path(root, *self.node.file_id)) if root else self.FileID

    @property
    def SOPClassUID(self) -> str:  # noqa: N802 - pydicom's name
        """The Referenced SOP Class UID in File of the record."""
        return str(self.node.record.ReferencedSOPClassUIDInFile)

    @property
    def SOPInstanceUID(self) -> str:  # noqa: N802 - pydicom's name
        """The Referenced SOP Instance UID in File of the record."""
        return str(self.node.record.ReferencedSOPInstanceUIDInFile)

    @property
    def TransferSyntaxUID(self) -> str:  # noqa: N802 - pydicom's name
        """The Referenced Transfer Syntax UID in File of the record."""
        return str(self.node.record.get("ReferencedTransferSyntaxUIDInFile", ""))

    def _lookup(self, key: Any) -> Any:
        node: RecordNode | None = self.node
        while node is not None:
            if key in node.record:
                return node.record[key]
            node = node.parent
        raise KeyError(key)

    def __getitem__(self, key: Any) -> Any:
        """The element ``key`` (tag or keyword) of this record or of one above it."""
        return self._lookup(key)

    def __contains__(self, key: Any) -> bool:
        try:
            self._lookup(key)
        except KeyError:
            return False
        return True

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or not name[:1].isupper():
            raise AttributeError(name)
        try:
            return self._lookup(name).value
        except KeyError:
            raise AttributeError(f"the records of this instance have no element {name!r}") from None

    def load(self) -> Any:
        """The instance's dataset, read from its file (or the staged dataset)."""
        if self._staged is not None and not isinstance(self._staged, (str, os.PathLike)):
            return self._staged
        return _core.dcmread(self.path)

    def __repr__(self) -> str:
        return f"<FileInstance {self.node.record_type} {self.FileID or '(staged)'}>"


class FileSet:
    """A DICOM File-set: ``FileSet(path_or_dataset=None)`` reads a DICOMDIR, or starts a new
    file-set. Iterating yields :class:`FileInstance` objects, patients first."""

    def __init__(self, ds: str | os.PathLike[str] | Any | None = None) -> None:
        self._path: str | None = None
        self._id: str | None = None
        self._uid: str = ""
        self._descriptor: str | None = None
        self._charset: str | None = None
        self._roots: list[RecordNode] = []
        self._removed: list[str] = []
        self._instances: dict[int, FileInstance] = {}
        self._indexes: (
            tuple[dict[str, FileInstance], dict[tuple[int, str, str], RecordNode]] | None
        ) = None
        self._staged_dicomdir = ds is None
        if ds is None:
            from rs_dicom.uid import generate_uid

            self._uid = str(generate_uid())
        else:
            self.load(ds)

    # -- reading -----------------------------------------------------------------------

    def load(self, ds_or_path: str | os.PathLike[str] | Any) -> None:
        """Loads a DICOMDIR (a path, or a dataset read from one) into this file-set."""
        ds: Any
        if isinstance(ds_or_path, (str, os.PathLike)):
            ds = _core.dcmread(os.fspath(ds_or_path))
            filename: str | None = os.fspath(ds_or_path)
        else:
            ds = ds_or_path
            filename = getattr(ds, "filename", None)
        sop_class = str(ds.file_meta.get("MediaStorageSOPClassUID", "") or "")
        if sop_class and sop_class != DICOMDIR_SOP_CLASS:
            raise ValueError(
                f"not a DICOMDIR: its Media Storage SOP Class UID is {sop_class}, "
                f"not {DICOMDIR_SOP_CLASS} (Media Storage Directory Storage)"
            )
        nodes: list[RecordNode] = []
        roots: list[RecordNode] = []
        for offset, parent, record in _core._dicomdir_records(ds):
            node = RecordNode(record, nodes[parent] if parent >= 0 else None, offset)
            (nodes[parent].children if parent >= 0 else roots).append(node)
            nodes.append(node)
        self._roots = roots
        self._path = os.path.dirname(os.path.abspath(filename)) if filename else None
        self._id = str(ds.get("FileSetID", "") or "") or None
        self._uid = str(ds.file_meta.get("MediaStorageSOPInstanceUID", "") or "")
        self._descriptor = _joined(ds.get("FileSetDescriptorFileID"))
        self._charset = ds.get("SpecificCharacterSetOfFileSetDescriptorFile") or None
        self._removed = []
        self._instances = {}
        self._indexes = None
        self._staged_dicomdir = False

    @property
    def path(self) -> str | None:
        """The file-set's root directory (where its DICOMDIR is), ``None`` for a new one."""
        return self._path

    @property
    def ID(self) -> str | None:  # noqa: N802 - pydicom's name
        """The File-set ID (at most 16 characters)."""
        return self._id

    @ID.setter
    def ID(self, value: str | None) -> None:  # noqa: N802 - pydicom's name
        if value is not None and len(value) > 16:
            raise ValueError("a File-set ID has at most 16 characters")
        if value != self._id:
            self._id = value
            self._staged_dicomdir = True

    @property
    def UID(self) -> str:  # noqa: N802 - pydicom's name
        """The File-set UID (the DICOMDIR's Media Storage SOP Instance UID)."""
        return self._uid

    @UID.setter
    def UID(self, value: str) -> None:  # noqa: N802 - pydicom's name
        if value != self._uid:
            self._uid = str(value)
            self._staged_dicomdir = True

    @property
    def descriptor_file_id(self) -> str | None:
        """The File-set Descriptor File ID, components joined with ``\\``."""
        return self._descriptor

    @descriptor_file_id.setter
    def descriptor_file_id(self, value: str | None) -> None:
        if value is not None:
            value = "\\".join(_core._dicomdir_check_file_id(value))
        self._descriptor = value
        self._staged_dicomdir = True

    @property
    def descriptor_character_set(self) -> str | None:
        """The Specific Character Set of the File-set Descriptor File."""
        return self._charset

    @descriptor_character_set.setter
    def descriptor_character_set(self, value: str | None) -> None:
        self._charset = value
        self._staged_dicomdir = True

    @property
    def is_staged(self) -> bool:
        """Whether there are changes not written yet."""
        return (
            self._staged_dicomdir
            or bool(self._removed)
            or any(i.for_addition for i in self._iter_instances())
        )

    def _nodes(self) -> Iterator[RecordNode]:
        return walk(self._roots)

    def _instance(self, node: RecordNode) -> FileInstance:
        found = self._instances.get(id(node))
        if found is None or found.node is not node:
            found = FileInstance(node, self)
            self._instances[id(node)] = found
        return found

    def _iter_instances(self) -> Iterator[FileInstance]:
        for node in self._nodes():
            if node.has_instance:
                yield self._instance(node)

    def __iter__(self) -> Iterator[FileInstance]:
        return self._iter_instances()

    def __len__(self) -> int:
        return sum(1 for node in self._nodes() if node.has_instance)

    def find(self, load: bool = False, **kwargs: Any) -> list[FileInstance]:
        """The instances whose records (or, with ``load=True``, datasets) have all the given
        values, e.g. ``fs.find(PatientID="1234", Modality="CT")``."""
        found = []
        for instance in self:
            source: Any = instance.load() if load else instance
            if all(_has_value(source, kw, value) for kw, value in kwargs.items()):
                found.append(instance)
        return found

    def find_values(
        self,
        elements: str | int | list[str | int],
        instances: list[FileInstance] | None = None,
        load: bool = False,
    ) -> list[Any] | dict[str | int, list[Any]]:
        """The distinct values of an element (or, for a list of elements, a dict of them)
        among ``instances`` (default: all), in the order they are first met."""
        keys = elements if isinstance(elements, list) else [elements]
        values: dict[str | int, list[Any]] = {k: [] for k in keys}
        for instance in instances if instances is not None else list(self):
            source: Any = instance.load() if load else instance
            for key in keys:
                if key in source:
                    value = source[key].value
                    if value not in values[key]:
                        values[key].append(value)
        return values if isinstance(elements, list) else values[elements]

    # -- changing ----------------------------------------------------------------------

    def add(self, ds_or_path: Any) -> FileInstance:
        """Stages an instance (a dataset or the path of a file) for addition; returns it. An
        instance already in the file-set (same SOP Instance UID) is returned as it is."""
        if isinstance(ds_or_path, (str, os.PathLike)):
            ds = _core.dcmread(os.fspath(ds_or_path), stop_before_pixels=True)
        else:
            ds = ds_or_path
        records = _core._dicomdir_instance_records(ds, "STAGED")
        instance = self._insert(records)
        if instance.node.file_id == ("STAGED",):
            instance.node.file_id = ()
            instance._staged = ds_or_path
        return instance

    def _insert(self, records: list[Any]) -> FileInstance:
        """Puts an instance's records (PATIENT, STUDY, SERIES, its own; or its own alone,
        at the top level) in the tree, below the patient, study and series it belongs to;
        an instance already in the file-set (same SOP Instance UID) is returned instead."""
        uids, keyed = self._index()
        *above, own = records
        leaf_uid = str(own.ReferencedSOPInstanceUIDInFile)
        if leaf_uid in uids:
            return uids[leaf_uid]
        parent: RecordNode | None = None
        siblings = self._roots
        for level, record in zip(LEVELS[: len(above)], above, strict=True):
            key = (id(parent), level, node_key(record, level))
            match = keyed.get(key)
            if match is None or match.detached:
                match = RecordNode(record, parent)
                siblings.append(match)
                keyed[key] = match
            parent, siblings = match, match.children
        leaf = RecordNode(own, parent)
        siblings.append(leaf)
        self._staged_dicomdir = True
        uids[leaf_uid] = instance = self._instance(leaf)
        return instance

    def _index(self) -> tuple[dict[str, FileInstance], dict[tuple[int, str, str], RecordNode]]:
        """The instances by SOP Instance UID, and the PATIENT, STUDY and SERIES records by
        (the record above, level, key): made when first needed, dropped on changes."""
        if self._indexes is None:
            uids = {i.SOPInstanceUID: i for i in self}
            keyed: dict[tuple[int, str, str], RecordNode] = {}
            for node in self._nodes():
                if node.record_type in LEVELS:
                    key = (
                        id(node.parent),
                        node.record_type,
                        node_key(node.record, node.record_type),
                    )
                    keyed.setdefault(key, node)
            self._indexes = (uids, keyed)
        return self._indexes

    def remove(self, instance: FileInstance | Iterable[FileInstance]) -> None:
        """Stages instances for removal: their records go, and on :meth:`write` their files
        are deleted from the file-set's directory (as pydicom does)."""
        items = [instance] if isinstance(instance, FileInstance) else list(instance)
        for item in items:
            node = item.node
            if item.file_set is not self or node.detached:
                raise ValueError(f"{item!r} is not an instance of this file-set")
            if not item.for_addition and self._path and node.file_id:
                self._removed.append(os.fspath(Path(self._path, *node.file_id)))
            node.detach(self._roots)
        self._indexes = None

    def write(
        self,
        output: str | os.PathLike[str] | None = None,
        *,
        use_existing: bool = False,
        force_implicit: bool = False,
    ) -> None:
        """Writes the DICOMDIR (and the staged instances' files) in ``output`` (default: the
        file-set's directory). Instances already in the file-set keep their File IDs (also
        when ``use_existing`` is False, unlike pydicom); added ones get new File IDs."""
        del use_existing  # accepted for pydicom's signature: existing File IDs always stay
        if output is None and self._path is None:
            raise ValueError("a new file-set needs an output directory: write(output)")
        root = os.path.abspath(os.fspath(output) if output is not None else str(self._path))
        os.makedirs(root, exist_ok=True)
        moving = self._path is not None and not _same_dir(root, self._path)
        instances = list(self)
        taken = {tuple(i.node.file_id) for i in instances if not i.for_addition}
        staged = [i for i in instances if i.for_addition]
        for instance, file_id in zip(
            staged, new_file_ids(staged, taken, self._roots, root), strict=True
        ):
            target = Path(root, *file_id)
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(instance._staged, (str, os.PathLike)):
                shutil.copyfile(instance._staged, target)
            else:
                instance._staged.save_as(os.fspath(target), enforce_file_format=True)
            instance.node.set_file_id(file_id)
        if moving:
            for instance in instances:
                if not instance.for_addition:
                    source = Path(str(self._path), *instance.node.file_id)
                    target = Path(root, *instance.node.file_id)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, target)
        elif self._removed:
            for path in self._removed:
                if os.path.isfile(path):
                    os.remove(path)
        records: list[tuple[Any, int]] = []
        index: dict[int, int] = {}
        for node in self._nodes():
            index[id(node)] = len(records)
            records.append((node.record, index[id(node.parent)] if node.parent else -1))
        _core._dicomdir_write(
            os.path.join(root, "DICOMDIR"),
            records,
            self._id or "",
            self._uid,
            descriptor_file_id=self._descriptor,
            descriptor_charset=self._charset,
            implicit_vr=force_implicit,
        )
        self.load(os.path.join(root, "DICOMDIR"))

    # -- showing -----------------------------------------------------------------------

    def __str__(self) -> str:
        lines = [
            "DICOM File-set",
            f"  Root directory: {self._path or '(no value available)'}",
            f"  File-set ID: {self._id or '(no value available)'}",
            f"  File-set UID: {self._uid}",
            f"  Descriptor file ID: {self._descriptor or '(no value available)'}",
            f"  Descriptor file character set: {self._charset or '(no value available)'}",
        ]
        if self.is_staged:
            lines.append("  Changes staged for write(): DICOMDIR update")
        lines.append(f"  Managed instances: {len(self)}")
        lines.extend("    " + line for line in record_lines(self._roots))
        return "\n".join(lines)


def _joined(element: Any) -> str | None:
    if element is None:
        return None
    value = element.value if hasattr(element, "value") else element
    if not value:
        return None
    return "\\".join(value) if isinstance(value, list) else str(value)


def _has_value(source: Any, keyword: str, value: Any) -> bool:
    try:
        found = source[keyword].value
    except KeyError:
        return False
    return bool(found == value)


def _same_dir(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)
