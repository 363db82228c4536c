//! Which codecs this build has: the C codecs (libjpeg-turbo, CharLS, OpenJPEG) and the
//! deflate codec sit behind Cargo features, so a WebAssembly build decodes less than a native
//! one, and callers (the JavaScript package, the CLI) ask here instead of guessing.

use crate::core::Codec;

/// One codec of this build: what it decodes and encodes, and with which library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodecSupport {
    /// The codec family.
    pub codec: Codec,
    /// The decoder's library and its limits, `None` when this build cannot decode it.
    pub decoder: Option<&'static str>,
    /// The encoder's library, `None` when this build cannot encode it.
    pub encoder: Option<&'static str>,
}

/// Every compression codec of the transfer syntax registry with what this build does with it
/// (native, uncompressed pixel data is always decoded and is not listed).
pub fn available_codecs() -> Vec<CodecSupport> {
    let jpeg_decoder = if cfg!(feature = "jpeg") {
        Some("libjpeg-turbo, jpeg-decoder")
    } else if cfg!(feature = "jpeg-rs") {
        Some("jpeg-decoder (pure Rust; no 12-bit lossy)")
    } else {
        None
    };
    let c = |on: bool, what: &'static str| on.then_some(what);
    let j2k_decoder = if cfg!(feature = "j2k") {
        "rs_dicom_j2k, OpenJPEG"
    } else {
        "rs_dicom_j2k (pure Rust; no JP2 boxes)"
    };
    vec![
        CodecSupport {
            codec: Codec::Rle,
            decoder: Some("rs_dicom"),
            encoder: Some("rs_dicom"),
        },
        CodecSupport {
            codec: Codec::Jpeg,
            decoder: jpeg_decoder,
            encoder: c(cfg!(feature = "jpeg"), "libjpeg-turbo"),
        },
        CodecSupport {
            codec: Codec::JpegLs,
            decoder: c(cfg!(feature = "jpegls"), "CharLS"),
            encoder: c(cfg!(feature = "jpegls"), "rs_dicom"),
        },
        CodecSupport {
            codec: Codec::Jpeg2000,
            decoder: Some(j2k_decoder),
            encoder: c(cfg!(feature = "j2k"), "OpenJPEG"),
        },
        CodecSupport {
            codec: Codec::Htj2k,
            decoder: Some(j2k_decoder),
            encoder: Some("rs_dicom_j2k"),
        },
        CodecSupport {
            codec: Codec::DeflateFrames,
            decoder: c(cfg!(feature = "deflate"), "flate2 (zlib-rs)"),
            encoder: None,
        },
    ]
}

/// The names of the codecs this build decodes (see [`Codec::name`]).
pub fn decodable_codecs() -> Vec<&'static str> {
    available_codecs()
        .iter()
        .filter(|c| c.decoder.is_some())
        .map(|c| c.codec.name())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pixel::codec::{FrameInfo, decode_frame};

    /// Every codec listed as missing refuses to decode with an `UnsupportedCodec` error that
    /// says so; every codec listed as present gets past that (to a codestream error).
    #[test]
    fn listing_agrees_with_the_decoders() {
        let info = FrameInfo {
            rows: 2,
            columns: 2,
            samples_per_pixel: 1,
            bits_allocated: 8,
            bits_stored: 8,
            pixel_representation: 0,
            planar_configuration: 0,
            photometric_interpretation: "MONOCHROME2".into(),
            as_rgb: false,
        };
        for support in available_codecs() {
            let mut out = vec![0u8; 4];
            let err = decode_frame(support.codec, b"\xff\xd8 not a codestream", &info, &mut out)
                .expect_err("garbage decodes");
            let missing = err.message.contains("codec not available in this build");
            assert_eq!(missing, support.decoder.is_none(), "{support:?}: {err}");
            if missing {
                assert_eq!(err.kind, crate::error::ErrorKind::UnsupportedCodec);
            }
        }
        assert!(decodable_codecs().contains(&"RLE Lossless"));
        assert!(decodable_codecs().contains(&"JPEG 2000"));
    }
}
