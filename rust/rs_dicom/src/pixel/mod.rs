//! Pixel data: the image attributes, native frame spans, encapsulated fragments → frames
//! (PS3.5 A.4), the codecs, colour conversion, and the one entry point that decides how a
//! dataset's pixels are decoded ([`PixelData`]).

pub mod codec;
pub mod color;
mod decode;
mod description;
pub mod display;
pub mod encode;
mod frames;
pub mod native;
mod options;
mod ranges;
pub mod sample;
#[cfg(test)]
// Without `j2k` the differential tests, which use most of it, are not built.
#[cfg_attr(not(feature = "j2k"), allow(dead_code))]
pub(crate) mod test_rng;
pub mod transcode;

pub use decode::{PixelBuffer, PixelData, Pixels};
pub use description::PixelDescription;
pub use frames::{EncapsulatedFrames, FrameMethod, encapsulated_frames, frame_bytes};
pub use options::{DecodeOptions, Frames};
pub use ranges::{FRAGMENT_HEAD, FrameLocator};
pub use sample::Sample;
