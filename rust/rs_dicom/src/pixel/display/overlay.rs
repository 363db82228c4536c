//! Overlay Data (60xx,3000): one bit per pixel, the first pixel in the lowest bit of the
//! first byte (PS3.5 8.1.2), unpacked as pydicom's `get_overlay_array` does.

use crate::core::ByteOrder;
use crate::error::{DicomError, ErrorKind, Result};

use super::lut::packed_bytes;

/// An unpacked overlay: one 0/1 byte per pixel, frames × rows × columns, and the warning to
/// give about the data's length (odd, or longer than needed), if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlayBits {
    /// 0 or 1 per pixel.
    pub bits: Vec<u8>,
    /// What is odd about the data length.
    pub warning: Option<String>,
}

#[cold]
fn invalid(message: String) -> DicomError {
    DicomError::new(ErrorKind::InvalidValue, None, "", message)
}

/// Unpacks `frames` × `rows` × `columns` overlay bits from `data`. OW data of a big endian
/// dataset (`ow_order` big) is first put back in little endian byte order per word (pydicom
/// reads the bytes as they are). Too little data is an error; a missing padding byte or
/// excess padding gives a warning, as in pydicom.
pub fn overlay_bits(
    data: &[u8],
    ow_order: ByteOrder,
    rows: usize,
    columns: usize,
    frames: i64,
) -> Result<OverlayBits> {
    if frames < 1 {
        return Err(invalid(format!(
            "Unable to reshape the overlay array as a value of {frames} for (60xx,0015) \
             'Number of Frames in Overlay' is invalid."
        )));
    }
    let pixels = rows
        .checked_mul(columns)
        .and_then(|n| n.checked_mul(usize::try_from(frames).ok()?))
        .ok_or_else(|| invalid("the overlay is too large".into()))?;
    let expected = pixels.div_ceil(8);
    let padded = expected + expected % 2;
    let actual = data.len();
    let mut warning = None;
    if actual < padded {
        if actual == expected {
            warning = Some("The overlay data length is odd and misses a padding byte.".into());
        } else {
            return Err(invalid(format!(
                "The length of the overlay data in the dataset ({actual} bytes) doesn't match \
                 the expected length ({padded} bytes). The dataset may be corrupted or there \
                 may be an issue with the overlay data handler."
            )));
        }
    } else if actual > padded {
        warning = Some(format!(
            "The length of the overlay data in the dataset ({actual} bytes) indicates it \
             contains excess padding. {} bytes will be removed from the end of the data",
            actual - expected
        ));
    }
    let swapped;
    let raw = if ow_order.is_big() {
        swapped = packed_bytes(data, ByteOrder::Big);
        &swapped[..]
    } else {
        data
    };
    let mut bits = Vec::with_capacity(pixels);
    for &byte in &raw[..expected] {
        for k in 0..8 {
            bits.push((byte >> k) & 1);
        }
    }
    bits.truncate(pixels);
    Ok(OverlayBits { bits, warning })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_in_order_with_padding_rules() {
        let o = overlay_bits(&[0b0000_0101, 0b1000_0000], ByteOrder::Little, 3, 3, 1).unwrap();
        assert_eq!(o.bits, vec![1, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert!(o.warning.is_none());
        // big endian OW: bytes swapped per word first
        let o = overlay_bits(&[0b1000_0000, 0b0000_0101], ByteOrder::Big, 3, 3, 1).unwrap();
        assert_eq!(o.bits, vec![1, 0, 1, 0, 0, 0, 0, 0, 0]);
        // odd length without the padding byte: a warning
        let o = overlay_bits(&[0xFF; 3], ByteOrder::Little, 4, 5, 1).unwrap();
        assert_eq!(o.bits, vec![1; 20]);
        assert!(o.warning.unwrap().contains("padding byte"));
        let o = overlay_bits(&[0xFF; 8], ByteOrder::Little, 4, 4, 1).unwrap();
        assert!(o.warning.unwrap().contains("excess padding. 6 bytes"));
        assert!(overlay_bits(&[0xFF; 1], ByteOrder::Little, 4, 4, 1).is_err());
        assert!(overlay_bits(&[0xFF; 2], ByteOrder::Little, 4, 4, 0).is_err());
        assert!(overlay_bits(&[], ByteOrder::Little, usize::MAX, 2, 1).is_err());
    }
}
