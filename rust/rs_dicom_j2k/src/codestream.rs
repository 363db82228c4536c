//! Codestream structure (ISO/IEC 15444-1 Annex A): the main header, tile-part headers and the
//! location of every tile's tile-part bodies, and what of it this decoder supports.

use std::borrow::Cow;
use std::ops::Range;

use crate::Error;
use crate::coding::{CodingSet, CompCoding, GlobalCoding, Quant, TileComp, coding_marker};
use crate::marker::{
    CAP, COM, CPF, CRG, EOC, PLM, PLT, POC, PPM, PPT, RGN, SIZ, SOC, SOD, SOT, TLM, be_u16,
    marker_segment,
};
use crate::siz::{Siz, parse_siz};

/// Largest number of samples (all components) an image may have.
const MAX_SAMPLES: u64 = 1 << 28;
/// Largest number of tiles times components accepted.
const MAX_TILE_COMPONENTS: u64 = 1 << 20;

/// What one tile is made of in the codestream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TileInfo {
    /// Byte ranges of the tile-part bodies, in codestream order.
    pub parts: Vec<Range<usize>>,
    /// Coding defaults signalled in this tile's tile-part headers.
    pub coding: Option<Box<CodingSet>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Codestream<'a> {
    /// The whole codestream.
    pub data: &'a [u8],
    /// SIZ.
    pub siz: Siz,
    /// Main header defaults.
    pub main: CodingSet,
    /// Per tile, in tile index order.
    pub tiles: Vec<TileInfo>,
}

impl<'a> Codestream<'a> {
    /// The global coding style of tile `t` (tile COD over main COD).
    pub(crate) fn global(&self, t: usize) -> Result<GlobalCoding, Error> {
        let tile = self.tiles.get(t).and_then(|i| i.coding.as_deref());
        tile.and_then(|c| c.cod.as_ref())
            .or(self.main.cod.as_ref())
            .map(|c| c.0)
            .ok_or_else(|| Error::malformed("no COD marker segment"))
    }

    /// The coding parameters of component `c` of tile `t`, with the standard's precedence
    /// (tile COC > tile COD > main COC > main COD; same for QCC/QCD).
    pub(crate) fn tile_comp(&self, t: usize, c: usize) -> Result<TileComp, Error> {
        let tile = self.tiles.get(t).and_then(|i| i.coding.as_deref());
        let pick_coding = |s: &CodingSet| -> Option<CompCoding> {
            s.coc
                .get(&c)
                .cloned()
                .or_else(|| s.cod.as_ref().map(|x| x.1.clone()))
        };
        let pick_quant =
            |s: &CodingSet| -> Option<Quant> { s.qcc.get(&c).cloned().or_else(|| s.qcd.clone()) };
        let coding = tile
            .and_then(pick_coding)
            .or_else(|| pick_coding(&self.main))
            .ok_or_else(|| Error::malformed("no COD marker segment"))?;
        let quant = tile
            .and_then(pick_quant)
            .or_else(|| pick_quant(&self.main))
            .ok_or_else(|| Error::malformed("no QCD marker segment"))?;
        Ok(TileComp { coding, quant })
    }

    /// The concatenated tile-part bodies of tile `t` (borrowed when there is only one) and
    /// the codestream offset of the first body.
    pub(crate) fn tile_data(&self, t: usize) -> (Cow<'a, [u8]>, usize) {
        let Some(info) = self.tiles.get(t) else {
            return (Cow::Borrowed(&[]), 0);
        };
        let first = info.parts.first().map_or(0, |r| r.start);
        match info.parts.as_slice() {
            [one] => (
                Cow::Borrowed(self.data.get(one.clone()).unwrap_or(&[])),
                first,
            ),
            parts => {
                let total = parts.iter().map(|r| r.len()).sum();
                let mut v = Vec::with_capacity(total);
                for r in parts {
                    v.extend_from_slice(self.data.get(r.clone()).unwrap_or(&[]));
                }
                (Cow::Owned(v), first)
            }
        }
    }
}

/// Declines what the decoder does not implement (HTJ2K and Part 2 capabilities, component
/// sub-sampling, precision above 16 bits) and images too large for it.
fn check_supported(siz: &Siz) -> Result<(), Error> {
    if siz.extended() {
        return Err(Error::unsupported(
            "J2K Part 2 or HTJ2K capabilities (Rsiz)",
        ));
    }
    let ncomps = siz.comps.len() as u64;
    if u64::from(siz.width()) * u64::from(siz.height()) * ncomps > MAX_SAMPLES {
        return Err(Error::unsupported(
            "J2K image too large for the native decoder",
        ));
    }
    if u64::from(siz.tiles_x) * u64::from(siz.tiles_y) * ncomps > MAX_TILE_COMPONENTS {
        // Per-tile-component work would dominate; real images are nowhere near this.
        return Err(Error::unsupported(
            "J2K image with too many tile-components",
        ));
    }
    for c in &siz.comps {
        if c.dx != 1 || c.dy != 1 {
            return Err(Error::unsupported("J2K component sub-sampling"));
        }
        if c.precision > 16 {
            return Err(Error::unsupported("J2K precision above 16 bits"));
        }
    }
    Ok(())
}

fn unsupported_marker(marker: u16) -> Error {
    Error::unsupported(match marker {
        POC => "J2K progression order changes (POC)",
        PPM => "J2K packed packet headers (PPM)",
        PPT => "J2K packed packet headers (PPT)",
        RGN => "J2K regions of interest (RGN)",
        CAP | CPF => "HTJ2K (CAP/CPF)",
        _ => "J2K marker segment not known to the native decoder",
    })
}

/// Parses a raw codestream: main header, then every tile-part header, locating the bodies.
pub(crate) fn parse(data: &[u8]) -> Result<Codestream<'_>, Error> {
    if be_u16(data, 0) != Some(SOC) || be_u16(data, 2) != Some(SIZ) {
        return Err(Error::unsupported(
            "not a raw J2K codestream (no SOC + SIZ)",
        ));
    }
    let (_, mut s, mut pos) = marker_segment(data, 2)?;
    let siz = parse_siz(&mut s)?;
    check_supported(&siz)?;
    let ncomps = siz.comps.len();
    let mut main = CodingSet::default();
    loop {
        let marker =
            be_u16(data, pos).ok_or_else(|| Error::malformed_at(pos, "main header truncated"))?;
        if marker == SOT {
            break;
        }
        let (marker, mut s, next) = marker_segment(data, pos)?;
        if !coding_marker(marker, &mut s, &mut main, ncomps)? {
            match marker {
                COM | TLM | PLM | CRG => {}
                _ => return Err(unsupported_marker(marker)),
            }
        }
        pos = next;
    }
    if main.cod.is_none() {
        return Err(Error::malformed_at(
            pos,
            "no COD marker segment in the main header",
        ));
    }
    if main.qcd.is_none() {
        return Err(Error::malformed_at(
            pos,
            "no QCD marker segment in the main header",
        ));
    }
    let ntiles = (siz.tiles_x * siz.tiles_y) as usize;
    let mut tiles = vec![TileInfo::default(); ntiles];
    // Tile-parts until EOC (or the end of the data: a missing EOC is tolerated).
    while be_u16(data, pos) == Some(SOT) {
        let sot_pos = pos;
        let (_, mut s, next) = marker_segment(data, pos)?;
        if s.data.len() != 8 {
            return Err(Error::malformed_at(sot_pos, "SOT length is not 10"));
        }
        let isot = usize::from(s.u16()?);
        let psot = s.u32()? as usize;
        let _tpsot = s.u8()?;
        let _tnsot = s.u8()?;
        let tile = tiles
            .get_mut(isot)
            .ok_or_else(|| Error::malformed_at(sot_pos + 4, "tile index out of range"))?;
        let end = if psot == 0 {
            if data.len() >= 2 && be_u16(data, data.len() - 2) == Some(EOC) {
                data.len() - 2
            } else {
                data.len()
            }
        } else {
            let end = sot_pos
                .checked_add(psot)
                .filter(|&e| e <= data.len())
                .ok_or_else(|| {
                    Error::malformed_at(sot_pos + 6, "tile-part extends past the data")
                })?;
            if psot < 14 {
                return Err(Error::malformed_at(
                    sot_pos + 6,
                    "tile-part length too small",
                ));
            }
            end
        };
        pos = next;
        loop {
            if pos >= end {
                return Err(Error::malformed_at(pos, "tile-part header without SOD"));
            }
            let marker = be_u16(data, pos)
                .ok_or_else(|| Error::malformed_at(pos, "tile-part header truncated"))?;
            if marker == SOD {
                pos += 2;
                break;
            }
            let (marker, mut s, next) = marker_segment(data, pos)?;
            if next > end {
                return Err(Error::malformed_at(
                    pos,
                    "marker segment crosses the tile-part end",
                ));
            }
            let set = tile
                .coding
                .get_or_insert_with(|| Box::new(CodingSet::default()));
            if !coding_marker(marker, &mut s, set, ncomps)? {
                match marker {
                    COM | PLT => {}
                    _ => return Err(unsupported_marker(marker)),
                }
            }
            pos = next;
        }
        if pos > end {
            return Err(Error::malformed_at(pos, "SOD past the tile-part end"));
        }
        tile.parts.push(pos..end);
        pos = end;
    }
    for (t, info) in tiles.iter().enumerate() {
        if info.parts.is_empty() {
            return Err(Error::malformed_at(
                pos,
                format!("tile {t} has no tile-part"),
            ));
        }
    }
    Ok(Codestream {
        data,
        siz,
        main,
        tiles,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marker::{COC, COD, QCD};

    fn seg(marker: u16, body: &[u8]) -> Vec<u8> {
        let mut v = marker.to_be_bytes().to_vec();
        v.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        v.extend_from_slice(body);
        v
    }

    /// SIZ body for one 8-bit component: Xsiz, Ysiz, XOsiz, YOsiz, XTsiz, YTsiz, XTOsiz, YTOsiz.
    fn siz_body(v: [u32; 8]) -> Vec<u8> {
        let mut b = vec![0, 0];
        for v in v {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b.extend_from_slice(&1u16.to_be_bytes());
        b.extend_from_slice(&[7, 1, 1]);
        b
    }

    fn minimal(tile_header: &[u8], body: &[u8]) -> Vec<u8> {
        let mut v = vec![0xFF, 0x4F];
        v.extend(seg(SIZ, &siz_body([13, 7, 1, 2, 8, 4, 0, 1])));
        // COD: no custom precincts, LRCP, 2 layers, no MCT, NL 1, 32x32, style 0, 5/3.
        v.extend(seg(COD, &[0, 0, 0, 2, 0, 1, 3, 3, 0, 1]));
        v.extend(seg(QCD, &[0x40, 0x40, 0x48, 0x48, 0x50]));
        v.extend(seg(COM, &[0, 1, b'x']));
        let ntiles = 2 * 2;
        for t in 0..ntiles {
            let mut tp = Vec::new();
            tp.extend_from_slice(tile_header);
            tp.extend_from_slice(&[0xFF, 0x93]);
            tp.extend_from_slice(body);
            let psot = (12 + tp.len()) as u32;
            let mut sot = (t as u16).to_be_bytes().to_vec();
            sot.extend_from_slice(&psot.to_be_bytes());
            sot.extend_from_slice(&[0, 1]);
            v.extend(seg(SOT, &sot));
            v.extend(tp);
        }
        v.extend_from_slice(&[0xFF, 0xD9]);
        v
    }

    #[test]
    fn parses_main_and_tile_headers() {
        let coc = seg(COC, &[0, 1, 2, 2, 2, 0x01, 0, 0x77, 0x88, 0x99]);
        let cs_bytes = minimal(&coc, &[1, 2, 3]);
        let cs = parse(&cs_bytes).unwrap();
        assert_eq!(cs.siz.tiles_x, 2);
        assert_eq!(cs.siz.tiles_y, 2);
        assert_eq!(cs.siz.tile_rect(0), (1, 2, 8, 5));
        assert_eq!(cs.siz.tile_rect(3), (8, 5, 13, 7));
        assert_eq!(cs.siz.comps[0].precision, 8);
        let g = cs.global(0).unwrap();
        assert_eq!(g.layers, 2);
        let tc = cs.tile_comp(1, 0).unwrap();
        // Tile COC overrides main COD.
        assert_eq!(tc.coding.levels, 2);
        assert_eq!(tc.coding.xcb, 4);
        assert_eq!(tc.coding.style, 1);
        assert!(!tc.coding.reversible);
        assert_eq!(tc.coding.precincts, vec![0x77, 0x88, 0x99]);
        assert_eq!(tc.quant.style, 0);
        assert_eq!(tc.quant.guard_bits, 2);
        assert_eq!(tc.quant.step(2), Some((9, 0)));
        let (d, _) = cs.tile_data(2);
        assert_eq!(&*d, &[1, 2, 3]);
    }

    #[test]
    fn derived_quantisation_follows_openjpeg() {
        let q = Quant {
            style: 1,
            guard_bits: 2,
            steps: vec![(10, 5)],
        };
        assert_eq!(q.step(0), Some((10, 5)));
        assert_eq!(q.step(1), Some((10, 5)));
        assert_eq!(q.step(3), Some((10, 5)));
        assert_eq!(q.step(4), Some((9, 5)));
        assert_eq!(q.step(31), Some((0, 5)));
    }

    #[test]
    fn declines_and_rejects() {
        assert!(matches!(
            parse(&[0, 0, 0, 12]),
            Err(e) if e.is_unsupported()
        ));
        let poc = seg(POC, &[0, 0, 0, 1, 1, 0, 0]);
        let v = minimal(&poc, &[]);
        assert!(matches!(parse(&v), Err(e) if e.is_unsupported()));
        let v = minimal(&[], &[1, 2]);
        for cut in 0..v.len() - 2 {
            // Never panics; a truncated main header or tile-part is an error.
            let _ = parse(&v[..cut]);
        }
        let mut bad = v.clone();
        // Code-block exponent sum too large.
        let i = bad.windows(2).position(|w| w == [0xFF, 0x52]).unwrap();
        bad[i + 10] = 6;
        assert!(matches!(parse(&bad), Err(e) if e.kind == crate::ErrorKind::Malformed));
    }
}
