"""rs_dicom.display against pydicom's pixel processing functions (the oracle).

Every corpus file with native pixel data that pydicom decodes is run through both: the input
array is pydicom's own ``pixel_array``, so these tests do not depend on rs_dicom's decoder;
the metadata comes from rs_dicom's reading of the file (the target) and, for a few checks,
pydicom's (duck typing). Hand-built files (written by pydicom, read by rs_dicom) cover what
the corpus lacks: SIGMOID, LINEAR_EXACT, LUT byte orders, segmented palettes, MONOCHROME1.
"""

from __future__ import annotations

import copy
import os
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

if os.environ.get("CI", "").lower() != "true":
    pytest.importorskip("pydicom")

import pydicom  # noqa: E402
import rs_dicom  # noqa: E402
from conformance import corpus_files, read_pydicom  # noqa: E402
from display_oracle import check as _check  # noqa: E402
from display_oracle import oracle_result as _oracle  # noqa: E402
from display_oracle import same as _same  # noqa: E402
from pydicom.overlays import get_overlay_array  # noqa: E402
from pydicom.pixels import processing as pp  # noqa: E402
from rs_dicom import display  # noqa: E402

# --------------------------------------------------------------------------------------------
# The corpus


@cache
def _corpus() -> dict[str, Path]:
    """name → path of every corpus file that has native pixel data pydicom decodes."""
    out: dict[str, Path] = {}
    for path in corpus_files():
        try:
            pds, _ = read_pydicom(path)
        except Exception:
            continue
        if "PixelData" not in pds:
            continue
        tsyntax = pds.file_meta.get("TransferSyntaxUID") if pds.file_meta else None
        if tsyntax is None or tsyntax.is_compressed:
            continue
        try:
            _pixels(path)
        except Exception:
            continue
        out[f"{path.parent.name}/{path.name}"] = path
    return out


@cache
def _pixels(path: Path) -> np.ndarray:
    pds, _ = read_pydicom(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        arr = pds.pixel_array
    arr.flags.writeable = False
    return arr


@cache
def _datasets(path: Path) -> tuple[Any, Any]:
    """(pydicom dataset, rs_dicom dataset) of a corpus file."""
    pds, force = read_pydicom(path)
    return pds, rs_dicom.dcmread(str(path), force=force)


def _files(pred: Any = None) -> list[Any]:
    names = sorted(_corpus())
    params = []
    for name in names:
        path = _corpus()[name]
        if pred is None or pred(_datasets(path)[0]):
            params.append(pytest.param(path, id=name))
    return params


def _grey(ds: Any) -> bool:
    return ds.get("PhotometricInterpretation") in ("MONOCHROME1", "MONOCHROME2")


def _n_voi(ds: Any) -> int:
    n = 1
    for kw in ("WindowCenter", "WindowWidth"):
        if kw in ds and ds[kw].VM > 1:
            n = max(n, ds[kw].VM)
    if ds.get("VOILUTSequence"):
        n = max(n, len(ds.VOILUTSequence))
    return n


def test_corpus_found() -> None:
    assert len(_corpus()) >= 60


# --------------------------------------------------------------------------------------------
# Corpus comparisons


@pytest.mark.parametrize("path", _files())
def test_modality_lut(path: Path) -> None:
    pds, rds = _datasets(path)
    arr = _pixels(path)
    _check(
        display.apply_modality_lut, arr, rds, oracle=pp.apply_modality_lut, oracle_args=(arr, pds)
    )
    # a pydicom dataset works too
    _check(
        display.apply_modality_lut, arr, pds, oracle=pp.apply_modality_lut, oracle_args=(arr, pds)
    )


@pytest.mark.parametrize("path", _files(_grey))
def test_voi_lut(path: Path) -> None:
    pds, rds = _datasets(path)
    arr = _pixels(path)
    values = pp.apply_modality_lut(arr, pds)
    for index in range(_n_voi(pds)):
        for prefer_lut in (True, False):
            _check(
                display.apply_voi_lut,
                values,
                rds,
                index,
                prefer_lut,
                oracle=pp.apply_voi_lut,
                oracle_args=(values, pds, index, prefer_lut),
            )
        for ours, theirs in (
            (display.apply_windowing, pp.apply_windowing),
            (display.apply_voi, pp.apply_voi),
        ):
            _check(ours, values, rds, index, oracle=theirs, oracle_args=(values, pds, index))
    # stored values straight into the VOI (no modality step), and a pydicom dataset
    _check(display.apply_voi_lut, arr, pds, oracle=pp.apply_voi_lut, oracle_args=(arr, pds))


def _palette_oracle(pds: Any, little_endian: bool) -> Any:
    """pydicom's dataset, with 16-bit Palette LUT Data of big endian files made little endian:
    pydicom reads it as little endian whatever the transfer syntax (rs_dicom honours it)."""
    if little_endian or "RedPaletteColorLookupTableData" not in pds:
        return pds
    fixed = copy.deepcopy(pds)
    n = pds.RedPaletteColorLookupTableDescriptor[0] or 2**16
    for colour in ("Red", "Green", "Blue", "Alpha"):
        kw = f"{colour}PaletteColorLookupTableData"
        if kw in pds and len(pds[kw].value) == 2 * n:
            fixed[kw].value = np.frombuffer(pds[kw].value, ">u2").astype("<u2").tobytes()
    return fixed


@pytest.mark.parametrize("path", _files(lambda ds: "RedPaletteColorLookupTableDescriptor" in ds))
def test_color_lut(path: Path) -> None:
    pds, rds = _datasets(path)
    arr = _pixels(path)
    oracle_ds = _palette_oracle(pds, rds.is_little_endian)
    _check(
        display.apply_color_lut, arr, rds, oracle=pp.apply_color_lut, oracle_args=(arr, oracle_ds)
    )


def _palette_files() -> list[Any]:
    root = Path(pydicom.__file__).parent / "data" / "palettes"
    return [pytest.param(p, id=p.name) for p in sorted(root.glob("*.dcm"))]


@pytest.mark.parametrize("path", _palette_files())
def test_well_known_palette_files(path: Path) -> None:
    """pydicom's well-known palette files (plain and segmented), read by rs_dicom."""
    rds = rs_dicom.dcmread(str(path))
    pds = pydicom.dcmread(path)
    arr = np.arange(256, dtype=np.uint8).reshape(16, 16)
    expected = pp.apply_color_lut(arr, pds)
    _same(display.apply_color_lut(arr, rds), expected)
    _same(display.apply_color_lut(arr, palette=rds), expected)
    # past the end: the last entry (pydicom wraps around in its uint8 index array)
    _same(display.apply_color_lut(np.array([-5, 300]), rds), expected.reshape(-1, 3)[[0, -1]])
    # by UID, through pydicom's bundled copy (not by name: pydicom swaps FALL and WINTER)
    uid = str(pds.SOPInstanceUID)
    assert uid in display._WELL_KNOWN_PALETTES.values()
    _same(expected, pp.apply_color_lut(arr, palette=uid))
    name = {v: k for k, v in display._WELL_KNOWN_PALETTES.items()}[uid]
    assert name.replace("_", " ") in str(pds.get("ContentLabel", name)).replace("_", " ")
    for key in (name, uid):
        with pytest.raises(NotImplementedError):
            display.apply_color_lut(arr, palette=key)


def _colour8(ds: Any) -> bool:
    return ds.get("SamplesPerPixel") == 3 and ds.get("BitsAllocated") == 8


@pytest.mark.parametrize("path", _files(_colour8))
def test_convert_color_space(path: Path) -> None:
    pds, _ = _datasets(path)
    arr = _pixels(path)  # RGB: pydicom converts YBR to RGB when decoding
    for current, desired in (("RGB", "YBR_FULL"), ("RGB", "YBR_FULL_422"), ("RGB", "RGB")):
        _check(
            display.convert_color_space,
            arr,
            current,
            desired,
            oracle=pp.convert_color_space,
            oracle_args=(arr, current, desired),
        )
    ybr = pp.convert_color_space(arr, "RGB", "YBR_FULL")
    if pds.PhotometricInterpretation.startswith("YBR"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ybr = pydicom.pixels.pixel_array(pds, as_rgb=False)
    for current in ("YBR_FULL", "YBR_FULL_422"):
        _check(
            display.convert_color_space,
            ybr,
            current,
            "RGB",
            oracle=pp.convert_color_space,
            oracle_args=(ybr, current, "RGB"),
        )
    if arr.ndim == 4:
        ours = display.convert_color_space(ybr.copy(), "YBR_FULL", "RGB", per_frame=True)
        _same(ours, pp.convert_color_space(ybr.copy(), "YBR_FULL", "RGB", per_frame=True))


def test_overlays_in_corpus() -> None:
    """Every corpus file with Overlay Data, whatever its pixel data encoding."""
    seen = 0
    for path in corpus_files():
        try:
            pds, force = read_pydicom(path)
        except Exception:
            continue
        groups = [g for g in range(0x6000, 0x6100, 2) if (g, 0x3000) in pds]
        if not groups:
            continue
        rds = rs_dicom.dcmread(str(path), force=force)
        assert display.overlay_groups(rds) == groups
        assert display.overlay_groups(pds) == groups
        for group in groups:
            _check(
                display.overlay_array,
                rds,
                group,
                oracle=get_overlay_array,
                oracle_args=(pds, group),
            )
            _check(
                display.overlay_array,
                pds,
                group,
                oracle=get_overlay_array,
                oracle_args=(pds, group),
            )
            seen += 1
    assert seen >= 2


@pytest.mark.parametrize("path", _files())
def test_to_display(path: Path) -> None:
    pds, rds = _datasets(path)
    arr = _pixels(path)
    rows, cols = pds.Rows, pds.Columns
    frames = int(pds.get("NumberOfFrames") or 1)
    colour = pds.SamplesPerPixel > 1 or pds.PhotometricInterpretation == "PALETTE COLOR"
    shape = (rows, cols, 3) if colour else (rows, cols)
    for frame in sorted({0, frames - 1}):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no stray numpy warnings
            img = display.to_display(arr, frame=frame, ds=rds)
        assert img.dtype == np.uint8 and img.shape == shape
        enhanced = "PerFrameFunctionalGroupsSequence" in pds
        if not colour and img.size > 1 and not enhanced:
            expected = _expected_grey(arr[frame] if arr.ndim == 3 else arr, pds)
            if expected is not None:
                assert np.abs(img.astype(int) - expected).max() <= 1
        # a pydicom dataset: its pixel_array is used
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _same(display.to_display(pds, frame=frame), img)
    # rs_dicom's own pixels, once the core decodes them
    pixel_data = getattr(rds, "pixel_data", None)
    if pixel_data is not None and hasattr(pixel_data, "frame"):
        _same(
            display.to_display(rds, frame=frames - 1), display.to_display(arr, frames - 1, ds=rds)
        )


def _expected_grey(arr: np.ndarray, pds: Any) -> np.ndarray | None:
    """pydicom's modality + VOI (index 0) scaled to 0..255; None when there is no VOI."""
    values, exc = _oracle(pp.apply_modality_lut, arr, pds)
    if exc is not None:
        return None
    if pds.get("VOILUTSequence"):
        out, exc = _oracle(pp.apply_voi, values, pds)
        bits = pds.VOILUTSequence[0].LUTDescriptor[2]
        out = None if exc else out.astype(float) * 255 / (2**bits - 1)
    elif pds.get("WindowCenter") is not None and pds.get("WindowWidth") is not None:
        out, exc = _oracle(pp.apply_windowing, values, pds)
        if exc is not None:
            return None
        lo, hi = display._output_range(pds)
        out = (out - lo) * 255 / (hi - lo)
    else:
        v = values.astype(float)
        out = (v - v.min()) * 255 / (v.max() - v.min()) if v.max() > v.min() else v * 0
    if out is None:
        return None
    if pds.PhotometricInterpretation == "MONOCHROME1":
        out = 255 - out
    return np.clip(np.rint(out), 0, 255).astype(int)
