//! JPEG: baseline (1.2.840.10008.1.2.4.50), extended 12-bit (.51), lossless process 14 (.57)
//! and lossless SV1 (.70), ISO/IEC 10918-1.
//!
//! # Library choice
//!
//! * **libjpeg-turbo 3.1** (`turbojpeg.rs`: `turbojpeg-sys`, vendored, SIMD) decodes every
//!   lossy frame and every lossless one: 8-bit and 12-bit grey (`tj3Decompress8/12`,
//!   `TJPF_GRAY`), 2–16-bit lossless grey and colour (`tj3Decompress8/12/16`) and 8-bit colour.
//!   It is the only available decoder for 12-bit lossy and the fastest (see the numbers below).
//!   pydicom 3 + pylibjpeg-libjpeg decode colour JPEG *without* a colour transform (raw,
//!   upsampled components) and convert YBR → RGB afterwards according to the (conformed)
//!   Photometric Interpretation. TurboJPEG will not return upsampled raw YCbCr
//!   (`TJPARAM_COLORSPACE` is read-only when decompressing), so 8-bit colour frames are
//!   decoded to their component planes (`tj3DecompressToYUVPlanes8`, 4:4:4, 4:2:2, 4:2:0 and
//!   4:4:0) and the chroma is upsampled here (`upsample.rs`) with libjpeg's triangle ("fancy")
//!   filter; with `as_rgb` the YBR → RGB conversion (pydicom's arithmetic) is fused into that
//!   row pass. 12-bit three-component lossy (unseen in practice) uses libjpeg-turbo's own
//!   YCbCr → RGB ([`ColorOut::Rgb`]). Three-component lossless frames come out as coded:
//!   libjpeg-turbo never converts colour in lossless mode and infers RGB (no conversion) for
//!   three components unless a JFIF or Adobe marker says YCbCr, which it then refuses to
//!   convert; those markers are blanked in a copy of the frame first
//!   (`Header::without_colour_markers`). Lossless frame headers may carry a nonzero
//!   quantisation table selector (DCMTK and GDCM write Tq = 1 for chroma); libjpeg ignores it.
//! * **jpeg-decoder 0.3** (`jpeg_decoder.rs`, pure Rust) decodes colour frames whose sampling
//!   factors TurboJPEG has no plane layout for (4:1:1 and non-standard factors) and lossless
//!   colour with sub-sampled components, returning the raw components (`ColorTransform::RGB`
//!   is an interleaving no-op), chroma upsampled with the same filter. It rejects Tq ≠ 0 in
//!   lossless frames, so they are zeroed in a copy first.
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
//! The grey-level comparison is `bench_backends` in `tests.rs` (ignored test).
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
//! for 12-bit three-component lossy data, see above). The codestream defines the layout:
//! samples are interleaved whatever the dataset's Planar Configuration says.

use super::{ColorOut, FrameInfo};
use crate::error::{DicomError, Result};

#[cfg(feature = "jpeg")]
#[allow(unsafe_code)]
pub mod encode;
#[cfg(all(test, feature = "jpeg"))]
mod encode_tests;
#[cfg(any(feature = "jpeg", feature = "jpeg-rs"))]
mod header;
mod huffman_table;
#[cfg(any(feature = "jpeg", feature = "jpeg-rs"))]
mod jpeg_decoder;
mod lossless_encode;
#[cfg(all(test, feature = "jpeg"))]
#[allow(unsafe_code)] // libjpeg-turbo's encoder makes the test streams
mod tests;
#[cfg(feature = "jpeg")]
#[allow(unsafe_code)]
mod turbojpeg;
#[cfg(feature = "jpeg")]
mod upsample;

/// JPEG encoding: this build has no JPEG encoder (the `jpeg` feature is off).
#[cfg(not(feature = "jpeg"))]
pub mod encode {
    use crate::error::{DicomError, Result};
    use crate::pixel::encode::{EncodeOptions, FrameImage};

    fn unavailable() -> DicomError {
        DicomError::unsupported_codec(
            "JPEG encoding is not available (rs_dicom was built without the `jpeg` feature)",
        )
    }

    /// JPEG Baseline: unavailable in this build.
    pub fn encode_baseline(_frame: &FrameImage, _opts: &EncodeOptions) -> Result<Vec<u8>> {
        Err(unavailable())
    }

    /// JPEG Lossless SV1: our own encoder, which needs no C library.
    pub use super::lossless_encode::encode_lossless;
}

/// Decodes one frame into `out` (see [`super::decode_frame`]): this build has no JPEG decoder.
#[cfg(not(any(feature = "jpeg", feature = "jpeg-rs")))]
pub fn decode(_src: &[u8], _info: &FrameInfo, _out: &mut [u8]) -> Result<ColorOut> {
    Err(DicomError::unsupported_codec(
        "JPEG decoding: codec not available in this build (rs_dicom was built without the \
         `jpeg` and `jpeg-rs` features)",
    ))
}

/// Decodes one frame into `out` (see [`super::decode_frame`]) with jpeg-decoder alone (the
/// `jpeg-rs` feature without `jpeg`, as in WebAssembly builds): 8-bit lossy and 2–16-bit
/// lossless; 12-bit lossy (JPEG Extended) is refused, jpeg-decoder has no such path.
#[cfg(all(feature = "jpeg-rs", not(feature = "jpeg")))]
pub fn decode(src: &[u8], info: &FrameInfo, out: &mut [u8]) -> Result<ColorOut> {
    let (header, wide, color) = check(src, info, out)?;
    if header.precision == 12 && !header.lossless {
        return Err(DicomError::unsupported_codec(
            "12-bit lossy JPEG: codec not available in this build (the pure-Rust JPEG \
             decoder has no 12-bit lossy path; it needs the `jpeg` feature)",
        ));
    }
    decode_raw(src, &header, info, out, wide)?;
    Ok(color)
}

/// Decodes one frame into `out` (see [`super::decode_frame`]).
#[cfg(feature = "jpeg")]
pub fn decode(src: &[u8], info: &FrameInfo, out: &mut [u8]) -> Result<ColorOut> {
    use turbojpeg::Layout;

    let (header, wide, color) = check(src, info, out)?;
    let spp = info.samples_per_pixel as usize;
    let p = u32::from(header.precision);
    if spp == 1 {
        turbojpeg::decode(src, &header, Layout::Grey, out, wide)?;
        return Ok(color);
    }
    if header.lossless && header.full_resolution() {
        // The components as coded (see the module documentation).
        let src = header.without_colour_markers(src);
        turbojpeg::decode(&src, &header, Layout::Rgb, out, wide)?;
        return Ok(color);
    }
    if p == 12 && !header.lossless {
        turbojpeg::decode(src, &header, Layout::Rgb, out, wide)?;
        return Ok(ColorOut::Rgb);
    }
    // Three components, 8-bit lossy: libjpeg-turbo's raw component planes, upsampled here.
    // With `as_rgb` the YBR → RGB conversion is done row by row as the rows are assembled
    // (unless unused bits must be masked first).
    if p == 8 && !header.lossless && !wide {
        let convert = info.converts_ybr(color) && info.bits_stored >= 8;
        if let Some(planes) = turbojpeg::decode_planes(src, &header)? {
            planes.assemble(out, convert)?;
            return Ok(if convert { ColorOut::Rgb } else { color });
        }
    }
    // Other three-component frames (unusual sampling factors): raw components through
    // jpeg-decoder.
    decode_raw(src, &header, info, out, wide)?;
    Ok(color)
}

/// The frame header checked against the dataset: the header, whether samples are 16-bit
/// (`wide`) and how the colour comes out.
#[cfg(any(feature = "jpeg", feature = "jpeg-rs"))]
fn check(src: &[u8], info: &FrameInfo, out: &[u8]) -> Result<(header::Header, bool, ColorOut)> {
    let header = header::parse_header(src)?;
    let spp = info.samples_per_pixel as usize;
    if !matches!(spp, 1 | 3) {
        return Err(DicomError::unsupported_codec(format!(
            "JPEG with {spp} samples per pixel is not supported"
        )));
    }
    if header.component_ids.len() != spp {
        return Err(DicomError::bad_codestream(format!(
            "the JPEG codestream has {} components but Samples per Pixel is {spp}",
            header.component_ids.len()
        )));
    }
    if u32::from(header.rows) != info.rows || u32::from(header.columns) != info.columns {
        return Err(DicomError::bad_codestream(format!(
            "the JPEG codestream is {}×{} but the dataset says {}×{} (rows × columns)",
            header.rows, header.columns, info.rows, info.columns
        )));
    }
    let p = u32::from(header.precision);
    let valid_precision = if header.lossless {
        (2..=16).contains(&p)
    } else {
        p == 8 || p == 12
    };
    if !valid_precision {
        return Err(DicomError::bad_codestream(format!(
            "unsupported JPEG sample precision {p} ({})",
            if header.lossless { "lossless" } else { "lossy" }
        )));
    }
    let wide = match info.bits_allocated {
        8 if p <= 8 => false,
        16 => true,
        ba => {
            return Err(DicomError::bad_codestream(format!(
                "JPEG sample precision {p} does not fit Bits Allocated {ba}"
            )));
        }
    };
    if out.len() != info.frame_len() {
        return Err(DicomError::bad_codestream(
            "output buffer does not match the frame size",
        ));
    }
    let color = header::color_out(&header, info);
    Ok((header, wide, color))
}

/// Raw components through jpeg-decoder (no colour transform), which returns one byte per
/// sample for precision 8 and native-endian u16 samples otherwise, into `out`.
#[cfg(any(feature = "jpeg", feature = "jpeg-rs"))]
fn decode_raw(
    src: &[u8],
    header: &header::Header,
    info: &FrameInfo,
    out: &mut [u8],
    wide: bool,
) -> Result<()> {
    let spp = info.samples_per_pixel as usize;
    let data = jpeg_decoder::decode(src, header, info)?;
    let samples = info.rows as usize * info.columns as usize * spp;
    match (data.len() == samples, data.len() == 2 * samples, wide) {
        (true, _, false) => out.copy_from_slice(&data),
        (true, _, true) => widen(&data, out),
        (_, true, true) => out.copy_from_slice(&data),
        (_, true, false) => {
            // Lossless precision < 8 into 8-bit samples: values fit in a byte.
            for (d, s) in out.iter_mut().zip(data.chunks_exact(2)) {
                *d = u8::try_from(u16::from_ne_bytes([s[0], s[1]])).unwrap_or(u8::MAX);
            }
        }
        _ => {
            return Err(DicomError::bad_codestream(
                "decoded JPEG frame has the wrong size",
            ));
        }
    }
    Ok(())
}

/// u8 samples → native-endian u16 samples.
#[cfg(any(feature = "jpeg", feature = "jpeg-rs"))]
fn widen(src: &[u8], out: &mut [u8]) {
    for (d, &s) in out.chunks_exact_mut(2).zip(src) {
        d.copy_from_slice(&u16::from(s).to_ne_bytes());
    }
}
