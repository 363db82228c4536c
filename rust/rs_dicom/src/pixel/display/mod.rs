//! The display pipeline (pydicom's `pydicom.pixels.processing` and `pydicom.overlays`):
//! stored values → Modality LUT / rescale → VOI LUT / window → 8-bit picture, palettes,
//! overlays, thumbnails and PNG. Kernels are pure functions on slices, generic over the
//! sample types; [`params`] reads their parameters from a dataset.

pub mod frame;
pub mod lut;
pub mod overlay;
pub mod palette;
pub mod params;
pub mod png;
mod px;
pub mod render;
pub mod thumbnail;
pub mod window;

pub use px::{Px, Values};
