"""rs_dicom.dictionary's private dictionary against pydicom's ``get_private_entry``."""

from __future__ import annotations

import os
from contextlib import nullcontext

import pytest

if os.environ.get("CI") == "true":
    import pydicom  # under CI a missing pydicom is a failure, not a skip
else:
    pydicom = pytest.importorskip("pydicom")

from pydicom import datadict  # noqa: E402
from pydicom._private_dict import private_dictionaries  # noqa: E402
from rs_dicom import _core, dictionary  # noqa: E402

# pydicom's table spells one VR "OB_OW"; rs_dicom gives it as PS3.6 does.
VR_FIXES = {"OB_OW": "OB or OW"}


def _concrete(pattern: str, block: str = "10", group_byte: str = "01") -> int:
    """A tag described by `pattern`: 'xxxx' in the group's low byte and the block byte,
    otherwise 'xx' (wherever it is) is `block`."""
    if "xxxx" in pattern:
        pattern = pattern.replace("xxxx", group_byte + block)
    return int(pattern.replace("xx", block), 16)


def _pydicom(tag: int, creator: object) -> tuple[str, str, str, str] | None:
    try:
        vr, vm, name, retired = datadict.get_private_entry(tag, creator)  # type: ignore[arg-type]
    except KeyError:
        return None
    return VR_FIXES.get(vr, vr), vm, name, retired


def _ours(tag: int, creator: object) -> tuple[str, str, str, str] | None:
    try:
        return dictionary.get_private_entry(tag, creator)  # type: ignore[arg-type]
    except KeyError:
        return None


def test_every_entry_matches_pydicom() -> None:
    mismatches = []
    checked = 0
    for creator, table in private_dictionaries.items():
        for pattern in table:
            for block, group_byte in (("10", "01"), ("FF", "FE"), ("00", "00")):
                tag = _concrete(pattern, block, group_byte)
                expected = _pydicom(tag, creator)
                ours = _ours(tag, creator)
                checked += 1
                if ours != expected:
                    mismatches.append((creator, pattern, hex(tag), ours, expected))
    assert checked > 30_000
    assert mismatches == []


def test_core_tuples() -> None:
    """`_core.private_dictionary_entry` gives (vr, vm, name, retired: bool)."""
    count = 0
    for creator, table in private_dictionaries.items():
        for pattern in table:
            tag = _concrete(pattern)
            expected = _pydicom(tag, creator)
            found = _core.private_dictionary_entry(creator, tag)
            if expected is None:
                assert found is None, (creator, pattern)
                continue
            vr, vm, name, retired = expected
            assert found == (vr, vm, name, retired == "Retired"), (creator, pattern)
            count += 1
    assert count > 10_000


def test_functions() -> None:
    creator = "SIEMENS CSA HEADER"
    assert dictionary.private_dictionary_VR(0x00291010, creator) == "OB"
    assert dictionary.private_dictionary_VR((0x0029, 0x1110), creator) == "OB"
    assert dictionary.private_dictionary_VM(0x00291010, creator) == "1"
    assert dictionary.private_dictionary_description(0x00291010, creator) == (
        datadict.private_dictionary_description(0x00291010, creator)
    )
    assert dictionary.get_private_entry(0x00091001, "GEMS_IDEN_01") == (
        datadict.get_private_entry(0x00091001, "GEMS_IDEN_01")
    )
    assert _core.private_dictionary_entry("GEMS_IDEN_01", 0x00091001) == (
        "LO",
        "1",
        "Full fidelity",
        False,
    )
    assert _core.private_dictionary_entry("NO SUCH CREATOR", 0x00091001) is None
    assert dictionary.private_dictionary_VR(0x002710A3, "FDMS 1.0") == "US or SS"
    assert dictionary.private_dictionary_VR(0x70191080, "TOSHIBA_MEC_OT3") == "OB or OW"
    # exact tags win over 'xx' patterns
    assert dictionary.private_dictionary_VR(0x01F11026, "ELSCINT1") == "FD"
    assert dictionary.private_dictionary_VR(0x01F12026, "ELSCINT1") == "DS"
    # 'xxxx' patterns
    assert dictionary.private_dictionary_VR(0x70AB1204, "DLX_ANNOT_01") == "ST"
    assert datadict.private_dictionary_VR(0x70AB1204, "DLX_ANNOT_01") == "ST"


@pytest.mark.parametrize(
    ("tag", "creator"),
    [
        (0x00091001, "NO SUCH CREATOR"),
        (0x00091001, "gems_iden_01"),
        (0x00091001, " GEMS_IDEN_01"),
        (0x00091001, ""),
        (0x00191001, "GEMS_IDEN_01"),  # wrong group
        (0x00091010, "GEMS_IDEN_01"),  # '000910xx' is never looked up by pydicom
        (0x00091001, ["GEMS_IDEN_01", "X"]),  # multi-valued creator
    ],
)
def test_unknown(tag: int, creator: object) -> None:
    with pytest.warns(UserWarning) if isinstance(creator, list) else nullcontext():
        assert _pydicom(tag, creator) is None
    for func in (
        dictionary.get_private_entry,
        dictionary.private_dictionary_VR,
        dictionary.private_dictionary_VM,
        dictionary.private_dictionary_description,
    ):
        with pytest.raises(KeyError):
            func(tag, creator)  # type: ignore[arg-type]


def test_padded_creator() -> None:
    """Trailing spaces/NULs are ignored (pydicom strips them when decoding the value)."""
    expected = datadict.get_private_entry(0x00091001, "GEMS_IDEN_01")
    assert dictionary.get_private_entry(0x00091001, "GEMS_IDEN_01 ") == expected
    assert dictionary.get_private_entry(0x00091001, "GEMS_IDEN_01\0") == expected
