//! HTJ2K encoding (ISO/IEC 15444-15) with the project's own encoder,
//! [`rs_dicom_j2k::encode`]: a raw codestream, one tile, RPCL progression (what the HTJ2K
//! Lossless RPCL syntax asks for, and a fine order for the other two).

use rs_dicom_j2k::Progression;

use crate::error::{DicomError, ErrorKind, Result};
use crate::pixel::encode::{EncodeOptions, FrameImage};

fn refuse(message: impl Into<String>) -> DicomError {
    DicomError::codec(ErrorKind::Encode, message)
}

/// Largest base (lowest) resolution the HTJ2K Lossless RPCL syntax allows (PS3.5 10.18: a
/// thumbnail can be read first).
const RPCL_BASE: u32 = 64;

/// Encodes one frame for HTJ2K Lossless RPCL (PS3.5 10.18): lossless, RPCL progression,
/// enough decomposition levels for a base resolution of at most 64, and a TLM marker.
pub fn encode_rpcl(frame: &FrameImage, opts: &EncodeOptions) -> Result<Vec<u8>> {
    let longest = frame.rows.max(frame.columns).max(1);
    let mut levels = 5;
    while longest.div_ceil(1 << levels) > RPCL_BASE {
        levels += 1;
    }
    let codestream = encode_with(frame, opts, true, levels)?;
    with_tlm(&codestream)
}

/// Encodes one frame as an HTJ2K codestream: reversible 5/3 wavelet and RCT when `lossless`,
/// else the irreversible 9/7 wavelet, ICT and quantisation by `opts.lossy_step` (1/256 of the
/// sample range by default). The colour transform applies to 3-sample frames when
/// `opts.color_transform` is set.
pub fn encode(frame: &FrameImage, opts: &EncodeOptions, lossless: bool) -> Result<Vec<u8>> {
    encode_with(
        frame,
        opts,
        lossless,
        rs_dicom_j2k::EncodeOptions::default().levels,
    )
}

fn encode_with(
    frame: &FrameImage,
    opts: &EncodeOptions,
    lossless: bool,
    levels: u32,
) -> Result<Vec<u8>> {
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
    let options = rs_dicom_j2k::EncodeOptions {
        progression: Progression::Rpcl,
        levels,
        color_transform: opts.color_transform,
        lossy_step: if lossless {
            None
        } else {
            Some(opts.lossy_step.unwrap_or(1.0 / 256.0))
        },
        ..rs_dicom_j2k::EncodeOptions::default()
    };
    super::samples::with_input(frame, |input| rs_dicom_j2k::encode(input, &options))
        .map_err(|e| refuse(format!("HTJ2K: {}", e.message)))
}

/// `codestream` with a TLM marker segment (ISO/IEC 15444-1 A.7.1) after the main header: one
/// tile-part, its length as 32 bits, tiles in order (Stlm 0x40: no Ttlm, 4-byte Ptlm).
fn with_tlm(codestream: &[u8]) -> Result<Vec<u8>> {
    let bad = || refuse("HTJ2K: the encoder's codestream has no tile-part where expected");
    let word = |at: usize| -> Option<u16> {
        Some(u16::from_be_bytes([
            *codestream.get(at)?,
            *codestream.get(at + 1)?,
        ]))
    };
    if word(0) != Some(0xFF4F) {
        return Err(bad());
    }
    // Marker segments up to the first SOT (FF90).
    let mut at = 2;
    while word(at).ok_or_else(bad)? != 0xFF90 {
        let len = usize::from(word(at + 2).ok_or_else(bad)?);
        at += 2 + len;
    }
    let sot = at;
    let psot = codestream
        .get(sot + 6..sot + 10)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(bad)?;
    // Psot 0: the tile-part runs to the EOC marker.
    let length = if psot == 0 {
        u32::try_from(codestream.len().saturating_sub(sot + 2)).map_err(|_| bad())?
    } else {
        psot
    };
    let mut out = Vec::with_capacity(codestream.len() + 10);
    out.extend_from_slice(&codestream[..sot]);
    out.extend_from_slice(&[0xFF, 0x55, 0x00, 0x08, 0x00, 0x40]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&codestream[sot..]);
    Ok(out)
}
