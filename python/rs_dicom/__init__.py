"""rs_dicom: fast, zero-copy DICOM reading with a Rust core.

>>> import rs_dicom
>>> ds = rs_dicom.dcmread("image.dcm", stop_before_pixels=True)  # doctest: +SKIP
>>> ds.PatientName  # doctest: +SKIP
'Doe^John'
"""

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
    dcmread,
    dcmwrite,
)
from rs_dicom.sequence import Sequence
from rs_dicom.tag import Tag

from . import dictionary

_LAZY_MODULES = ("display", "viz", "jsonmodel", "png", "terminal")


def __getattr__(name: str) -> object:
    # Submodules that pull in numpy-heavy code load on first use, so `import rs_dicom`
    # (and the CLI's startup) stays fast.
    if name in _LAZY_MODULES:
        import importlib

        return importlib.import_module(f"rs_dicom.{name}")
    raise AttributeError(f"module 'rs_dicom' has no attribute '{name}'")


__all__ = [
    "Dataset",
    "DicomError",
    "Element",
    "FileMetaDataset",
    "InvalidDicomError",
    "InvalidValueError",
    "MalformedError",
    "Sequence",
    "SourceChangedError",
    "Tag",
    "TruncatedError",
    "UnsupportedCodecError",
    "UnsupportedTransferSyntaxError",
    "__version__",
    "dcmread",
    "dcmwrite",
    "dictionary",
    "display",
    "viz",
]
