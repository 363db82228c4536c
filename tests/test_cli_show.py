"""``rs-dicom show`` and ``rs-dicom export``, run as subprocesses on generated DICOM images.

The test images are written here, element by element, with the encoders of
scripts/make_sample.py: small MONOCHROME2 / RGB images with known pixel values, single- and
multi-frame, and files without pixel data or with pixel data that cannot be decoded.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rs_dicom
from helpers import ROOT, SAMPLE, load_make_sample
from rs_dicom import cli
from rs_dicom.png import read_png

make_sample = load_make_sample()

EXPLICIT_VR_LE = "1.2.840.10008.1.2.1"
MPEG2_MAIN = "1.2.840.10008.1.2.4.100"  # video: rs_dicom will not decode it
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
ESC = "\x1b"


# --------------------------------------------------------------------------- test images


def dicom_bytes(
    pixels: np.ndarray | None,
    *,
    multi_frame: bool = False,
    photometric: str | None = None,
    spacing: Sequence[float] | None = (1.0, 1.0),
    window: tuple[float, float] | None = None,
    transfer_syntax: str = EXPLICIT_VR_LE,
    encapsulated: bytes | None = None,
    meta: dict[str, str] | None = None,
) -> bytes:
    """A Part 10 file (Explicit VR Little Endian dataset) holding ``pixels``.

    ``pixels``: (rows, cols[, 3]) or, with ``multi_frame``, (frames, rows, cols[, 3]); uint8,
    uint16 or int16. ``None``: no pixel module at all. ``encapsulated``: one compressed
    fragment to store instead of native pixels (with ``transfer_syntax``).
    ``meta``: PatientName, Modality, StudyDate, SeriesDescription overrides.
    """
    ms = make_sample
    uid = ms.make_uid(f"tests/cli_show/{transfer_syntax}/{multi_frame}")
    file_meta_body = (
        ms.element(0x0002, 0x0001, "OB", b"\x00\x01")
        + ms.text(0x0002, 0x0002, "UI", SECONDARY_CAPTURE)
        + ms.text(0x0002, 0x0003, "UI", uid)
        + ms.text(0x0002, 0x0010, "UI", transfer_syntax)
        + ms.text(0x0002, 0x0012, "UI", ms.IMPLEMENTATION_UID)
    )
    file_meta = ms.ul(0x0002, 0x0000, len(file_meta_body)) + file_meta_body
    info = {
        "PatientName": "Test^Pattern",
        "Modality": "OT",
        "StudyDate": "20240315",
        "SeriesDescription": "known values",
    }
    info.update(meta or {})
    elements = [
        ms.text(0x0008, 0x0016, "UI", SECONDARY_CAPTURE),
        ms.text(0x0008, 0x0018, "UI", uid),
        ms.text(0x0008, 0x0020, "DA", info["StudyDate"]),
        ms.text(0x0008, 0x0060, "CS", info["Modality"]),
        ms.text(0x0008, 0x103E, "LO", info["SeriesDescription"]),
        ms.text(0x0010, 0x0010, "PN", info["PatientName"]),
    ]
    if pixels is not None:
        frames = pixels.shape[0] if multi_frame else 1
        shape = pixels.shape[1:] if multi_frame else pixels.shape
        samples = shape[2] if len(shape) == 3 else 1
        bits = pixels.dtype.itemsize * 8
        elements.append(ms.us(0x0028, 0x0002, samples))
        elements.append(
            ms.text(0x0028, 0x0004, "CS", photometric or ("RGB" if samples == 3 else "MONOCHROME2"))
        )
        if samples == 3:
            elements.append(ms.us(0x0028, 0x0006, 0))
        if multi_frame:
            elements.append(ms.text(0x0028, 0x0008, "IS", str(frames)))
        elements += [ms.us(0x0028, 0x0010, shape[0]), ms.us(0x0028, 0x0011, shape[1])]
        if spacing is not None:
            elements.append(ms.text(0x0028, 0x0030, "DS", *(f"{v:g}" for v in spacing)))
        elements += [
            ms.us(0x0028, 0x0100, bits),
            ms.us(0x0028, 0x0101, bits),
            ms.us(0x0028, 0x0102, bits - 1),
            ms.us(0x0028, 0x0103, 1 if pixels.dtype.kind == "i" else 0),
        ]
        if window is not None:
            elements.append(ms.text(0x0028, 0x1050, "DS", f"{window[0]:g}"))
            elements.append(ms.text(0x0028, 0x1051, "DS", f"{window[1]:g}"))
        if encapsulated is not None:
            items = ms.item(b"") + ms.item(encapsulated + b"\0" * (len(encapsulated) % 2))
            delimiter = struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
            elements.append(
                ms.element(0x7FE0, 0x0010, "OB", items + delimiter, length=ms.UNDEFINED)
            )
        else:
            data = np.ascontiguousarray(pixels, dtype=pixels.dtype.newbyteorder("<")).tobytes()
            data += b"\0" * (len(data) % 2)
            elements.append(ms.element(0x7FE0, 0x0010, "OB" if bits == 8 else "OW", data))
    return b"\0" * 128 + b"DICM" + file_meta + b"".join(elements)


def write_dicom(path: Path, pixels: np.ndarray | None, **options: Any) -> Path:
    path.write_bytes(dicom_bytes(pixels, **options))
    return path


# Known values: a horizontal ramp 0..255 in 8 steps (columns), rows alike except the last
# row, which is black-white alternating. The window (centre 128, width 250) maps 0 to black
# and 255 to white exactly, whichever linear window formula is used, and the values between
# linearly (RAMP_DISPLAY, within 2 for rounding and the formula's half-pixel conventions).
RAMP = np.tile(np.linspace(0, 255, 8).round().astype(np.uint8), (6, 1))
RAMP[5] = [0, 255] * 4
RAMP_WINDOW = (128.0, 250.0)
RAMP_DISPLAY = np.clip(((RAMP - 127.5) / 249 + 0.5) * 255, 0, 255)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
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


def run_bytes(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "rs_dicom.cli", *map(str, args)],
        capture_output=True,
        env=_env(),
        cwd=ROOT,
        timeout=120,
    )


def run_on_terminal(
    *args: str | Path, columns: int = 80, lines: int = 24, terminal: str = "stdout", **env: str
) -> tuple[int, str, str]:
    """``python -m rs_dicom.cli ARGS`` with stdout (or, with ``terminal="stderr"``, only
    stderr) on a pseudo-terminal of the given size, the other stream a pipe: ``(exit status,
    stdout, stderr)``, the terminal's ``\\r\\n`` made ``\\n``. POSIX only; small outputs
    (the pipe is read after the terminal)."""
    import fcntl
    import pty
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    on_terminal = terminal == "stdout"
    with subprocess.Popen(
        [sys.executable, "-m", "rs_dicom.cli", *map(str, args)],
        stdout=slave if on_terminal else subprocess.PIPE,
        stderr=subprocess.PIPE if on_terminal else slave,
        env=_env(**env),
        cwd=ROOT,
    ) as process:
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(master)
        pipe = process.stderr if on_terminal else process.stdout
        assert pipe is not None
        piped = pipe.read().decode()
        status = process.wait(timeout=120)
    shown = b"".join(chunks).decode().replace("\r\n", "\n")
    return (status, shown, piped) if on_terminal else (status, piped, shown)


@pytest.fixture
def ramp_file(tmp_path: Path) -> Path:
    return write_dicom(tmp_path / "ramp.dcm", RAMP, window=RAMP_WINDOW)


@pytest.fixture
def cine_file(tmp_path: Path) -> Path:
    """12 frames of 5 x 7 uint16 pixels; frame f, row r, column c holds 1000 f + 10 r + c."""
    f, r, c = np.mgrid[0:12, 0:5, 0:7]
    values = (1000 * f + 10 * r + c).astype(np.uint16)
    return write_dicom(tmp_path / "cine.dcm", values, multi_frame=True, window=(6000, 12000))


@pytest.fixture
def no_pixels_file(tmp_path: Path) -> Path:
    return write_dicom(tmp_path / "report.dcm", None)


def _one_error_line(result: subprocess.CompletedProcess[Any], path: Path | str) -> str:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # one line, no traceback
    assert lines[0].startswith(f"rs-dicom: {path}: "), lines[0]
    return lines[0]


# --------------------------------------------------------------------------- help


def test_help_texts() -> None:
    top = run("--help")
    assert top.returncode == 0
    assert "show" in top.stdout and "export" in top.stdout
    show = run("show", "--help")
    assert show.returncode == 0
    for text in ("--frame", "--window CENTER WIDTH", "--width", "--mode", "-o", "examples:"):
        assert text in show.stdout, text
    assert "truecolor" in show.stdout and "ascii" in show.stdout
    export = run("export", "--help")
    assert export.returncode == 0
    for text in ("--format", "--frames", "--raw", "0,2,5-9", "examples:", "_f0000.png"):
        assert text in export.stdout, text


def test_usage_errors() -> None:
    assert run("show").returncode == 2
    assert run("show", "x.dcm", "--mode", "sixel").returncode == 2
    assert run("show", "x.dcm", "--window", "40").returncode == 2
    assert run("show", "x.dcm", "--width", "0").returncode == 2
    assert run("export", "x.dcm").returncode == 2  # -o is required
    bad = run("export", "x.dcm", "-o", "out", "--frames", "3-1")
    assert bad.returncode == 2 and "ends before it starts" in bad.stderr
    raw_npy = run("export", "x.dcm", "-o", "out", "--format", "npy", "--raw")
    assert raw_npy.returncode == 2 and "--raw" in raw_npy.stderr


def test_parse_frames() -> None:
    assert cli.parse_frames("0,2,5-9") == [0, 2, 5, 6, 7, 8, 9]
    assert cli.parse_frames(" 3 , 1-2, 3") == [3, 1, 2]
    for bad in ("", "a", "1-", "-1", "2-1", "1,,2"):
        with pytest.raises(ValueError):
            cli.parse_frames(bad)
    with pytest.raises(ValueError, match="too many"):
        cli.parse_frames("0-99999999")


# --------------------------------------------------------------------------- errors


def test_show_file_without_pixel_data(no_pixels_file: Path) -> None:
    result = run("show", no_pixels_file)
    line = _one_error_line(result, no_pixels_file)
    assert line.endswith("no pixel data in this file")
    assert result.stdout == ""


def test_export_file_without_pixel_data_continues(
    no_pixels_file: Path, ramp_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run("export", no_pixels_file, ramp_file, "-o", out)
    _one_error_line(result, no_pixels_file)
    assert result.stdout.splitlines() == [str(out / "ramp_f0000.png")]


def test_show_missing_and_non_dicom_files(tmp_path: Path) -> None:
    missing = tmp_path / "missing.dcm"
    assert _one_error_line(run("show", missing), missing).endswith("no such file")
    text = tmp_path / "notes.txt"
    text.write_text("not DICOM\n" * 20)
    assert "DICM" in _one_error_line(run("show", text), text)


def test_show_compressed_pixel_data_that_cannot_be_decoded(tmp_path: Path) -> None:
    video = write_dicom(
        tmp_path / "video.dcm",
        np.zeros((4, 4), np.uint8),
        transfer_syntax=MPEG2_MAIN,
        encapsulated=b"\x00\x00\x01\xb3" + bytes(60),
    )
    _one_error_line(run("show", video), video)
    _one_error_line(run("show", video, "-o", tmp_path / "video.png"), video)
    assert not (tmp_path / "video.png").exists()
    out = tmp_path / "frames"
    _one_error_line(run("export", video, "-o", out), video)


def test_show_frame_out_of_range(cine_file: Path) -> None:
    line = _one_error_line(run("show", cine_file, "--frame", "12"), cine_file)
    assert "no frame 12: the image has 12 frames (0-11)" in line
    line = _one_error_line(run("export", cine_file, "--frames", "3,20", "-o", "x"), cine_file)
    assert "no frame 20" in line


def test_output_that_cannot_be_written(ramp_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "dir.png"
    line = _one_error_line(run("show", ramp_file, "-o", target), target)
    assert "cannot write" in line


# --------------------------------------------------------------------------- show


def test_show_terminal_size_and_width(ramp_file: Path) -> None:
    # 6 x 8 pixels, square: 16 columns -> 16 * 6 / 8 / 2 = 6 lines.
    result = run("show", ramp_file, "--width", "16", "--mode", "truecolor")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.rstrip("\n").split("\n")
    assert len(lines) == 6
    assert all(line.count("\u2580") == 16 and line.endswith(f"{ESC}[0m") for line in lines)
    # Without --width: the terminal size ($COLUMNS / $LINES when not on a terminal).
    fitted = run("show", ramp_file, "--mode", "ascii", COLUMNS="40", LINES="50")
    assert fitted.returncode == 0, fitted.stderr
    rows = fitted.stdout.rstrip("\n").split("\n")
    assert len(rows) == 15 and {len(row) for row in rows} == {40}
    short = run("show", ramp_file, "--mode", "ascii", COLUMNS="40", LINES="7")
    rows = short.stdout.rstrip("\n").split("\n")
    assert len(rows) == 6 and {len(row) for row in rows} == {16}
    assert run("show", ramp_file, "--mode", "ascii", "--height", "3").stdout.count("\n") == 3


def test_show_known_colours_in_the_terminal(ramp_file: Path) -> None:
    result = run("show", ramp_file, "--width", "8", "--mode", "truecolor")
    lines = result.stdout.rstrip("\n").split("\n")
    assert len(lines) == 3  # one character per pixel column, two pixel rows per line
    first = lines[0]
    # Black then (about) white in the first and last column: 0 -> 0, 255 -> 255.
    assert first.startswith(f"{ESC}[38;2;0;0;0;48;2;0;0;0m\u2580")
    assert first.endswith(f"{ESC}[38;2;255;255;255;48;2;255;255;255m\u2580{ESC}[0m")
    # The last line: ramp row on top, black/white alternating row below.
    last = lines[2]
    assert "48;2;255;255;255m" in last and "48;2;0;0;0m" in last


def test_show_ascii_and_256_modes(ramp_file: Path) -> None:
    ascii_out = run("show", ramp_file, "--width", "8", "--mode", "ascii").stdout
    rows = ascii_out.rstrip("\n").split("\n")
    assert len(rows) == 3 and ESC not in ascii_out
    assert rows[0][0] == " " and rows[0][-1] == "@"  # black -> ' ', white -> '@'
    colours = run("show", ramp_file, "--width", "8", "--mode", "256").stdout
    assert "38;5;16;48;5;16m" in colours and "38;5;231;48;5;231m" in colours
    assert "38;2;" not in colours


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_show_mode_from_environment(ramp_file: Path) -> None:
    # On a terminal the mode comes from the environment (off a terminal it is ascii:
    # test_cli_usage.py).
    def shown(**env: str) -> str:
        return run_on_terminal("show", ramp_file, "-w", "8", **env)[1]

    assert ESC not in shown(NO_COLOR="1", TERM="xterm")
    assert "38;2;" in shown(COLORTERM="truecolor")
    assert "38;5;" in shown(TERM="xterm-256color", COLORTERM="")
    assert ESC not in shown(TERM="dumb", COLORTERM="")


def test_show_writes_png_of_the_display_image(ramp_file: Path, tmp_path: Path) -> None:
    from rs_dicom.display import to_display

    target = tmp_path / "ramp.png"
    result = run("show", ramp_file, "-o", target)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    image = read_png(target)
    assert image.shape == (6, 8) and image.dtype == np.uint8
    np.testing.assert_array_equal(image, to_display(rs_dicom.dcmread(ramp_file)))
    np.testing.assert_allclose(image, RAMP_DISPLAY, atol=2)
    assert image[:, 0].tolist() == [0] * 6 and image[:5, 7].tolist() == [255] * 5
    assert image[5].tolist() == [0, 255] * 4
    # -o -: the PNG on stdout.
    piped = run_bytes("show", ramp_file, "-o", "-")
    assert piped.returncode == 0
    np.testing.assert_array_equal(read_png(piped.stdout), image)


def test_show_window_option(ramp_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "narrow.png"
    # Centre 128, width 2: everything below 127 black, everything from 129 on white.
    result = run("show", ramp_file, "--window", "128", "2", "-o", target)
    assert result.returncode == 0, result.stderr
    image = read_png(target)
    assert image[0].tolist() == [0, 0, 0, 0, 255, 255, 255, 255]
    negative = run("show", ramp_file, "--window", "-600", "1500", "-w", "8", "--mode", "ascii")
    assert negative.returncode == 0, negative.stderr  # negative centres are values, not options


def test_show_frame_of_multi_frame(cine_file: Path, tmp_path: Path) -> None:
    from rs_dicom.display import to_display

    ds = rs_dicom.dcmread(cine_file)
    for frame, expected in ((3, 3), (-1, 11)):
        target = tmp_path / f"f{frame}.png"
        assert run("show", cine_file, "--frame", str(frame), "-o", target).returncode == 0
        np.testing.assert_array_equal(read_png(target), to_display(ds, frame=expected))


def test_show_colour_image(tmp_path: Path) -> None:
    rgb = np.zeros((4, 6, 3), np.uint8)
    rgb[:, :, 0] = 255  # red
    rgb[2:, :, :] = (0, 128, 255)
    path = write_dicom(tmp_path / "rgb.dcm", rgb)
    target = tmp_path / "rgb.png"
    assert run("show", path, "-o", target).returncode == 0
    np.testing.assert_array_equal(read_png(target), rgb)
    lines = run("show", path, "-w", "6", "--mode", "truecolor").stdout.rstrip("\n").split("\n")
    assert lines[0].startswith(f"{ESC}[38;2;255;0;0;48;2;255;0;0m")
    assert lines[1].startswith(f"{ESC}[38;2;0;128;255;48;2;0;128;255m")


def test_show_pixel_spacing_aspect(tmp_path: Path) -> None:
    # Rows 2 mm apart, columns 1 mm: the picture is twice as tall as the pixel grid.
    path = write_dicom(tmp_path / "tall.dcm", RAMP, spacing=(2.0, 1.0), window=RAMP_WINDOW)
    lines = run("show", path, "-w", "16", "--mode", "ascii").stdout.rstrip("\n").split("\n")
    assert len(lines) == 12


def test_show_the_sample(tmp_path: Path) -> None:
    result = run("show", SAMPLE, "--width", "32", "--mode", "truecolor")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.rstrip("\n").split("\n")) == 16


# --------------------------------------------------------------------------- export


def test_export_png_frames_to_directory(cine_file: Path, tmp_path: Path) -> None:
    from rs_dicom.display import to_display

    out = tmp_path / "frames"
    result = run("export", cine_file, "--frames", "0,2,5-7", "-o", out)
    assert result.returncode == 0, result.stderr
    expected = [out / f"cine_f{f:04d}.png" for f in (0, 2, 5, 6, 7)]
    assert result.stdout.splitlines() == [str(p) for p in expected]
    assert sorted(out.iterdir()) == expected
    ds = rs_dicom.dcmread(cine_file)
    for f, path in zip((0, 2, 5, 6, 7), expected, strict=True):
        image = read_png(path)
        assert image.shape == (5, 7)
        np.testing.assert_array_equal(image, to_display(ds, frame=f))


def test_export_all_frames_by_default(cine_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "all"
    result = run("export", cine_file, "-o", f"{out}{os.sep}")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 12
    assert (out / "cine_f0011.png").exists()


def test_export_npy_equals_pixel_values(cine_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "arrays"
    result = run("export", cine_file, "--format", "npy", "--frames", "1,11", "-o", out)
    assert result.returncode == 0, result.stderr
    f, r, c = np.mgrid[0:12, 0:5, 0:7]
    values = (1000 * f + 10 * r + c).astype(np.uint16)
    for frame in (1, 11):
        array = np.load(out / f"cine_f{frame:04d}.npy")
        assert array.dtype == np.uint16 and array.shape == (5, 7)
        np.testing.assert_array_equal(array, values[frame])
    np.testing.assert_array_equal(
        np.load(out / "cine_f0001.npy"), rs_dicom.dcmread(cine_file).pixel_array[1]
    )


def test_export_npy_single_file_stacks_frames(cine_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "cine.npy"
    result = run("export", cine_file, "--frames", "2-4", "-o", target)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [str(target)]
    stack = np.load(target)
    assert stack.shape == (3, 5, 7)
    assert stack[:, 0, 0].tolist() == [2000, 3000, 4000]


def test_export_single_png_file(ramp_file: Path, cine_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "one.png"
    assert run("export", ramp_file, "-o", target).returncode == 0
    assert read_png(target).shape == (6, 8)
    frame = tmp_path / "frame.png"
    assert run("export", cine_file, "--frames", "4", "-o", frame).returncode == 0
    assert read_png(frame).shape == (5, 7)
    # Twelve frames cannot go into one PNG file; two inputs cannot go into one file.
    line = _one_error_line(run("export", cine_file, "-o", tmp_path / "many.png"), cine_file)
    assert "12 frames" in line
    both = run("export", ramp_file, cine_file, "-o", tmp_path / "both.png")
    assert both.returncode == 1 and "2 input files" in both.stderr


def test_export_raw_16_bit_png(cine_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "raw"
    result = run("export", cine_file, "--raw", "--frames", "11", "-o", out)
    assert result.returncode == 0, result.stderr
    image = read_png(out / "cine_f0011.png")
    assert image.dtype == np.uint16
    f, r, c = np.mgrid[0:12, 0:5, 0:7]
    np.testing.assert_array_equal(image, (1000 * f + 10 * r + c)[11])


def test_export_raw_signed_values(tmp_path: Path) -> None:
    positive = write_dicom(tmp_path / "pos.dcm", np.array([[0, 1], [2, 3000]], np.int16))
    result = run("export", positive, "--raw", "-o", tmp_path / "pos.png")
    assert result.returncode == 0, result.stderr
    assert read_png(tmp_path / "pos.png").tolist() == [[0, 1], [2, 3000]]
    negative = write_dicom(tmp_path / "neg.dcm", np.array([[-1000, 1], [2, 3000]], np.int16))
    line = _one_error_line(run("export", negative, "--raw", "-o", tmp_path / "neg.png"), negative)
    assert "-1000" in line and "npy" in line


def test_export_several_files_and_globs(ramp_file: Path, cine_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "mixed"
    result = run("export", str(tmp_path / "*.dcm"), "--frames", "0", "-o", out)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["cine_f0000.png", "ramp_f0000.png"]
