//! The image and tile size marker segment (SIZ, ISO/IEC 15444-1 A.5.1): the one reader of it,
//! for this decoder and for callers that look at a codestream before choosing a decoder.

use crate::Error;
use crate::marker::{SIZ, SOC, Seg, be_u16, marker_segment};

/// Largest number of components accepted (the standard allows 16384).
const MAX_COMPONENTS: usize = 16384;
/// Largest number of tiles (the standard's tile indices are 16-bit).
const MAX_TILES: u64 = 65_535;

/// A component as SIZ describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizComponent {
    /// Bits per sample (Ssiz & 0x7F + 1: 1..=128 as coded; the standard allows up to 38).
    pub precision: u32,
    /// Whether the samples are signed.
    pub signed: bool,
    /// Horizontal sub-sampling (XRsiz, at least 1).
    pub dx: u8,
    /// Vertical sub-sampling (YRsiz, at least 1).
    pub dy: u8,
}

/// The SIZ marker segment, checked for a consistent geometry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Siz {
    /// Capabilities (Rsiz): bits 14 and 15 flag Part 2 and Part 15 (HTJ2K) codestreams.
    pub rsiz: u16,
    /// Image area left edge on the reference grid (XOsiz).
    pub x0: u32,
    /// Image area top edge (YOsiz).
    pub y0: u32,
    /// Image area right edge, exclusive (Xsiz).
    pub x1: u32,
    /// Image area bottom edge, exclusive (Ysiz).
    pub y1: u32,
    /// Tile width (XTsiz).
    pub tw: u32,
    /// Tile height (YTsiz).
    pub th: u32,
    /// Tile grid origin x (XTOsiz).
    pub tx0: u32,
    /// Tile grid origin y (YTOsiz).
    pub ty0: u32,
    /// Number of tile columns.
    pub tiles_x: u32,
    /// Number of tile rows.
    pub tiles_y: u32,
    /// The components.
    pub comps: Vec<SizComponent>,
}

impl Siz {
    /// Image area width (Xsiz - XOsiz).
    pub fn width(&self) -> u32 {
        self.x1 - self.x0
    }

    /// Image area height (Ysiz - YOsiz).
    pub fn height(&self) -> u32 {
        self.y1 - self.y0
    }

    /// Whether the codestream uses HTJ2K (Part 15) or Part 2 capabilities (Rsiz bits 14, 15).
    pub fn extended(&self) -> bool {
        self.rsiz & 0xC000 != 0
    }

    /// The reference-grid rectangle `(x0, y0, x1, y1)` of tile `t` (B-7..B-10).
    pub(crate) fn tile_rect(&self, t: u32) -> (u32, u32, u32, u32) {
        let p = t % self.tiles_x;
        let q = t / self.tiles_x;
        let x0 = (u64::from(self.tx0) + u64::from(p) * u64::from(self.tw)).max(u64::from(self.x0));
        let y0 = (u64::from(self.ty0) + u64::from(q) * u64::from(self.th)).max(u64::from(self.y0));
        let x1 =
            (u64::from(self.tx0) + u64::from(p + 1) * u64::from(self.tw)).min(u64::from(self.x1));
        let y1 =
            (u64::from(self.ty0) + u64::from(q + 1) * u64::from(self.th)).min(u64::from(self.y1));
        // All four are bounded by x1/y1 (u32) because of the min/max above and tile validation.
        (x0 as u32, y0 as u32, x1 as u32, y1 as u32)
    }
}

/// Reads the SIZ marker segment that follows SOC at the start of a raw codestream.
pub fn read_siz(codestream: &[u8]) -> Result<Siz, Error> {
    if be_u16(codestream, 0) != Some(SOC) || be_u16(codestream, 2) != Some(SIZ) {
        return Err(Error::malformed_at(
            0,
            "not a JPEG 2000 codestream (no SOC and SIZ markers at its start)",
        ));
    }
    let (_, mut s, _) = marker_segment(codestream, 2)?;
    parse_siz(&mut s)
}

/// Parses a SIZ body, checking what every decoder needs: a non-empty image area, a tile grid
/// that covers it with at most 65535 tiles, 1 to 16384 components with non-zero sub-sampling.
pub(crate) fn parse_siz(s: &mut Seg<'_>) -> Result<Siz, Error> {
    let rsiz = s.u16()?;
    let x1 = s.u32()?;
    let y1 = s.u32()?;
    let x0 = s.u32()?;
    let y0 = s.u32()?;
    let tw = s.u32()?;
    let th = s.u32()?;
    let tx0 = s.u32()?;
    let ty0 = s.u32()?;
    let csiz = usize::from(s.u16()?);
    let at = s.offset();
    if x0 >= x1 || y0 >= y1 {
        return Err(Error::malformed_at(at, "empty image area in SIZ"));
    }
    if tw == 0 || th == 0 || tx0 > x0 || ty0 > y0 {
        return Err(Error::malformed_at(at, "invalid tile grid in SIZ"));
    }
    if u64::from(tx0) + u64::from(tw) <= u64::from(x0)
        || u64::from(ty0) + u64::from(th) <= u64::from(y0)
    {
        return Err(Error::malformed_at(
            at,
            "first tile outside the image area in SIZ",
        ));
    }
    if csiz == 0 || csiz > MAX_COMPONENTS {
        return Err(Error::malformed_at(
            at,
            "invalid number of components in SIZ",
        ));
    }
    let tiles_x = (u64::from(x1 - tx0)).div_ceil(u64::from(tw));
    let tiles_y = (u64::from(y1 - ty0)).div_ceil(u64::from(th));
    if tiles_x * tiles_y > MAX_TILES {
        return Err(Error::malformed_at(at, "more than 65535 tiles"));
    }
    let mut comps = Vec::with_capacity(csiz);
    for _ in 0..csiz {
        let ssiz = s.u8()?;
        let dx = s.u8()?;
        let dy = s.u8()?;
        if dx == 0 || dy == 0 {
            return Err(Error::malformed_at(
                s.offset(),
                "zero component sub-sampling in SIZ",
            ));
        }
        comps.push(SizComponent {
            precision: u32::from(ssiz & 0x7F) + 1,
            signed: ssiz & 0x80 != 0,
            dx,
            dy,
        });
    }
    s.finish("SIZ")?;
    Ok(Siz {
        rsiz,
        x0,
        y0,
        x1,
        y1,
        tw,
        th,
        tx0,
        ty0,
        tiles_x: tiles_x as u32,
        tiles_y: tiles_y as u32,
        comps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SOC + SIZ for `comps` components of (Ssiz, XRsiz, YRsiz), with the geometry `g`
    /// (Xsiz, Ysiz, XOsiz, YOsiz, XTsiz, YTsiz, XTOsiz, YTOsiz).
    fn codestream(rsiz: u16, g: [u32; 8], comps: &[(u8, u8, u8)]) -> Vec<u8> {
        let mut v = vec![0xFF, 0x4F, 0xFF, 0x51];
        v.extend_from_slice(&((38 + 3 * comps.len()) as u16).to_be_bytes());
        v.extend_from_slice(&rsiz.to_be_bytes());
        for x in g {
            v.extend_from_slice(&x.to_be_bytes());
        }
        v.extend_from_slice(&(comps.len() as u16).to_be_bytes());
        for &(s, dx, dy) in comps {
            v.extend_from_slice(&[s, dx, dy]);
        }
        v
    }

    #[test]
    fn reads_geometry_and_components() {
        let g = [70, 50, 6, 4, 32, 32, 0, 0];
        let cs = codestream(0x4000, g, &[(0x8B, 1, 1), (7, 2, 1), (0x0F, 1, 2)]);
        let siz = read_siz(&cs).unwrap();
        assert_eq!((siz.width(), siz.height()), (64, 46));
        assert_eq!((siz.tiles_x, siz.tiles_y), (3, 2));
        assert!(siz.extended());
        assert_eq!(
            siz.comps,
            [
                SizComponent {
                    precision: 12,
                    signed: true,
                    dx: 1,
                    dy: 1
                },
                SizComponent {
                    precision: 8,
                    signed: false,
                    dx: 2,
                    dy: 1
                },
                SizComponent {
                    precision: 16,
                    signed: false,
                    dx: 1,
                    dy: 2
                },
            ]
        );
        assert_eq!(siz.tile_rect(5), (64, 32, 70, 50));
    }

    #[test]
    fn rejects_inconsistent_segments() {
        let g = [8, 8, 0, 0, 8, 8, 0, 0];
        let good = codestream(0, g, &[(7, 1, 1)]);
        assert!(read_siz(&good).is_ok());
        assert!(read_siz(&good[2..]).is_err());
        for cut in 0..good.len() {
            assert!(read_siz(&good[..cut]).is_err(), "{cut}");
        }
        let mut long = good.clone();
        long[5] += 1;
        long.push(0);
        assert!(read_siz(&long).is_err(), "segment longer than its content");
        let bad = [
            codestream(0, [8, 8, 8, 0, 8, 8, 0, 0], &[(7, 1, 1)]),
            codestream(0, [8, 8, 0, 0, 0, 8, 0, 0], &[(7, 1, 1)]),
            codestream(0, [8, 8, 4, 4, 2, 2, 0, 0], &[(7, 1, 1)]),
            codestream(0, g, &[]),
            codestream(0, g, &[(7, 0, 1)]),
            codestream(0, [70_000, 2, 0, 0, 1, 1, 0, 0], &[(7, 1, 1)]),
        ];
        for (i, cs) in bad.iter().enumerate() {
            let e = read_siz(cs).unwrap_err();
            assert!(e.offset.is_some() && !e.is_unsupported(), "{i}: {e}");
        }
    }
}
