//! The Image Pixel module attributes that describe pixel data (PS3.3 C.7.6.3), checked
//! before anything is decoded.

use std::ops::Range;

use crate::core::{Dataset, Element, Tag};
use crate::error::{DicomError, ErrorKind, Result};
use crate::value::{Scalar, Value, decode};

const SAMPLES_PER_PIXEL: Tag = Tag(0x0028, 0x0002);
const PHOTOMETRIC_INTERPRETATION: Tag = Tag(0x0028, 0x0004);
const PLANAR_CONFIGURATION: Tag = Tag(0x0028, 0x0006);
const NUMBER_OF_FRAMES: Tag = Tag(0x0028, 0x0008);
const ROWS: Tag = Tag(0x0028, 0x0010);
const COLUMNS: Tag = Tag(0x0028, 0x0011);
const BITS_ALLOCATED: Tag = Tag(0x0028, 0x0100);
const BITS_STORED: Tag = Tag(0x0028, 0x0101);
const PIXEL_REPRESENTATION: Tag = Tag(0x0028, 0x0103);

/// The Image Pixel module attributes that describe pixel data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PixelDescription {
    /// Rows (0028,0010).
    pub rows: u32,
    /// Columns (0028,0011).
    pub columns: u32,
    /// Samples per Pixel (0028,0002); 1 when absent.
    pub samples_per_pixel: u32,
    /// Bits Allocated (0028,0100); 32/64 for float and double float pixel data.
    pub bits_allocated: u32,
    /// Bits Stored (0028,0101); Bits Allocated when absent.
    pub bits_stored: u32,
    /// Pixel Representation (0028,0103): 0 unsigned, 1 two's complement.
    pub pixel_representation: u32,
    /// Planar Configuration (0028,0006): 0 interleaved, 1 by plane.
    pub planar_configuration: u32,
    /// Number of Frames (0028,0008); 1 when absent or invalid.
    pub number_of_frames: u32,
    /// Photometric Interpretation (0028,0004).
    pub photometric_interpretation: String,
    /// The pixel data element's tag (7FE0,0010 / 0008 / 0009).
    pub tag: Tag,
}

fn uint(ds: &Dataset, tag: Tag) -> Option<u32> {
    let e = ds.get(tag)?;
    match decode(ds, e) {
        Value::Ints(v) => v.first().and_then(|&x| u32::try_from(x).ok()),
        Value::Numbers(v) => match v.first() {
            Some(Scalar::Int(i)) => u32::try_from(*i).ok(),
            _ => None,
        },
        _ => None,
    }
}

fn text(ds: &Dataset, tag: Tag) -> Option<String> {
    let e = ds.get(tag)?;
    match decode(ds, e) {
        Value::Text(v) => v.into_iter().next(),
        _ => None,
    }
}

/// The first pixel data element of a dataset (Pixel Data, Float or Double Float Pixel Data).
pub(crate) fn pixel_element(ds: &Dataset) -> Option<&Element> {
    [
        Tag::PIXEL_DATA,
        Tag::FLOAT_PIXEL_DATA,
        Tag::DOUBLE_FLOAT_PIXEL_DATA,
    ]
    .into_iter()
    .find_map(|t| ds.get(t))
}

#[cold]
pub(crate) fn no_pixel_data() -> DicomError {
    DicomError::new(
        ErrorKind::Malformed,
        None,
        "",
        "the dataset has no pixel data",
    )
}

impl PixelDescription {
    /// Reads the description from a dataset that has pixel data.
    pub fn from_dataset(ds: &Dataset) -> Result<PixelDescription> {
        let tag = pixel_element(ds).ok_or_else(no_pixel_data)?.tag;
        Self::from_header(ds, tag)
    }

    /// Reads the description of pixel data `tag` from the attributes of `ds` (which may have
    /// been read without the pixel data).
    pub fn from_header(ds: &Dataset, tag: Tag) -> Result<PixelDescription> {
        let missing = |name: &str, t: Tag| {
            DicomError::new(
                ErrorKind::Malformed,
                Some(ds.offset() as u64),
                t.to_string(),
                format!("pixel data without {name} {t}"),
            )
        };
        // Rows, Columns, Samples per Pixel and Bits Allocated of 0 describe no pixels: an
        // error naming the attribute, not an empty (or unshapeable) array.
        let positive = |name: &str, t: Tag, v: Option<u32>| match v {
            None => Err(missing(name, t)),
            Some(0) => Err(DicomError::new(
                ErrorKind::Malformed,
                ds.get(t).map(|e| e.offset as u64),
                t.to_string(),
                format!("{name} {t} is 0: the pixel data attributes describe no pixels"),
            )),
            Some(v) => Ok(v),
        };
        let rows = positive("Rows", ROWS, uint(ds, ROWS))?;
        let columns = positive("Columns", COLUMNS, uint(ds, COLUMNS))?;
        let bits_allocated = match tag {
            Tag::FLOAT_PIXEL_DATA => 32,
            Tag::DOUBLE_FLOAT_PIXEL_DATA => 64,
            _ => positive("Bits Allocated", BITS_ALLOCATED, uint(ds, BITS_ALLOCATED))?,
        };
        let samples_per_pixel = match uint(ds, SAMPLES_PER_PIXEL) {
            None => 1,
            v => positive("Samples per Pixel", SAMPLES_PER_PIXEL, v)?,
        };
        let frames = match ds.get(NUMBER_OF_FRAMES).map(|e| decode(ds, e)) {
            Some(Value::Numbers(v)) => match v.first() {
                Some(Scalar::Int(n)) if *n >= 1 => u32::try_from(*n).unwrap_or(1),
                _ => 1,
            },
            _ => 1,
        };
        Ok(PixelDescription {
            rows,
            columns,
            samples_per_pixel,
            bits_allocated,
            bits_stored: uint(ds, BITS_STORED).unwrap_or(bits_allocated),
            pixel_representation: uint(ds, PIXEL_REPRESENTATION).unwrap_or(0),
            planar_configuration: uint(ds, PLANAR_CONFIGURATION).unwrap_or(0),
            number_of_frames: frames,
            photometric_interpretation: text(ds, PHOTOMETRIC_INTERPRETATION).unwrap_or_default(),
            tag,
        })
    }

    /// Bytes of one native (uncompressed) frame; bits are packed for Bits Allocated 1.
    pub fn frame_len(&self) -> Option<usize> {
        let pixels = (self.rows as usize)
            .checked_mul(self.columns as usize)?
            .checked_mul(self.samples_per_pixel as usize)?;
        if self.bits_allocated == 1 {
            return Some(pixels.div_ceil(8));
        }
        pixels.checked_mul((self.bits_allocated as usize).div_ceil(8))
    }

    /// Byte range of native frame `i` within the pixel data value (bit-packed frames may start
    /// mid-byte: the range then covers the bytes that hold the frame's bits).
    pub fn native_frame_range(&self, i: usize) -> Option<Range<usize>> {
        if self.bits_allocated == 1 {
            let bits = (self.rows as usize)
                .checked_mul(self.columns as usize)?
                .checked_mul(self.samples_per_pixel as usize)?;
            let start = bits.checked_mul(i)? / 8;
            let end = (bits.checked_mul(i + 1)?).div_ceil(8);
            return Some(start..end);
        }
        let n = self.frame_len()?;
        Some(n.checked_mul(i)?..n.checked_mul(i + 1)?)
    }
}
