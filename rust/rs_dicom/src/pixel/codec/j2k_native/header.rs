//! Codestream marker parsing (ISO/IEC 15444-1 Annex A): the main header, tile-part headers and
//! the location of every tile's tile-part bodies.

use super::NativeError;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

/// Largest number of samples (all components) an image may have.
const MAX_SAMPLES: u64 = 1 << 28;
/// Largest number of components accepted (the standard allows 16384).
const MAX_COMPONENTS: usize = 16384;
/// Largest number of tiles times components accepted.
const MAX_TILE_COMPONENTS: u64 = 1 << 20;
/// Largest number of decomposition levels accepted (the standard's maximum).
pub(super) const MAX_LEVELS: u8 = 32;

const SOC: u16 = 0xFF4F;
const SIZ: u16 = 0xFF51;
const COD: u16 = 0xFF52;
const COC: u16 = 0xFF53;
const TLM: u16 = 0xFF55;
const PLM: u16 = 0xFF57;
const PLT: u16 = 0xFF58;
const QCD: u16 = 0xFF5C;
const QCC: u16 = 0xFF5D;
const RGN: u16 = 0xFF5E;
const POC: u16 = 0xFF5F;
const PPM: u16 = 0xFF60;
const PPT: u16 = 0xFF61;
const CRG: u16 = 0xFF63;
const COM: u16 = 0xFF64;
const CAP: u16 = 0xFF50;
const CPF: u16 = 0xFF59;
const SOT: u16 = 0xFF90;
const SOD: u16 = 0xFF93;
const EOC: u16 = 0xFFD9;

/// A component as SIZ describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SizComponent {
    /// Bits per sample (1..=16 here).
    pub precision: u32,
    /// Whether the samples are signed.
    pub signed: bool,
}

/// The SIZ marker segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Siz {
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
    /// The reference-grid rectangle `(x0, y0, x1, y1)` of tile `t` (B-7..B-10).
    pub(super) fn tile_rect(&self, t: u32) -> (u32, u32, u32, u32) {
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

/// Progression-independent per-tile coding style (COD SGcod and Scod).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct GlobalCoding {
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
pub(super) struct CompCoding {
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
pub(super) struct Quant {
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
    pub(super) fn step(&self, b: usize) -> Option<(u32, u32)> {
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
pub(super) struct CodingSet {
    /// COD: global part and component part.
    pub cod: Option<(GlobalCoding, CompCoding)>,
    /// COC by component (sparse: a tile-part header usually has none).
    pub coc: BTreeMap<usize, CompCoding>,
    /// QCD.
    pub qcd: Option<Quant>,
    /// QCC by component.
    pub qcc: BTreeMap<usize, Quant>,
}

/// What one tile is made of in the codestream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct TileInfo {
    /// Byte ranges of the tile-part bodies, in codestream order.
    pub parts: Vec<Range<usize>>,
    /// Coding defaults signalled in this tile's tile-part headers.
    pub coding: Option<Box<CodingSet>>,
}

/// The resolved coding parameters of one tile-component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TileComp {
    /// Coding style.
    pub coding: CompCoding,
    /// Quantisation.
    pub quant: Quant,
}

/// The parsed codestream: headers and where each tile's data is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Codestream<'a> {
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
    pub(super) fn global(&self, t: usize) -> Result<GlobalCoding, NativeError> {
        let tile = self.tiles.get(t).and_then(|i| i.coding.as_deref());
        tile.and_then(|c| c.cod.as_ref())
            .or(self.main.cod.as_ref())
            .map(|c| c.0)
            .ok_or_else(|| malformed(0, "no COD marker segment"))
    }

    /// The coding parameters of component `c` of tile `t`, with the standard's precedence
    /// (tile COC > tile COD > main COC > main COD; same for QCC/QCD).
    pub(super) fn tile_comp(&self, t: usize, c: usize) -> Result<TileComp, NativeError> {
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
            .ok_or_else(|| malformed(0, "no COD marker segment"))?;
        let quant = tile
            .and_then(pick_quant)
            .or_else(|| pick_quant(&self.main))
            .ok_or_else(|| malformed(0, "no QCD marker segment"))?;
        Ok(TileComp { coding, quant })
    }

    /// The concatenated tile-part bodies of tile `t` (borrowed when there is only one) and
    /// the codestream offset of the first body.
    pub(super) fn tile_data(&self, t: usize) -> (Cow<'a, [u8]>, usize) {
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

/// A `Malformed` error naming the codestream byte offset.
pub(super) fn malformed(offset: usize, what: &str) -> NativeError {
    NativeError::Malformed(format!("J2K codestream byte {offset}: {what}"))
}

/// Big-endian reader over one marker segment's body.
struct Seg<'a> {
    data: &'a [u8],
    pos: usize,
    /// Codestream offset of `data[0]`, for messages.
    base: usize,
}

impl Seg<'_> {
    fn u8(&mut self) -> Result<u8, NativeError> {
        let v = *self
            .data
            .get(self.pos)
            .ok_or_else(|| malformed(self.base + self.pos, "marker segment too short"))?;
        self.pos += 1;
        Ok(v)
    }
    fn u16(&mut self) -> Result<u16, NativeError> {
        Ok(u16::from(self.u8()?) << 8 | u16::from(self.u8()?))
    }
    fn u32(&mut self) -> Result<u32, NativeError> {
        Ok(u32::from(self.u16()?) << 16 | u32::from(self.u16()?))
    }
    fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }
    fn offset(&self) -> usize {
        self.base + self.pos
    }
    fn finish(&self, what: &str) -> Result<(), NativeError> {
        if self.remaining() != 0 {
            return Err(malformed(
                self.offset(),
                &format!("{what} marker segment longer than its content"),
            ));
        }
        Ok(())
    }
}

fn read_u16(data: &[u8], pos: usize) -> Option<u16> {
    let b = data.get(pos..pos.checked_add(2)?)?;
    Some(u16::from(b[0]) << 8 | u16::from(b[1]))
}

/// Reads the marker at `pos` and its segment body (after Lxxx); returns the marker, the body
/// and the position after the segment.
fn marker_segment(data: &[u8], pos: usize) -> Result<(u16, Seg<'_>, usize), NativeError> {
    let marker = read_u16(data, pos).ok_or_else(|| malformed(pos, "truncated before a marker"))?;
    if marker >> 8 != 0xFF {
        return Err(malformed(
            pos,
            &format!("expected a marker, found {marker:04X}"),
        ));
    }
    let len = read_u16(data, pos + 2)
        .ok_or_else(|| malformed(pos + 2, "truncated marker segment length"))?;
    if len < 2 {
        return Err(malformed(pos + 2, "marker segment length below 2"));
    }
    let start = pos + 4;
    let end = pos + 2 + usize::from(len);
    let body = data
        .get(start..end)
        .ok_or_else(|| malformed(pos, &format!("marker {marker:04X} segment truncated")))?;
    Ok((
        marker,
        Seg {
            data: body,
            pos: 0,
            base: start,
        },
        end,
    ))
}

fn read_siz(s: &mut Seg<'_>) -> Result<Siz, NativeError> {
    let rsiz = s.u16()?;
    if rsiz & 0xC000 != 0 {
        // Part 2 extensions or Part 15 (HTJ2K) capabilities.
        return Err(NativeError::Unsupported(
            "J2K Part 2 or HTJ2K capabilities (Rsiz)",
        ));
    }
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
        return Err(malformed(at, "empty image area in SIZ"));
    }
    if tw == 0 || th == 0 || tx0 > x0 || ty0 > y0 {
        return Err(malformed(at, "invalid tile grid in SIZ"));
    }
    if u64::from(tx0) + u64::from(tw) <= u64::from(x0)
        || u64::from(ty0) + u64::from(th) <= u64::from(y0)
    {
        return Err(malformed(at, "first tile outside the image area in SIZ"));
    }
    if csiz == 0 || csiz > MAX_COMPONENTS {
        return Err(malformed(at, "invalid number of components in SIZ"));
    }
    let samples = u64::from(x1 - x0) * u64::from(y1 - y0) * csiz as u64;
    if samples > MAX_SAMPLES {
        return Err(NativeError::Unsupported(
            "J2K image too large for the native decoder",
        ));
    }
    let tiles_x = (u64::from(x1 - tx0)).div_ceil(u64::from(tw));
    let tiles_y = (u64::from(y1 - ty0)).div_ceil(u64::from(th));
    if tiles_x * tiles_y > 65535 {
        return Err(malformed(at, "more than 65535 tiles"));
    }
    if tiles_x * tiles_y * csiz as u64 > MAX_TILE_COMPONENTS {
        // Per-tile-component work would dominate; real images are nowhere near this.
        return Err(NativeError::Unsupported(
            "J2K image with too many tile-components",
        ));
    }
    let mut comps = Vec::with_capacity(csiz);
    for _ in 0..csiz {
        let ssiz = s.u8()?;
        let dx = s.u8()?;
        let dy = s.u8()?;
        let precision = u32::from(ssiz & 0x7F) + 1;
        if dx == 0 || dy == 0 {
            return Err(malformed(s.offset(), "zero component sub-sampling in SIZ"));
        }
        if dx != 1 || dy != 1 {
            return Err(NativeError::Unsupported("J2K component sub-sampling"));
        }
        if precision > 16 {
            return Err(NativeError::Unsupported("J2K precision above 16 bits"));
        }
        comps.push(SizComponent {
            precision,
            signed: ssiz & 0x80 != 0,
        });
    }
    s.finish("SIZ")?;
    Ok(Siz {
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

/// SPcod / SPcoc; `custom_precincts` is Scod/Scoc bit 0.
fn read_comp_coding(s: &mut Seg<'_>, custom_precincts: bool) -> Result<CompCoding, NativeError> {
    let at = s.offset();
    let levels = s.u8()?;
    if levels > MAX_LEVELS {
        return Err(NativeError::Unsupported(
            "J2K decomposition levels above 32",
        ));
    }
    let xcb = s.u8()?;
    let ycb = s.u8()?;
    if xcb > 8 || ycb > 8 || xcb + ycb > 8 {
        return Err(malformed(at + 1, "invalid code-block size"));
    }
    let style = s.u8()?;
    if style & 0xC0 != 0 {
        return Err(NativeError::Unsupported("HTJ2K code-blocks"));
    }
    let transform = s.u8()?;
    if transform > 1 {
        return Err(NativeError::Unsupported("J2K Part 2 wavelet transform"));
    }
    let mut precincts = Vec::with_capacity(usize::from(levels) + 1);
    for r in 0..=levels {
        if custom_precincts {
            let b = s.u8()?;
            if r != 0 && (b & 0x0F == 0 || b >> 4 == 0) {
                return Err(malformed(
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

fn read_cod(s: &mut Seg<'_>) -> Result<(GlobalCoding, CompCoding), NativeError> {
    let scod = s.u8()?;
    if scod & !0x07 != 0 {
        return Err(NativeError::Unsupported("J2K Part 2 coding style (Scod)"));
    }
    let at = s.offset();
    let progression = s.u8()?;
    if progression > 4 {
        return Err(malformed(at, "unknown progression order"));
    }
    let layers = s.u16()?;
    if layers == 0 {
        return Err(malformed(at + 1, "zero quality layers"));
    }
    let mct = s.u8()?;
    if mct > 1 {
        return Err(NativeError::Unsupported(
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

fn read_comp_index(s: &mut Seg<'_>, ncomps: usize) -> Result<usize, NativeError> {
    let at = s.offset();
    let c = if ncomps < 257 {
        usize::from(s.u8()?)
    } else {
        usize::from(s.u16()?)
    };
    if c >= ncomps {
        return Err(malformed(at, "component index out of range"));
    }
    Ok(c)
}

fn read_coc(s: &mut Seg<'_>, ncomps: usize) -> Result<(usize, CompCoding), NativeError> {
    let c = read_comp_index(s, ncomps)?;
    let scoc = s.u8()?;
    if scoc & !0x01 != 0 {
        return Err(NativeError::Unsupported("J2K Part 2 coding style (Scoc)"));
    }
    let comp = read_comp_coding(s, scoc & 1 != 0)?;
    s.finish("COC")?;
    Ok((c, comp))
}

fn read_quant(s: &mut Seg<'_>) -> Result<Quant, NativeError> {
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
                return Err(malformed(s.offset(), "odd QCD/QCC step size bytes"));
            }
            while s.remaining() > 0 {
                let v = s.u16()?;
                steps.push(((v >> 11) as u8, v & 0x7FF));
            }
        }
        _ => return Err(malformed(at, "unknown quantisation style")),
    }
    if steps.is_empty() {
        return Err(malformed(at, "no quantisation step sizes"));
    }
    s.finish("QCD/QCC")?;
    Ok(Quant {
        style,
        guard_bits,
        steps,
    })
}

fn read_qcc(s: &mut Seg<'_>, ncomps: usize) -> Result<(usize, Quant), NativeError> {
    let c = read_comp_index(s, ncomps)?;
    Ok((c, read_quant(s)?))
}

/// Applies a coding-style marker segment to `set`; returns false when `marker` is not one.
fn coding_marker(
    marker: u16,
    s: &mut Seg<'_>,
    set: &mut CodingSet,
    ncomps: usize,
) -> Result<bool, NativeError> {
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

fn unsupported_marker(marker: u16) -> NativeError {
    NativeError::Unsupported(match marker {
        POC => "J2K progression order changes (POC)",
        PPM => "J2K packed packet headers (PPM)",
        PPT => "J2K packed packet headers (PPT)",
        RGN => "J2K regions of interest (RGN)",
        CAP | CPF => "HTJ2K (CAP/CPF)",
        _ => "J2K marker segment not known to the native decoder",
    })
}

/// Parses a raw codestream: main header, then every tile-part header, locating the bodies.
pub(super) fn parse(data: &[u8]) -> Result<Codestream<'_>, NativeError> {
    if read_u16(data, 0) != Some(SOC) || read_u16(data, 2) != Some(SIZ) {
        return Err(NativeError::Unsupported(
            "not a raw J2K codestream (no SOC + SIZ)",
        ));
    }
    let (_, mut s, mut pos) = marker_segment(data, 2)?;
    let siz = read_siz(&mut s)?;
    let ncomps = siz.comps.len();
    let mut main = CodingSet::default();
    loop {
        let marker = read_u16(data, pos).ok_or_else(|| malformed(pos, "main header truncated"))?;
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
        return Err(malformed(pos, "no COD marker segment in the main header"));
    }
    if main.qcd.is_none() {
        return Err(malformed(pos, "no QCD marker segment in the main header"));
    }
    let ntiles = (siz.tiles_x * siz.tiles_y) as usize;
    let mut tiles = vec![TileInfo::default(); ntiles];
    // Tile-parts until EOC (or the end of the data: a missing EOC is tolerated).
    while read_u16(data, pos) == Some(SOT) {
        let sot_pos = pos;
        let (_, mut s, next) = marker_segment(data, pos)?;
        if s.data.len() != 8 {
            return Err(malformed(sot_pos, "SOT length is not 10"));
        }
        let isot = usize::from(s.u16()?);
        let psot = s.u32()? as usize;
        let _tpsot = s.u8()?;
        let _tnsot = s.u8()?;
        let tile = tiles
            .get_mut(isot)
            .ok_or_else(|| malformed(sot_pos + 4, "tile index out of range"))?;
        let end = if psot == 0 {
            if data.len() >= 2 && read_u16(data, data.len() - 2) == Some(EOC) {
                data.len() - 2
            } else {
                data.len()
            }
        } else {
            let end = sot_pos
                .checked_add(psot)
                .filter(|&e| e <= data.len())
                .ok_or_else(|| malformed(sot_pos + 6, "tile-part extends past the data"))?;
            if psot < 14 {
                return Err(malformed(sot_pos + 6, "tile-part length too small"));
            }
            end
        };
        pos = next;
        loop {
            if pos >= end {
                return Err(malformed(pos, "tile-part header without SOD"));
            }
            let marker =
                read_u16(data, pos).ok_or_else(|| malformed(pos, "tile-part header truncated"))?;
            if marker == SOD {
                pos += 2;
                break;
            }
            let (marker, mut s, next) = marker_segment(data, pos)?;
            if next > end {
                return Err(malformed(pos, "marker segment crosses the tile-part end"));
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
            return Err(malformed(pos, "SOD past the tile-part end"));
        }
        tile.parts.push(pos..end);
        pos = end;
    }
    for (t, info) in tiles.iter().enumerate() {
        if info.parts.is_empty() {
            return Err(malformed(pos, &format!("tile {t} has no tile-part")));
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
mod unit_tests {
    use super::*;

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
            Err(NativeError::Unsupported(_))
        ));
        let poc = seg(POC, &[0, 0, 0, 1, 1, 0, 0]);
        let v = minimal(&poc, &[]);
        assert!(matches!(parse(&v), Err(NativeError::Unsupported(_))));
        let v = minimal(&[], &[1, 2]);
        for cut in 0..v.len() - 2 {
            // Never panics; a truncated main header or tile-part is an error.
            let _ = parse(&v[..cut]);
        }
        let mut bad = v.clone();
        // Code-block exponent sum too large.
        let i = bad.windows(2).position(|w| w == [0xFF, 0x52]).unwrap();
        bad[i + 10] = 6;
        assert!(matches!(parse(&bad), Err(NativeError::Malformed(_))));
    }
}
