//! Decoding of encapsulated (compressed) pixel data: one codec per transfer syntax family,
//! frames decoded independently (in parallel with the `parallel` feature), then the same
//! corrections pydicom applies (unused bits, YBR → RGB).

use std::mem::MaybeUninit;
use std::ops::Range;

use super::native::{Sample, correct_unused_bits, ybr_full_to_rgb};
use super::{EncapsulatedFrames, PixelDescription, encapsulated_frames, frame_bytes};
use crate::core::{Dataset, Element, ElementValue};
use crate::parser::{DicomError, ErrorKind, Result};

#[cfg(feature = "deflate")]
pub mod deflate;
pub mod j2k;
pub(crate) mod j2k_native;
pub mod jpeg;
pub mod jpegls;
pub mod rle;

/// Largest accepted ratio of decoded to encoded bytes. Real codestreams stay far below it
/// (a blank 512x512 16-bit JPEG 2000 frame is ~2,600:1); a header claiming more is not data.
const MAX_EXPANSION: usize = 8192;
/// Output always allowed, whatever the ratio.
const MIN_OUTPUT_LIMIT: usize = 64 << 20;

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
    /// Planar Configuration as written in the dataset.
    pub planar_configuration: u32,
    /// Photometric Interpretation as written in the dataset.
    pub photometric_interpretation: String,
    /// The transfer syntax UID.
    pub transfer_syntax: String,
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

/// A codec family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// RLE Lossless.
    Rle,
    /// JPEG (baseline, extended, lossless).
    Jpeg,
    /// JPEG-LS (lossless and near-lossless).
    JpegLs,
    /// JPEG 2000 and HTJ2K.
    Jpeg2000,
    /// Deflated Image Frame Compression.
    Deflate,
}

impl Codec {
    /// Name for messages.
    pub const fn name(self) -> &'static str {
        match self {
            Codec::Rle => "RLE Lossless",
            Codec::Jpeg => "JPEG",
            Codec::JpegLs => "JPEG-LS",
            Codec::Jpeg2000 => "JPEG 2000",
            Codec::Deflate => "Deflated Image Frame",
        }
    }

    /// Whether pydicom shifts away unused high bits after this codec (it does not for
    /// JPEG 2000 and JPEG-LS, whose decoders handle precision and sign themselves).
    const fn corrects_unused_bits(self) -> bool {
        matches!(self, Codec::Rle | Codec::Jpeg | Codec::Deflate)
    }
}

/// The codec for a transfer syntax, or an error naming why it cannot be decoded.
pub fn codec_for(uid: &str) -> Result<Codec> {
    let uid = uid.trim_end_matches(['\0', ' ']);
    let unsupported = |what: &str| {
        Err(DicomError::new(
            ErrorKind::UnsupportedCodec,
            None,
            "(0002,0010)",
            format!("{what} ({uid}) is not supported for decoding"),
        ))
    };
    match uid {
        "1.2.840.10008.1.2.5" => Ok(Codec::Rle),
        #[cfg(feature = "deflate")]
        "1.2.840.10008.1.2.8.1" => Ok(Codec::Deflate),
        "1.2.840.10008.1.2.4.50"
        | "1.2.840.10008.1.2.4.51"
        | "1.2.840.10008.1.2.4.57"
        | "1.2.840.10008.1.2.4.70" => Ok(Codec::Jpeg),
        "1.2.840.10008.1.2.4.80" | "1.2.840.10008.1.2.4.81" => Ok(Codec::JpegLs),
        "1.2.840.10008.1.2.4.90"
        | "1.2.840.10008.1.2.4.91"
        | "1.2.840.10008.1.2.4.92"
        | "1.2.840.10008.1.2.4.93"
        | "1.2.840.10008.1.2.4.201"
        | "1.2.840.10008.1.2.4.202"
        | "1.2.840.10008.1.2.4.203" => Ok(Codec::Jpeg2000),
        "1.2.840.10008.1.2.4.100"
        | "1.2.840.10008.1.2.4.100.1"
        | "1.2.840.10008.1.2.4.101"
        | "1.2.840.10008.1.2.4.101.1" => unsupported("MPEG-2 video"),
        "1.2.840.10008.1.2.4.102"
        | "1.2.840.10008.1.2.4.102.1"
        | "1.2.840.10008.1.2.4.103"
        | "1.2.840.10008.1.2.4.103.1"
        | "1.2.840.10008.1.2.4.104"
        | "1.2.840.10008.1.2.4.104.1"
        | "1.2.840.10008.1.2.4.105"
        | "1.2.840.10008.1.2.4.105.1"
        | "1.2.840.10008.1.2.4.106"
        | "1.2.840.10008.1.2.4.106.1" => unsupported("MPEG-4 AVC/H.264 video"),
        "1.2.840.10008.1.2.4.107" | "1.2.840.10008.1.2.4.108" => unsupported("HEVC/H.265 video"),
        other => {
            let name = crate::dictionary::uid(other).map_or("this transfer syntax", |u| u.name);
            unsupported(name)
        }
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
            Err(DicomError::new(
                ErrorKind::Malformed,
                None,
                "(7FE0,0010)",
                format!(
                    "the {} decoder failed on this codestream ({what})",
                    codec.name()
                ),
            ))
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
        Codec::Jpeg2000 => j2k::decode(src, info, out),
        #[cfg(feature = "deflate")]
        Codec::Deflate => deflate::decode(src, info, out),
        #[cfg(not(feature = "deflate"))]
        Codec::Deflate => Err(DicomError::new(
            ErrorKind::UnsupportedCodec,
            None,
            "(7FE0,0010)",
            "Deflated Image Frame Compression needs the `deflate` feature",
        )),
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
    /// Prepares decoding of `elem` in `ds`, a file with transfer syntax `ts_uid`.
    pub fn new(
        ds: &Dataset,
        elem: &Element,
        desc: &PixelDescription,
        ts_uid: &str,
    ) -> Result<Encapsulated> {
        let frames = encapsulated_frames(ds, elem, desc.number_of_frames as usize)?;
        Encapsulated::with_frames(elem, desc, ts_uid, frames)
    }

    /// Like [`Encapsulated::new`] with a fragment → frame mapping already computed.
    pub fn with_frames(
        elem: &Element,
        desc: &PixelDescription,
        ts_uid: &str,
        frames: EncapsulatedFrames,
    ) -> Result<Encapsulated> {
        let codec = codec_for(ts_uid).map_err(|mut e| {
            e.offset = Some(elem.offset as u64);
            e
        })?;
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
                transfer_syntax: ts_uid.trim_end_matches(['\0', ' ']).to_string(),
                as_rgb: false,
            },
            sample,
            frames,
        })
    }

    /// Decodes `frames` into pydicom's layout (native endian, interleaved), in parallel
    /// when there are several frames and the `parallel` feature is on.
    pub fn decode(
        &self,
        ds: &Dataset,
        elem: &Element,
        frames: Range<usize>,
        as_rgb: bool,
    ) -> Result<Vec<u8>> {
        let frame_len = self.info.frame_len();
        let total = frame_len
            .checked_mul(frames.len())
            .ok_or_else(|| self.error(frames.start, "image too large".into()))?;
        // Rows, Columns and Number of Frames are claims: the output may not be out of all
        // proportion to the encoded bytes it is decoded from.
        let encoded = self.encoded_len(elem, frames.clone());
        if total > encoded.saturating_mul(MAX_EXPANSION).max(MIN_OUTPUT_LIMIT) {
            let mut err = self.error(
                frames.start,
                format!(
                    "{} frame(s) would decode to {total} bytes from {encoded} encoded bytes \
                     (more than {MAX_EXPANSION}:1): the image attributes do not match the data",
                    frames.len()
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
            self.post_process(dst, color, &info);
            Ok(())
        };
        let spare = &mut out.spare_capacity_mut()[..total];
        let chunks = frame_len.max(1);
        #[cfg(feature = "parallel")]
        let done = {
            use rayon::prelude::*;
            if frames.len() > 1 {
                spare.par_chunks_mut(chunks).enumerate().try_for_each(one)
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
        Ok(out)
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

    fn post_process(&self, dst: &mut [u8], color: ColorOut, info: &FrameInfo) {
        if self.codec.corrects_unused_bits() && info.bits_allocated > info.bits_stored {
            correct_unused_bits(dst, self.sample, info.bits_allocated - info.bits_stored);
        }
        if info.converts_ybr(color) {
            ybr_full_to_rgb(dst);
        }
    }

    fn error(&self, frame: usize, msg: String) -> DicomError {
        DicomError::new(
            ErrorKind::Malformed,
            None,
            "(7FE0,0010)",
            format!("{} frame {frame}: {msg}", self.codec.name()),
        )
    }
}
