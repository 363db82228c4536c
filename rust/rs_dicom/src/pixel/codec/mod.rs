//! Decoding of encapsulated (compressed) pixel data: one codec per transfer syntax family,
//! frames decoded independently (in parallel with the `parallel` feature), then the same
//! corrections pydicom applies (unused bits, YBR → RGB).

use std::mem::MaybeUninit;
use std::ops::Range;

use super::color::ybr_full_to_rgb;
use super::options::DecodeOptions;
use super::sample::{Sample, correct_unused_bits};
use super::{EncapsulatedFrames, PixelDescription, frame_bytes};
pub use crate::core::Codec;
use crate::core::{Dataset, Element, ElementValue, TransferSyntax};
use crate::error::{DicomError, ErrorKind, Result};
pub use available::{CodecSupport, available_codecs, decodable_codecs};

mod available;
#[cfg(feature = "deflate")]
pub mod deflate;
pub(crate) mod encode_input;
#[cfg(test)]
pub(crate) mod encode_testing;
pub mod j2k;
pub mod jpeg;
pub mod jpegls;
pub mod rle;

/// What a frame decoder needs to know about the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameInfo {
    /// Rows.
    pub rows: u32,
    /// Columns.
    pub columns: u32,
    /// Samples per pixel.
    pub samples_per_pixel: u32,
    /// Bits Allocated (the output sample width).
    pub bits_allocated: u32,
    /// Bits Stored.
    pub bits_stored: u32,
    /// Pixel Representation (0 unsigned, 1 signed).
    pub pixel_representation: u32,
    /// Planar Configuration as written in the dataset. Only Deflated Image Frame Compression
    /// uses it (its frames are native data); JPEG, JPEG-LS, JPEG 2000 and HTJ2K codestreams
    /// define their own layout, and RLE's segments are planes by definition, so their output
    /// is interleaved whatever it says, as DCMTK and GDCM decode them (pydicom 3.0.2 reshapes
    /// JPEG and JPEG 2000 output by it, scrambling the pixels when it is 1).
    pub planar_configuration: u32,
    /// Photometric Interpretation as written in the dataset.
    pub photometric_interpretation: String,
    /// Whether the caller converts YBR output to RGB (pydicom's `as_rgb`): a decoder may do
    /// the conversion itself while the samples are in cache and report [`ColorOut::Rgb`].
    pub as_rgb: bool,
}

impl FrameInfo {
    /// Whether output left as `color` is converted YBR_FULL → RGB afterwards (with
    /// `as_rgb`): 8-bit unsigned three-sample YBR_FULL(_422) data, pydicom's rule.
    pub fn converts_ybr(&self, color: ColorOut) -> bool {
        let ybr = match color {
            ColorOut::Rgb => false,
            ColorOut::YbrFull => true,
            ColorOut::AsDataset => matches!(
                self.photometric_interpretation.as_str(),
                "YBR_FULL" | "YBR_FULL_422"
            ),
        };
        self.as_rgb
            && ybr
            && self.samples_per_pixel == 3
            && self.bits_allocated == 8
            && self.pixel_representation == 0
    }

    /// Bytes of one decoded frame: rows × columns × samples × Bits Allocated / 8.
    pub fn frame_len(&self) -> usize {
        self.rows as usize
            * self.columns as usize
            * self.samples_per_pixel as usize
            * (self.bits_allocated as usize).div_ceil(8)
    }
}

/// How a decoder left the colour of its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorOut {
    /// As the dataset says (monochrome, palette, RGB, or YBR that the caller converts).
    AsDataset,
    /// The decoder converted to RGB itself (JPEG YCbCr, JPEG 2000 multiple component transform).
    Rgb,
    /// The output is YBR_FULL whatever the dataset says (the caller converts when asked).
    YbrFull,
}

/// Whether pydicom shifts away unused high bits after this codec (it does not for JPEG 2000
/// and JPEG-LS, whose decoders handle precision and sign themselves).
const fn corrects_unused_bits(codec: Codec) -> bool {
    matches!(codec, Codec::Rle | Codec::Jpeg | Codec::DeflateFrames)
}

/// The codec of a transfer syntax, or an error naming why its pixel data cannot be decoded.
pub fn codec_for(ts: &TransferSyntax) -> Result<Codec> {
    let unsupported = |what: &str| {
        Err(DicomError::new(
            ErrorKind::UnsupportedCodec,
            None,
            "(0002,0010)",
            format!("{what} ({}) is not supported for decoding", ts.uid),
        ))
    };
    match ts.codec {
        Some(c @ (Codec::Rle | Codec::Jpeg | Codec::JpegLs | Codec::Jpeg2000 | Codec::Htj2k)) => {
            Ok(c)
        }
        #[cfg(feature = "deflate")]
        Some(Codec::DeflateFrames) => Ok(Codec::DeflateFrames),
        Some(c) => unsupported(c.name()),
        None if ts.is_unknown() => unsupported("this transfer syntax"),
        None => unsupported(ts.name),
    }
}

/// Decodes one frame's codestream into `out` (`info.frame_len()` bytes: native-endian samples
/// of Bits Allocated, interleaved), returning how the colour was left.
///
/// Third-party decoders may panic on hostile input; that is caught here and reported as a
/// [`DicomError`], so no panic ever reaches the caller (or Python).
pub fn decode_frame(
    codec: Codec,
    src: &[u8],
    info: &FrameInfo,
    out: &mut [u8],
) -> Result<ColorOut> {
    let run = std::panic::AssertUnwindSafe(|| decode_frame_unguarded(codec, src, info, out));
    match std::panic::catch_unwind(run) {
        Ok(result) => result,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(DicomError::bad_codestream(format!(
                "the {} decoder failed on this codestream ({what})",
                codec.name()
            )))
        }
    }
}

/// [`decode_frame`] without the panic guard, for fuzzing (a fuzzer must see panics).
#[doc(hidden)]
pub fn decode_frame_unguarded(
    codec: Codec,
    src: &[u8],
    info: &FrameInfo,
    out: &mut [u8],
) -> Result<ColorOut> {
    match codec {
        Codec::Rle => rle::decode(src, info, out),
        Codec::Jpeg => jpeg::decode(src, info, out),
        Codec::JpegLs => jpegls::decode(src, info, out),
        Codec::Jpeg2000 | Codec::Htj2k => j2k::decode(src, info, out),
        #[cfg(feature = "deflate")]
        Codec::DeflateFrames => deflate::decode(src, info, out),
        other => Err(DicomError::unsupported_codec(format!(
            "{}: codec not available in this build",
            other.name()
        ))),
    }
}

/// An encapsulated pixel data element ready to decode: its frames and how to decode them.
#[derive(Debug, Clone)]
pub struct Encapsulated {
    /// The codec.
    pub codec: Codec,
    /// The image attributes given to the decoder.
    pub info: FrameInfo,
    /// Output sample type (as pydicom's pixel_array).
    pub sample: Sample,
    /// Fragments → frames.
    pub frames: EncapsulatedFrames,
}

impl Encapsulated {
    /// Prepares decoding of `elem` (described by `desc`, read with `ts`) given its fragment →
    /// frame map.
    pub fn with_frames(
        elem: &Element,
        desc: &PixelDescription,
        ts: &TransferSyntax,
        frames: EncapsulatedFrames,
    ) -> Result<Encapsulated> {
        let codec = codec_for(ts).map_err(|e| e.at(elem.offset))?;
        let sample = Sample::for_description(desc)?;
        Ok(Encapsulated {
            codec,
            info: FrameInfo {
                rows: desc.rows,
                columns: desc.columns,
                samples_per_pixel: desc.samples_per_pixel,
                bits_allocated: desc.bits_allocated,
                bits_stored: desc.bits_stored,
                pixel_representation: desc.pixel_representation,
                planar_configuration: desc.planar_configuration,
                photometric_interpretation: desc.photometric_interpretation.clone(),
                as_rgb: false,
            },
            sample,
            frames,
        })
    }

    // Uninitialised output: every frame is zeroed by its own task first (see below).
    #[allow(unsafe_code)]
    /// Decodes `frames` into pydicom's layout (native endian, interleaved), in parallel
    /// when there are several frames and the `parallel` feature is on.
    pub fn decode(
        &self,
        ds: &Dataset,
        elem: &Element,
        frames: Range<usize>,
        opts: &DecodeOptions,
    ) -> Result<(Vec<u8>, String)> {
        let as_rgb = opts.as_rgb;
        let frame_len = self.info.frame_len();
        let total = frame_len
            .checked_mul(frames.len())
            .ok_or_else(|| self.error(frames.start, "image too large".into()))?;
        // Rows, Columns and Number of Frames are claims: the output may not be out of all
        // proportion to the encoded bytes it is decoded from.
        let encoded = self.encoded_len(elem, frames.clone());
        if total as u64 > opts.limits.decoded_allowed(encoded as u64) {
            let mut err = self.error(
                frames.start,
                format!(
                    "{} frame(s) would decode to {total} bytes from {encoded} encoded bytes \
                     (over the limit of {} bytes, {}:1): the image attributes do not match the \
                     data",
                    frames.len(),
                    opts.limits.decoded_allowed(encoded as u64),
                    opts.limits.max_expansion,
                ),
            );
            err.offset = Some(elem.offset as u64);
            return Err(err);
        }
        let info = FrameInfo {
            as_rgb,
            ..self.info.clone()
        };
        // The output is zeroed frame by frame inside the (parallel) tasks rather than up
        // front: a 16 MiB `vec![0; n]` is a serial memset once the allocator reuses memory.
        let mut out: Vec<u8> = Vec::with_capacity(total);
        let photometric = std::sync::OnceLock::new();
        let one = |(k, dst): (usize, &mut [MaybeUninit<u8>])| -> Result<()> {
            dst.fill(MaybeUninit::new(0));
            // SAFETY: every byte of `dst` was just initialised.
            let dst = unsafe { &mut *(dst as *mut [MaybeUninit<u8>] as *mut [u8]) };
            let i = frames.start + k;
            let src = frame_bytes(ds, elem, &self.frames, i)?;
            let color = decode_frame(self.codec, &src, &info, dst).map_err(|e| {
                let mut err = self.error(i, e.message);
                err.kind = e.kind;
                err.offset = Some(elem.offset as u64);
                err
            })?;
            let out = self.post_process(dst, color, &info);
            photometric.get_or_init(|| out);
            Ok(())
        };
        let spare = &mut out.spare_capacity_mut()[..total];
        let chunks = frame_len.max(1);
        #[cfg(feature = "parallel")]
        let done = {
            use rayon::prelude::*;
            if frames.len() > 1 {
                // A job per frame (frames differ in cost), so no core is left alone with a
                // run of them.
                spare
                    .par_chunks_mut(chunks)
                    .enumerate()
                    .with_max_len(1)
                    .try_for_each(one)
            } else {
                spare.chunks_mut(chunks).enumerate().try_for_each(one)
            }
        };
        #[cfg(not(feature = "parallel"))]
        let done = spare.chunks_mut(chunks).enumerate().try_for_each(one);
        done?;
        // SAFETY: the chunks cover the first `total` bytes and every task initialised its
        // chunk before anything else (all of them ran: none failed).
        unsafe { out.set_len(total) };
        let photometric = photometric
            .into_inner()
            .unwrap_or_else(|| self.info.photometric_interpretation.clone());
        Ok((out, photometric))
    }

    /// Encoded bytes of a run of frames (the sum of their fragments).
    fn encoded_len(&self, elem: &Element, frames: Range<usize>) -> usize {
        let ElementValue::Encapsulated { fragments, .. } = &elem.value else {
            return 0;
        };
        self.frames
            .frames
            .get(frames)
            .unwrap_or(&[])
            .iter()
            .flat_map(|r| fragments.get(r.clone()).unwrap_or(&[]))
            .map(|f| f.len)
            .sum()
    }

    /// Applies pydicom's corrections; returns the photometric interpretation of the output.
    fn post_process(&self, dst: &mut [u8], color: ColorOut, info: &FrameInfo) -> String {
        if corrects_unused_bits(self.codec) && info.bits_allocated > info.bits_stored {
            correct_unused_bits(dst, self.sample, info.bits_allocated - info.bits_stored);
        }
        if info.converts_ybr(color) {
            ybr_full_to_rgb(dst);
            return "RGB".into();
        }
        match color {
            ColorOut::Rgb => "RGB".into(),
            ColorOut::YbrFull => "YBR_FULL".into(),
            ColorOut::AsDataset => info.photometric_interpretation.clone(),
        }
    }

    fn error(&self, frame: usize, msg: String) -> DicomError {
        DicomError::bad_codestream(format!("{} frame {frame}: {msg}", self.codec.name()))
    }
}
