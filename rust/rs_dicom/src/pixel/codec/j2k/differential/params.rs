//! OpenJPEG encoder parameters: what a case asks OpenJPEG's encoder for, and the matching
//! `opj_compress` command line (to reproduce a case by hand).

use std::fmt;

use openjpeg_sys as opj;

/// Progression orders, indexed as OpenJPEG's `OPJ_PROG_ORDER` values.
pub(super) const PROGS: [(opj::PROG_ORDER, &str); 5] = [
    (opj::PROG_ORDER::OPJ_LRCP, "LRCP"),
    (opj::PROG_ORDER::OPJ_RLCP, "RLCP"),
    (opj::PROG_ORDER::OPJ_RPCL, "RPCL"),
    (opj::PROG_ORDER::OPJ_PCRL, "PCRL"),
    (opj::PROG_ORDER::OPJ_CPRL, "CPRL"),
];

/// How quality layers are formed.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Layers {
    /// `cp_disto_alloc` with `tcp_rates` (compression ratios, decreasing; 0 = lossless).
    Rates(Vec<f32>),
    /// `cp_fixed_quality` with `tcp_distoratio` (PSNR in dB, increasing; 0 = lossless).
    Psnr(Vec<f32>),
}

impl Layers {
    pub(super) fn count(&self) -> usize {
        match self {
            Layers::Rates(v) | Layers::Psnr(v) => v.len(),
        }
    }

    /// The last layer is lossless (when the transform is reversible).
    pub(super) fn last_lossless(&self) -> bool {
        match self {
            Layers::Rates(v) => v.last().is_none_or(|&r| r <= 1.0),
            Layers::Psnr(v) => v.last().is_none_or(|&r| r == 0.0),
        }
    }
}

/// Tiling: `cp_tdx`, `cp_tdy`, `cp_tx0`, `cp_ty0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Tiles {
    pub(super) w: u32,
    pub(super) h: u32,
    pub(super) x0: u32,
    pub(super) y0: u32,
}

/// Everything the encoder wrapper sets.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct EncodeParams {
    pub(super) width: u32,
    pub(super) height: u32,
    /// Image offset on the reference grid (XOsiz, YOsiz).
    pub(super) x0: u32,
    pub(super) y0: u32,
    pub(super) components: u32,
    pub(super) precision: u32,
    pub(super) signed: bool,
    /// `tcp_mct` (RCT/ICT on the first three components).
    pub(super) mct: bool,
    /// 9/7 irreversible (else 5/3 reversible).
    pub(super) irreversible: bool,
    pub(super) numres: u32,
    /// Code-block width and height.
    pub(super) cblk: (u32, u32),
    /// Custom precinct sizes from the highest resolution down (`res_spec` entries); empty
    /// means the default (one precinct per resolution).
    pub(super) precincts: Vec<(u32, u32)>,
    /// Index in [`PROGS`].
    pub(super) prog: usize,
    pub(super) layers: Layers,
    pub(super) tiles: Option<Tiles>,
    /// Code-block style (`mode`): BYPASS 1, RESET 2, TERMALL 4, VSC 8, PTERM 16, SEGSYM 32.
    pub(super) mode: u32,
    pub(super) sop: bool,
    pub(super) eph: bool,
    /// Tile-part generation flag (`R`, `L` or `C`).
    pub(super) tile_parts: Option<u8>,
    pub(super) plt: bool,
    pub(super) tlm: bool,
    pub(super) guard_bits: Option<u32>,
}

impl EncodeParams {
    /// A lossless single-layer default (as `opj_compress` without options).
    pub(super) fn basic(
        width: u32,
        height: u32,
        components: u32,
        precision: u32,
        signed: bool,
    ) -> Self {
        EncodeParams {
            width,
            height,
            x0: 0,
            y0: 0,
            components,
            precision,
            signed,
            mct: components >= 3,
            irreversible: false,
            numres: 6,
            cblk: (64, 64),
            precincts: Vec::new(),
            prog: 0,
            layers: Layers::Rates(vec![0.0]),
            tiles: None,
            mode: 0,
            sop: false,
            eph: false,
            tile_parts: None,
            plt: false,
            tlm: false,
            guard_bits: None,
        }
    }

    /// Width and height OpenJPEG checks the number of resolutions against.
    pub(super) fn tile_dims(&self) -> (u32, u32) {
        match self.tiles {
            Some(t) => (t.w, t.h),
            None => (self.x0 + self.width, self.y0 + self.height),
        }
    }

    /// Largest number of resolutions OpenJPEG accepts for this geometry.
    pub(super) fn max_numres(&self) -> u32 {
        let (w, h) = self.tile_dims();
        let m = w.min(h).max(1);
        (32 - m.leading_zeros()).min(32)
    }

    /// Encodes a lossless image bit-exactly (reversible, last layer lossless).
    pub(super) fn lossless(&self) -> bool {
        !self.irreversible && self.layers.last_lossless()
    }

    /// OpenJPEG gives the original samples back: lossless settings, at least two guard bits
    /// (with one, 5/3 coefficients of extreme content can overflow the coded magnitude
    /// bit-planes), and no one-sample line at an odd coordinate.
    pub(super) fn round_trips(&self) -> bool {
        self.lossless() && self.guard_bits.is_none_or(|g| g >= 2) && !self.has_odd_single_line()
    }

    /// The tiles' rectangles on the reference grid, clipped to the image area.
    pub(super) fn tile_rects(&self) -> Vec<[u32; 4]> {
        let (ix0, iy0, ix1, iy1) = (
            self.x0,
            self.y0,
            self.x0 + self.width,
            self.y0 + self.height,
        );
        let t = self.tiles.unwrap_or(Tiles {
            w: ix1,
            h: iy1,
            x0: 0,
            y0: 0,
        });
        let mut out = Vec::new();
        for ty in 0..(iy1 - t.y0).div_ceil(t.h) {
            for tx in 0..(ix1 - t.x0).div_ceil(t.w) {
                out.push([
                    (t.x0 + tx * t.w).max(ix0),
                    (t.y0 + ty * t.h).max(iy0),
                    (t.x0 + (tx + 1) * t.w).min(ix1),
                    (t.y0 + (ty + 1) * t.h).min(iy1),
                ]);
            }
        }
        out
    }

    /// Resolution rectangles `[x0, y0, x1, y1]` of every tile (all resolutions).
    pub(super) fn resolution_rects(&self) -> Vec<[u32; 4]> {
        let mut out = Vec::new();
        for r in self.tile_rects() {
            for d in 0..self.numres {
                let c = |v: u32| v.div_ceil(1 << d);
                out.push([c(r[0]), c(r[1]), c(r[2]), c(r[3])]);
            }
        }
        out
    }

    /// Some tile has a resolution level with no samples in one direction (OpenJPEG's 9/7
    /// encoder asserts on those in debug builds).
    pub(super) fn has_empty_resolution(&self) -> bool {
        self.resolution_rects()
            .iter()
            .any(|r| r[2] == r[0] || r[3] == r[1])
    }

    /// Some tile has a resolution level (above the lowest) one sample wide at an odd
    /// coordinate, or one sample high at an odd coordinate: OpenJPEG 2.5 does not
    /// round-trip those losslessly (seen with the 5/3 transform), so the harness self-check
    /// skips them (the native decoder must still equal OpenJPEG's decoder).
    pub(super) fn has_odd_single_line(&self) -> bool {
        let mut rects = Vec::new();
        for r in self.tile_rects() {
            // Resolutions that get split by a decomposition: levels 0..numres-1.
            for d in 0..self.numres.saturating_sub(1) {
                let c = |v: u32| v.div_ceil(1 << d);
                rects.push([c(r[0]), c(r[1]), c(r[2]), c(r[3])]);
            }
        }
        rects
            .iter()
            .any(|r| (r[2] - r[0] == 1 && r[0] % 2 == 1) || (r[3] - r[1] == 1 && r[1] % 2 == 1))
    }

    /// The equivalent `opj_compress` options (for reproducing a case with the CLI).
    pub(super) fn opj_compress_args(&self) -> String {
        let mut a = Vec::new();
        let list = |v: &[f32]| {
            v.iter()
                .map(|r| format!("{r}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        match &self.layers {
            Layers::Rates(v) => a.push(format!("-r {}", list(v))),
            Layers::Psnr(v) => a.push(format!("-q {}", list(v))),
        }
        a.push(format!("-n {}", self.numres));
        a.push(format!("-b {},{}", self.cblk.0, self.cblk.1));
        if !self.precincts.is_empty() {
            let p: Vec<String> = self
                .precincts
                .iter()
                .map(|(w, h)| format!("[{w},{h}]"))
                .collect();
            a.push(format!("-c {}", p.join(",")));
        }
        a.push(format!("-p {}", PROGS[self.prog].1));
        if let Some(t) = self.tiles {
            a.push(format!("-t {},{} -T {},{}", t.w, t.h, t.x0, t.y0));
        }
        if self.x0 != 0 || self.y0 != 0 {
            a.push(format!("-d {},{}", self.x0, self.y0));
        }
        if self.mode != 0 {
            a.push(format!("-M {}", self.mode));
        }
        if self.sop {
            a.push("-SOP".into());
        }
        if self.eph {
            a.push("-EPH".into());
        }
        if self.irreversible {
            a.push("-I".into());
        }
        a.push(format!("-mct {}", u32::from(self.mct)));
        if let Some(tp) = self.tile_parts {
            a.push(format!("-TP {}", tp as char));
        }
        if self.plt {
            a.push("-PLT".into());
        }
        if self.tlm {
            a.push("-TLM".into());
        }
        if let Some(g) = self.guard_bits {
            a.push(format!("-GuardBits {g}"));
        }
        a.join(" ")
    }
}

impl fmt::Display for EncodeParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}x{} offset ({},{}), {} comp(s) of {} bit {}, mct {}, {}, ",
            self.width,
            self.height,
            self.x0,
            self.y0,
            self.components,
            self.precision,
            if self.signed { "signed" } else { "unsigned" },
            self.mct,
            if self.irreversible {
                "9/7 irreversible"
            } else {
                "5/3 reversible"
            },
        )?;
        write!(
            f,
            "{} resolution(s), code-blocks {}x{}, precincts {:?}, {}, layers {:?}, tiles {:?}, \
             mode {:#x}, SOP {}, EPH {}, tile-parts {:?}, PLT {}, TLM {}, guard bits {:?}",
            self.numres,
            self.cblk.0,
            self.cblk.1,
            self.precincts,
            PROGS[self.prog].1,
            self.layers,
            self.tiles,
            self.mode,
            self.sop,
            self.eph,
            self.tile_parts.map(|c| c as char),
            self.plt,
            self.tlm,
            self.guard_bits,
        )?;
        write!(f, "\n    opj_compress {}", self.opj_compress_args())
    }
}
