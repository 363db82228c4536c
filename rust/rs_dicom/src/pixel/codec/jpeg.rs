//! JPEG: baseline (1.2.840.10008.1.2.4.50), extended 12-bit (.51), lossless process 14 (.57)
//! and lossless SV1 (.70), ISO/IEC 10918-1.
//!
//! # Library choice
//!
//! * **libjpeg-turbo 3.1** (`turbojpeg-sys`, vendored, SIMD) decodes every lossy frame and
//!   every single-component lossless one: 8-bit and 12-bit grey (`tj3Decompress8/12`,
//!   `TJPF_GRAY`), 2–16-bit lossless grey (`tj3Decompress8/12/16`) and 8-bit colour. It is
//!   the only available decoder for 12-bit lossy and the fastest (see the numbers below).
//!   pydicom 3 + pylibjpeg-libjpeg decode colour JPEG *without* a colour transform (raw,
//!   upsampled components) and convert YBR → RGB afterwards according to the (conformed)
//!   Photometric Interpretation. TurboJPEG will not return upsampled raw YCbCr
//!   (`TJPARAM_COLORSPACE` is read-only when decompressing), so 8-bit colour frames are
//!   decoded to their component planes (`tj3DecompressToYUVPlanes8`, 4:4:4, 4:2:2, 4:2:0 and
//!   4:4:0) and the chroma is upsampled here with libjpeg's triangle ("fancy") filter; with
//!   `as_rgb` the YBR → RGB conversion (pydicom's arithmetic) is fused into that row pass.
//!   12-bit three-component lossy (unseen in practice) uses libjpeg-turbo's own YCbCr → RGB
//!   ([`ColorOut::Rgb`]).
//! * **jpeg-decoder 0.3** (pure Rust) decodes three-component lossless frames (libjpeg-turbo
//!   refuses raw or converted colour output in lossless mode) and colour frames whose sampling
//!   factors TurboJPEG has no plane layout for (4:1:1 and non-standard factors), returning the
//!   raw components (`ColorTransform::RGB` is an interleaving no-op), chroma upsampled with the
//!   same filter.
//!
//! Measured (release build, 2-core machine under heavy shared load, so absolute rates are
//! pessimistic; backends interleaved in rounds for a fair ratio) against pydicom 3.0.2 +
//! pylibjpeg-libjpeg 2.5 (Thomas Richter's libjpeg), max abs diff of the decoded samples:
//!
//! | frame                                  | libjpeg-turbo      | jpeg-decoder        |
//! |----------------------------------------|--------------------|---------------------|
//! | 512×512 8-bit grey baseline            | 804 f/s, diff ≤1   | 523 f/s, diff ≤1    |
//! | 512×512 16-bit lossless SV1            | 162 f/s, exact     | 71 f/s, exact       |
//! | 512×512 12-bit extended                | 204 f/s, diff ≤1   | unsupported         |
//! | 1024×768 8-bit lossless (corpus)       | 80 f/s, exact      | 36 f/s, exact       |
//! | 1024×256 16-bit lossless (JPEG-LL.dcm) | 171 f/s, exact     | 76 f/s, exact       |
//! | 1024×256 12-bit (JPGExtended.dcm)      | 793 f/s, diff ≤1   | unsupported         |
//!
//! (pydicom's `pixel_array` on the same 512×512 frames: ~100 f/s baseline, ~19 f/s lossless.)
//! Colour baseline differs from pydicom by ≤1 in the raw components and ≤3 after the
//! YBR → RGB conversion (≤5 on the 4:2:2 `color3d_jpeg_baseline.dcm`, where pylibjpeg's chroma
//! upsampling differs); lossless colour is exact. On a 640×480 4:2:2 frame the planes path
//! decodes and converts at ~535 f/s on one thread against ~190 f/s for jpeg-decoder plus a
//! separate conversion (jpeg-decoder also started its own threads for frames over 128×128;
//! with the `parallel` feature it now uses rayon's pool).
//! The grey-level comparison is `bench_backends` in `imp.rs` (ignored test).
//!
//! # Colour (mirrors pydicom's `_conform_jpg_colorspace`)
//!
//! For three samples per pixel the raw components are returned and:
//! * component IDs 'R','G','B' (or 'r','g','b') while the dataset says something other than
//!   RGB → [`ColorOut::Rgb`] (pydicom switches the interpretation to RGB);
//! * else a JFIF APPn marker while the dataset's interpretation has no "YBR" →
//!   [`ColorOut::YbrFull`] (pydicom switches to YBR_FULL(_422) and converts when `as_rgb`);
//! * else [`ColorOut::AsDataset`].
//!
//! The same rules apply to lossless data; the decoders themselves never transform colour (but
//! for 12-bit three-component lossy data, see above).

use super::{ColorOut, FrameInfo};
use crate::parser::Result;
#[cfg(not(feature = "jpeg"))]
use crate::parser::{DicomError, ErrorKind};

#[cfg(feature = "jpeg")]
mod imp;

/// Decodes one frame into `out` (see [`super::decode_frame`]).
#[cfg(feature = "jpeg")]
pub fn decode(src: &[u8], info: &FrameInfo, out: &mut [u8]) -> Result<ColorOut> {
    imp::decode(src, info, out)
}

/// Decodes one frame into `out` (see [`super::decode_frame`]): this build has no JPEG decoder.
#[cfg(not(feature = "jpeg"))]
pub fn decode(_src: &[u8], _info: &FrameInfo, _out: &mut [u8]) -> Result<ColorOut> {
    Err(DicomError::new(
        ErrorKind::UnsupportedCodec,
        None,
        "(7FE0,0010)",
        "JPEG decoding is not available (rs_dicom was built without the `jpeg` feature)",
    ))
}
