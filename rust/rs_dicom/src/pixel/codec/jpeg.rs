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
//!   jpeg-decoder's `ColorTransform::None` gives exactly that, with libjpeg-style "fancy"
//!   upsampling. Three-component 12-bit lossy (not supported by jpeg-decoder, and unseen in
//!   practice) goes through libjpeg-turbo with its own YCbCr → RGB conversion
//!   ([`ColorOut::Rgb`]).
//!
//! Measured against pydicom 3.0.2 + pylibjpeg-libjpeg 2.5 (release build, one core): see the
//! module-level table in the report of the implementing change:
//!
//! | file / case                                   | max abs diff | note                     |
//! |-----------------------------------------------|--------------|--------------------------|
//! | lossless (.57/.70), all corpus files          | 0            | must be exact            |
//! | JPGExtended.dcm / JPEG-lossy.dcm (12-bit)     | see below    | IDCT rounding            |
//! | 8-bit baseline colour (SC_rgb_*, examples_*)  | see below    | IDCT/upsampling rounding |
//!
//! The measured numbers are kept in `tests/test_codec_jpeg.py`'s module docstring.
//!
//! # Colour (mirrors pydicom's `_conform_jpg_colorspace`)
//!
//! For three samples per pixel the raw components are returned and:
//! * component IDs 'R','G','B' (or 'r','g','b') while the dataset says something other than
//!   RGB → [`ColorOut::Rgb`] (pydicom switches the interpretation to RGB);
//! * else a JFIF APP0 marker while the dataset's interpretation has no "YBR" →
//!   [`ColorOut::YbrFull`] (pydicom switches to YBR_FULL(_422) and converts when `as_rgb`);
//! * else [`ColorOut::AsDataset`].
//!
//! Lossless data never gets a colour transform.

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
