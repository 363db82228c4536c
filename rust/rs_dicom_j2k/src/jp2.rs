//! JP2 files (ISO/IEC 15444-1 Annex I): DICOM forbids the box wrapper, but some writers add it
//! anyway; this finds the codestream inside. Decoding JP2 boxes is left to other decoders.

use crate::Error;
use crate::marker::be_u32;

/// The JP2 signature box that starts every JP2 file.
const SIGNATURE: [u8; 8] = [0, 0, 0, 0x0C, b'j', b'P', b' ', b' '];

/// Where the contiguous codestream of `src` starts: `None` when `src` is not a JP2 file (a raw
/// codestream, or not JPEG 2000 at all), else the offset of its `jp2c` box contents.
pub fn jp2_codestream(src: &[u8]) -> Result<Option<usize>, Error> {
    if !src.starts_with(&SIGNATURE) {
        return Ok(None);
    }
    let bad = |pos: usize, what: &'static str| Error::malformed_at(pos, what);
    let mut pos = 0usize;
    while pos + 8 <= src.len() {
        let len = u64::from(be_u32(src, pos).unwrap_or(0));
        let kind = &src[pos + 4..pos + 8];
        let (header, len) = match len {
            1 => {
                let hi = be_u32(src, pos + 8).ok_or_else(|| bad(pos, "truncated JP2 box"))?;
                let lo = be_u32(src, pos + 12).ok_or_else(|| bad(pos, "truncated JP2 box"))?;
                (16u64, (u64::from(hi) << 32) | u64::from(lo))
            }
            0 => (8, (src.len() - pos) as u64),
            n => (8, n),
        };
        if kind == b"jp2c" {
            return Ok(Some(pos + header as usize));
        }
        if len < header {
            return Err(bad(pos, "invalid JP2 box length"));
        }
        pos = usize::try_from(len)
            .ok()
            .and_then(|len| pos.checked_add(len))
            .ok_or_else(|| bad(pos, "invalid JP2 box length"))?;
    }
    Err(bad(pos, "JP2 file without a codestream box"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_codestream_box() {
        assert_eq!(jp2_codestream(&[0xFF, 0x4F, 0xFF, 0x51]), Ok(None));
        let mut f = SIGNATURE.to_vec();
        f.extend_from_slice(&[0x0D, 0x0A, 0x87, 0x0A]);
        f.extend_from_slice(&[0, 0, 0, 10, b'j', b'p', b'2', b'c', 0xFF, 0x4F]);
        assert_eq!(jp2_codestream(&f), Ok(Some(20)));
        // An extended-length box before it.
        let mut g = SIGNATURE.to_vec();
        g.extend_from_slice(&[0x0D, 0x0A, 0x87, 0x0A]);
        g.extend_from_slice(&[
            0, 0, 0, 1, b'f', b'r', b'e', b'e', 0, 0, 0, 0, 0, 0, 0, 17, 0,
        ]);
        g.extend_from_slice(&[0, 0, 0, 0, b'j', b'p', b'2', b'c']);
        assert_eq!(jp2_codestream(&g), Ok(Some(37)));
        assert!(jp2_codestream(&g[..30]).is_err());
        let mut h = SIGNATURE.to_vec();
        h.extend_from_slice(&[0x0D, 0x0A, 0x87, 0x0A, 0, 0, 0, 4, b'b', b'a', b'd', b'!']);
        assert!(jp2_codestream(&h).is_err());
    }
}
