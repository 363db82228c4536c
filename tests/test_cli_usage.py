"""``rs-dicom`` as a new user meets it: the defects found by trying it (issue 11, item 8), each
on files made here, and the layout of the command package.

- messages name the command line switch (``--force``), not the Python argument;
- an empty file is reported as such, also with ``--force`` (which used to print nothing, exit 0);
- ``export`` leaves nothing behind when it writes nothing;
- ``show`` writes no escape codes when its output is not a terminal;
- pixel data cut short is reported plainly by ``show`` and ``export`` (``meta``: test_cli.py).
"""

from __future__ import annotations

import importlib
import os
import struct
from pathlib import Path

import numpy as np
import pytest
from helpers import SAMPLE
from rs_dicom import cli
from test_cli_show import (
    ESC,
    RAMP,
    RAMP_WINDOW,
    _one_error_line,
    dicom_bytes,
    run,
    run_on_terminal,
    write_dicom,
)

needs_pty = pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")


@pytest.fixture
def ramp_file(tmp_path: Path) -> Path:
    return write_dicom(tmp_path / "ramp.dcm", RAMP, window=RAMP_WINDOW)


@pytest.fixture
def empty_file(tmp_path: Path) -> Path:
    path = tmp_path / "empty.dcm"
    path.write_bytes(b"")
    return path


def _meta_end(data: bytes) -> int:
    """Where the dataset of a Part 10 file starts: after the file meta group."""
    return 132 + 12 + struct.unpack_from("<I", data, 140)[0]


def _bare_dataset() -> bytes:
    """The dataset of a generated file without preamble, 'DICM' and file meta."""
    data = dicom_bytes(None)
    return data[_meta_end(data) :]


def _cut_short(tmp_path: Path) -> tuple[Path, int]:
    """A 3-frame file whose last frame is half missing: (path, bytes the pixel data lacks)."""
    frames = np.arange(3 * 4 * 6, dtype=np.uint16).reshape(3, 4, 6)
    data = dicom_bytes(frames, multi_frame=True)
    missing = 4 * 6  # half a frame of uint16
    path = tmp_path / "cut.dcm"
    path.write_bytes(data[:-missing])
    return path, missing


# --------------------------------------------------------------------- --force, not force=True


@pytest.mark.parametrize("command", ["meta", "show", "export"])
def test_messages_name_the_force_switch(command: str, tmp_path: Path) -> None:
    bare = tmp_path / "bare.dcm"  # a dataset without preamble and file meta
    bare.write_bytes(_bare_dataset())
    no_meta = tmp_path / "no_meta.dcm"  # preamble and 'DICM', then no group 0002
    no_meta.write_bytes(b"\0" * 128 + b"DICM" + _bare_dataset())
    extra = ["-o", str(tmp_path / "out")] if command == "export" else []
    for path in (bare, no_meta):
        line = _one_error_line(run(command, path, *extra), path)
        assert "use --force to read" in line, line
        assert "force=True" not in line
    assert not (tmp_path / "out").exists()


def test_force_reads_what_the_hint_promises(tmp_path: Path) -> None:
    no_meta = tmp_path / "no_meta.dcm"
    no_meta.write_bytes(b"\0" * 128 + b"DICM" + _bare_dataset())
    result = run("meta", "--force", "--tag", "PatientName", no_meta)
    assert (result.returncode, result.stdout, result.stderr) == (0, "Test^Pattern\n", "")


def test_the_core_message_still_says_force_true(tmp_path: Path) -> None:
    # The CLI rewrites the hint of the Python message; if the core's wording changes, the
    # rewrite above must follow.
    import rs_dicom

    path = tmp_path / "bare.dcm"
    path.write_bytes(b"\0" * 200)
    with pytest.raises(rs_dicom.InvalidDicomError, match=r"\(use force=True to read"):
        rs_dicom.dcmread(path)


# --------------------------------------------------------------------------- empty and short files


@pytest.mark.parametrize(
    "args",
    [["meta"], ["meta", "-f"], ["meta", "-f", "--json"], ["meta", "--tag", "Rows", "-f"],
     ["show"], ["show", "-f"], ["export", "-o", "OUT"], ["export", "-f", "-o", "OUT"]],
)  # fmt: skip
def test_empty_file_is_reported(args: list[str], empty_file: Path, tmp_path: Path) -> None:
    args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    result = run(*args, empty_file)
    line = _one_error_line(result, empty_file)
    assert line == f"rs-dicom: {empty_file}: empty file (0 bytes), not a DICOM file"
    assert result.stdout == ""
    assert not (tmp_path / "out").exists()


def test_empty_file_among_others(empty_file: Path) -> None:
    result = run("meta", "-f", "--tag", "Modality", empty_file, SAMPLE)
    assert result.returncode == 1
    assert result.stdout == f"{SAMPLE}: CT\n"
    assert result.stderr == f"rs-dicom: {empty_file}: empty file (0 bytes), not a DICOM file\n"
    lines = run("meta", "--json", empty_file, SAMPLE).stdout.splitlines()
    assert lines[0] == "null" and lines[1].startswith("{")


def test_short_file_message_reads_well(tmp_path: Path) -> None:
    short = tmp_path / "short.dcm"
    short.write_bytes(SAMPLE.read_bytes()[:100])
    line = _one_error_line(run("meta", short), short)
    assert line == (
        f"rs-dicom: {short}: not a DICOM Part 10 file: 100 bytes, too short for the 128-byte "
        "preamble and 'DICM' marker at byte offset 100 (use --force to read a dataset without "
        "a preamble and file meta)"
    )


def test_forced_read_that_finds_no_elements(tmp_path: Path) -> None:
    marker_only = tmp_path / "marker.dcm"  # preamble and 'DICM', nothing else
    marker_only.write_bytes(b"\0" * 128 + b"DICM")
    result = run("meta", "-f", marker_only)
    line = _one_error_line(result, marker_only)
    assert line.endswith("no DICOM data elements in this file (132 bytes, read with --force)")
    assert result.stdout == ""
    # Without --force it is no Part 10 file; the hint says what to try.
    assert "use --force" in _one_error_line(run("meta", marker_only), marker_only)


def test_file_meta_only_prints_it_and_says_the_dataset_is_empty(tmp_path: Path) -> None:
    data = dicom_bytes(None)
    meta_only = tmp_path / "meta_only.dcm"
    meta_only.write_bytes(data[: _meta_end(data)])  # preamble, 'DICM' and file meta only
    result = run("meta", meta_only)
    line = _one_error_line(result, meta_only)
    assert line.endswith("no data elements after the File Meta Information")
    assert "(0002,0010) UI" in result.stdout  # what there is, is shown


# --------------------------------------------------------------------------- export output


def test_export_of_a_missing_file_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "missing.dcm"
    out = tmp_path / "new" / "nested" / "frames"
    line = _one_error_line(run("export", missing, "-o", out), missing)
    assert line.endswith("no such file")
    assert not (tmp_path / "new").exists()
    one = tmp_path / "one.png"
    _one_error_line(run("export", missing, "-o", one), missing)
    assert not one.exists()


def test_export_that_fails_on_every_file_leaves_nothing(tmp_path: Path) -> None:
    report = write_dicom(tmp_path / "report.dcm", None)  # no pixel data
    out = tmp_path / "new" / "frames"
    result = run("export", report, tmp_path / "missing.dcm", "-o", out)
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 2
    assert not (tmp_path / "new").exists()


def test_export_keeps_an_existing_directory_and_what_it_wrote(
    ramp_file: Path, tmp_path: Path
) -> None:
    existing = tmp_path / "existing"
    existing.mkdir()
    missing = tmp_path / "missing.dcm"
    _one_error_line(run("export", missing, "-o", existing), missing)
    assert existing.is_dir()  # not ours to remove
    out = tmp_path / "made"
    result = run("export", missing, ramp_file, "-o", out)
    assert result.returncode == 1
    assert sorted(p.name for p in out.iterdir()) == ["ramp_f0000.png"]


def test_export_directory_that_cannot_be_made(ramp_file: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where a directory should be")
    out = blocker / "frames"
    result = run("export", ramp_file, ramp_file, "-o", out)
    line = _one_error_line(result, out)  # once, not once per input file
    assert "Not a directory" in line or "exists" in line, line
    assert blocker.read_text().startswith("a file")


# --------------------------------------------------------------------------- show off a terminal


def test_show_into_a_pipe_is_plain_text(ramp_file: Path) -> None:
    for env in ({"COLORTERM": "truecolor", "TERM": "xterm-256color"}, {"TERM": "xterm"}):
        result = run("show", ramp_file, "-w", "8", **env)
        assert result.returncode == 0, result.stderr
        assert ESC not in result.stdout
        rows = result.stdout.rstrip("\n").split("\n")
        assert len(rows) == 3 and rows[0][0] == " " and rows[0][-1] == "@"
    # Asked for, colours are written anyway (e.g. for 'less -R').
    assert "38;2;" in run("show", ramp_file, "-w", "8", "--mode", "truecolor").stdout
    assert "38;5;" in run("show", ramp_file, "-w", "8", "-m", "256").stdout


@needs_pty
def test_show_on_a_terminal_uses_its_colours_and_size(ramp_file: Path) -> None:
    status, shown, errors = run_on_terminal(
        "show", ramp_file, columns=40, lines=50, COLORTERM="truecolor"
    )
    assert (status, errors) == (0, "")
    rows = shown.rstrip("\n").split("\n")
    assert len(rows) == 15 and all(row.count("\u2580") == 40 for row in rows)
    assert "38;2;" in shown


@needs_pty
def test_show_into_a_pipe_fits_the_terminal_of_stderr(ramp_file: Path) -> None:
    # 'rs-dicom show f.dcm | less': stdout is a pipe, stderr still the user's terminal.
    status, shown, errors = run_on_terminal(
        "show", ramp_file, columns=40, lines=50, terminal="stderr", COLORTERM="truecolor"
    )
    assert (status, errors) == (0, "")
    rows = shown.rstrip("\n").split("\n")
    assert len(rows) == 15 and {len(row) for row in rows} == {40}
    assert ESC not in shown


# --------------------------------------------------------------------------- pixel data cut short


def test_show_and_export_report_pixel_data_cut_short(tmp_path: Path) -> None:
    path, missing = _cut_short(tmp_path)
    for args in (["show"], ["show", "-o", str(tmp_path / "x.png")], ["export", "-o", "OUT"]):
        args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
        result = run(*args, path)
        line = _one_error_line(result, path)
        assert line.startswith(f"rs-dicom: {path}: pixel data cut short: ")
        assert f"only {3 * 4 * 6 * 2 - missing} remain" in line, line
        assert "at byte offset" in line and "(7FE0,0010)" in line
        assert line.endswith("the header reads with 'rs-dicom meta'")
        assert result.stdout == ""
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "out").exists()
    # ... and the header does read, as the message says.
    header = run("meta", "--tag", "PatientName", "--tag", "NumberOfFrames", path)
    assert header.stdout == "Test^Pattern\n3\n"
    assert header.returncode == 1 and "pixel data: " in header.stderr


def test_export_goes_on_after_a_file_cut_short(ramp_file: Path, tmp_path: Path) -> None:
    path, _ = _cut_short(tmp_path)
    out = tmp_path / "out"
    result = run("export", path, ramp_file, "-o", out)
    _one_error_line(result, path)
    assert result.stdout.splitlines() == [str(out / "ramp_f0000.png")]


# --------------------------------------------------------------------------- the package


def test_every_command_is_one_module() -> None:
    parser_help = cli.build_parser().format_help()
    assert [command.name for command in cli.COMMANDS] == [
        "meta",
        "show",
        "export",
        "dicomdir",
        "convert",
        "anonymize",
        "index",
        "echo",
        "send",
        "listen",
        "find",
        "move",
        "get",
        "serve",
        "worklist",
        "web",
    ]
    for command in cli.COMMANDS:
        module = importlib.import_module(f"rs_dicom.cli.{command.name}")
        assert module.COMMAND is command
        # A name longer than the help column gets its help on the next line.
        assert f"    {command.name} " in parser_help or f"    {command.name}\n" in parser_help
        assert command.description and command.epilog and command.help


def test_python_dash_m_and_main() -> None:
    result = run("meta", "--tag", "Rows", SAMPLE)
    assert (result.returncode, result.stdout) == (0, "64\n")
    with pytest.raises(SystemExit) as usage:
        cli.main(["meta", "--no-bulk", str(SAMPLE)])
    assert usage.value.code == 2
