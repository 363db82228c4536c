"""The ``rs-dicom`` command line tool, run as a subprocess (and in-process for main())."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import rs_dicom
from rs_dicom import cli
from rs_dicom.jsonmodel import to_json_dict

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "sample_ct.dcm"
SAMPLE_UID = "2.25.32435705068144796743386054762800666427"


def _testdata(name: str) -> str:
    """A file shipped with pydicom; skipped without pydicom unless running in CI."""
    if os.environ.get("CI") != "true":
        pytest.importorskip("pydicom")
    from pydicom.data import get_testdata_file

    path = get_testdata_file(name)
    assert path is not None, name
    return str(path)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra)
    return env


def run(*args: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m rs_dicom.cli ARGS`` with UTF-8 output, not on a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "rs_dicom.cli", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=_env(**env),
        cwd=ROOT,
        timeout=120,
    )


def _element_line(output: str, tag: str) -> str:
    found = [line for line in output.splitlines() if line.lstrip().startswith(tag)]
    assert found, f"{tag} not in output"
    return found[0]


# --------------------------------------------------------------------------- help, version


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"rs-dicom {rs_dicom.__version__}"


def test_help_reads_well() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: rs-dicom")
    assert "meta" in result.stdout and "examples:" in result.stdout
    meta = run("meta", "--help")
    assert meta.returncode == 0
    for text in (
        "--json",
        "--tag",
        "--no-bulk",
        "--stop-before-pixels",
        "--force",
        "--width",
        "examples:",
        "exit status",
        "JSON Lines",
        "ReferencedSeriesSequence[0]",
    ):
        assert text in meta.stdout, text


def test_no_command_is_a_usage_error() -> None:
    result = run()
    assert result.returncode == 2
    assert "usage: rs-dicom" in result.stderr
    assert run("meta").returncode == 2
    assert run("meta", "--no-bulk", SAMPLE).returncode == 2  # --no-bulk needs --json
    assert run("meta", "--json", "--tag", "Rows", SAMPLE).returncode == 2


# --------------------------------------------------------------------------- tree


def test_tree_sample() -> None:
    result = run("meta", SAMPLE)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    lines = out.splitlines()
    assert lines[1] == "# File Meta Information"
    assert lines[2].startswith("(0002,0000) UL  1      4 FileMetaInformationGroupLength")
    assert "# Dataset: Explicit VR Little Endian (1.2.840.10008.1.2.1)" in lines
    assert re.fullmatch(
        r"\(0010,0010\) PN  1 +14 PatientName +\[Müller\^Jürgen\]",
        _element_line(out, "(0010,0010)"),
    )
    assert _element_line(out, "(0008,0018)").endswith(f"[{SAMPLE_UID}]")  # not cut
    assert _element_line(out, "(0028,1050)").endswith("WindowCenter                   [40\\400]")
    assert _element_line(out, "(0028,1052)").endswith("RescaleIntercept               [-1024]")
    assert "(0008,1140) SQ" in out and "  (FFFE,E000) Item #2 (2 elements)" in lines
    assert "        (0008,0104) LO  1      4 CodeMeaning            [Left]" in lines
    assert re.search(r"^\(7FE0,0010\) OW  1 +8192 PixelData +\(8192 bytes\) 18 00", out, re.M)


def test_tree_width() -> None:
    for args, env, limit in ((("--width", "90"), {}, 90), ((), {"COLUMNS": "100"}, 100)):
        result = run("meta", *args, SAMPLE, **env)
        assert result.returncode == 0
        lines = result.stdout.splitlines()
        assert all(len(line) <= limit for line in lines), args
        assert _element_line(result.stdout, "(0008,0018)").endswith("...]")  # the UID is cut
    full = run("meta", "--width", "0", SAMPLE).stdout
    assert _element_line(full, "(0008,0018)").endswith(f"[{SAMPLE_UID}]")
    assert run("meta", "--width", "-3", SAMPLE).returncode == 2


def test_tree_stop_before_pixels() -> None:
    result = run("meta", "-s", SAMPLE)
    assert result.returncode == 0
    assert "(7FE0,0010)" not in result.stdout
    assert "(0028,1055)" in result.stdout


def test_tree_pydicom_files() -> None:
    ct = run("meta", _testdata("CT_small.dcm"))
    assert ct.returncode == 0, ct.stderr
    assert re.fullmatch(
        r"\(0010,0010\) PN  1 +22 PatientName +\[CompressedSamples\^CT1\]",
        _element_line(ct.stdout, "(0010,0010)"),
    )
    assert re.fullmatch(
        r"\(0009,1001\) LO  1 +14 \[GEMS_IDEN_01\] +\[GE_GENESIS_FF\]",
        _element_line(ct.stdout, "(0009,1001)"),
    )
    plan = run("meta", _testdata("rtplan.dcm"))
    assert plan.returncode == 0, plan.stderr
    lines = plan.stdout.splitlines()
    assert "# Dataset: Implicit VR Little Endian (1.2.840.10008.1.2)" in lines
    assert re.fullmatch(
        r"\(300A,00B0\) SQ +\d +\S+ BeamSequence +\(Sequence, 1 item\)",
        _element_line(plan.stdout, "(300A,00B0)"),
    )
    assert re.search(r"^    \(300A,00C2\) LO  1      8 BeamName +\[Field 1\]$", plan.stdout, re.M)
    assert any(line.startswith("          (FFFE,E000) Item #2") for line in lines)


def test_several_files_have_headers() -> None:
    ct = _testdata("CT_small.dcm")
    result = run("meta", SAMPLE, ct)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"# File: {SAMPLE}"
    assert f"# File: {ct}" in lines
    assert lines[lines.index(f"# File: {ct}") - 1] == ""


# --------------------------------------------------------------------------- --tag


def test_tag_exact_values() -> None:
    result = run(
        "meta",
        "--tag",
        "PatientName",
        "--tag",
        "0020,0013",
        "--tag",
        "(0028,0010)",
        "--tag",
        "00280011",
        "--tag",
        "0x00200032",
        "-t",
        "ImageType",
        "-t",
        "WindowWidth",
        "-t",
        "0009,1002",
        "-t",
        "FileMetaInformationVersion",  # in the file meta group, not the dataset
        "-t",
        "PatientComments",  # absent
        "-t",
        "ReferencedImageSequence",
        "-t",
        "ReferencedImageSequence[1]",
        "-t",
        "ReferencedImageSequence[0].ReferencedSOPClassUID",
        "-t",
        "AnatomicRegionSequence[0].AnatomicRegionModifierSequence[-1].CodeMeaning",
        "-t",
        "(0008,2218)[0].(0008,0100)",
        "-t",
        "ReferencedImageSequence[2].ReferencedSOPClassUID",  # no such item
        "-t",
        "SOPInstanceUID",
        "-t",
        "0009,1004",
        SAMPLE,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n") == [
        "Müller^Jürgen",
        "7",
        "64",
        "64",
        "-32\\-32\\12.5",
        "ORIGINAL\\PRIMARY\\AXIAL",
        "80\\2000",
        "1\\2\\3",
        "",
        "",
        "(Sequence, 2 items)",
        "(Item, 2 elements)",
        "1.2.840.10008.5.1.4.1.1.2",
        "Left",
        "69536005",
        "",
        SAMPLE_UID,
        "10 11 12 13 14 15 16 17 18 19",
        "",
    ]


def test_tag_several_files_prefix_paths() -> None:
    ct = _testdata("CT_small.dcm")
    result = run("meta", "--tag", "PatientName", "--tag", "SeriesDescription", SAMPLE, ct)
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        f"{SAMPLE}: Müller^Jürgen",
        f"{SAMPLE}: AXIAL 2.5MM <SYNTHETIC>",
        f"{ct}: CompressedSamples^CT1",
        f"{ct}: ",
    ]


def test_tag_nested_in_pydicom_file() -> None:
    result = run(
        "meta",
        "-t",
        "BeamSequence[0].BeamName",
        "-t",
        "(300A,0010)[1].(300A,0012)",
        "-t",
        "FractionGroupSequence[0].ReferencedBeamSequence[0].BeamMeterset",
        "-t",
        "DoseReferenceSequence[0].DoseReferencePointCoordinates",
        _testdata("rtplan.dcm"),
    )
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "Field 1",
        "2",
        "116.003669700000",
        "239.531250000000\\239.531250000000\\-741.87000000000",
    ]


@pytest.mark.parametrize(
    "spec", ["NotAKeyword", "0010,001", "(0010,0010", "Sequence.Keyword", "PatientName[x]"]
)
def test_tag_bad_specification(spec: str) -> None:
    result = run("meta", "--tag", spec, SAMPLE)
    assert result.returncode == 2
    assert "--tag" in result.stderr


def test_parse_tag_path() -> None:
    for text in (
        "PatientName",
        "0010,0010",
        "(0010,0010)",
        "00100010",
        "0x00100010",
        " 0010, 0010 ",
    ):
        assert cli.parse_tag_path(text).steps == ((0x00100010, None),), text
    path = cli.parse_tag_path("ReferencedSeriesSequence[0].SeriesInstanceUID")
    assert path.steps == ((0x00081115, 0), (0x0020000E, None))
    assert cli.parse_tag_path("(0008,1115)[-1].(0020,000E)").steps == (
        (0x00081115, -1),
        (0x0020000E, None),
    )


# --------------------------------------------------------------------------- --json


def test_json_single_file() -> None:
    result = run("meta", "--json", SAMPLE)
    assert result.returncode == 0
    assert result.stdout.startswith('{\n  "00080005": {')
    assert json.loads(result.stdout) == to_json_dict(rs_dicom.dcmread(SAMPLE))
    no_bulk = json.loads(run("meta", "--json", "--no-bulk", SAMPLE).stdout)
    assert no_bulk == to_json_dict(rs_dicom.dcmread(SAMPLE), bulk_data="omit")
    assert no_bulk["7FE00010"] == {"vr": "OW"}
    meta = json.loads(run("meta", "--json", "--include-meta", SAMPLE).stdout)
    assert meta["00020010"] == {"vr": "UI", "Value": ["1.2.840.10008.1.2.1"]}


def test_json_several_files_are_json_lines(tmp_path: Path) -> None:
    ct = _testdata("CT_small.dcm")
    bad = tmp_path / "bad.dcm"
    bad.write_bytes(b"not dicom" * 40)
    result = run("meta", "--json", "--no-bulk", SAMPLE, bad, ct)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert json.loads(lines[0]) == to_json_dict(rs_dicom.dcmread(SAMPLE), bulk_data="omit")
    assert lines[1] == "null"
    assert json.loads(lines[2])["00100010"] == {
        "vr": "PN",
        "Value": [{"Alphabetic": "CompressedSamples^CT1"}],
    }
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"rs-dicom: {bad}: ")


def test_json_on_an_ascii_terminal_stays_valid() -> None:
    result = run("meta", "--json", "--no-bulk", SAMPLE, PYTHONIOENCODING="ascii")
    assert result.returncode == 0
    assert "\\u00fc" in result.stdout
    assert json.loads(result.stdout)["00100010"]["Value"] == [{"Alphabetic": "Müller^Jürgen"}]
    tree = run("meta", SAMPLE, PYTHONIOENCODING="ascii")
    assert tree.returncode == 0
    assert "[M\\xfcller^J\\xfcrgen]" in tree.stdout


# --------------------------------------------------------------------------- errors, globs


def test_bad_files_one_line_each_others_still_printed(tmp_path: Path) -> None:
    not_dicom = tmp_path / "notes.txt"
    not_dicom.write_text("hello\n" * 50)
    truncated = tmp_path / "truncated.dcm"
    truncated.write_bytes(SAMPLE.read_bytes()[:6000])
    missing = tmp_path / "missing.dcm"
    result = run(
        "meta", "--tag", "PatientID", not_dicom, SAMPLE, truncated, tmp_path, missing, SAMPLE
    )
    assert result.returncode == 1
    # The truncated file's header is whole (only its pixel data is cut short): it prints,
    # and its pixel problem is reported.
    assert result.stdout.splitlines() == [
        f"{SAMPLE}: RS-0001",
        f"{truncated}: RS-0001",
        f"{SAMPLE}: RS-0001",
    ]
    errors = result.stderr.splitlines()
    assert len(errors) == 4
    assert errors[0].startswith(f"rs-dicom: {not_dicom}: not a DICOM")
    assert errors[1].startswith(f"rs-dicom: {truncated}: pixel data: ")
    assert errors[2] == f"rs-dicom: {tmp_path}: is a directory"
    assert errors[3] == f"rs-dicom: {missing}: no such file"
    # The whole tree of the good file is printed even after a failure.
    tree = run("meta", not_dicom, SAMPLE)
    assert tree.returncode == 1
    assert "(7FE0,0010) OW" in tree.stdout
    assert tree.stderr.count("\n") == 1


def test_truncated_pixels_read_with_stop_before_pixels(tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.dcm"
    truncated.write_bytes(SAMPLE.read_bytes()[:6000])
    # The header prints; the pixel problem is reported (exit 1), with a hint.
    whole = run("meta", truncated)
    assert whole.returncode == 1
    assert "(0010,0010) PN" in whole.stdout
    assert "pixel data:" in whole.stderr and "at byte offset" in whole.stderr
    result = run("meta", "-s", "--tag", "PatientName", truncated)
    assert result.returncode == 0
    assert result.stdout == "Müller^Jürgen\n"


def test_force_reads_a_bare_dataset() -> None:
    path = _testdata("rtstruct.dcm")  # no preamble, no file meta
    assert run("meta", path).returncode == 1
    result = run("meta", "--force", "--tag", "Modality", path)
    assert result.returncode == 0
    assert result.stdout == "RTSTRUCT\n"


def test_globs_are_expanded(tmp_path: Path) -> None:
    for name in ("b.dcm", "a.dcm"):
        shutil.copy(SAMPLE, tmp_path / name)
    (tmp_path / "c.txt").write_text("not dicom")
    result = run("meta", "--tag", "InstanceNumber", tmp_path / "*.dcm")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [f"{tmp_path / 'a.dcm'}: 7", f"{tmp_path / 'b.dcm'}: 7"]
    nothing = run("meta", "--tag", "InstanceNumber", tmp_path / "*.dicom", tmp_path / "a.dcm")
    assert nothing.returncode == 1
    assert nothing.stdout == "7\n"
    assert nothing.stderr == f"rs-dicom: {tmp_path / '*.dicom'}: no file matches this pattern\n"


def test_broken_pipe_is_quiet() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "rs_dicom.cli", "meta", *[str(SAMPLE)] * 300],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read()
    returncode = process.wait(timeout=120)
    assert stderr == b""
    assert returncode == (141 if os.name == "posix" else 1)


# --------------------------------------------------------------------------- entry points


def _entry_point() -> str | None:
    beside = Path(sys.executable).parent / ("rs-dicom.exe" if os.name == "nt" else "rs-dicom")
    if beside.exists():
        return str(beside)
    return shutil.which("rs-dicom")


def test_console_script() -> None:
    script = _entry_point()
    if script is None:
        pytest.skip("the rs-dicom console script is not installed")
    version = subprocess.run([script, "--version"], capture_output=True, text=True, env=_env())
    assert version.stdout.strip() == f"rs-dicom {rs_dicom.__version__}"
    result = subprocess.run(
        [script, "meta", "--tag", "PatientName", str(SAMPLE)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=_env(),
    )
    assert result.returncode == 0
    assert result.stdout == "Müller^Jürgen\n"


def test_main_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["meta", "--tag", "Rows", "--tag", "Modality", str(SAMPLE)]) == 0
    assert capsys.readouterr().out == "64\nCT\n"
    assert cli.main(["meta", "--tag", "Rows", str(SAMPLE), str(ROOT / "no-such.dcm")]) == 1
    captured = capsys.readouterr()
    assert captured.out == f"{SAMPLE}: 64\n"
    assert captured.err == f"rs-dicom: {ROOT / 'no-such.dcm'}: no such file\n"


# --------------------------------------------------------------------------- the sample


def test_make_sample_is_deterministic(tmp_path: Path) -> None:
    out = tmp_path / "sample.dcm"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_sample.py"), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == SAMPLE.read_bytes()


def test_sample_matches_readme_claims() -> None:
    ds = rs_dicom.dcmread(SAMPLE, stop_before_pixels=True)
    assert ds.PatientName == "Müller^Jürgen"
    assert ds.ImagePositionPatient == [-32.0, -32.0, 12.5]
    assert ds["InstanceNumber"].value == 7
    assert ds[0x0028, 0x0010].value == 64
    elem = ds["ReferencedImageSequence"]
    assert elem.vr == "SQ" and elem.length is None and len(elem.value) == 2
