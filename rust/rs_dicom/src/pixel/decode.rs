//! The one entry point from a dataset to pixels: [`PixelData`] decides native or
//! encapsulated, the codec, dtype, shape and memory layout, and [`PixelData::decode`] hands
//! back a described buffer — a view of the source when the stored bytes already are the
//! answer, else decoded bytes. Callers (the Python bindings) only wrap it.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use super::codec::Encapsulated;
use super::description::{PixelDescription, no_pixel_data, pixel_element};
use super::frames::{EncapsulatedFrames, encapsulated_frames, frame_bytes};
use super::native::NativeLayout;
use super::options::{DecodeOptions, Frames};
use super::sample::{Sample, c_strides};
use crate::core::{Dataset, ElementValue, Limits, Source, TransferSyntax};
use crate::error::{DicomError, ErrorKind, Result};

/// Where decoded pixels are.
#[derive(Debug)]
pub enum PixelBuffer {
    /// `start..start + len` of a source that allows views: the stored bytes as they are.
    View {
        /// The source.
        source: Arc<Source>,
        /// First byte.
        start: usize,
        /// Length in bytes.
        len: usize,
    },
    /// Decoded (or copied) bytes.
    Owned(Vec<u8>),
    /// `start..start + len` of bytes an element owns (pixel data set in memory).
    Shared {
        /// The element's bytes.
        bytes: Arc<[u8]>,
        /// First byte.
        start: usize,
        /// Length in bytes.
        len: usize,
    },
}

/// Decoded pixels: a buffer and how to read it as an array.
#[derive(Debug)]
pub struct Pixels {
    /// The bytes.
    pub buffer: PixelBuffer,
    /// The sample type.
    pub sample: Sample,
    /// True when multi-byte samples are big endian (pydicom keeps a big-endian file's order).
    pub big_endian: bool,
    /// Array shape: (frames,) rows, columns (, samples).
    pub shape: Vec<usize>,
    /// Byte strides of each axis (C order, except views of plane-by-plane native data).
    pub strides: Vec<usize>,
    /// The photometric interpretation of the output (RGB after a YBR conversion).
    pub photometric_interpretation: String,
}

enum Kind {
    Native(NativeLayout),
    /// The frame map, and the decoder or why there is none (an unsupported codec is an error
    /// of decoding, not of describing: the encoded frames can still be had).
    Encapsulated(EncapsulatedFrames, Result<Box<Encapsulated>>),
}

/// A dataset's pixel data, ready to decode: description, codec, frame map.
pub struct PixelData {
    desc: PixelDescription,
    sample: Sample,
    kind: Kind,
}

impl PixelData {
    /// Prepares the pixel data of `ds`, read with transfer syntax `ts`; `None` when the
    /// dataset has none. Errors name the attribute or the byte offset: missing or zero image
    /// attributes, data cut short, a frame map that does not fit, too many frames.
    pub fn new(ds: &Dataset, ts: &TransferSyntax, limits: &Limits) -> Result<Option<PixelData>> {
        let Some(elem) = pixel_element(ds) else {
            return Ok(None);
        };
        if let Some(err) = elem.truncation() {
            return Err(err.clone());
        }
        let desc = PixelDescription::from_dataset(ds)?;
        if desc.number_of_frames > limits.max_frames {
            return Err(DicomError::new(
                ErrorKind::Limit,
                Some(elem.offset as u64),
                "(0028,0008)",
                format!(
                    "Number of Frames {} is over the limit of {}",
                    desc.number_of_frames, limits.max_frames
                ),
            ));
        }
        let sample = Sample::for_description(&desc)?;
        let kind = match &elem.value {
            ElementValue::Encapsulated { .. } => {
                let frames = encapsulated_frames(ds, elem, desc.number_of_frames as usize)?;
                let decoder = Encapsulated::with_frames(elem, &desc, ts, frames.clone());
                Kind::Encapsulated(frames, decoder.map(Box::new))
            }
            _ => Kind::Native(NativeLayout::new(ds, elem, desc.clone())?),
        };
        Ok(Some(PixelData { desc, sample, kind }))
    }

    /// The image attributes.
    pub fn description(&self) -> &PixelDescription {
        &self.desc
    }

    /// The fragment → frame map of encapsulated pixel data (None when native).
    pub fn frame_map(&self) -> Option<&EncapsulatedFrames> {
        match &self.kind {
            Kind::Encapsulated(frames, _) => Some(frames),
            Kind::Native(_) => None,
        }
    }

    /// The sample type of decoded pixels (pydicom's dtype).
    pub fn sample(&self) -> Sample {
        self.sample
    }

    /// Number of frames (1 when the dataset does not say).
    pub fn frame_count(&self) -> usize {
        self.desc.number_of_frames.max(1) as usize
    }

    /// The shape of `frames` as decoded.
    pub fn shape(&self, frames: &Frames) -> Vec<usize> {
        let d = &self.desc;
        let mut s = Vec::with_capacity(4);
        match frames {
            Frames::All if d.number_of_frames > 1 => s.push(self.frame_count()),
            Frames::Range(r) => s.push(r.len()),
            _ => {}
        }
        s.push(d.rows as usize);
        s.push(d.columns as usize);
        if d.samples_per_pixel > 1 {
            s.push(d.samples_per_pixel as usize);
        }
        s
    }

    fn range_of(&self, frames: &Frames) -> Result<Range<usize>> {
        let n = self.frame_count();
        let r = match frames {
            Frames::All => 0..n,
            Frames::One(i) => *i..i.saturating_add(1),
            Frames::Range(r) => r.clone(),
        };
        if r.is_empty() || r.end > n {
            return Err(DicomError::new(
                ErrorKind::Limit,
                None,
                "(7FE0,0010)",
                format!("frame {} out of range ({n} frames)", r.start),
            ));
        }
        Ok(r)
    }

    /// Decodes `frames` of `ds` (the dataset this was prepared from).
    pub fn decode(&self, ds: &Dataset, frames: &Frames, opts: &DecodeOptions) -> Result<Pixels> {
        let range = self.range_of(frames)?;
        let shape = self.shape(frames);
        let sample = self.sample();
        let elem = pixel_element(ds).ok_or_else(no_pixel_data)?;
        let source = ds.source();
        let (buffer, big_endian, photometric, strides) = match &self.kind {
            Kind::Native(layout) => {
                let big = layout.out_big_endian();
                // The bytes the layout's offsets point into: the source, or the element's own.
                let owned = match &elem.value {
                    ElementValue::Owned(b) => Some(b.clone()),
                    _ => None,
                };
                let base = owned.as_deref().unwrap_or(source.bytes());
                if layout.viewable(base, range.clone(), opts.as_rgb) {
                    let r = layout.bytes_of(range.clone());
                    let start = layout.start + r.start;
                    let buffer = match owned {
                        Some(bytes) => PixelBuffer::Shared {
                            bytes,
                            start,
                            len: r.len(),
                        },
                        None if source.shares_views() => {
                            source.check()?;
                            PixelBuffer::View {
                                source: source.clone(),
                                start,
                                len: r.len(),
                            }
                        }
                        None => PixelBuffer::Owned(source.copy_range(start, r.len())?),
                    };
                    let strides = layout.view_strides(&shape);
                    (
                        buffer,
                        big,
                        self.desc.photometric_interpretation.clone(),
                        strides,
                    )
                } else {
                    let (bytes, photometric) = layout.decode(base, range, opts.as_rgb)?;
                    source.check()?;
                    let strides = c_strides(&shape, sample.size());
                    (PixelBuffer::Owned(bytes), big, photometric, strides)
                }
            }
            Kind::Encapsulated(_, decoder) => {
                let enc = decoder.as_ref().map_err(Clone::clone)?;
                let (bytes, photometric) = enc.decode(ds, elem, range, opts)?;
                source.check()?;
                let strides = c_strides(&shape, sample.size());
                (PixelBuffer::Owned(bytes), false, photometric, strides)
            }
        };
        Ok(Pixels {
            buffer,
            sample,
            big_endian,
            shape,
            strides,
            photometric_interpretation: photometric,
        })
    }

    /// Native frame `i` as [`PixelData::decode`] would hand it out — little endian, pixels
    /// interleaved, unused bits clean — borrowed from the dataset's bytes (a mapped file's
    /// map too: the caller checks the source after reading), or `None` when decoding would
    /// change the bytes (or the data is encapsulated).
    pub(crate) fn native_frame<'a>(&self, ds: &'a Dataset, i: usize) -> Option<&'a [u8]> {
        let Kind::Native(layout) = &self.kind else {
            return None;
        };
        let range = self.range_of(&Frames::One(i)).ok()?;
        let shape = self.shape(&Frames::One(i));
        let size = self.sample().size();
        if layout.out_big_endian() || layout.view_strides(&shape) != c_strides(&shape, size) {
            return None;
        }
        let elem = pixel_element(ds)?;
        let base = match &elem.value {
            ElementValue::Owned(b) => &b[..],
            _ => ds.source().bytes(),
        };
        if !layout.viewable(base, range.clone(), false) {
            return None;
        }
        let r = layout.bytes_of(range);
        base.get(layout.start + r.start..layout.start + r.end)
    }

    /// The encoded bytes of frame `i`: borrowed when it is one fragment or native, joined
    /// when its fragments had to be put together.
    pub fn frame_bytes<'a>(&self, ds: &'a Dataset, i: usize) -> Result<Cow<'a, [u8]>> {
        self.range_of(&Frames::One(i))?;
        let elem = pixel_element(ds).ok_or_else(no_pixel_data)?;
        match &self.kind {
            Kind::Encapsulated(frames, _) => frame_bytes(ds, elem, frames, i),
            Kind::Native(layout) => {
                let r = layout.frame_range(i);
                let value = ds.bytes_of(elem);
                let end = r.end.min(value.len());
                Ok(Cow::Borrowed(&value[r.start.min(end)..end]))
            }
        }
    }
}
