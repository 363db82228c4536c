"""rs_dicom.uid: generate_uid and the UID constants, against pydicom.uid and PS3.5."""

from __future__ import annotations

import re
import uuid

import pytest
from rs_dicom import _core, uid
from rs_dicom.valuerep import UID

puid = pytest.importorskip("pydicom.uid")

# PS3.5 9.1: components of digits without leading zeros, separated by dots; 64 characters.
VALID = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*\Z")


def _check_valid(value: str) -> None:
    assert isinstance(value, UID)
    assert len(value) <= 64 and VALID.match(value), value
    assert value.is_valid


def _uuid_of(value: str) -> uuid.UUID:
    """The UUID a ``2.25.`` UID is made of (PS3.5 B.2)."""
    assert value.startswith("2.25.")
    number = int(value[5:])
    assert str(number) == value[5:] and 0 <= number < 2**128
    return uuid.UUID(int=number)


def test_default_is_a_random_uuid_uid() -> None:
    for _ in range(200):
        value = uid.generate_uid()
        _check_valid(value)
        made = _uuid_of(value)
        assert made.version == 4 and made.variant == uuid.RFC_4122
    _uuid_of(uid.generate_uid(None))
    assert uid.RS_DICOM_ROOT_UID == "2.25."


def test_unique() -> None:
    for prefix in (None, "1.2.3."):
        values = {uid.generate_uid(prefix) for _ in range(20000)}
        assert len(values) == 20000


def test_entropy_sources_are_deterministic() -> None:
    a = uid.generate_uid(entropy_srcs=["PatientID-1", "1.2.3.4"])
    assert a == uid.generate_uid(entropy_srcs=["PatientID-1", "1.2.3.4"])
    assert a == uid.generate_uid(None, ["PatientID-1", "1.2.3.4"])
    assert a != uid.generate_uid(entropy_srcs=["PatientID-2", "1.2.3.4"])
    _check_valid(a)
    made = _uuid_of(a)
    assert made.version == 8 and made.variant == uuid.RFC_4122
    # The UUID is the SHA-512's first 128 bits with the version and variant bits set.
    import hashlib

    digest = int.from_bytes(hashlib.sha512(b"PatientID-11.2.3.4").digest()[:16], "big")
    mask = ~((0xF << 76) | (0x3 << 62)) & (2**128 - 1)
    assert made.int & mask == digest & mask


@pytest.mark.parametrize(
    "prefix",
    ["1.2.3.", "1.2.826.0.1.3680043.8.498.", "0.", "1." * 27, "1.2.840.10008.999."],
)
def test_prefix_as_pydicom(prefix: str) -> None:
    for srcs in (["lorem", "ipsum"], ["x"], [""], ["Ünïcode", "1.2"]):
        value = uid.generate_uid(prefix, srcs)
        assert value == puid.generate_uid(prefix, srcs)  # the same algorithm
        assert value.startswith(prefix)
        _check_valid(value)
    for _ in range(200):
        value = uid.generate_uid(prefix)
        assert value.startswith(prefix)
        _check_valid(value)
    lengths = {len(uid.generate_uid(prefix)) for _ in range(200)}
    assert max(lengths) == 64  # the random part fills the UID, as pydicom's


@pytest.mark.parametrize(
    "prefix", ["1.2.3", "1.02.3.", "1.2..", ".1.", "a.b.", "1.2.3.4" + ".5" * 25 + "."]
)
def test_bad_prefix_raises_like_pydicom(prefix: str) -> None:
    with pytest.raises(ValueError) as theirs:
        puid.generate_uid(prefix)
    with pytest.raises(ValueError) as ours:
        uid.generate_uid(prefix)
    assert str(ours.value) == str(theirs.value)


def test_constants_cover_pydicoms() -> None:
    theirs = {k: v for k, v in vars(puid).items() if isinstance(v, puid.UID)}
    theirs.pop("PYDICOM_IMPLEMENTATION_UID")
    assert len(theirs) > 200
    for name, value in theirs.items():
        ours = getattr(uid, name)
        assert type(ours) is UID and ours == value, name


def test_constants_are_the_registry() -> None:
    from rs_dicom._uid_constants import TRANSFER_SYNTAX_KEYWORDS

    entries = _core.uid_entries()
    kinds = {"Transfer Syntax", "SOP Class"}
    expected = {kw: u for u, _, kind, _, _, kw in entries if kind in kinds and kw}
    assert len(expected) > 300
    for keyword, value in expected.items():
        constant = getattr(uid, keyword)
        assert constant == value and constant.keyword == keyword
    assert set(TRANSFER_SYNTAX_KEYWORDS) == {
        kw for u, _, kind, _, _, kw in entries if kind == "Transfer Syntax" and kw
    }
    assert uid.ExplicitVRLittleEndian == "1.2.840.10008.1.2.1"
    assert uid.JPEGBaseline8Bit.name == "JPEG Baseline (Process 1)"
    assert uid.RLELossless.is_compressed and not uid.ImplicitVRLittleEndian.is_compressed


@pytest.mark.parametrize(
    "group",
    [
        "UncompressedTransferSyntaxes",
        "JPEGTransferSyntaxes",
        "JPEGLSTransferSyntaxes",
        "JPEG2000TransferSyntaxes",
        "MPEGTransferSyntaxes",
        "RLETransferSyntaxes",
    ],
)
def test_groups_as_pydicom(group: str) -> None:
    ours, theirs = getattr(uid, group), getattr(puid, group)
    assert sorted(ours) == sorted(theirs)
    assert all(type(u) is UID for u in ours)


def test_all_transfer_syntaxes() -> None:
    # pydicom's list, and the registry's other syntaxes that are not retired.
    assert set(puid.AllTransferSyntaxes) <= set(uid.AllTransferSyntaxes)
    for value in set(uid.AllTransferSyntaxes) - set(puid.AllTransferSyntaxes):
        assert value.is_transfer_syntax and not value.is_retired
    assert uid.ExplicitVRBigEndian in uid.AllTransferSyntaxes


def test_transfer_syntax_info_is_the_readers_registry() -> None:
    info = _core.transfer_syntax_info("1.2.840.10008.1.2.4.50\0")
    assert info == (
        "1.2.840.10008.1.2.4.50",
        "JPEG Baseline (Process 1)",
        "jpeg-baseline",
        True,
        False,
        False,
        True,
        "JPEG",
        True,
        False,
    )
    assert _core.transfer_syntax_info("1.2.840.10008.1.2.2")[4] is True  # type: ignore[index]
    unknown = _core.transfer_syntax_info("1.2.840.10008.1.2.4.999")
    assert unknown is not None and unknown[0] == "" and unknown[6]
    assert _core.transfer_syntax_info("1.2.3") is None
