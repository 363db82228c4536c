"""Terminal rendering (rs_dicom.terminal): escape sequences, colours, sizes, ASCII ramp."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from rs_dicom import terminal
from rs_dicom.terminal import (
    ASCII_RAMP,
    detect_mode,
    fit_size,
    render,
    resample,
    rgb_to_256,
    to_rgb8,
)

ESC = "\x1b"
BLOCK = "\u2580"
_TOKEN = re.compile(r"\x1b\[([0-9;]*)m|(.)", re.S)

Colour = Any  # (r, g, b) in truecolor mode, a palette index in 256-colour mode


def cells(line: str) -> list[tuple[str, Colour, Colour]]:
    """A tiny terminal: the (character, foreground, background) of each cell of ``line``."""
    fg: Colour = None
    bg: Colour = None
    out = []
    for match in _TOKEN.finditer(line):
        if match.group(2) is not None:
            out.append((match.group(2), fg, bg))
            continue
        codes = [int(c) for c in match.group(1).split(";") if c] or [0]
        i = 0
        while i < len(codes):
            code = codes[i]
            if code == 0:
                fg = bg = None
                i += 1
            elif code in (38, 48) and codes[i + 1] == 2:
                colour = tuple(codes[i + 2 : i + 5])
                fg, bg = (colour, bg) if code == 38 else (fg, colour)
                i += 5
            elif code in (38, 48) and codes[i + 1] == 5:
                fg, bg = (codes[i + 2], bg) if code == 38 else (fg, codes[i + 2])
                i += 3
            else:
                raise AssertionError(f"unexpected SGR code {code} in {line!r}")
    return out


def screen(text: str) -> list[list[tuple[str, Colour, Colour]]]:
    return [cells(line) for line in text.split("\n")]


# A 4 x 4 grey test image with known values: row r, column c = 16 * (4 * r + c).
GREY = (np.arange(16, dtype=np.uint8) * 16).reshape(4, 4)

# A 4 x 4 colour image: primary colours in the top half, mixed ones in the bottom half.
RGB = np.array(
    [
        [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]],
        [[0, 0, 0], [255, 255, 0], [0, 255, 255], [255, 0, 255]],
        [[10, 20, 30], [40, 50, 60], [70, 80, 90], [100, 110, 120]],
        [[128, 128, 128], [95, 135, 175], [215, 95, 0], [8, 8, 8]],
    ],
    dtype=np.uint8,
)


# --------------------------------------------------------------------------- truecolor


def test_truecolor_exact_escape_sequences() -> None:
    text = render(GREY, width=4, mode="truecolor")
    lines = text.split("\n")
    assert len(lines) == 2  # 4 pixel rows, two per line
    assert lines[0] == (
        f"{ESC}[38;2;0;0;0;48;2;64;64;64m{BLOCK}"
        f"{ESC}[38;2;16;16;16;48;2;80;80;80m{BLOCK}"
        f"{ESC}[38;2;32;32;32;48;2;96;96;96m{BLOCK}"
        f"{ESC}[38;2;48;48;48;48;2;112;112;112m{BLOCK}"
        f"{ESC}[0m"
    )
    assert not text.endswith("\n")


def test_truecolor_top_pixel_is_foreground_bottom_is_background() -> None:
    shown = screen(render(GREY, width=4, mode="truecolor"))
    for line in range(2):
        for col in range(4):
            char, fg, bg = shown[line][col]
            assert char == BLOCK
            top, bottom = int(GREY[2 * line, col]), int(GREY[2 * line + 1, col])
            assert fg == (top, top, top) and bg == (bottom, bottom, bottom)


def test_truecolor_colour_cells() -> None:
    shown = screen(render(RGB, width=4, mode="truecolor"))
    assert [len(row) for row in shown] == [4, 4]
    for line in range(2):
        for col in range(4):
            _, fg, bg = shown[line][col]
            assert fg == tuple(RGB[2 * line, col].tolist())
            assert bg == tuple(RGB[2 * line + 1, col].tolist())
    assert shown[0][0][1:] == ((255, 0, 0), (0, 0, 0))  # red over black
    assert shown[1][2][1:] == ((70, 80, 90), (215, 95, 0))


def test_unchanged_colours_are_not_repeated() -> None:
    image = np.zeros((2, 6, 3), np.uint8)
    image[:, 3:] = (200, 100, 50)
    line = render(image, width=6, mode="truecolor")
    assert line == (
        f"{ESC}[38;2;0;0;0;48;2;0;0;0m{BLOCK * 3}"
        f"{ESC}[38;2;200;100;50;48;2;200;100;50m{BLOCK * 3}{ESC}[0m"
    )
    # Only the background changes: only the background is written.
    split = np.zeros((2, 2), np.uint8)
    split[1, 1] = 255
    assert render(split, width=2, mode="truecolor") == (
        f"{ESC}[38;2;0;0;0;48;2;0;0;0m{BLOCK}{ESC}[48;2;255;255;255m{BLOCK}{ESC}[0m"
    )


def test_every_line_resets_and_has_the_requested_width() -> None:
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, size=(50, 70, 3), dtype=np.uint8)
    text = render(image, width=33, mode="truecolor")
    for line in text.split("\n"):
        assert line.endswith(f"{ESC}[0m")
        assert line.count(BLOCK) == 33
        assert len(cells(line)) == 33


# --------------------------------------------------------------------------- resampling


def test_area_average_when_shrinking() -> None:
    # 4 x 4 -> 2 columns x 1 line (2 pixel rows): each cell half is the mean of a 2 x 2 block.
    shown = screen(render(GREY, width=2, mode="truecolor"))
    assert len(shown) == 1 and len(shown[0]) == 2
    blocks = GREY.reshape(2, 2, 2, 2).mean(axis=(1, 3))  # [[40, 72], [168, 200]]
    for col in range(2):
        _, fg, bg = shown[0][col]
        assert fg == (round(blocks[0, col]),) * 3
        assert bg == (round(blocks[1, col]),) * 3


def test_enlarging_repeats_pixels() -> None:
    shown = screen(render(GREY, width=8, mode="truecolor"))  # 2x: 8 columns, 4 lines
    assert len(shown) == 4 and all(len(row) == 8 for row in shown)
    for line in range(4):
        for col in range(8):
            _, fg, bg = shown[line][col]
            assert fg == bg == (int(GREY[line, col // 2]),) * 3


def test_resample_function() -> None:
    values = np.arange(16, dtype=float).reshape(4, 4)
    np.testing.assert_allclose(resample(values, 2, 2), [[2.5, 4.5], [10.5, 12.5]])
    np.testing.assert_array_equal(resample(values, 4, 4), values)
    # A thin bright line survives shrinking as a dimmer one instead of vanishing.
    line = np.zeros((9, 9))
    line[:, 4] = 90.0
    shrunk = resample(line, 3, 3)
    np.testing.assert_allclose(shrunk[:, 1], 30.0)
    np.testing.assert_allclose(shrunk.sum() * 9, line.sum())  # area is conserved
    colour = resample(np.ones((6, 4, 3)), 3, 2)
    assert colour.shape == (3, 2, 3)


# --------------------------------------------------------------------------- sizes


@pytest.mark.parametrize(
    ("shape", "options", "expected"),
    [
        ((4, 4), {"width": 4}, (4, 2)),
        ((4, 4), {"width": 4, "aspect": 2.0}, (4, 4)),  # rows twice as far apart as columns
        ((64, 64), {"width": 10}, (10, 5)),
        ((64, 64), {"height": 10}, (20, 10)),
        ((100, 50), {"width": 80, "height": 20}, (20, 20)),  # the height bound wins
        ((50, 100), {"width": 30, "height": 40}, (30, 8)),  # the width bound wins
        ((512, 512), {"terminal": (80, 24)}, (46, 23)),  # fill the terminal, one line spare
        ((100, 400), {"terminal": (80, 24)}, (80, 10)),
        ((8, 8), {"terminal": (120, 41)}, (80, 40)),  # small images are enlarged
        ((1, 1000), {"width": 20}, (20, 1)),  # never less than one line
    ],
)
def test_fit_size(
    shape: tuple[int, int], options: dict[str, Any], expected: tuple[int, int]
) -> None:
    assert fit_size(*shape, **options) == expected


def test_render_sizes_follow_fit_size() -> None:
    image = np.zeros((30, 90), np.uint8)
    for mode in ("truecolor", "256", "ascii"):
        text = render(image, width=45, mode=mode)
        lines = text.split("\n")
        assert len(lines) == fit_size(30, 90, width=45)[1] == 8
        assert all(len(cells(line)) == 45 for line in lines)


def test_default_size_is_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.setenv("LINES", "12")
    lines = render(np.zeros((64, 64), np.uint8), mode="ascii").split("\n")
    assert len(lines) == 11 and {len(line) for line in lines} == {22}
    lines = render(np.zeros((16, 64), np.uint8), mode="ascii").split("\n")
    assert len(lines) == 5 and {len(line) for line in lines} == {40}
    explicit = render(np.zeros((64, 64), np.uint8), mode="ascii", terminal=(20, 100))
    assert len(explicit.split("\n")) == 10


def test_bad_sizes_and_modes() -> None:
    with pytest.raises(ValueError, match="mode"):
        render(GREY, width=4, mode="sixel")
    with pytest.raises(ValueError, match="width"):
        render(GREY, width=0, mode="ascii")
    with pytest.raises(ValueError, match="aspect"):
        render(GREY, width=4, mode="ascii", aspect=0)
    with pytest.raises(ValueError, match="empty"):
        render(np.zeros((0, 4), np.uint8), width=4, mode="ascii")
    with pytest.raises(ValueError, match="RGB"):
        render(np.zeros((4, 4, 2), np.uint8), width=4, mode="ascii")


# --------------------------------------------------------------------------- ASCII


def test_ascii_ramp_characters_for_known_values() -> None:
    # One pixel row per character line (aspect 2 makes the rows square cells).
    # Character k of the 10-character ramp covers the values 25.6 k <= v < 25.6 (k + 1).
    values = np.array([[0, 25, 26, 51, 52, 76, 77, 102, 103, 128, 154, 180, 205, 231, 255]])
    text = render(values.astype(np.uint8), width=15, mode="ascii", aspect=2.0)
    assert text == "  ..::--=+*#%@@"
    assert ESC not in text
    two = render(values.astype(np.uint8), width=15, mode="ascii", aspect=2.0, ramp="01")
    assert two == "000000000111111"


def test_ascii_grid_of_the_test_image() -> None:
    text = render(GREY, width=4, mode="ascii")
    # Each character covers two pixel rows: the means are 32 48 64 80 and 160 176 192 208.
    means = GREY.reshape(2, 2, 4).mean(axis=1)
    expected = [
        "".join(ASCII_RAMP[int(round(v) * len(ASCII_RAMP) / 256)] for v in row) for row in means
    ]
    assert text.split("\n") == expected == ["..:-", "**#%"]


def test_ascii_uses_luminance_of_colours() -> None:
    pixels = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]], np.uint8)
    # Luma 76, 150, 29, 255 -> ramp positions 2, 5, 1, 9.
    assert render(pixels, width=4, mode="ascii", aspect=2.0) == ":+.@"


# --------------------------------------------------------------------------- 256 colours


def test_256_colour_cells() -> None:
    shown = screen(render(RGB, width=4, mode="256"))
    top = [cell[1] for cell in shown[0]]
    bottom = [cell[2] for cell in shown[0]]
    assert top == [196, 46, 21, 231]  # red, green, blue, white
    assert bottom == [16, 226, 51, 201]  # black, yellow, cyan, magenta
    lower_top = [cell[1] for cell in shown[1]]
    lower_bottom = [cell[2] for cell in shown[1]]
    assert lower_bottom == [244, 67, 166, 232]  # grey 128, cube (95,135,175), (215,95,0), grey 8
    assert lower_top[0] == 233  # (10, 20, 30) is nearest to grey 18
    text = render(RGB, width=4, mode="256")
    assert text.split("\n")[0].startswith(f"{ESC}[38;5;196;48;5;16m{BLOCK}")
    assert "38;2;" not in text


def _palette() -> np.ndarray:
    levels = [0, 95, 135, 175, 215, 255]
    cube = [(r, g, b) for r in levels for g in levels for b in levels]
    greys = [(v, v, v) for v in range(8, 239, 10)]
    return np.array(cube + greys)  # indices 16..255


def test_rgb_to_256_is_the_nearest_palette_colour() -> None:
    palette = _palette()
    rng = np.random.default_rng(11)
    colours = rng.integers(0, 256, size=(2000, 3))
    ours = rgb_to_256(colours)
    assert ours.min() >= 16 and ours.max() <= 255
    distances = ((colours[:, None, :] - palette[None, :, :]) ** 2).sum(axis=2)
    best = distances.min(axis=1)
    chosen = distances[np.arange(len(colours)), ours - 16]
    np.testing.assert_array_equal(chosen, best)


# --------------------------------------------------------------------------- inputs and modes


def test_to_rgb8_inputs() -> None:
    grey = to_rgb8(GREY)
    assert grey.shape == (4, 4, 3) and (grey[..., 0] == GREY).all()
    raw = to_rgb8(np.array([[-1000, 0], [1000, 3000]], np.int16))  # scaled min -> max
    assert raw[..., 0].tolist() == [[0, 64], [128, 255]]
    rgba = to_rgb8(np.array([[[200, 100, 50, 255], [200, 100, 50, 0]]], np.uint8))
    assert rgba.tolist() == [[[200, 100, 50], [0, 0, 0]]]  # over black
    flat = to_rgb8(np.full((2, 2), 7.5))
    assert (flat == 0).all()
    nan = to_rgb8(np.array([[np.nan, 1.0], [2.0, 3.0]]))
    assert nan[..., 0].tolist() == [[0, 0], [128, 255]]
    assert to_rgb8(np.array([[True, False]]))[..., 0].tolist() == [[255, 0]]


@pytest.mark.parametrize(
    ("env", "mode"),
    [
        ({"TERM": "xterm-256color", "COLORTERM": "truecolor"}, "truecolor"),
        ({"TERM": "xterm-256color", "COLORTERM": "24bit"}, "truecolor"),
        ({"TERM": "xterm-256color"}, "256"),
        ({"TERM": "screen"}, "256"),
        ({"TERM": "xterm-kitty"}, "truecolor"),
        ({"TERM": "dumb", "COLORTERM": ""}, "ascii"),
        ({}, "ascii"),
        ({"TERM": "xterm-256color", "COLORTERM": "truecolor", "NO_COLOR": "1"}, "ascii"),
        ({"TERM": "xterm-256color", "NO_COLOR": ""}, "256"),  # empty NO_COLOR: ignored
        ({"WT_SESSION": "abc"}, "truecolor"),  # Windows Terminal
    ],
)
def test_detect_mode(env: dict[str, str], mode: str) -> None:
    assert detect_mode(env) == mode


def test_render_without_mode_asks_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COLORTERM", "TERM_PROGRAM", "WT_SESSION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    assert ESC not in render(GREY, width=4)
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "xterm-256color")
    assert "38;5;" in render(GREY, width=4)
    monkeypatch.setenv("COLORTERM", "truecolor")
    assert "38;2;" in render(GREY, width=4)


def test_print_image(capsys: pytest.CaptureFixture[str]) -> None:
    terminal.print_image(GREY, width=4, mode="ascii")
    assert capsys.readouterr().out == "..:-\n**#%\n"
