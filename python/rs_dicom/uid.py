"""UIDs with pydicom 3's names: `UID`, `generate_uid`, and a constant per transfer syntax and
SOP class of the UID registry::

    >>> from rs_dicom import uid
    >>> uid.ExplicitVRLittleEndian.name
    'Explicit VR Little Endian'
    >>> uid.CTImageStorage
    '1.2.840.10008.5.1.4.1.1.2'
    >>> uid.generate_uid().startswith("2.25.")
    True

The constants (``ImplicitVRLittleEndian``, ``JPEGBaseline8Bit``, ``RLELossless``,
``CTImageStorage``, ...) are generated from the registry by
``scripts/generate_dictionary.py``; the groups (``JPEGTransferSyntaxes``, ...) come from the
transfer-syntax registry the reader uses.
"""

from __future__ import annotations

import re

from rs_dicom import _core
from rs_dicom._uid_constants import *  # noqa: F403
from rs_dicom._uid_constants import TRANSFER_SYNTAX_KEYWORDS
from rs_dicom.valuerep import _RE_VALID_UID, UID

RS_DICOM_ROOT_UID = "2.25."
"""The default prefix of :func:`generate_uid`: the UUID-derived root of PS3.5 B.2 (ISO/IEC
9834-8), under which anyone may make UIDs without registering a root. UIDs under it are made
of a UUID, never of other digits."""

RE_VALID_UID = _RE_VALID_UID
"""A valid UID (PS3.5 9.1), length aside (at most 64 characters)."""
RE_VALID_UID_PREFIX = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*\.\Z")
"""A valid UID prefix: a valid UID followed by a dot."""

_MAX_PREFIX_LENGTH = 54


def generate_uid(
    prefix: str | None = RS_DICOM_ROOT_UID, entropy_srcs: list[str] | None = None
) -> UID:
    """Return a new UID of at most 64 characters that starts with `prefix`.

    With the prefix ``'2.25.'`` (the default) or ``None``, the UID is ``2.25.`` and the
    integer of a UUID (PS3.5 B.2): a random (version 4) one, or, given `entropy_srcs`, one
    made of the SHA-512 of the joined strings (version 8, RFC 9562), so the same sources
    give the same UID. (pydicom ignores `entropy_srcs` when the prefix is ``None``.)

    With any other prefix, as pydicom: the prefix and a random number below
    ``10 ** (64 - len(prefix))``, or with `entropy_srcs` the SHA-512 of the joined strings
    as an integer, cut to 64 characters. ``ValueError`` if the prefix is longer than 54
    characters or not a valid prefix (digits and dots, no leading zeros, ending in a dot).
    """
    # Imported here: `secrets` and `uuid` would add milliseconds to `import rs_dicom`.
    import hashlib
    import secrets
    import uuid

    if prefix is None or prefix == RS_DICOM_ROOT_UID:
        if entropy_srcs is None:
            return UID(f"2.25.{uuid.uuid4().int}")
        digest = hashlib.sha512("".join(entropy_srcs).encode("utf-8")).digest()
        # RFC 9562 5.8: a custom (version 8) UUID, variant 10.
        value = int.from_bytes(digest[:16], "big")
        value = (value & ~(0xF << 76)) | (0x8 << 76)
        value = (value & ~(0x3 << 62)) | (0x2 << 62)
        return UID(f"2.25.{value}")
    if len(prefix) > _MAX_PREFIX_LENGTH:
        raise ValueError(
            f"The 'prefix' should be no more than {_MAX_PREFIX_LENGTH} characters long"
        )
    if not RE_VALID_UID_PREFIX.match(prefix):
        raise ValueError(
            "The 'prefix' is not valid for use with a UID, see Part 5, Section 9.1 of the "
            "DICOM Standard"
        )
    if entropy_srcs is None:
        return UID(f"{prefix}{secrets.randbelow(10 ** (64 - len(prefix)))}"[:64])
    digest_int = int(hashlib.sha512("".join(entropy_srcs).encode("utf-8")).hexdigest(), 16)
    return UID(f"{prefix}{digest_int}"[:64])


def _syntaxes(*codecs: str | None, retired: bool = False) -> list[UID]:
    """The transfer syntax constants the reader's registry knows, of one of the codec
    families `codecs` (``None``: native), retired ones only if `retired`; in UID order."""
    found = []
    for keyword in TRANSFER_SYNTAX_KEYWORDS:
        value: UID = globals()[keyword]
        info = _core.transfer_syntax_info(value)
        if info is None or not info[0] or (info[9] and not retired):
            continue
        codec = info[7] if info[6] else None
        if codec in codecs and not (codec is None and info[6]):
            found.append(value)
    return found


UncompressedTransferSyntaxes = _syntaxes(None, retired=True)
"""Native (not encapsulated) transfer syntaxes, Explicit VR Big Endian included."""
JPEGTransferSyntaxes = _syntaxes("JPEG")
"""JPEG (ISO/IEC 10918-1) transfer syntaxes, retired ones left out."""
JPEGLSTransferSyntaxes = _syntaxes("JPEG-LS")
"""JPEG-LS (ISO/IEC 14495-1) transfer syntaxes."""
JPEG2000TransferSyntaxes = _syntaxes("JPEG 2000", "HTJ2K")
"""JPEG 2000 (ISO/IEC 15444-1) and High-Throughput JPEG 2000 transfer syntaxes."""
MPEGTransferSyntaxes = _syntaxes("MPEG-2 video", "MPEG-4 AVC/H.264 video", "HEVC/H.265 video")
"""MPEG-2, MPEG-4 AVC/H.264 and HEVC/H.265 transfer syntaxes."""
RLETransferSyntaxes = _syntaxes("RLE Lossless")
"""RLE transfer syntaxes."""
AllTransferSyntaxes = [
    value
    for value in (UID(globals()[k]) for k in TRANSFER_SYNTAX_KEYWORDS)
    if not value.is_retired or value == "1.2.840.10008.1.2.2"
]
"""Every transfer syntax of the registry that is not retired, and Explicit VR Big Endian."""

del _syntaxes
