"""rs_dicom.dictionary against pydicom's data dictionary and UID registry."""

from __future__ import annotations

import os

import pytest

if os.environ.get("CI") == "true":
    import pydicom  # under CI a missing pydicom is a failure, not a skip
else:
    pydicom = pytest.importorskip("pydicom")

from pydicom import datadict  # noqa: E402
from pydicom._dicom_dict import DicomDictionary, RepeatersDictionary  # noqa: E402
from pydicom._uid_dict import UID_dictionary  # noqa: E402
from pydicom.uid import UID  # noqa: E402
from rs_dicom import _core, dictionary  # noqa: E402
from rs_dicom.dictionary import Entry  # noqa: E402


def _mask(pattern: str) -> tuple[int, int]:
    """(tag with x digits zero, mask) of a repeater pattern such as '60xx3000'."""
    tag = int("".join("0" if c in "xX" else c for c in pattern), 16)
    mask = int("".join("0" if c in "xX" else "F" for c in pattern), 16)
    return tag, mask


def _examples(pattern: str) -> list[int]:
    """Concrete tags matching a repeater pattern: all x digits 0, 2, A and E."""
    return [int(pattern.replace("x", d).replace("X", d), 16) for d in "02AE"]


def test_all_entries_match_pydicom() -> None:
    mismatches = []
    for tag, (vr, vm, name, retired, keyword) in DicomDictionary.items():
        ours = (
            dictionary.dictionary_VR(tag),
            dictionary.dictionary_VM(tag),
            dictionary.dictionary_description(tag),
            dictionary.dictionary_is_retired(tag),
            dictionary.dictionary_keyword(tag),
        )
        expected = (
            datadict.dictionary_VR(tag),
            datadict.dictionary_VM(tag),
            datadict.dictionary_description(tag),
            datadict.dictionary_is_retired(tag),
            datadict.dictionary_keyword(tag),
        )
        assert expected == (vr, vm, name, retired == "Retired", keyword)
        if ours != expected or dictionary.get_entry(tag) != datadict.get_entry(tag):
            mismatches.append((hex(tag), ours, expected))
        if not dictionary.dictionary_has_tag(tag):
            mismatches.append((hex(tag), "dictionary_has_tag", False))
    assert mismatches == []


def test_all_keywords_match_pydicom() -> None:
    for tag, (*_, keyword) in DicomDictionary.items():
        assert dictionary.keyword_for_tag(tag) == datadict.keyword_for_tag(tag)
        if keyword:
            assert dictionary.tag_for_keyword(keyword) == datadict.tag_for_keyword(keyword) == tag
            assert dictionary.lookup(keyword) == Entry(
                tag, *datadict.get_entry(tag)[:3], datadict.dictionary_is_retired(tag), keyword
            )


def test_all_repeaters_match_pydicom() -> None:
    for pattern, (vr, vm, name, retired, keyword) in RepeatersDictionary.items():
        canonical, mask = _mask(pattern)
        for tag in _examples(pattern):
            if tag in DicomDictionary:  # exact entries win, e.g. (0028,0400), (7FE0,0010)
                continue
            expected = datadict.get_entry(tag)
            assert expected == (vr, vm, name, retired, keyword)
            assert dictionary.get_entry(tag) == expected, (pattern, hex(tag))
            assert dictionary.keyword_for_tag(tag) == keyword
            assert not dictionary.dictionary_has_tag(tag)
            entry = dictionary.lookup(tag)
            assert entry == Entry(tag, vr, vm, name, retired == "Retired", keyword)
            # The same element in a private (odd) group is unknown, as in pydicom.
            if mask >> 16 != 0xFFFF:
                private = tag | 0x0001_0000
                assert dictionary.lookup(private) is None
                assert dictionary.keyword_for_tag(private) == datadict.keyword_for_tag(private)
        # Keywords of repeaters resolve to the canonical tag (pydicom returns None).
        assert dictionary.tag_for_keyword(keyword) == canonical
        expected = Entry(canonical, vr, vm, name, retired == "Retired", keyword)
        assert dictionary.lookup(keyword) == expected
        assert dictionary.get_entry(keyword) == (vr, vm, name, retired, keyword)
        assert not dictionary.dictionary_has_tag(keyword)


def test_native_entry_list_is_complete() -> None:
    rows = _core.dictionary_entries()
    exact = {
        tag: (vr, vm, name, retired, kw)
        for tag, mask, vr, vm, name, retired, kw in rows
        if mask == 0xFFFF_FFFF
    }
    repeaters = {
        (tag, mask): (vr, vm, name, retired, kw)
        for tag, mask, vr, vm, name, retired, kw in rows
        if mask != 0xFFFF_FFFF
    }
    assert len(exact) == len(DicomDictionary) > 4000
    assert len(repeaters) == len(RepeatersDictionary)
    for tag, (vr, vm, name, retired, kw) in DicomDictionary.items():
        assert exact[tag] == (vr, vm, name, retired == "Retired", kw)
    for pattern, (vr, vm, name, retired, kw) in RepeatersDictionary.items():
        assert repeaters[_mask(pattern)] == (vr, vm, name, retired == "Retired", kw)
    tags = [row[0] for row in rows[: len(exact)]]
    assert tags == sorted(tags)


def test_examples() -> None:
    assert dictionary.keyword_for_tag(0x00100010) == "PatientName"
    assert dictionary.dictionary_description((0x0010, 0x0010)) == "Patient's Name"
    assert dictionary.dictionary_VR("PatientName") == "PN"
    assert dictionary.dictionary_VM(0x00100010) == "1"
    assert dictionary.dictionary_VR(0x00280106) == "US or SS"
    assert dictionary.dictionary_VR(0x7FE00010) == "OB or OW"
    assert dictionary.dictionary_VR(0xFFFEE000) == "NONE"
    assert dictionary.dictionary_VR(0x60023000) == "OB or OW"
    assert dictionary.dictionary_keyword(0x50040005) == "CurveDimensions"
    assert dictionary.dictionary_is_retired(0x00080010)
    assert not dictionary.dictionary_is_retired(0x00080016)
    assert dictionary.tag_for_keyword("OverlayData") == 0x60003000
    assert dictionary.dictionary_VR("RowsForNthOrderCoefficients") == "US"
    assert dictionary.dictionary_VR(0x00280400) == "LO"  # Transform Label, not the repeater
    assert dictionary.dictionary_has_tag("PatientName")
    assert not dictionary.dictionary_has_tag("OverlayData")
    assert dictionary.tag_for_keyword("NoSuchKeyword") is None
    assert dictionary.tag_for_keyword("") is None


def test_tag_forms() -> None:
    class TagLike:
        def __int__(self) -> int:
            return 0x00100010

    expected = Entry(0x00100010, "PN", "1", "Patient's Name", False, "PatientName")
    assert dictionary.lookup(0x00100010) == expected
    assert dictionary.lookup((0x0010, 0x0010)) == expected
    assert dictionary.lookup(TagLike()) == expected
    assert dictionary.lookup(pydicom.tag.Tag(0x00100010)) == expected
    assert dictionary.lookup("PatientName") == expected
    assert dictionary.keyword_for_tag(TagLike()) == "PatientName"
    np = pytest.importorskip("numpy")
    assert dictionary.keyword_for_tag(np.uint32(0x00100010)) == "PatientName"


def test_unknown_tags() -> None:
    for tag in (0x00101234, 0x00090010, 0x00091010, 0x00080000, 0x60013000):
        assert dictionary.keyword_for_tag(tag) == datadict.keyword_for_tag(tag) == ""
        assert dictionary.lookup(tag) is None
        assert not dictionary.dictionary_has_tag(tag)
        with pytest.raises(KeyError):
            dictionary.dictionary_description(tag)
        with pytest.raises(KeyError):
            dictionary.get_entry(tag)
    assert dictionary.lookup("NoSuchKeyword") is None
    assert dictionary.lookup(object()) is None  # type: ignore[arg-type]
    assert not dictionary.dictionary_has_tag(-1)
    assert not dictionary.dictionary_has_tag(1 << 32)
    with pytest.raises(ValueError):
        dictionary.dictionary_VR(1 << 32)
    with pytest.raises(KeyError):
        dictionary.dictionary_VR("NoSuchKeyword")
    assert dictionary.keyword_for_tag("NoSuchKeyword") == ""
    with pytest.raises(TypeError):
        dictionary.dictionary_VR(object())  # type: ignore[arg-type]


def test_all_uids_match_pydicom() -> None:
    for uid, (name, kind, _info, retired, keyword) in UID_dictionary.items():
        assert dictionary.uid_name(uid) == UID(uid).name == name
        assert dictionary.uid_keyword(uid) == UID(uid).keyword == keyword
        assert dictionary.uid_type(uid) == kind
        assert dictionary.uid_is_retired(uid) == (retired == "Retired")
        if keyword:
            assert dictionary.uid_for_keyword(keyword) == uid
    assert len(_core.uid_entries()) == len(UID_dictionary)
    assert {row[0]: row[1:] for row in _core.uid_entries()} == {
        uid: (name, kind, info, retired == "Retired", keyword)
        for uid, (name, kind, info, retired, keyword) in UID_dictionary.items()
    }


def test_uid_examples() -> None:
    assert dictionary.uid_name("1.2.840.10008.1.2.4.50") == "JPEG Baseline (Process 1)"
    assert dictionary.uid_keyword("1.2.840.10008.1.2.4.50") == "JPEGBaseline8Bit"
    assert dictionary.uid_name("1.2.840.10008.5.1.4.1.1.2") == "CT Image Storage"
    assert dictionary.uid_name("1.2.840.10008.5.1.4.1.1.2\0") == "CT Image Storage"
    assert dictionary.uid_name("1.2.840.10008.1.2 ") == "Implicit VR Little Endian"
    assert dictionary.uid_type("1.2.840.10008.1.2") == "Transfer Syntax"
    assert dictionary.uid_for_keyword("CTImageStorage") == "1.2.840.10008.5.1.4.1.1.2"
    assert dictionary.uid_name("1.2.3.4") == UID("1.2.3.4").name == "1.2.3.4"
    assert dictionary.uid_keyword("1.2.3.4") == ""
    assert dictionary.uid_for_keyword("NoSuchUID") is None
    assert dictionary.uid_is_retired("1.2.840.10008.1.2.2")
