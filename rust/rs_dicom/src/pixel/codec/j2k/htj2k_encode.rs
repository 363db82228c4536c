//! HTJ2K encoding (ISO/IEC 15444-15) with the project's own encoder,
//! [`rs_dicom_j2k::encode`]: a raw codestream, one tile, RPCL progression (what the HTJ2K
//! Lossless RPCL syntax asks for, and a fine order for the other two).

use rs_dicom_j2k::{EncodeInput, Progression, Samples};

use crate::error::{DicomError, ErrorKind, Result};
use crate::pixel::encode::{EncodeOptions, FrameImage};

fn refuse(message: impl Into<String>) -> DicomError {
    DicomError::codec(ErrorKind::Encode, message)
}

/// Encodes one frame as an HTJ2K codestream: reversible 5/3 wavelet and RCT when `lossless`,
/// else the irreversible 9/7 wavelet, ICT and quantisation by `opts.lossy_step` (1/256 of the
/// sample range by default). The colour transform applies to 3-sample frames when
/// `opts.color_transform` is set.
pub fn encode(frame: &FrameImage, opts: &EncodeOptions, lossless: bool) -> Result<Vec<u8>> {
    let bits = frame.bits_allocated;
    if !matches!(bits, 8 | 16) {
        return Err(refuse(format!(
            "HTJ2K cannot encode Bits Allocated {bits} (8 or 16)"
        )));
    }
    if frame.bits_stored == 0 || frame.bits_stored > bits.min(16) {
        return Err(refuse(format!(
            "HTJ2K cannot encode Bits Stored {} with Bits Allocated {bits}",
            frame.bits_stored
        )));
    }
    if !matches!(frame.samples_per_pixel, 1 | 3) {
        return Err(refuse(format!(
            "HTJ2K cannot encode {} samples per pixel (1 or 3)",
            frame.samples_per_pixel
        )));
    }
    if frame.data.len() != frame.frame_len() {
        return Err(refuse(format!(
            "the frame has {} bytes, not the {} its attributes give",
            frame.data.len(),
            frame.frame_len()
        )));
    }
    if !lossless && opts.compression_ratio.is_some() {
        return Err(refuse(
            "HTJ2K lossy is set by a quantisation step (lossy_step), not a compression ratio",
        ));
    }
    // Copies of the frame in the sample type the encoder takes: small next to its work.
    let (narrow, wide, wide_signed): (Vec<i8>, Vec<u16>, Vec<i16>);
    let samples = match (bits, frame.signed) {
        (8, false) => Samples::U8(frame.data),
        (8, true) => {
            narrow = frame.data.iter().map(|&b| b as i8).collect();
            Samples::I8(&narrow)
        }
        (_, false) => {
            wide = frame
                .data
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            Samples::U16(&wide)
        }
        (_, true) => {
            wide_signed = frame
                .data
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect();
            Samples::I16(&wide_signed)
        }
    };
    let input = EncodeInput {
        width: frame.columns,
        height: frame.rows,
        components: frame.samples_per_pixel,
        precision: frame.bits_stored,
        signed: frame.signed,
        planar: false,
        samples,
    };
    let options = rs_dicom_j2k::EncodeOptions {
        progression: Progression::Rpcl,
        color_transform: opts.color_transform,
        lossy_step: if lossless {
            None
        } else {
            Some(opts.lossy_step.unwrap_or(1.0 / 256.0))
        },
        ..rs_dicom_j2k::EncodeOptions::default()
    };
    rs_dicom_j2k::encode(&input, &options).map_err(|e| refuse(format!("HTJ2K: {}", e.message)))
}
