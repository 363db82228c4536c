//! Compressed pixel data made and undone: the encoder of each transfer syntax, frames
//! encoded in parallel, encapsulation with offset tables, and compress/decompress of a
//! dataset with the attributes that change with it. The encoders themselves live beside
//! their decoders in [`super::codec`] and take a [`FrameImage`].

mod dataset;
mod offsets;
mod source;
#[cfg(test)]
mod tests;

pub use dataset::{CompressOptions, compress, decompress};
pub use offsets::{EncapsulatedValue, encapsulate_frames};

use crate::core::TransferSyntax;
use crate::error::{DicomError, ErrorKind, Result};
use crate::pixel::codec::{j2k, jpeg, jpegls, rle};
use crate::pixel::encode::{EncodeOptions, FrameImage};

/// A transfer syntax rs_dicom encodes into, by UID.
mod uid {
    pub const RLE: &str = "1.2.840.10008.1.2.5";
    pub const JPEG_BASELINE: &str = "1.2.840.10008.1.2.4.50";
    pub const JPEG_LOSSLESS_SV1: &str = "1.2.840.10008.1.2.4.70";
    pub const JPEG_LS_LOSSLESS: &str = "1.2.840.10008.1.2.4.80";
    pub const JPEG_LS_NEAR: &str = "1.2.840.10008.1.2.4.81";
    pub const J2K_LOSSLESS: &str = "1.2.840.10008.1.2.4.90";
    pub const J2K: &str = "1.2.840.10008.1.2.4.91";
    pub const HTJ2K_LOSSLESS: &str = "1.2.840.10008.1.2.4.201";
    pub const HTJ2K_LOSSLESS_RPCL: &str = "1.2.840.10008.1.2.4.202";
    pub const HTJ2K: &str = "1.2.840.10008.1.2.4.203";
}

/// The compressed transfer syntaxes this module has a match arm for (whether or not this
/// build has their encoder: see [`has_encoder`]).
pub const ENCODABLE: [&str; 10] = [
    uid::RLE,
    uid::JPEG_BASELINE,
    uid::JPEG_LOSSLESS_SV1,
    uid::JPEG_LS_LOSSLESS,
    uid::JPEG_LS_NEAR,
    uid::J2K_LOSSLESS,
    uid::J2K,
    uid::HTJ2K_LOSSLESS,
    uid::HTJ2K_LOSSLESS_RPCL,
    uid::HTJ2K,
];

/// Encodes one frame for `ts` (without the panic guard: see [`encode_frame`]).
fn encode_frame_unguarded(
    ts: &TransferSyntax,
    frame: &FrameImage,
    opts: &EncodeOptions,
) -> Result<Vec<u8>> {
    match ts.uid {
        uid::RLE => rle::encode::encode(frame),
        uid::JPEG_BASELINE => jpeg::encode::encode_baseline(frame, opts),
        uid::JPEG_LOSSLESS_SV1 => jpeg::encode::encode_lossless(frame),
        uid::JPEG_LS_LOSSLESS => jpegls::encode::encode(frame, 0),
        uid::JPEG_LS_NEAR => jpegls::encode::encode(frame, opts.near),
        uid::J2K_LOSSLESS => j2k::encode::encode(frame, opts, true),
        uid::J2K => j2k::encode::encode(frame, opts, false),
        uid::HTJ2K_LOSSLESS => j2k::htj2k_encode::encode(frame, opts, true),
        uid::HTJ2K_LOSSLESS_RPCL => j2k::htj2k_encode::encode_rpcl(frame, opts),
        uid::HTJ2K => j2k::htj2k_encode::encode(frame, opts, false),
        _ => Err(DicomError::codec(
            ErrorKind::UnsupportedCodec,
            format!(
                "{} ({}) is not a transfer syntax rs_dicom compresses into",
                ts.name, ts.uid
            ),
        )),
    }
}

/// Whether this build encodes `ts` (a 1×1 frame is tried: every wired encoder takes one).
pub fn has_encoder(ts: &TransferSyntax) -> bool {
    let frame = FrameImage {
        rows: 1,
        columns: 1,
        samples_per_pixel: 1,
        bits_allocated: 8,
        bits_stored: 8,
        signed: false,
        photometric_interpretation: "MONOCHROME2",
        data: &[0],
    };
    let opts = EncodeOptions {
        near: u32::from(ts.uid == uid::JPEG_LS_NEAR),
        ..EncodeOptions::default()
    };
    encode_frame(ts, &frame, &opts).is_ok()
}

/// Encodes one frame for transfer syntax `ts`. A panic in a third-party encoder is caught
/// and reported as a [`DicomError`], so none reaches the caller (or Python).
pub fn encode_frame(
    ts: &TransferSyntax,
    frame: &FrameImage,
    opts: &EncodeOptions,
) -> Result<Vec<u8>> {
    let run = std::panic::AssertUnwindSafe(|| encode_frame_unguarded(ts, frame, opts));
    std::panic::catch_unwind(run).unwrap_or_else(|_| {
        Err(DicomError::codec(
            ErrorKind::Encode,
            format!("the {} encoder failed on this frame", ts.name),
        ))
    })
}

/// Whether output in `ts` with `opts` loses information (PS3.3 C.7.6.1.1.5).
pub fn is_lossy(ts: &TransferSyntax, opts: &EncodeOptions) -> bool {
    match ts.uid {
        uid::JPEG_LS_NEAR => opts.near > 0,
        _ => ts.lossy,
    }
}

/// The Lossy Image Compression Method (0028,2114) of `ts` (PS3.3 C.7.6.1.1.5.1).
pub fn lossy_method(ts: &TransferSyntax) -> Option<&'static str> {
    match ts.uid {
        uid::JPEG_BASELINE => Some("ISO_10918_1"),
        uid::JPEG_LS_NEAR => Some("ISO_14495_1"),
        uid::J2K => Some("ISO_15444_1"),
        uid::HTJ2K => Some("ISO_15444_15"),
        _ => None,
    }
}

/// The Photometric Interpretation of frames encoded in `ts` from `source` (which is also the
/// answer when the codec keeps the colour model): the JPEG baseline colour transform makes
/// YBR_FULL_422, the JPEG 2000 reversible and irreversible ones YBR_RCT and YBR_ICT.
pub fn photometric_after(
    ts: &TransferSyntax,
    opts: &EncodeOptions,
    spp: u32,
    source: &str,
) -> String {
    if spp != 3 || source != "RGB" || !opts.color_transform {
        return source.to_string();
    }
    match ts.uid {
        uid::JPEG_BASELINE => "YBR_FULL_422",
        uid::J2K_LOSSLESS | uid::HTJ2K_LOSSLESS | uid::HTJ2K_LOSSLESS_RPCL => "YBR_RCT",
        uid::J2K | uid::HTJ2K => "YBR_ICT",
        _ => source,
    }
    .to_string()
}
