"""Every check of one written file against the file it was made from: rs_dicom reads it back
equal, its group lengths are right, pydicom reads it equal to its reading of the source,
DCMTK's dcmdump parses it without an error and dicom3tools' dciodvfy reports no error the
source did not have. `problems` returns what failed (empty: all passed), so that a sweep over
many files can report them all at once.
"""

from __future__ import annotations

import functools
import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import rs_dicom
from helpers import reference_tool
from write_check import (
    DEFLATED,
    EXPLICIT_BE,
    EXPLICIT_LE,
    IMPLICIT_LE,
    compare_pydicom,
    compare_rs,
    read_pydicom,
    read_rs,
)


def dcmdump_errors(path: Path) -> list[str]:
    """dcmdump's errors parsing `path` (its exit status and its `E:` lines)."""
    exe = reference_tool("dcmdump")
    # Correction off: what DCMTK would silently repair must not be needed.
    args = [exe, "-dc"]
    if rs_dicom.dcmread(str(path), force=True).preamble is None:
        args.append("-f")
    proc = subprocess.run([*args, str(path)], capture_output=True, check=False)
    stderr = proc.stderr.decode("latin-1")
    errors = [ln for ln in stderr.splitlines() if ln.startswith("E:")]
    if proc.returncode != 0:
        errors.append(f"dcmdump exited with {proc.returncode}")
    return errors


def inflated(data: bytes) -> bytes:
    """A deflated Part 10 file as Explicit VR Little Endian: the dataset inflated and the file
    meta's Transfer Syntax UID (and group length, if any) changed, every other byte as it
    was."""
    import struct
    import zlib

    start = 132 if data[128:132] == b"DICM" else 0
    meta, at, has_length = bytearray(), start, False
    while data[at : at + 2] == b"\x02\x00":
        tag, vr = data[at : at + 4], data[at + 4 : at + 6]
        long = vr in (b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN")
        n = struct.unpack_from("<I" if long else "<H", data, at + (8 if long else 6))[0]
        head = 12 if long else 8
        if tag == b"\x02\x00\x00\x00":
            has_length = True
        elif tag == b"\x02\x00\x10\x00":
            uid = EXPLICIT_LE.encode() + b"\x00"
            meta += tag + vr + struct.pack("<H", len(uid)) + uid
        else:
            meta += data[at : at + head + n]
        at += head + n
    body = zlib.decompress(data[at:], -15)
    if has_length:
        meta[:0] = b"\x02\x00\x00\x00UL\x04\x00" + struct.pack("<I", len(meta))
    return data[:start] + bytes(meta) + body


@functools.lru_cache(maxsize=4096)
def _dciodvfy(path: str, mtime: float) -> frozenset[str]:
    del mtime  # part of the cache key only
    src = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        if read_rs(src)[0].transfer_syntax_uid == DEFLATED:
            # dciodvfy does not read deflated files: check them inflated.
            plain = Path(tmp) / "inflated.dcm"
            plain.write_bytes(inflated(src.read_bytes()))
            src = plain
        exe = reference_tool("dciodvfy")
        proc = subprocess.run([exe, str(src)], capture_output=True, check=False)
    text = (proc.stdout + proc.stderr).decode("latin-1")
    return frozenset(
        re.sub(r"\s+", " ", ln.strip()) for ln in text.splitlines() if ln.startswith("Error")
    )


def dciodvfy_errors(path: Path) -> frozenset[str]:
    """dciodvfy's error lines for a file."""
    return _dciodvfy(str(path), path.stat().st_mtime)


# In implicit VR the VR of US/SS elements is known from Pixel Representation (PS3.5 A.1 c);
# a file that has none (a Color Palette, say) cannot carry their VR, and dciodvfy stops there.
_NO_PIXEL_REPRESENTATION = re.compile(r"Error - Missing Pixel Representation, can't set VR")
_READ_FAILED = "Error - Dicom dataset read failed"


def _lost_in_implicit_vr(errors: set[str], ds: rs_dicom.Dataset, uid: str) -> bool:
    if uid != IMPLICIT_LE or "PixelRepresentation" in ds:
        return False
    cause = {e for e in errors if _NO_PIXEL_REPRESENTATION.match(e)}
    return bool(cause) and errors - cause <= {_READ_FAILED}


def group_length_errors(ds: rs_dicom.Dataset, size: int) -> dict[int, str]:
    """Top-level group lengths of a file read back (`size` bytes) that are not the number of
    bytes of the rest of their group, by tag."""
    elems = list(ds)
    out = {}
    for i, e in enumerate(elems):
        if e.tag.element != 0 or e.offset is None:
            continue
        after = next((x for x in elems[i + 1 :] if x.tag.group != e.tag.group), None)
        end = size if after is None else after.offset
        if end is None:
            continue
        value = e.value
        if isinstance(value, memoryview):  # a private group length read as UN (implicit VR)
            value = int.from_bytes(bytes(value)[:4], "little")
        want = end - (e.offset + 12)
        if value != want:
            out[int(e.tag)] = f"{e.tag}: group length {value}, the group has {want} bytes"
    return out


def problems(source: Path, written: Path, uid: str) -> Iterator[str]:
    """What is wrong with `written`, a file saved in transfer syntax `uid` from `source`."""
    original, _ = read_rs(source)
    data = written.read_bytes()
    back, _ = read_rs(data)
    name = f"{source.name} -> {uid}"
    if back.file_meta is None or back.file_meta.get("TransferSyntaxUID") is None:
        yield f"{name}: no Transfer Syntax UID"
        return
    if back.file_meta.TransferSyntaxUID != uid:
        yield f"{name}: written as {back.file_meta.TransferSyntaxUID}"
    in_big = original.transfer_syntax_uid == EXPLICIT_BE
    kw = {"a_big": in_big, "b_big": uid == EXPLICIT_BE, "implicit": uid == IMPLICIT_LE}
    for d in compare_rs(original, back, **kw):
        yield f"{name}: rs_dicom: {d}"

    if uid != DEFLATED:
        wrong = group_length_errors(back, len(data))
        if wrong and original.transfer_syntax_uid == uid:
            # Saved in the encoding it was read in: a group that is as it was read keeps its
            # length as read, right or wrong (so that unmodified saves are byte-identical).
            was_wrong = group_length_errors(original, source.stat().st_size)
            wrong = {t: m for t, m in wrong.items() if t not in was_wrong}
        for msg in wrong.values():
            yield f"{name}: {msg}"

    for d in compare_pydicom(read_pydicom(source), read_pydicom(data), **kw):
        yield f"{name}: pydicom: {d}"

    for e in dcmdump_errors(written):
        yield f"{name}: dcmdump: {e}"

    new = set(dciodvfy_errors(written) - dciodvfy_errors(source))
    if new and not _lost_in_implicit_vr(new, original, uid):
        for e in sorted(new):
            yield f"{name}: dciodvfy: {e}"
