//! jpeg-decoder 0.3 (pure Rust): three-component frames libjpeg-turbo has no path for here
//! (4:1:1 and other non-standard sampling factors, lossless with sub-sampled components).

use super::header::Header;
use crate::error::{DicomError, Result};
use crate::pixel::codec::FrameInfo;

/// Decodes `src` to its raw components, interleaved: one byte per sample for precision 8,
/// native-endian `u16` samples otherwise.
pub(super) fn decode(src: &[u8], header: &Header, info: &FrameInfo) -> Result<Vec<u8>> {
    let bad = |e: jpeg_decoder::Error| DicomError::bad_codestream(format!("JPEG: {e}"));
    // jpeg-decoder rejects the Tq = 1 that DCMTK and GDCM write in colour lossless frames.
    let src = if header.lossless {
        header.without_tq(src)
    } else {
        src.into()
    };
    let mut dec = jpeg_decoder::Decoder::new(&src[..]);
    // `RGB` interleaves the components as decoded, without any conversion (`None` writes each
    // row component by component in 0.3.2).
    dec.set_color_transform(jpeg_decoder::ColorTransform::RGB);
    // Bound allocations by the frame size (with slack for component planes and padding).
    let limit = info.frame_len().saturating_mul(4).saturating_add(1 << 16);
    dec.set_max_decoding_buffer_size(limit);
    dec.read_info().map_err(bad)?;
    let meta = dec
        .info()
        .ok_or_else(|| DicomError::bad_codestream("JPEG: no frame header"))?;
    if meta.width != header.columns || meta.height != header.rows {
        return Err(DicomError::bad_codestream(
            "JPEG frame header dimensions are inconsistent",
        ));
    }
    // jpeg-decoder is not supposed to panic on bad data; contain it if it ever does (a no-op
    // under panic = "abort").
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| dec.decode()))
        .map_err(|_| DicomError::bad_codestream("JPEG: the decoder failed on malformed data"))?
        .map_err(bad)
}
