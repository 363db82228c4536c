"""``rs-dicom convert IN OUT --ts NAME``: files and whole directories (tree mirrored), every
short name of the issue, bad files reported and skipped with nothing written for them, a
summary line, the exit status; the output checked with pydicom and DCMTK."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rs_dicom
from encode_cases import SOURCES, SYNTAXES, Syntax, pydicom_pixels
from helpers import reference_tool
from rs_dicom import cli

ROOT = Path(__file__).resolve().parent.parent

NATIVE = {
    "explicit": "1.2.840.10008.1.2.1",
    "implicit": "1.2.840.10008.1.2",
    "big-endian": "1.2.840.10008.1.2.2",
    "deflated": "1.2.840.10008.1.2.1.99",
}


def convert(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        status = cli.main(["convert", *map(str, args)])
    finally:
        sys.stdout, sys.stderr = old
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("syntax", [s.param() for s in SYNTAXES])
def test_every_compressed_name(tmp_path: Path, syntax: Syntax) -> None:
    source = SOURCES["u8"] if syntax.eight_bit_only else SOURCES["u16-frames"]
    src = source.write(tmp_path / "src.dcm")
    dst = tmp_path / "out.dcm"
    status, _, err = convert(src, dst, "--ts", syntax.name, *_options(syntax))
    assert status == 0, err
    assert "converted 1 of 1" in err
    ds = rs_dicom.dcmread(str(dst))
    assert str(ds.file_meta.TransferSyntaxUID) == syntax.uid
    if syntax.lossless:
        np.testing.assert_array_equal(ds.pixel_array, source.array())
        np.testing.assert_array_equal(pydicom_pixels(dst), source.array())


def _options(syntax: Syntax) -> list[str]:
    args = []
    for k, v in syntax.options:
        args += [f"--{k.replace('_', '-')}", str(v)]
    return args


@pytest.mark.parametrize("name", list(NATIVE))
def test_native_names_decompress(tmp_path: Path, name: str) -> None:
    source = SOURCES["i12"]
    src = source.write(tmp_path / "src.dcm")
    rle = tmp_path / "rle.dcm"
    assert convert(src, rle, "--ts", "rle")[0] == 0
    dst = tmp_path / "out.dcm"
    status, _, err = convert(rle, dst, "--ts", name)
    assert status == 0, err
    ds = rs_dicom.dcmread(str(dst))
    assert str(ds.file_meta.TransferSyntaxUID) == NATIVE[name]
    np.testing.assert_array_equal(ds.pixel_array, source.array())
    np.testing.assert_array_equal(pydicom_pixels(dst), source.array())
    # DCMTK parses what we wrote.
    dump = subprocess.run(
        [reference_tool("dcmdump"), str(dst)], capture_output=True, text=True, check=False
    )
    assert dump.returncode == 0, dump.stderr


def test_directory_tree_mirrored_bad_files_skipped(tmp_path: Path) -> None:
    tree = tmp_path / "in"
    (tree / "a" / "b").mkdir(parents=True)
    wanted = {}
    for rel, name in [("x.dcm", "u16"), ("a/y.dcm", "rgb8"), ("a/b/z", "i8")]:
        SOURCES[name].write(tree / rel)
        wanted[rel] = SOURCES[name].array()
    (tree / "a" / "notes.txt").write_text("not DICOM")
    wide = tree / "a" / "b" / "wide.dcm"
    from helpers import write_uncompressed

    write_uncompressed(wide, np.zeros((4, 4), dtype=np.uint32), spp=1, bits=32)
    out = tmp_path / "out"
    status, _, err = convert(tree, out, "--ts", "htj2k-lossless", "-j", "2")
    assert status == 1
    assert "notes.txt" in err and "wide.dcm" in err and "Bits Allocated 32" in err
    assert "converted 3 of 5" in err and "2 failed" in err
    for rel, arr in wanted.items():
        np.testing.assert_array_equal(rs_dicom.dcmread(str(out / rel)).pixel_array, arr)
    # Nothing is written for a file that failed.
    assert not (out / "a" / "notes.txt").exists()
    assert not (out / "a" / "b" / "wide.dcm").exists()


def test_usage_errors(tmp_path: Path) -> None:
    src = SOURCES["u8"].write(tmp_path / "src.dcm")
    proc = subprocess.run(
        [sys.executable, "-m", "rs_dicom.cli", "convert", str(src), "o.dcm", "--ts", "nope"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 2
    assert "not a transfer syntax" in proc.stderr
    status, _, err = convert(tmp_path / "missing.dcm", tmp_path / "o.dcm", "--ts", "rle")
    assert status == 1 and "no such file" in err


def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    """Not a terminal: no carriage returns in stderr, just the summary."""
    src = SOURCES["u8"].write(tmp_path / "src.dcm")
    status, _, err = convert(src, tmp_path / "o.dcm", "--ts", "rle")
    assert status == 0
    assert "\r" not in err
    assert err.strip().startswith("converted 1 of 1 file(s) to rle")


def test_output_into_a_directory_and_uid_options(tmp_path: Path) -> None:
    src = SOURCES["u8"].write(tmp_path / "src.dcm")
    outdir = tmp_path / "out"
    outdir.mkdir()
    before = rs_dicom.dcmread(str(src)).SOPInstanceUID
    assert convert(src, outdir, "--ts", "rle", "--keep-uid")[0] == 0
    ds = rs_dicom.dcmread(str(outdir / "src.dcm"))
    assert ds.SOPInstanceUID == before
    assert convert(src, outdir / "new.dcm", "--ts", "rle")[0] == 0
    assert rs_dicom.dcmread(str(outdir / "new.dcm")).SOPInstanceUID != before
    assert sorted(os.listdir(outdir)) == ["new.dcm", "src.dcm"]


def test_big_endian_and_implicit_sources_compress(tmp_path: Path) -> None:
    source = SOURCES["i16"]
    src = source.write(tmp_path / "src.dcm")
    for name in ("big-endian", "implicit", "deflated"):
        native = tmp_path / f"{name}.dcm"
        assert convert(src, native, "--ts", name)[0] == 0
        for target in ("rle", "htj2k-lossless"):
            out = tmp_path / f"{name}-{target}.dcm"
            status, _, err = convert(native, out, "--ts", target)
            assert status == 0, err
            np.testing.assert_array_equal(pydicom_pixels(out), source.array())
