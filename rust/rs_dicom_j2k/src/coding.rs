//! Coding style and quantisation marker segments (COD, COC, QCD, QCC; ISO/IEC 15444-1 A.6):
//! what they say and how a tile-component's parameters are resolved from them.

use std::collections::BTreeMap;

use crate::Error;
use crate::marker::{COC, COD, QCC, QCD, Seg};

/// Largest number of decomposition levels accepted (the standard's maximum).
const MAX_LEVELS: u8 = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GlobalCoding {
    /// Progression order 0 LRCP, 1 RLCP, 2 RPCL, 3 PCRL, 4 CPRL.
    pub progression: u8,
    /// Number of quality layers (>= 1).
    pub layers: u16,
    /// Multiple component transform byte (0 or 1).
    pub mct: u8,
    /// SOP marker segments may precede packets.
    pub sop: bool,
    /// EPH markers follow packet headers.
    pub eph: bool,
}

/// Per-component coding style (SPcod / SPcoc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CompCoding {
    /// Number of decomposition levels NL.
    pub levels: u8,
    /// Code-block width exponent (xcb, 2..=10).
    pub xcb: u8,
    /// Code-block height exponent (ycb, 2..=10).
    pub ycb: u8,
    /// Code-block style byte.
    pub style: u8,
    /// Transform: true for the reversible 5/3, false for the irreversible 9/7.
    pub reversible: bool,
    /// Per resolution level `PPx | PPy << 4` (15 | 15 << 4 when not signalled).
    pub precincts: Vec<u8>,
}

/// Quantisation (QCD / QCC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Quant {
    /// 0 none, 1 scalar derived, 2 scalar expounded.
    pub style: u8,
    /// Number of guard bits.
    pub guard_bits: u8,
    /// Signalled `(exponent, mantissa)` pairs in sub-band order.
    pub steps: Vec<(u8, u16)>,
}

impl Quant {
    /// `(exponent, mantissa)` of sub-band `b` (0 = LL, then 3 per resolution level), following
    /// OpenJPEG's derivation for scalar derived quantisation.
    pub(crate) fn step(&self, b: usize) -> Option<(u32, u32)> {
        if self.style == 1 {
            let &(e0, m0) = self.steps.first()?;
            let e = if b == 0 {
                i64::from(e0)
            } else {
                (i64::from(e0) - ((b as i64 - 1) / 3)).max(0)
            };
            Some((e as u32, u32::from(m0)))
        } else {
            self.steps
                .get(b)
                .map(|&(e, m)| (u32::from(e), u32::from(m)))
        }
    }
}

/// A set of coding and quantisation defaults (of the main header or of one tile).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CodingSet {
    /// COD: global part and component part.
    pub cod: Option<(GlobalCoding, CompCoding)>,
    /// COC by component (sparse: a tile-part header usually has none).
    pub coc: BTreeMap<usize, CompCoding>,
    /// QCD.
    pub qcd: Option<Quant>,
    /// QCC by component.
    pub qcc: BTreeMap<usize, Quant>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TileComp {
    /// Coding style.
    pub coding: CompCoding,
    /// Quantisation.
    pub quant: Quant,
}

/// SPcod / SPcoc; `custom_precincts` is Scod/Scoc bit 0.
fn read_comp_coding(s: &mut Seg<'_>, custom_precincts: bool) -> Result<CompCoding, Error> {
    let at = s.offset();
    let levels = s.u8()?;
    if levels > MAX_LEVELS {
        return Err(Error::unsupported("J2K decomposition levels above 32"));
    }
    let xcb = s.u8()?;
    let ycb = s.u8()?;
    if xcb > 8 || ycb > 8 || xcb + ycb > 8 {
        return Err(Error::malformed_at(at + 1, "invalid code-block size"));
    }
    let style = s.u8()?;
    if style & 0xC0 != 0 {
        return Err(Error::unsupported("HTJ2K code-blocks"));
    }
    let transform = s.u8()?;
    if transform > 1 {
        return Err(Error::unsupported("J2K Part 2 wavelet transform"));
    }
    let mut precincts = Vec::with_capacity(usize::from(levels) + 1);
    for r in 0..=levels {
        if custom_precincts {
            let b = s.u8()?;
            if r != 0 && (b & 0x0F == 0 || b >> 4 == 0) {
                return Err(Error::malformed_at(
                    s.offset() - 1,
                    "precinct size exponent 0 above resolution 0",
                ));
            }
            precincts.push(b);
        } else {
            precincts.push(0xFF);
        }
    }
    Ok(CompCoding {
        levels,
        xcb: xcb + 2,
        ycb: ycb + 2,
        style,
        reversible: transform == 1,
        precincts,
    })
}

fn read_cod(s: &mut Seg<'_>) -> Result<(GlobalCoding, CompCoding), Error> {
    let scod = s.u8()?;
    if scod & !0x07 != 0 {
        return Err(Error::unsupported("J2K Part 2 coding style (Scod)"));
    }
    let at = s.offset();
    let progression = s.u8()?;
    if progression > 4 {
        return Err(Error::malformed_at(at, "unknown progression order"));
    }
    let layers = s.u16()?;
    if layers == 0 {
        return Err(Error::malformed_at(at + 1, "zero quality layers"));
    }
    let mct = s.u8()?;
    if mct > 1 {
        return Err(Error::unsupported(
            "J2K Part 2 multiple component transform",
        ));
    }
    let comp = read_comp_coding(s, scod & 1 != 0)?;
    s.finish("COD")?;
    Ok((
        GlobalCoding {
            progression,
            layers,
            mct,
            sop: scod & 0x02 != 0,
            eph: scod & 0x04 != 0,
        },
        comp,
    ))
}

fn read_comp_index(s: &mut Seg<'_>, ncomps: usize) -> Result<usize, Error> {
    let at = s.offset();
    let c = if ncomps < 257 {
        usize::from(s.u8()?)
    } else {
        usize::from(s.u16()?)
    };
    if c >= ncomps {
        return Err(Error::malformed_at(at, "component index out of range"));
    }
    Ok(c)
}

fn read_coc(s: &mut Seg<'_>, ncomps: usize) -> Result<(usize, CompCoding), Error> {
    let c = read_comp_index(s, ncomps)?;
    let scoc = s.u8()?;
    if scoc & !0x01 != 0 {
        return Err(Error::unsupported("J2K Part 2 coding style (Scoc)"));
    }
    let comp = read_comp_coding(s, scoc & 1 != 0)?;
    s.finish("COC")?;
    Ok((c, comp))
}

fn read_quant(s: &mut Seg<'_>) -> Result<Quant, Error> {
    let at = s.offset();
    let sq = s.u8()?;
    let style = sq & 0x1F;
    let guard_bits = sq >> 5;
    let mut steps = Vec::new();
    match style {
        0 => {
            while s.remaining() > 0 {
                steps.push((s.u8()? >> 3, 0));
            }
        }
        1 => {
            let v = s.u16()?;
            steps.push(((v >> 11) as u8, v & 0x7FF));
        }
        2 => {
            if !s.remaining().is_multiple_of(2) {
                return Err(Error::malformed_at(
                    s.offset(),
                    "odd QCD/QCC step size bytes",
                ));
            }
            while s.remaining() > 0 {
                let v = s.u16()?;
                steps.push(((v >> 11) as u8, v & 0x7FF));
            }
        }
        _ => return Err(Error::malformed_at(at, "unknown quantisation style")),
    }
    if steps.is_empty() {
        return Err(Error::malformed_at(at, "no quantisation step sizes"));
    }
    s.finish("QCD/QCC")?;
    Ok(Quant {
        style,
        guard_bits,
        steps,
    })
}

fn read_qcc(s: &mut Seg<'_>, ncomps: usize) -> Result<(usize, Quant), Error> {
    let c = read_comp_index(s, ncomps)?;
    Ok((c, read_quant(s)?))
}

/// Applies a coding-style marker segment to `set`; returns false when `marker` is not one.
pub(crate) fn coding_marker(
    marker: u16,
    s: &mut Seg<'_>,
    set: &mut CodingSet,
    ncomps: usize,
) -> Result<bool, Error> {
    match marker {
        COD => set.cod = Some(read_cod(s)?),
        COC => {
            let (c, v) = read_coc(s, ncomps)?;
            set.coc.insert(c, v);
        }
        QCD => set.qcd = Some(read_quant(s)?),
        QCC => {
            let (c, v) = read_qcc(s, ncomps)?;
            set.qcc.insert(c, v);
        }
        _ => return Ok(false),
    }
    Ok(true)
}
