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
    InvalidDicomError,
    MalformedError,
    TruncatedError,
    UnsupportedCodecError,
    UnsupportedTransferSyntaxError,
    __version__,
    dcmread,
)
from rs_dicom.tag import Tag

from . import dictionary

__all__ = [
    "Dataset",
    "DicomError",
    "Element",
    "InvalidDicomError",
    "MalformedError",
    "Tag",
    "TruncatedError",
    "UnsupportedCodecError",
    "UnsupportedTransferSyntaxError",
    "__version__",
    "dcmread",
    "dictionary",
]
