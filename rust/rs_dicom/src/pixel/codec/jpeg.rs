//! JPEG: baseline (1.2.840.10008.1.2.4.50), extended 12-bit (.51), lossless process 14 (.57)
//! and lossless SV1 (.70), ISO/IEC 10918-1.
//!
//! # Library choice
//!
//! * **libjpeg-turbo 3.1** (`turbojpeg-sys`, vendored, SIMD) decodes every single-component
//!   frame: 8-bit and 12-bit lossy (`tj3Decompress8/12`, `TJPF_GRAY`) and 2–16-bit lossless
//!   (`tj3Decompress8/12/16`). It is the only available decoder for 12-bit lossy and the fastest
//!   (see the numbers below).
//! * **jpeg-decoder 0.3** (pure Rust) decodes three-component frames. pydicom 3 +
//!   pylibjpeg-libjpeg decode colour JPEG *without* a colour transform (raw, upsampled
//!   components) and convert YBR → RGB afterwards according to the (conformed) Photometric
//!   Interpretation; TurboJPEG cannot return upsampled raw YCbCr (`TJPARAM_COLORSPACE` is
//!   read-only when decompressing and lossless colour conversion is refused), while
//!   jpeg-decoder's `ColorTransform::RGB` (an interleaving no-op) gives exactly that, chroma
//!   upsampled. Three-component 12-bit lossy (not supported by jpeg-decoder, and unseen in
//!   practice) goes through libjpeg-turbo with its own YCbCr → RGB conversion
//!   ([`ColorOut::Rgb`]).
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
//! Colour baseline through jpeg-decoder differs from pydicom by ≤1 in the raw components and
//! ≤3 after the YBR → RGB conversion (≤5 on the 4:2:2 `color3d_jpeg_baseline.dcm`, where the
//! chroma upsampling of the two libraries differs); lossless colour is exact. The benchmark is
//! `bench_backends` in `imp.rs` (ignored test).
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
