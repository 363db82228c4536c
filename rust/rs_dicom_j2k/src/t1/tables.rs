//! The tier-1 lookup tables: the MQ coder's probability states (Table C.2) and the zero-coding
//! and sign-coding contexts (Tables D.1 and D.3), built at compile time.

use super::{CONTEXTS, CTX_RL, CTX_UNI};

/// The MQ coder's probability estimation table (Table C.2): Qe, NMPS, NLPS, SWITCH.
pub(super) const QE_TABLE: [(u16, u8, u8, u8); 47] = [
    (0x5601, 1, 1, 1),
    (0x3401, 2, 6, 0),
    (0x1801, 3, 9, 0),
    (0x0AC1, 4, 12, 0),
    (0x0521, 5, 29, 0),
    (0x0221, 38, 33, 0),
    (0x5601, 7, 6, 1),
    (0x5401, 8, 14, 0),
    (0x4801, 9, 14, 0),
    (0x3801, 10, 14, 0),
    (0x3001, 11, 17, 0),
    (0x2401, 12, 18, 0),
    (0x1C01, 13, 20, 0),
    (0x1601, 29, 21, 0),
    (0x5601, 15, 14, 1),
    (0x5401, 16, 14, 0),
    (0x5101, 17, 15, 0),
    (0x4801, 18, 16, 0),
    (0x3801, 19, 17, 0),
    (0x3401, 20, 18, 0),
    (0x3001, 21, 19, 0),
    (0x2801, 22, 19, 0),
    (0x2401, 23, 20, 0),
    (0x2201, 24, 21, 0),
    (0x1C01, 25, 22, 0),
    (0x1801, 26, 23, 0),
    (0x1601, 27, 24, 0),
    (0x1401, 28, 25, 0),
    (0x1201, 29, 26, 0),
    (0x1101, 30, 27, 0),
    (0x0AC1, 31, 28, 0),
    (0x09C1, 32, 29, 0),
    (0x08A1, 33, 30, 0),
    (0x0521, 34, 31, 0),
    (0x0441, 35, 32, 0),
    (0x02A1, 36, 33, 0),
    (0x0221, 37, 34, 0),
    (0x0141, 38, 35, 0),
    (0x0111, 39, 36, 0),
    (0x0085, 40, 37, 0),
    (0x0049, 41, 38, 0),
    (0x0025, 42, 39, 0),
    (0x0015, 43, 40, 0),
    (0x0009, 44, 41, 0),
    (0x0005, 45, 42, 0),
    (0x0001, 45, 43, 0),
    (0x5601, 46, 46, 0),
];

/// A context's state as the decoder holds it: Qe in the low 16 bits and `2 * state + mps`
/// above, so that a decision needs one load for its probability, not two.
pub(super) type Contexts = [u32; CONTEXTS];

/// The packed form of state-and-MPS `index` (`2 * state + mps`).
pub(super) const fn packed(index: usize) -> u32 {
    QE_TABLE[index / 2].0 as u32 | (index as u32) << 16
}

/// Packed state after a renormalising decision, indexed by `2 * (2 * state + mps) + is_mps`:
/// NMPS after an MPS, NLPS (MPS switched where SWITCH says so) after an LPS. One table indexed
/// by the outcome lets the decoder pick the next state without branching on the symbol;
/// 256 entries so that an 8-bit index needs no bounds check.
pub(super) const fn build_next() -> [u32; 256] {
    let mut t = [packed(0); 256];
    let mut index = 0;
    while index < 94 {
        let (_, nmps, nlps, switch) = QE_TABLE[index / 2];
        let mps = index & 1;
        t[2 * index] = packed(2 * nlps as usize + (mps ^ switch as usize));
        t[2 * index + 1] = packed(2 * nmps as usize + mps);
        index += 1;
    }
    t
}

pub(super) static NEXT: [u32; 256] = build_next();

const fn bit(f: usize, b: usize) -> u32 {
    ((f >> b) & 1) as u32
}

/// A neighbour's contribution to a sign context: 0 insignificant, 1 positive, -1 negative.
const fn contrib(i: usize, sig: usize, neg: usize) -> i32 {
    if (i >> sig) & 1 == 0 {
        0
    } else if (i >> neg) & 1 == 1 {
        -1
    } else {
        1
    }
}

/// Zero-coding context of a 3 x 3 neighbourhood (bits as in the flag word's row 0) for each
/// orientation (Table D.1), indexed `orientation << 9 | neighbourhood`.
const fn build_zc() -> [u8; 2048] {
    let mut t = [0u8; 2048];
    let mut orient = 0;
    while orient < 4 {
        let mut f = 0usize;
        while f < 512 {
            let mut h = bit(f, 3) + bit(f, 5);
            let mut v = bit(f, 1) + bit(f, 7);
            let d = bit(f, 0) + bit(f, 2) + bit(f, 6) + bit(f, 8);
            if orient == 1 {
                // HL (horizontally high-pass): the table's roles of H and V swap.
                let t0 = h;
                h = v;
                v = t0;
            }
            let ctx = if orient == 3 {
                let hv = h + v;
                match d {
                    0 => match hv {
                        0 => 0,
                        1 => 1,
                        _ => 2,
                    },
                    1 => match hv {
                        0 => 3,
                        1 => 4,
                        _ => 5,
                    },
                    2 => {
                        if hv == 0 {
                            6
                        } else {
                            7
                        }
                    }
                    _ => 8,
                }
            } else {
                match h {
                    0 => match v {
                        0 => match d {
                            0 => 0,
                            1 => 1,
                            _ => 2,
                        },
                        1 => 3,
                        _ => 4,
                    },
                    1 => {
                        if v > 0 {
                            7
                        } else if d > 0 {
                            6
                        } else {
                            5
                        }
                    }
                    _ => 8,
                }
            };
            t[orient << 9 | f] = ctx;
            f += 1;
        }
        orient += 1;
    }
    t
}

pub(super) static ZC: [u8; 2048] = build_zc();

/// The 512-entry zero-coding table of an orientation (0..=3).
pub(super) fn zc_table(orientation: u8) -> &'static [u8; 512] {
    let (chunks, _) = ZC.as_chunks::<512>();
    &chunks[usize::from(orientation & 3)]
}

/// Sign context and XOR bit (Table D.3), `ctx << 1 | xor`, indexed by the neighbours'
/// significance and sign: bit 0 sig W, 1 neg W, 2 sig E, 3 neg E, 4 sig N, 5 neg N, 6 sig S,
/// 7 neg S.
const fn build_sc() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0usize;
    while i < 256 {
        let h = contrib(i, 0, 1) + contrib(i, 2, 3);
        let v = contrib(i, 4, 5) + contrib(i, 6, 7);
        let h = if h > 0 {
            1
        } else if h < 0 {
            -1
        } else {
            0
        };
        let v = if v > 0 {
            1
        } else if v < 0 {
            -1
        } else {
            0
        };
        let (ctx, xor) = match (h, v) {
            (1, 1) => (13, 0),
            (1, 0) => (12, 0),
            (1, _) => (11, 0),
            (0, 1) => (10, 0),
            (0, 0) => (9, 0),
            (0, _) => (10, 1),
            (_, 1) => (11, 1),
            (_, 0) => (12, 1),
            _ => (13, 1),
        };
        t[i] = (ctx << 1 | xor) as u8;
        i += 1;
    }
    t
}

pub(super) static SC: [u8; 256] = build_sc();

/// Contexts at the start of a code-block and after a reset (Table D.7).
pub(super) fn initial_contexts() -> Contexts {
    let mut ctx = [packed(0); CONTEXTS];
    ctx[0] = packed(2 * 4);
    ctx[CTX_RL] = packed(2 * 3);
    ctx[CTX_UNI] = packed(2 * 46);
    ctx
}
