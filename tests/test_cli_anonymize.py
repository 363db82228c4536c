"""``rs-dicom anonymize``: trees mirrored, input never overwritten without --in-place, bad
files reported while the others go on, audit log, naming by new UIDs, exit status."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pydicom
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deid_support import base_dataset, to_bytes  # noqa: E402
from rs_dicom import cli  # noqa: E402


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    (src / "a" / "b").mkdir(parents=True)
    for n, sub in enumerate(["", "a", "a/b"]):
        ds = base_dataset()
        ds.SOPInstanceUID = f"1.2.826.0.1.3680043.9.7777.{200 + n}"
        (src / sub / f"img{n}.dcm").write_bytes(to_bytes(ds))
    (src / "notes.txt").write_text("not DICOM")
    return src


@pytest.fixture
def key(tmp_path: Path) -> Path:
    k = tmp_path / "key"
    k.write_bytes(b"0123456789abcdef-cli\n")
    return k


def test_tree_is_mirrored_with_audit(
    tree: Path, key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    log = tmp_path / "log.jsonl"
    args = ["anonymize", str(tree), "-o", str(out), "--key", str(key), "--audit", str(log)]
    assert cli.main(args) == 0
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == ["a/b/img2.dcm", "a/img1.dcm", "img0.dcm"]
    stdout = capsys.readouterr().out
    assert "anonymized 3 files, 1 skipped (not DICOM)" in stdout
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(r["output"] for r in records) == written
    assert "DOE" not in log.read_text() and "PID-0042" not in log.read_text()
    for p in out.rglob("*.dcm"):
        ds = pydicom.dcmread(p)
        assert ds.PatientIdentityRemoved == "YES" and "DOE" not in str(ds.PatientName)
    # The same key gives the same files.
    again = tmp_path / "again"
    assert cli.main(["anonymize", str(tree), "-o", str(again), "--key", str(key)]) == 0
    assert (again / "img0.dcm").read_bytes() == (out / "img0.dcm").read_bytes()


def test_bad_file_is_reported_and_the_others_go_on(
    tree: Path, key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tree / "bad.dcm"
    bad.write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00UI\xff\x7f")
    out = tmp_path / "out"
    assert cli.main(["anonymize", str(tree), "-o", str(out), "--key", str(key)]) == 1
    captured = capsys.readouterr()
    assert f"{bad}:" in captured.err
    # "2 files" as a count, not the tail of a rate such as "6122 files/s".
    assert not re.search(r"(?<![\d.])2 files(?!/s)", captured.out)
    assert "1 failed" in captured.out
    assert not (out / "bad.dcm").exists() and (out / "a" / "b" / "img2.dcm").exists()


def test_input_is_not_overwritten_without_in_place(tree: Path, key: Path, tmp_path: Path) -> None:
    before = (tree / "img0.dcm").read_bytes()
    assert cli.main(["anonymize", str(tree / "img0.dcm"), "-o", str(tree), "--key", str(key)]) == 1
    assert (tree / "img0.dcm").read_bytes() == before
    copy = tmp_path / "copy"
    shutil.copytree(tree, copy)
    assert cli.main(["anonymize", str(copy), "--in-place", "--key", str(key)]) == 0
    assert pydicom.dcmread(copy / "img0.dcm").PatientIdentityRemoved == "YES"


def test_existing_output_needs_overwrite(tree: Path, key: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["anonymize", str(tree / "img0.dcm"), "-o", str(out), "--key", str(key)]
    assert cli.main(args) == 0
    assert cli.main(args) == 1
    assert cli.main([*args, "--overwrite"]) == 0


def test_name_by_uid(tree: Path, key: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert (
        cli.main(["anonymize", str(tree), "-o", str(out), "--key", str(key), "--name-by-uid"]) == 0
    )
    files = list(out.rglob("*.dcm"))
    assert len(files) == 3 and not list(out.glob(".rs-dicom-*"))
    for p in files:
        ds = pydicom.dcmread(p)
        assert p.name == f"{ds.SOPInstanceUID}.dcm"
        assert p.parent.name == ds.SeriesInstanceUID and p.parent.parent.name == ds.StudyInstanceUID


def test_usage_errors(tree: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["anonymize", str(tree)])
    assert exc.value.code == 2
    with pytest.raises(SystemExit):
        cli.main(["anonymize", str(tree), "-o", "x", "--retain-dates", "--shift-dates"])
