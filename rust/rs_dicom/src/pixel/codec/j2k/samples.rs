//! A checked frame as the input of `rs_dicom_j2k`'s encoder, shared by the Part 1 and the
//! HTJ2K paths.

use rs_dicom_j2k::{EncodeInput, Samples};

use crate::pixel::encode::FrameImage;

/// Calls `f` with the frame (8 or 16 bits allocated, already checked) as the encoder's input.
/// Signed and 16-bit samples are copied into the sample type the encoder takes: small next to
/// its work.
pub(super) fn with_input<R>(frame: &FrameImage, f: impl FnOnce(&EncodeInput) -> R) -> R {
    let (narrow, wide, wide_signed): (Vec<i8>, Vec<u16>, Vec<i16>);
    let samples = match (frame.bits_allocated > 8, frame.signed) {
        (false, false) => Samples::U8(frame.data),
        (false, true) => {
            narrow = frame.data.iter().map(|&b| b as i8).collect();
            Samples::I8(&narrow)
        }
        (true, false) => {
            wide = frame
                .data
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            Samples::U16(&wide)
        }
        (true, true) => {
            wide_signed = frame
                .data
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect();
            Samples::I16(&wide_signed)
        }
    };
    f(&EncodeInput {
        width: frame.columns,
        height: frame.rows,
        components: frame.samples_per_pixel,
        precision: frame.bits_stored,
        signed: frame.signed,
        planar: false,
        samples,
    })
}
