"""rs_dicom: fast, zero-copy DICOM reading with a Rust core.

>>> import rs_dicom
>>> ds = rs_dicom.dcmread("image.dcm", stop_before_pixels=True)  # doctest: +SKIP
>>> ds.PatientName  # doctest: +SKIP
'Doe^John'
"""

from typing import TYPE_CHECKING, Any

from rs_dicom._core import (
    Dataset,
    DicomError,
    Element,
    FileMetaDataset,
    InvalidDicomError,
    InvalidValueError,
    MalformedError,
    SourceChangedError,
    TruncatedError,
    UnsupportedCodecError,
    UnsupportedTransferSyntaxError,
    __version__,
    dcmwrite,
)
from rs_dicom.sequence import Sequence
from rs_dicom.tag import Tag
from rs_dicom.valuerep import UID, PersonName

from . import _core, dictionary, valuerep

if TYPE_CHECKING:
    from . import uid
    from ._scan import scan
    from ._series import Volume, read_series, series
    from .fileset import FileSet
    from .remote import open_url

# PN and UI values come back as these classes (the native module makes them without running
# Python code, and imports nothing of the package).
_core._register_value_types(person_name=PersonName, uid=UID)


if TYPE_CHECKING:
    # A URL gives a RemoteDataset, which reads like the Dataset it wraps.
    from rs_dicom._core import dcmread
else:

    def dcmread(
        src: Any, *, stop_before_pixels: bool = False, force: bool = False, **kwargs: Any
    ) -> Any:
        """Reads a DICOM file: a path, a bytes-like object, a binary file object, or a URL.

        A URL (``https://``, ``s3://``, ``gs://``: any fsspec filesystem, installed with
        ``rs-dicom[remote]``) is read by byte ranges (see :func:`rs_dicom.remote.open_url`:
        ``storage_options`` go to fsspec); its pixel frames are fetched when used.
        """
        if isinstance(src, str) and "://" in src:
            from rs_dicom import remote

            if remote.is_url(src):
                return remote.open_url(
                    src, stop_before_pixels=stop_before_pixels, force=force, **kwargs
                )
        return _core.dcmread(src, stop_before_pixels=stop_before_pixels, force=force, **kwargs)


_LAZY_MODULES = (
    "display",
    "viz",
    "jsonmodel",
    "png",
    "terminal",
    "uid",
    "fileset",
    "remote",
    "dask",
)


def __getattr__(name: str) -> object:
    # Submodules that pull in numpy-heavy code load on first use, so `import rs_dicom`
    # (and the CLI's startup) stays fast.
    if name == "FileSet":
        from rs_dicom.fileset import FileSet

        return FileSet
    if name == "scan":
        from rs_dicom._scan import scan

        return scan
    if name == "open_url":
        from rs_dicom.remote import open_url

        return open_url
    if name in ("read_series", "series", "Volume"):
        from rs_dicom import _series

        return getattr(_series, name)
    if name in _LAZY_MODULES:
        import importlib

        return importlib.import_module(f"rs_dicom.{name}")
    raise AttributeError(f"module 'rs_dicom' has no attribute '{name}'")


__all__ = [
    "Dataset",
    "DicomError",
    "Element",
    "FileMetaDataset",
    "FileSet",
    "InvalidDicomError",
    "InvalidValueError",
    "MalformedError",
    "PersonName",
    "Sequence",
    "SourceChangedError",
    "Tag",
    "TruncatedError",
    "UID",
    "UnsupportedCodecError",
    "UnsupportedTransferSyntaxError",
    "Volume",
    "__version__",
    "dcmread",
    "dcmwrite",
    "dictionary",
    "display",
    "open_url",
    "uid",
    "read_series",
    "scan",
    "series",
    "valuerep",
    "viz",
]
