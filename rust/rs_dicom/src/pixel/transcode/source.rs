//! The frames an encoder is given, from a dataset's pixel data (native, or compressed and
//! decoded first: a transcode) or from the caller's buffer: little endian, interleaved,
//! whole samples of the decoded sample size.

use crate::core::{Dataset, Limits, TransferSyntax};
use crate::error::{DicomError, ErrorKind, Result};
use crate::pixel::encode::FrameImage;
use crate::pixel::sample::c_strides;
use crate::pixel::{
    DecodeOptions, Frames, PixelBuffer, PixelData, PixelDescription, Pixels, Sample,
};

/// What every frame shares: a frame template (no data, no photometric) and the count.
#[derive(Debug, Clone)]
pub(super) struct Geometry {
    pub template: FrameImage<'static>,
    pub frames: usize,
}

impl Geometry {
    /// The geometry of a description, or why it cannot be encoded (float data, 1-bit data).
    pub fn of(desc: &PixelDescription, sample: Sample) -> Result<Geometry> {
        let refuse = |msg: String| Err(DicomError::codec(ErrorKind::Encode, msg));
        if matches!(sample, Sample::F32 | Sample::F64) {
            return refuse("float pixel data cannot be compressed".into());
        }
        if desc.bits_allocated != sample.size() as u32 * 8 {
            return refuse(format!(
                "pixel data with Bits Allocated {} cannot be compressed",
                desc.bits_allocated
            ));
        }
        Ok(Geometry {
            template: FrameImage {
                rows: desc.rows,
                columns: desc.columns,
                samples_per_pixel: desc.samples_per_pixel,
                bits_allocated: desc.bits_allocated,
                bits_stored: desc.bits_stored.clamp(1, desc.bits_allocated),
                signed: desc.pixel_representation == 1,
                photometric_interpretation: "",
                data: &[],
            },
            frames: desc.number_of_frames.max(1) as usize,
        })
    }

    /// Frame `data` described by this geometry.
    pub fn image<'a>(&self, data: &'a [u8], photometric: &'a str) -> FrameImage<'a> {
        FrameImage {
            photometric_interpretation: photometric,
            data,
            ..self.template
        }
    }
}

/// A dataset's pixel data, ready to hand out frames.
pub(super) struct DatasetFrames<'a> {
    ds: &'a Dataset,
    px: PixelData,
    opts: DecodeOptions,
    pub geometry: Geometry,
}

impl<'a> DatasetFrames<'a> {
    /// Prepares `ds` (read with `ts`); compressed sources are decoded to RGB as
    /// `decompress` would (`as_rgb`), native ones kept as stored.
    pub fn new(ds: &'a Dataset, ts: &TransferSyntax, limits: &Limits) -> Result<Self> {
        let px = PixelData::new(ds, ts, limits)?.ok_or_else(|| {
            DicomError::new(
                ErrorKind::Encode,
                None,
                "(7FE0,0010)",
                "the dataset has no pixel data to compress",
            )
        })?;
        let geometry = Geometry::of(px.description(), px.sample())?;
        let opts = DecodeOptions {
            as_rgb: px.frame_map().is_some(),
            limits: *limits,
        };
        Ok(DatasetFrames {
            ds,
            px,
            opts,
            geometry,
        })
    }

    /// Frame `i` as the encoders take it, and its Photometric Interpretation. A native frame
    /// already in that layout is borrowed, from a mapped file's map too (not copied out of
    /// it as a decode would): [`DatasetFrames::check`] says afterwards whether the file
    /// changed under the reads.
    pub fn frame(&self, i: usize) -> Result<(FrameBytes<'a>, String)> {
        if let Some(bytes) = self.px.native_frame(self.ds, i) {
            let photometric = self.px.description().photometric_interpretation.clone();
            return Ok((FrameBytes::Borrowed(bytes), photometric));
        }
        let p = self.px.decode(self.ds, &Frames::One(i), &self.opts)?;
        // A native YBR_FULL_422 frame comes out expanded: it is YBR_FULL now.
        let photometric = match p.photometric_interpretation.as_str() {
            "YBR_FULL_422" => "YBR_FULL".to_string(),
            other => other.to_string(),
        };
        let bytes = little_endian_interleaved(p);
        Ok((bytes, photometric))
    }

    /// Whether the frames read so far were read from an unchanged source.
    pub fn check(&self) -> Result<()> {
        self.ds.source().check()
    }
}

/// One frame's bytes, little endian and in C order: the decoded (or viewed) buffer itself
/// when it already is, so a native frame is not copied before it is encoded.
pub(super) enum FrameBytes<'a> {
    /// The dataset's own bytes.
    Borrowed(&'a [u8]),
    /// The buffer as decoded.
    Pixels(Pixels),
    /// A copy put in that layout.
    Copied(Vec<u8>),
}

impl FrameBytes<'_> {
    /// The frame's bytes.
    pub fn bytes(&self) -> &[u8] {
        match self {
            FrameBytes::Borrowed(b) => b,
            FrameBytes::Pixels(p) => buffer_bytes(p),
            FrameBytes::Copied(v) => v,
        }
    }
}

/// The bytes of a pixel buffer.
fn buffer_bytes(p: &Pixels) -> &[u8] {
    match &p.buffer {
        PixelBuffer::View { source, start, len } => {
            source.bytes().get(*start..start + len).unwrap_or(&[])
        }
        PixelBuffer::Shared { bytes, start, len } => bytes.get(*start..start + len).unwrap_or(&[]),
        PixelBuffer::Owned(v) => v,
    }
}

/// The bytes of `p` in C order, little endian (`p` itself when they already are).
fn little_endian_interleaved(p: Pixels) -> FrameBytes<'static> {
    let size = p.sample.size();
    let swap = size > 1 && p.big_endian != cfg!(target_endian = "big");
    let c_order = p.strides == c_strides(&p.shape, size);
    if c_order && !swap {
        return FrameBytes::Pixels(p);
    }
    let bytes = buffer_bytes(&p);
    let mut out = if c_order {
        bytes.to_vec()
    } else {
        gather(bytes, &p.shape, &p.strides, size)
    };
    if swap {
        out.chunks_exact_mut(size).for_each(<[u8]>::reverse);
    }
    FrameBytes::Copied(out)
}

/// Copies an array of `shape` and byte `strides` into C order.
fn gather(bytes: &[u8], shape: &[usize], strides: &[usize], size: usize) -> Vec<u8> {
    let total: usize = shape.iter().product::<usize>() * size;
    let mut out = Vec::with_capacity(total);
    let mut index = vec![0usize; shape.len()];
    for _ in 0..total / size.max(1) {
        let at: usize = index.iter().zip(strides).map(|(i, s)| i * s).sum();
        out.extend_from_slice(bytes.get(at..at + size).unwrap_or(&[0; 8][..size]));
        for d in (0..shape.len()).rev() {
            index[d] += 1;
            if index[d] < shape[d] {
                break;
            }
            index[d] = 0;
        }
    }
    out
}
