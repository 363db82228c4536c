//! One decoded frame as typed values in C order, for the display pipeline of a dataset.

use crate::core::endian::Number;
use crate::core::{ByteOrder, Dataset, TransferSyntax};
use crate::error::{DicomError, ErrorKind, Result};
use crate::pixel::{DecodeOptions, Frames, PixelBuffer, PixelData, Pixels, Sample};

use super::px::Values;

/// Pixel values of any sample type, owned.
#[derive(Debug, Clone, PartialEq)]
pub enum OwnedValues {
    /// uint8
    U8(Vec<u8>),
    /// int8
    I8(Vec<i8>),
    /// uint16
    U16(Vec<u16>),
    /// int16
    I16(Vec<i16>),
    /// uint32
    U32(Vec<u32>),
    /// int32
    I32(Vec<i32>),
    /// uint64
    U64(Vec<u64>),
    /// int64
    I64(Vec<i64>),
    /// float32
    F32(Vec<f32>),
    /// float64
    F64(Vec<f64>),
}

impl OwnedValues {
    /// Borrowed.
    pub fn as_values(&self) -> Values<'_> {
        match self {
            OwnedValues::U8(v) => Values::U8(v),
            OwnedValues::I8(v) => Values::I8(v),
            OwnedValues::U16(v) => Values::U16(v),
            OwnedValues::I16(v) => Values::I16(v),
            OwnedValues::U32(v) => Values::U32(v),
            OwnedValues::I32(v) => Values::I32(v),
            OwnedValues::U64(v) => Values::U64(v),
            OwnedValues::I64(v) => Values::I64(v),
            OwnedValues::F32(v) => Values::F32(v),
            OwnedValues::F64(v) => Values::F64(v),
        }
    }
}

/// A decoded frame: values in C order (rows, columns, samples).
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// The values.
    pub values: OwnedValues,
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub columns: usize,
    /// Samples per pixel.
    pub samples: usize,
}

#[cold]
fn too_short() -> DicomError {
    DicomError::new(
        ErrorKind::Malformed,
        None,
        "(7FE0,0010)",
        "pixel data too short",
    )
}

/// Reads the array described by `p` (any strides) in C order.
fn gather<T: Number>(bytes: &[u8], p: &Pixels) -> Result<Vec<T>> {
    let order = ByteOrder::from_big_endian(p.big_endian);
    let (shape, strides) = (&p.shape, &p.strides);
    let count: usize = shape.iter().product();
    if *strides == crate::pixel::sample::c_strides(shape, T::SIZE) {
        let bytes = bytes.get(..count * T::SIZE).ok_or_else(too_short)?;
        return Ok(order.values::<T>(bytes).collect());
    }
    let mut out = Vec::with_capacity(count);
    let mut index = vec![0usize; shape.len()];
    for _ in 0..count {
        let at: usize = index.iter().zip(strides).map(|(i, s)| i * s).sum();
        let v = order.read::<T>(bytes, at).ok_or_else(too_short)?;
        out.push(v);
        for axis in (0..shape.len()).rev() {
            index[axis] += 1;
            if index[axis] < shape[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
    Ok(out)
}

/// Decodes frame `frame` of `ds` (read with transfer syntax `ts`) to typed values.
pub fn decode_frame(ds: &Dataset, ts: &TransferSyntax, frame: usize) -> Result<Frame> {
    let opts = DecodeOptions::default();
    let px = PixelData::new(ds, ts, &opts.limits)?.ok_or_else(|| {
        DicomError::new(
            ErrorKind::Malformed,
            None,
            "(7FE0,0010)",
            "the dataset has no pixel data",
        )
    })?;
    let p = px.decode(ds, &Frames::One(frame), &opts)?;
    // Views are read in place (decode checked the source before handing them out).
    let bytes: &[u8] = match &p.buffer {
        PixelBuffer::View { source, start, len } => {
            source.bytes().get(*start..start + len).unwrap_or(&[])
        }
        PixelBuffer::Shared { bytes, start, len } => bytes.get(*start..start + len).unwrap_or(&[]),
        PixelBuffer::Owned(v) => v,
    };
    let values = match p.sample {
        Sample::U8 => OwnedValues::U8(gather(bytes, &p)?),
        Sample::I8 => OwnedValues::I8(gather(bytes, &p)?),
        Sample::U16 => OwnedValues::U16(gather(bytes, &p)?),
        Sample::I16 => OwnedValues::I16(gather(bytes, &p)?),
        Sample::U32 => OwnedValues::U32(gather(bytes, &p)?),
        Sample::I32 => OwnedValues::I32(gather(bytes, &p)?),
        Sample::U64 => OwnedValues::U64(gather(bytes, &p)?),
        Sample::I64 => OwnedValues::I64(gather(bytes, &p)?),
        Sample::F32 => OwnedValues::F32(gather(bytes, &p)?),
        Sample::F64 => OwnedValues::F64(gather(bytes, &p)?),
    };
    Ok(Frame {
        values,
        rows: p.shape.first().copied().unwrap_or(0),
        columns: p.shape.get(1).copied().unwrap_or(0),
        samples: p.shape.get(2).copied().unwrap_or(1),
    })
}
