//! How to read: what to stop at, whether to map files, and the limits to apply.

pub use crate::core::{Limits, MapPolicy};

/// Options for reading.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// Stop before (7FE0,0010) and friends; their bytes are never touched.
    pub stop_before_pixels: bool,
    /// Read input without a preamble/`DICM` marker or file meta.
    pub force: bool,
    /// Memory-map or read files.
    pub map: MapPolicy,
    /// Bounds on what the input may make the reader do.
    pub limits: Limits,
}
