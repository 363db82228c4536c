#!/usr/bin/env python3
"""Display-pipeline benchmark: rs_dicom.display (Rust kernels) against the numpy version it
replaced, loaded from git (``--baseline``, default commit e2fea04), in the same process.

Cases, on images the script makes (written by pydicom, read by rs_dicom): a 512x512 int16
CT with Rescale Slope/Intercept and a window, a 12-bit VOI LUT and a 16-bit palette, and a
3-frame 512x512 RGB image. Each function is timed ``--repeat`` times after one warm-up
call; the table shows the medians and new / old.

    python benchmarks/bench_display.py [--repeat 15] [--baseline REV] [--output PATH]
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _common import HERE, machine_info

ROOT = HERE.parent


def _old_display(rev: str) -> Any:
    """rs_dicom/display.py as it was at `rev`, imported as a module of its own."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:python/rs_dicom/display.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "display_baseline.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("display_baseline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _datasets() -> dict[str, Any]:
    import rs_dicom
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    def make(**elements: Any) -> Any:
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
        ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3.4"
        ds.SOPClassUID, ds.SOPInstanceUID = "1.2.840.10008.5.1.4.1.1.7", "1.2.3.4"
        for keyword, value in elements.items():
            setattr(ds, keyword, value)
        buf = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds.save_as(buf, enforce_file_format=True)
        return rs_dicom.dcmread(buf.getvalue())

    rng = np.random.default_rng(1)
    ct = rng.integers(-1024, 3000, size=(512, 512)).astype(np.int16)
    voi = Dataset()
    voi.LUTDescriptor = [4096, 0, 12]
    voi.add_new(0x00283006, "OW", ((np.arange(4096) * 7) % 4096).astype("<u2").tobytes())
    common = {
        "Rows": 512,
        "Columns": 512,
        "SamplesPerPixel": 1,
        "BitsAllocated": 16,
        "BitsStored": 16,
        "HighBit": 15,
    }
    ct_ds = make(
        PhotometricInterpretation="MONOCHROME2",
        PixelRepresentation=1,
        RescaleSlope=1,
        RescaleIntercept=-1024,
        WindowCenter=40,
        WindowWidth=400,
        VOILUTSequence=[voi],
        PixelData=ct.tobytes(),
        **common,
    )
    palette = make(
        PhotometricInterpretation="PALETTE COLOR",
        PixelRepresentation=0,
        RedPaletteColorLookupTableDescriptor=[4096, 0, 16],
        GreenPaletteColorLookupTableDescriptor=[4096, 0, 16],
        BluePaletteColorLookupTableDescriptor=[4096, 0, 16],
        RedPaletteColorLookupTableData=(np.arange(4096) * 16).astype("<u2").tobytes(),
        GreenPaletteColorLookupTableData=(65535 - np.arange(4096) * 16).astype("<u2").tobytes(),
        BluePaletteColorLookupTableData=(np.arange(4096) * 5).astype("<u2").tobytes(),
        PixelData=(ct.astype(np.uint16) & 0x0FFF).tobytes(),
        **common,
    )
    rgb = rng.integers(0, 256, size=(3, 512, 512, 3), dtype=np.uint8)
    rgb_ds = make(
        PhotometricInterpretation="RGB",
        Rows=512,
        Columns=512,
        SamplesPerPixel=3,
        PlanarConfiguration=0,
        NumberOfFrames=3,
        BitsAllocated=8,
        BitsStored=8,
        HighBit=7,
        PixelRepresentation=0,
        PixelData=rgb.tobytes(),
    )
    return {"ct": ct_ds, "palette": palette, "rgb": rgb_ds}


def _fmt(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.0f} µs"


def _median(func: Callable[[], Any], repeat: int) -> float:
    func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--baseline", default="e2fea04")
    parser.add_argument("--output", default=str(HERE / "results_display.md"))
    args = parser.parse_args()

    import rs_dicom
    from rs_dicom import display as new

    old = _old_display(args.baseline)
    ds = _datasets()
    ct, pal, rgb = ds["ct"], ds["palette"], ds["rgb"]
    ct_arr = np.asarray(ct.pixel_array)
    hu = new.apply_modality_lut(ct_arr, ct)
    pal_arr = np.asarray(pal.pixel_array)
    rgb_arr = np.asarray(rgb.pixel_array)
    ybr = new.convert_color_space(rgb_arr, "RGB", "YBR_FULL")
    cases: list[tuple[str, Callable[[Any], Any]]] = [
        ("CT to_display(ds) (file window)", lambda m: m.to_display(ct)),
        (
            "CT to_display(arr, ds=ds, window)",
            lambda m: m.to_display(ct_arr, window=(40, 400), ds=ct),
        ),
        ("CT apply_modality_lut (rescale)", lambda m: m.apply_modality_lut(ct_arr, ct)),
        ("CT apply_windowing", lambda m: m.apply_windowing(hu, ct)),
        ("CT apply_voi (12-bit VOI LUT)", lambda m: m.apply_voi(ct_arr, ct)),
        ("palette apply_color_lut (16-bit)", lambda m: m.apply_color_lut(pal_arr, pal)),
        ("palette to_display(ds)", lambda m: m.to_display(pal)),
        (
            "RGB 3 frames convert_color_space",
            lambda m: m.convert_color_space(rgb_arr, "RGB", "YBR_FULL"),
        ),
        (
            "YBR 3 frames convert_color_space",
            lambda m: m.convert_color_space(ybr, "YBR_FULL", "RGB"),
        ),
        ("RGB to_display(ds, frame=2)", lambda m: m.to_display(rgb, frame=2)),
    ]
    rows = ["| case | numpy (before) | Rust (now) | now / before |", "|---|---|---|---|"]
    for name, case in cases:
        t_old = _median(lambda case=case: case(old), args.repeat)
        t_new = _median(lambda case=case: case(new), args.repeat)
        rows.append(f"| {name} | {_fmt(t_old)} | {_fmt(t_new)} | {t_new / t_old:.2f} |")
        print(rows[-1], file=sys.stderr)
    text = "\n".join(
        [
            "# Display pipeline: Rust kernels vs the former numpy code",
            "",
            f"Median of {args.repeat} calls after one warm-up, in one process "
            f"(baseline: `python/rs_dicom/display.py` at {args.baseline}).",
            "",
            *machine_info({"rs_dicom": rs_dicom.__version__, "numpy": np.__version__}),
            "",
            *rows,
            "",
        ]
    )
    print(text)
    if args.output != "-":
        Path(args.output).write_text(text)


if __name__ == "__main__":
    main()
