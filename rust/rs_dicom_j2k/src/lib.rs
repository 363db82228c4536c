//! A JPEG 2000 Part 1 decoder written in Rust (ISO/IEC 15444-1): codestream markers, tier-2
//! packet headers, tier-1 (MQ arithmetic decoding and the three coding passes), dequantisation,
//! the inverse 5/3 and 9/7 wavelet transforms and the inverse component transforms.
//!
//! It also encodes: [`encode`] writes HTJ2K codestreams (ISO/IEC 15444-15 HT block coding) or
//! Part 1 ones (EBCOT block coding, [`BlockCoding::Part1`]), lossless (5/3, RCT) or lossy
//! (9/7, ICT, quantisation), as DICOM's JPEG 2000 and HTJ2K transfer syntaxes carry them;
//! rs_dicom's tests decode them with OpenJPEG, OpenJPH and `opj_decompress`.
//!
//! It decodes what DICOM files carry in practice and declines the rest with an
//! [`ErrorKind::Unsupported`] error, so the caller can fall back to another decoder (rs_dicom
//! uses OpenJPEG). Its results are OpenJPEG 2.5's: same reconstruction rounding, same
//! dequantisation, same clamping (rs_dicom's differential tests compare the two on generated
//! codestreams covering every coding option). It depends on nothing but the standard library
//! (and rayon with the `parallel` feature).
//!
//! ```
//! // The smallest codestream: SOC and a SIZ marker segment for a 1 x 1 image, no tiles.
//! let mut cs = vec![0xFF, 0x4F, 0xFF, 0x51, 0, 41, 0, 0];
//! for v in [1u32, 1, 0, 0, 1, 1, 0, 0] {
//!     cs.extend_from_slice(&v.to_be_bytes());
//! }
//! cs.extend_from_slice(&[0, 1, 7, 1, 1]);
//! let siz = rs_dicom_j2k::read_siz(&cs).unwrap();
//! assert_eq!((siz.width(), siz.height(), siz.comps[0].precision), (1, 1, 8));
//! assert!(rs_dicom_j2k::decode(&cs).is_err()); // no COD, QCD or tile data
//! ```

// Unsafe code only where tier-1 needs it: target-feature passes and unchecked indexing, each
// with a SAFETY comment.
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod codestream;
mod coding;
mod dwt;
mod encode;
mod error;
mod ht;
mod jp2;
mod marker;
mod mct;
mod siz;
mod t1;
#[cfg(test)]
mod test_rng;
mod tier2;
mod tile;

pub use encode::{
    BlockCoding, EncodeInput, EncodeOptions, MAX_DIMENSION, Progression, Samples, encode,
};
pub use error::{Error, ErrorKind};
pub use jp2::jp2_codestream;
pub use siz::{Siz, SizComponent, read_siz};

use tile::{decode_tile, place_tile};

/// One decoded component of the image area (tiles assembled), row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Bits per sample (SIZ Ssiz & 0x7F + 1).
    pub precision: u32,
    /// Whether the samples are signed.
    pub signed: bool,
    /// `width * height` samples after the inverse transforms, DC level shift and clamping to
    /// the precision's range (as OpenJPEG's `opj_image_comp_t.data`).
    pub data: Vec<i32>,
}

/// A decoded image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Image area width (Xsiz - XOsiz).
    pub width: u32,
    /// Image area height (Ysiz - YOsiz).
    pub height: u32,
    /// The components, in codestream order.
    pub components: Vec<Component>,
    /// Whether a multiple component transform was inverted (COD SGcod MCT byte set).
    pub mct: bool,
}

/// Below this many samples, handing work to other threads costs more than it saves.
#[cfg(feature = "parallel")]
const PARALLEL_MIN_SAMPLES: usize = 1 << 15;

/// Decodes a raw JPEG 2000 codestream (starting with SOC).
pub fn decode(codestream: &[u8]) -> Result<Image, Error> {
    let cs = codestream::parse(codestream)?;
    let siz = &cs.siz;
    let width = siz.x1 - siz.x0;
    let height = siz.y1 - siz.y0;
    // Filled by the first tile: moved in when the tile is the whole image, else allocated.
    let mut components: Vec<Component> = siz
        .comps
        .iter()
        .map(|c| Component {
            precision: c.precision,
            signed: c.signed,
            data: Vec::new(),
        })
        .collect();
    let mut mct = false;
    let ntiles = cs.tiles.len();
    #[cfg(feature = "parallel")]
    if ntiles > 1 && siz.comps.len() * width as usize * height as usize >= PARALLEL_MIN_SAMPLES {
        use rayon::prelude::*;
        // Tiles are independent; batches bound the memory held by decoded, unplaced tiles.
        let batch = rayon::current_num_threads().max(1) * 2;
        for start in (0..ntiles).step_by(batch) {
            let end = (start + batch).min(ntiles);
            let tiles: Vec<Result<tile::DecodedTile, Error>> = (start..end)
                .into_par_iter()
                .map(|t| decode_tile(&cs, t))
                .collect();
            for tile in tiles {
                mct |= place_tile(&cs, tile?, &mut components)?;
            }
        }
        return Ok(Image {
            width,
            height,
            components,
            mct,
        });
    }
    for t in 0..ntiles {
        mct |= place_tile(&cs, decode_tile(&cs, t)?, &mut components)?;
    }
    Ok(Image {
        width,
        height,
        components,
        mct,
    })
}
