//! JPEG 2000 and HTJ2K (ISO/IEC 15444-1, -15): rs_dicom's own Rust decoder
//! ([`rs_dicom_j2k`], which reproduces OpenJPEG's output exactly) or OpenJPEG (`openjpeg-sys`,
//! vendored OpenJPEG 2.5, the `j2k` feature, in `openjpeg.rs`): see [`decoder`]. The Rust
//! decoder passes what it declines (HTJ2K, JP2 boxes, POC/PPM/PPT/RGN markers) and damaged
//! data to OpenJPEG.
//!
//! The output matches pydicom 3 with pylibjpeg-openjpeg: samples are interleaved (whatever the
//! dataset's Planar Configuration says: the codestream defines the layout); the decoder inverts
//! the multiple component transform itself (so YBR_ICT / YBR_RCT come out as RGB); values
//! become samples as `convert.rs` describes.

mod convert;
#[cfg(all(test, feature = "j2k"))]
mod differential;
#[cfg(feature = "j2k")]
pub mod encode;
#[cfg(all(test, feature = "j2k"))]
mod encode_tests;
pub mod htj2k_encode;
#[cfg(feature = "j2k")]
#[allow(unsafe_code)]
pub(crate) mod openjpeg;
#[cfg(feature = "j2k")]
#[allow(unsafe_code)]
mod opj_compress;
#[cfg(feature = "j2k")]
mod part1_encode;
mod samples;
#[cfg(test)]
mod tests;

use convert::{Convert, interleave};

use super::{ColorOut, FrameInfo};
use crate::error::{DicomError, Result};

/// JPEG 2000 encoding: this build has no JPEG 2000 encoder (the `j2k` feature is off).
#[cfg(not(feature = "j2k"))]
pub mod encode {
    use crate::error::{DicomError, Result};
    use crate::pixel::encode::{EncodeOptions, FrameImage};

    /// JPEG 2000 lossless and lossy: unavailable in this build.
    pub fn encode(_frame: &FrameImage, _opts: &EncodeOptions, _lossless: bool) -> Result<Vec<u8>> {
        Err(DicomError::unsupported_codec(
            "JPEG 2000 encoding is not available (rs_dicom was built without the `j2k` \
             feature)",
        ))
    }
}

/// Largest frame decoded, in samples (OpenJPEG holds 4 bytes per sample plus work buffers).
const MAX_SAMPLES: u64 = 1 << 28;

/// What the main header says, read with [`rs_dicom_j2k::read_siz`] before either decoder runs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Header {
    width: u32,
    height: u32,
    components: u32,
    /// Precision (bits) of the first component.
    precision: u32,
    /// Whether the first component is signed.
    signed: bool,
    /// Whether the codestream is wrapped in JP2 boxes.
    jp2: bool,
}

impl Header {
    /// Reads and checks the SIZ marker segment of `src` (a raw codestream or a JP2 file).
    fn read(src: &[u8]) -> Result<Header> {
        let start = rs_dicom_j2k::jp2_codestream(src).map_err(invalid)?;
        let siz = rs_dicom_j2k::read_siz(src.get(start.unwrap_or(0)..).unwrap_or_default())
            .map_err(invalid)?;
        for c in &siz.comps {
            if c.precision > 32 {
                return Err(DicomError::unsupported_codec(format!(
                    "JPEG 2000 component precision {} is not supported",
                    c.precision
                )));
            }
            if c.dx != 1 || c.dy != 1 {
                return Err(DicomError::unsupported_codec(
                    "JPEG 2000 components with sub-sampling are not supported",
                ));
            }
        }
        let first = siz
            .comps
            .first()
            .ok_or_else(|| DicomError::bad_codestream("JPEG 2000 SIZ without components"))?;
        Ok(Header {
            width: siz.width(),
            height: siz.height(),
            components: siz.comps.len() as u32,
            precision: first.precision,
            signed: first.signed,
            jp2: start.is_some(),
        })
    }

    /// Checks the frame description against the header.
    fn check(&self, info: &FrameInfo, out: &[u8]) -> Result<()> {
        if out.len() != info.frame_len() {
            return Err(DicomError::bad_codestream(format!(
                "output buffer has {} bytes, a frame needs {}",
                out.len(),
                info.frame_len()
            )));
        }
        if self.width != info.columns || self.height != info.rows {
            return Err(DicomError::bad_codestream(format!(
                "JPEG 2000 image is {}x{} but (0028,0011) Columns x (0028,0010) Rows is {}x{}",
                self.width, self.height, info.columns, info.rows
            )));
        }
        if self.components != info.samples_per_pixel {
            return Err(DicomError::bad_codestream(format!(
                "JPEG 2000 image has {} components but (0028,0002) Samples per Pixel is {}",
                self.components, info.samples_per_pixel
            )));
        }
        let samples = u64::from(self.width) * u64::from(self.height) * u64::from(self.components);
        if samples > MAX_SAMPLES {
            return Err(DicomError::unsupported_codec(format!(
                "JPEG 2000 frame of {samples} samples is larger than supported"
            )));
        }
        if !matches!(info.bits_allocated, 1 | 8 | 16 | 32 | 64) {
            return Err(DicomError::unsupported_codec(format!(
                "Bits Allocated {} is not supported for JPEG 2000",
                info.bits_allocated
            )));
        }
        Ok(())
    }
}

/// An error of [`rs_dicom_j2k`] reading a header: the codestream is not valid.
fn invalid(e: rs_dicom_j2k::Error) -> DicomError {
    DicomError::bad_codestream(format!("invalid JPEG 2000 codestream: {e}"))
}

/// Decodes one frame into `out` (see [`super::decode_frame`]).
pub fn decode(src: &[u8], info: &FrameInfo, out: &mut [u8]) -> Result<ColorOut> {
    let header = Header::read(src)?;
    header.check(info, out)?;
    let conv = Convert::new(info, &header);
    #[cfg(feature = "j2k")]
    let mct = if decoder() == Decoder::Rust {
        // OpenJPEG decodes what the Rust decoder declines, and decides about damaged data
        // (it is lenient with truncated codestreams, as pydicom's decoders are).
        match native(src, &header, conv, out) {
            Ok(mct) => mct,
            Err(_) => openjpeg::decode(src, &header, info, conv, out)?,
        }
    } else {
        openjpeg::decode(src, &header, info, conv, out)?
    };
    #[cfg(not(feature = "j2k"))]
    let mct = native(src, &header, conv, out)?;
    let ybr = matches!(
        info.photometric_interpretation.as_str(),
        "YBR_ICT" | "YBR_RCT"
    );
    Ok(if ybr || (mct && info.samples_per_pixel >= 3) {
        ColorOut::Rgb
    } else {
        ColorOut::AsDataset
    })
}

/// The JPEG 2000 Part 1 decoder that runs first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoder {
    /// OpenJPEG (the `j2k` feature) alone.
    OpenJpeg,
    /// rs_dicom's Rust decoder (bit-identical to OpenJPEG, faster on one thread; no C code on
    /// the data), with OpenJPEG for what it declines and for damaged codestreams: the default.
    Rust,
}

impl Decoder {
    /// The choice named by `RS_DICOM_J2K_DECODER` (`openjpeg` or `rust`, any case); OpenJPEG
    /// only with the `j2k` feature.
    pub fn from_env_value(value: Option<&str>) -> Decoder {
        match value.map(str::trim) {
            Some(v) if cfg!(feature = "j2k") && v.eq_ignore_ascii_case("openjpeg") => {
                Decoder::OpenJpeg
            }
            _ => Decoder::Rust,
        }
    }
}

/// The decoder in use: the Rust decoder unless `RS_DICOM_J2K_DECODER=openjpeg` selects
/// OpenJPEG (read once per process).
pub fn decoder() -> Decoder {
    static CHOICE: std::sync::OnceLock<Decoder> = std::sync::OnceLock::new();
    *CHOICE.get_or_init(|| {
        Decoder::from_env_value(std::env::var("RS_DICOM_J2K_DECODER").ok().as_deref())
    })
}

/// Decodes with the Rust decoder ([`rs_dicom_j2k`]) into `out`; returns whether a multiple
/// component transform was used.
fn native(src: &[u8], header: &Header, conv: Convert, out: &mut [u8]) -> Result<bool> {
    if header.jp2 {
        return Err(DicomError::unsupported_codec(
            "JPEG 2000 in JP2 boxes: codec not available in this build (needs OpenJPEG, the \
             `j2k` feature)",
        ));
    }
    let image = rs_dicom_j2k::decode(src).map_err(|e| {
        if e.is_unsupported() {
            DicomError::unsupported_codec(format!(
                "this JPEG 2000 codestream: codec not available in this build (needs OpenJPEG, \
                 the `j2k` feature): {e}"
            ))
        } else {
            invalid(e)
        }
    })?;
    if image.width != header.width
        || image.height != header.height
        || image.components.len() != header.components as usize
    {
        return Err(DicomError::bad_codestream(
            "decoded JPEG 2000 image does not match its SIZ marker",
        ));
    }
    let planes: Vec<&[i32]> = image.components.iter().map(|c| c.data.as_slice()).collect();
    interleave(&planes, conv, out)?;
    Ok(image.mct)
}
