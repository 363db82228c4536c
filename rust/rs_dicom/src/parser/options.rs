//! How to read: what to stop at, whether to map files, and the limits to apply.

pub use crate::core::{Limits, MapPolicy, Tag};

/// Options for reading.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// Stop before (7FE0,0010) and friends; their bytes are never touched.
    pub stop_before_pixels: bool,
    /// Stop at the first top-level dataset element whose tag is greater than this one (the
    /// last tag a caller needs): the rest of the file is never touched. The file meta group
    /// is always read whole. An element out of tag order after the stop is not seen.
    pub stop_after: Option<Tag>,
    /// Read input without a preamble/`DICM` marker or file meta.
    pub force: bool,
    /// Memory-map or read files.
    pub map: MapPolicy,
    /// Bounds on what the input may make the reader do.
    pub limits: Limits,
}
