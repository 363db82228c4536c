//! CharLS 2.4 (`charls`, vendored, the `jpegls` feature): reads the frame header and decodes.

use ::charls::CharLS;

use crate::error::{DicomError, Result};

/// What the frame header (SOF55) says.
pub(super) struct Frame {
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) components: i32,
    pub(super) bits: i32,
}

fn corrupt(e: ::charls::Error) -> DicomError {
    DicomError::bad_codestream(format!("corrupt JPEG-LS codestream: {e}"))
}

/// The frame header, read with a decoder of its own (a CharLS decoder reads one header only),
/// so it can be checked before decoding and a hostile header cannot make CharLS allocate a
/// huge image.
pub(super) fn read_header(src: &[u8]) -> Result<Frame> {
    let f = CharLS::default().get_frame_info(src).map_err(corrupt)?;
    Ok(Frame {
        width: f.width,
        height: f.height,
        components: f.component_count,
        bits: f.bits_per_sample,
    })
}

/// Decodes `src`: one byte per sample up to 8 bits, native-endian `u16` samples above, in the
/// codestream's interleave mode (by plane for ILV 0).
pub(super) fn decode(src: &[u8]) -> Result<Vec<u8>> {
    CharLS::default().decode(src).map_err(corrupt)
}
