"""matplotlib figures, montages, thumbnails and Jupyter previews (rs_dicom.viz)."""

from __future__ import annotations

import base64
import os
import re
import sys
import types
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import rs_dicom
from helpers import SAMPLE
from rs_dicom import _repr, viz
from rs_dicom.png import decode_png
from test_cli_show import MPEG2_MAIN, RAMP, RAMP_WINDOW, dicom_bytes


@pytest.fixture(scope="module")
def plt() -> Iterator[Any]:
    """matplotlib.pyplot on the Agg backend; skipped without matplotlib unless in CI."""
    if os.environ.get("CI") != "true":
        pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot

    yield matplotlib.pyplot
    matplotlib.pyplot.close("all")


def _ds(pixels: np.ndarray | None, **options: Any) -> rs_dicom.Dataset:
    return rs_dicom.dcmread(dicom_bytes(pixels, **options))


def _video() -> rs_dicom.Dataset:
    """Pixel data that no decoder of rs_dicom handles (MPEG-2 video)."""
    return rs_dicom.dcmread(
        dicom_bytes(
            np.zeros((4, 4), np.uint8),
            transfer_syntax=MPEG2_MAIN,
            encapsulated=b"\x00\x00\x01\xb3" + bytes(60),
        )
    )


def _cine(frames: int = 5, rows: int = 4, cols: int = 6) -> rs_dicom.Dataset:
    """Frame f is filled with 10 f (uint8, window 128 / 256: displayed as stored)."""
    values = (np.arange(frames, dtype=np.uint8)[:, None, None] * 10) + np.zeros(
        (1, rows, cols), np.uint8
    )
    return _ds(values, multi_frame=True, window=(128, 256))


class FakeDisplay:
    """A stand-in for rs_dicom.display: records calls, returns frame-numbered images."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[Any, int, Any]] = []
        self.fail = fail

    def to_display(self, obj: Any, frame: int = 0, window: Any = None) -> np.ndarray:
        self.calls.append((obj, frame, window))
        if self.fail:
            raise rs_dicom.UnsupportedCodecError("cannot decode this pixel data yet")
        if isinstance(obj, np.ndarray):
            return np.zeros(obj.shape[:2], np.uint8)
        pixel_data = obj.pixel_data
        return np.full((pixel_data.rows, pixel_data.columns), frame, np.uint8)


@pytest.fixture
def fake_display(monkeypatch: pytest.MonkeyPatch) -> FakeDisplay:
    fake = FakeDisplay()
    module = types.ModuleType("rs_dicom.display")
    module.to_display = fake.to_display  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "rs_dicom.display", module)
    return fake


# --------------------------------------------------------------------------- show: arrays


def test_show_grey_array(plt: Any) -> None:
    image = (np.arange(20, dtype=np.uint8) * 12).reshape(4, 5)
    ax = viz.show(image)
    assert len(ax.images) == 1
    shown = ax.images[0]
    np.testing.assert_array_equal(shown.get_array(), image)
    assert shown.get_cmap().name == "gray"
    assert shown.get_clim() == (0, 255)
    assert ax.get_aspect() == 1.0
    assert not ax.axison
    assert ax.get_title() == ""  # an array has no metadata


def test_show_colour_array_and_given_axes(plt: Any) -> None:
    rgb = np.zeros((3, 4, 3), np.uint8)
    rgb[..., 0] = 200
    _, ax = plt.subplots()
    assert viz.show(rgb, ax=ax, aspect=0.5) is ax
    np.testing.assert_array_equal(ax.images[0].get_array(), rgb)
    assert ax.get_aspect() == 0.5


def test_show_cmap_and_window_on_arrays(plt: Any) -> None:
    raw = np.array([[-1000, 0], [40, 3000]], np.int16)
    ax = viz.show(raw, window=(40, 400), cmap="bone")
    shown = ax.images[0]
    assert shown.get_cmap().name == "bone"
    # Linear window 40 / 400: -160 and below black, 240 and above white.
    assert np.asarray(shown.get_array()).tolist() == [[0, 102], [128, 255]]


def test_show_stack_of_frames_is_a_montage(plt: Any) -> None:
    frames = np.stack([np.full((2, 5), v, np.uint8) for v in (10, 20, 30, 40, 50)])
    ax = viz.show(frames)
    assert np.asarray(ax.images[0].get_array()).shape == (4, 15)  # 3 columns, 2 rows of tiles
    assert ax.get_title() == "frames 1-5"
    one = viz.show(frames, frame=3)
    assert (np.asarray(one.images[0].get_array()) == 40).all()
    assert one.get_title() == "frame 4/5"
    # (N, H, 3) is read as one colour image, not as N frames of 3 columns.
    colour = viz.show(np.zeros((5, 2, 3), np.uint8)).images[0]
    assert np.asarray(colour.get_array()).shape == (5, 2, 3)
    with pytest.raises(IndexError, match="out of range"):
        viz.show(frames, frame=5)


# --------------------------------------------------------------------------- show: datasets


def test_show_dataset_image_aspect_and_title(plt: Any) -> None:
    from rs_dicom.display import to_display

    ds = _ds(RAMP, spacing=(0.5, 0.25), window=RAMP_WINDOW)
    ax = viz.show(ds)
    np.testing.assert_array_equal(ax.images[0].get_array(), to_display(ds))
    assert ax.get_aspect() == 2.0  # row spacing / column spacing
    assert ax.images[0].get_cmap().name == "gray"
    title = ax.get_title()
    assert title.splitlines() == [
        "Test^Pattern · OT · 2024-03-15 · known values",
        "frame 1/1 · W 128/250",
    ]


def test_show_window_argument(plt: Any) -> None:
    ds = _ds(RAMP, window=RAMP_WINDOW)
    ax = viz.show(ds, window=(128, 2))
    assert np.asarray(ax.images[0].get_array())[0].tolist() == [0] * 4 + [255] * 4
    assert ax.get_title().endswith("W 128/2")


def test_show_multi_frame_montage(plt: Any) -> None:
    ds = _cine(5)
    ax = viz.show(ds)
    grid = np.asarray(ax.images[0].get_array())
    assert grid.shape == (8, 18)  # ceil(sqrt(5)) = 3 columns, 2 rows of 4 x 6 tiles
    assert grid[0, 0] == 0 and grid[0, 6] == 10 and grid[0, 12] == 20
    assert grid[4, 0] == 30 and grid[4, 6] == 40
    assert (grid[4:, 12:] == 0).all()  # the empty sixth tile
    assert "frames 1-5" in ax.get_title()
    single = viz.show(ds, frame=3)
    assert (np.asarray(single.images[0].get_array()) == 30).all()
    assert "frame 4/5" in single.get_title()
    last = viz.show(ds, frame=-1)
    assert "frame 5/5" in last.get_title()


def test_show_long_cine_draws_16_evenly_spaced_frames(plt: Any, fake_display: FakeDisplay) -> None:
    ds = _ds(np.zeros((40, 2, 2), np.uint8), multi_frame=True)
    ax = viz.show(ds)
    frames = [call[1] for call in fake_display.calls]
    assert frames == viz.montage_indices(40) and len(frames) == 16
    assert frames[0] == 0 and frames[-1] == 39
    assert np.asarray(ax.images[0].get_array()).shape == (8, 8)
    assert "16 of 40 frames" in ax.get_title()


def test_show_without_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=re.escape("pip install rs-dicom[viz]")):
        viz.show(np.zeros((2, 2), np.uint8))


def test_show_dataset_without_pixels(plt: Any) -> None:
    with pytest.raises(ValueError, match="no pixel data"):
        viz.show(_ds(None))


# --------------------------------------------------------------------------- metadata


def test_pixel_aspect() -> None:
    pixels = np.zeros((2, 2), np.uint8)
    assert viz.pixel_aspect(_ds(pixels, spacing=(0.7, 0.35))) == pytest.approx(2.0)
    assert viz.pixel_aspect(_ds(pixels, spacing=None)) == 1.0
    assert viz.pixel_aspect(_ds(pixels, spacing=(0.0, 1.0))) == 1.0  # unusable


def test_title_text() -> None:
    ds = _ds(np.zeros((2, 2), np.uint8), meta={"SeriesDescription": "", "StudyDate": "2024"})
    assert viz.title_text(ds, 0, 1) == "Test^Pattern · OT · 2024\nframe 1/1"
    assert viz.title_text(None, 2, 7, (40, 400)) == "frame 3/7 · W 40/400"
    assert viz.title_text(None, None, 40, shown=[0, 1]) == "2 of 40 frames"


# --------------------------------------------------------------------------- montage


def test_montage_shapes() -> None:
    tiles = [np.full((2, 3), i, np.uint8) for i in range(5)]
    grid = viz.montage(tiles)
    assert grid.shape == (4, 9) and grid.dtype == np.uint8
    assert grid[2:, 3:6].tolist() == [[4] * 3] * 2
    assert viz.montage(tiles, ncols=5).shape == (2, 15)
    assert viz.montage(tiles, ncols=1).shape == (10, 3)
    assert viz.montage(tiles, ncols=9).shape == (2, 15)  # never wider than the frames
    gapped = viz.montage(tiles, ncols=2, gap=1, fill=255)
    assert gapped.shape == (3 * 2 + 2, 2 * 3 + 1)
    assert (gapped[2] == 255).all() and (gapped[:, 3] == 255).all()
    colour = viz.montage(np.zeros((4, 5, 6, 3), np.uint16))
    assert colour.shape == (10, 12, 3) and colour.dtype == np.uint16
    assert viz.montage([np.ones((3, 3))]).shape == (3, 3)
    with pytest.raises(ValueError, match="same shape"):
        viz.montage([np.zeros((2, 2)), np.zeros((3, 2))])
    with pytest.raises(ValueError, match="at least one"):
        viz.montage([])


def test_montage_indices() -> None:
    assert viz.montage_indices(5) == [0, 1, 2, 3, 4]
    assert viz.montage_indices(0) == []
    assert viz.montage_indices(100, 4) == [0, 33, 66, 99]
    many = viz.montage_indices(1000)
    assert len(many) == viz.MAX_MONTAGE_FRAMES and many[0] == 0 and many[-1] == 999
    assert viz.montage_indices(10, 1) == [0]


# --------------------------------------------------------------------------- thumbnails


def test_thumbnail_sizes_of_arrays() -> None:
    assert viz.thumbnail(np.zeros((64, 64), np.uint8)).shape == (64, 64)  # never enlarged
    assert viz.thumbnail(np.zeros((512, 256), np.uint8), 128).shape == (128, 64)
    assert viz.thumbnail(np.zeros((100, 300, 3), np.uint8), 60).shape == (20, 60, 3)
    assert viz.thumbnail(np.zeros((64, 64), np.uint8), aspect=2.0).shape == (128, 64)
    assert viz.thumbnail(np.zeros((64, 64), np.uint8), 32, aspect=2.0).shape == (32, 16)
    with pytest.raises(ValueError, match="size"):
        viz.thumbnail(np.zeros((4, 4), np.uint8), 0)


def test_thumbnail_averages_areas() -> None:
    checker = (np.indices((8, 8)).sum(axis=0) % 2 * 255).astype(np.uint8)
    small = viz.thumbnail(checker, 4)
    assert small.shape == (4, 4) and small.dtype == np.uint8
    assert set(np.unique(small).tolist()) == {128}


def test_thumbnail_of_datasets() -> None:
    from rs_dicom.display import to_display

    ds = rs_dicom.dcmread(SAMPLE)
    np.testing.assert_array_equal(viz.thumbnail(ds), to_display(ds))
    assert viz.thumbnail(ds, 16).shape == (16, 16)
    tall = _ds(np.zeros((10, 20), np.uint8), spacing=(3.0, 1.0))
    assert viz.thumbnail(tall, 256).shape == (30, 20)  # square pixels, physical proportions
    cine = _cine(5)
    assert (viz.thumbnail(cine, frame=2) == 20).all()


def test_thumbnail_png() -> None:
    image = np.tile(np.arange(0, 250, 10, dtype=np.uint8), (30, 1))
    data = viz.thumbnail_png(image, 10)
    np.testing.assert_array_equal(decode_png(data), viz.thumbnail(image, 10))
    assert decode_png(data).shape == (10, 8)  # 30 x 25 pixels, the longer side 10


# --------------------------------------------------------------------------- Jupyter


def test_dataset_png_of_the_sample() -> None:
    from rs_dicom.display import to_display

    ds = rs_dicom.dcmread(SAMPLE)
    data = viz.dataset_png(ds)
    assert data is not None and data.startswith(b"\x89PNG\r\n\x1a\n")
    image = decode_png(data)
    assert image.shape == (64, 64) and image.dtype == np.uint8
    np.testing.assert_array_equal(image, to_display(ds))
    big = _ds(np.zeros((600, 1200), np.uint8))
    assert decode_png(viz.dataset_png(big) or b"").shape == (256, 512)


def test_dataset_png_is_none_without_decodable_pixels() -> None:
    assert viz.dataset_png(rs_dicom.dcmread(SAMPLE, stop_before_pixels=True)) is None
    assert viz.dataset_png(_ds(None)) is None
    # The PNG of a dataset is made in Rust (rs_dicom._core.thumbnail_png), so a failure to
    # decode is a real one, not a stand-in display module.
    video = _video()
    with pytest.raises(rs_dicom.UnsupportedCodecError):
        viz.thumbnail_png(video)
    assert viz.dataset_png(video) is None


def test_thumbnail_png_of_datasets_is_the_thumbnail() -> None:
    """The Rust thumbnail (decode, display, shrink, PNG) equals viz.thumbnail."""
    ds = rs_dicom.dcmread(SAMPLE)
    for size in (256, 20, 7):
        np.testing.assert_array_equal(
            decode_png(viz.thumbnail_png(ds, size)), viz.thumbnail(ds, size)
        )
    tall = _ds((np.arange(200, dtype=np.uint16).reshape(10, 20) * 300), spacing=(3.0, 1.0))
    np.testing.assert_array_equal(decode_png(viz.thumbnail_png(tall, 16)), viz.thumbnail(tall, 16))
    cine = _cine(5)
    data = viz.thumbnail_png(cine, frame=-2, window=(100, 50))
    np.testing.assert_array_equal(decode_png(data), viz.thumbnail(cine, frame=3, window=(100, 50)))
    from rs_dicom._core import thumbnail_png

    with pytest.raises(IndexError):
        thumbnail_png(cine, 16, 5)
    with pytest.raises(ValueError, match="size"):
        viz.thumbnail_png(cine, 0)


def test_html_embeds_a_thumbnail() -> None:
    page = _repr.dataset_html(rs_dicom.dcmread(SAMPLE))
    match = re.search(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert match is not None
    assert page.index("<img") < page.index("<table>")  # above the tables
    image = decode_png(base64.b64decode(match.group(1)))
    assert image.shape == (64, 64)
    large = _repr.dataset_html(_ds(np.zeros((1024, 512), np.uint8)))
    found = re.search(r'base64,([A-Za-z0-9+/=]+)"', large)
    assert found is not None
    assert decode_png(base64.b64decode(found.group(1))).shape == (256, 128)


def test_html_without_pixels_or_decoding_has_no_image() -> None:
    assert "<img" not in _repr.dataset_html(rs_dicom.dcmread(SAMPLE, stop_before_pixels=True))
    assert "<img" not in _repr.dataset_html(_ds(None))
    page = _repr.dataset_html(_video())
    assert "<img" not in page and "PatientName" in page  # the table is still there


def test_slider_without_ipywidgets_falls_back_to_a_montage(
    plt: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.warns(UserWarning, match="pip install ipywidgets"):
        ax = viz.slider(_cine(4))
    assert np.asarray(ax.images[0].get_array()).shape == (8, 12)


class _Widget:
    def __init__(self, **kwargs: Any) -> None:
        self.__dict__.update(kwargs)
        self.observers: list[tuple[Any, Any]] = []

    def observe(self, handler: Any, names: Any = None) -> None:
        self.observers.append((handler, names))


def test_slider_with_ipywidgets_redraws_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("ipywidgets")
    for name in ("Image", "HTML", "IntSlider"):
        setattr(fake, name, type(name, (_Widget,), {}))
    fake.VBox = lambda children: children  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ipywidgets", fake)
    ds = _cine(4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        caption, image, control = viz.slider(ds, size=64)
    assert (control.min, control.max, control.value) == (0, 3, 0)
    assert (decode_png(image.value) == 0).all()
    assert "frame 1/4" in caption.value
    (handler, names), *_ = control.observers
    assert names == "value"
    handler({"new": 2})
    assert (decode_png(image.value) == 20).all()
    assert "frame 3/4" in caption.value and "Test^Pattern" in caption.value
