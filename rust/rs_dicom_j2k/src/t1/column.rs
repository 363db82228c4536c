//! Bit tricks on a stripe column's flag word for the tier-1 encoder's passes: one bit per row
//! at the flag word's stride of three, neighbourhoods and the sign context, without loops.

use super::*;

/// The four bits of the samples of a column that a neighbour's word sees, from the column's
/// newly significant samples (`SIG_SELF << 3 * row` bits): as its east neighbour (bit
/// 3 * row + 5) and as its west one (3 * row + 3).
#[inline(always)]
pub(super) fn as_west_of(new: u32) -> u32 {
    new >> 1
}

#[inline(always)]
pub(super) fn as_east_of(new: u32) -> u32 {
    new << 1
}

/// The significance bits of a sign context index (W bit 0, E bit 2, N bit 4, S bit 6, see
/// [`SC`]) by bits 1 to 7 of a row's neighbourhood (N bit 0, W 2, E 4, S 6): one lookup
/// instead of four bit extractions.
pub(super) static SIG_SC: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut j = 0;
    while j < 128 {
        t[j] = ((j >> 2) & 1 | ((j >> 4) & 1) << 2 | (j & 1) << 4 | ((j >> 6) & 1) << 6) as u8;
        j += 1;
    }
    t
};

/// Sign context index of row `ci` of a column (the decoder's `sc_index`, fewer operations).
#[inline(always)]
pub(super) fn sign_index(f: u32, west: u32, east: u32, ci: u32) -> usize {
    let s = 3 * ci;
    let chi_n = if ci == 0 {
        (f >> CHI_ABOVE) & 1
    } else {
        (f >> (CHI_ROW0 + s - 3)) & 1
    };
    let signs = ((west >> (CHI_ROW0 + s)) & 1) << 1
        | ((east >> (CHI_ROW0 + s)) & 1) << 3
        | chi_n << 5
        | ((f >> (CHI_ROW0 + s + 3)) & 1) << 7;
    usize::from(SIG_SC[((f >> (s + 1)) & 0x7F) as usize]) | signs as usize
}

/// Bits 0, 3, 6 and 9 of `v` as bits 0 to 3: one bit per row of a column.
#[inline(always)]
pub(super) fn compact(v: u32) -> u32 {
    (v & 1) | (v >> 2) & 2 | (v >> 4) & 4 | (v >> 6) & 8
}

/// Bit `bp` of each magnitude of a column, as bits 0 to 3.
#[inline(always)]
pub(super) fn column_bits(q: [u32; 4], bp: u32) -> u32 {
    ((q[0] >> bp) & 1) | ((q[1] >> bp) & 1) << 1 | ((q[2] >> bp) & 1) << 2 | ((q[3] >> bp) & 1) << 3
}

/// Bits 0 to 3 of `v` as bits 0, 3, 6 and 9: one bit per row of a column, at the stride
/// of the flag word.
#[inline(always)]
pub(super) fn spread_rows(v: u32) -> u32 {
    (v & 1) | (v & 2) << 2 | (v & 4) << 4 | (v & 8) << 6
}

/// Bit `3 * row` set for each row of the column whose eight neighbours include a
/// significant sample (its own significance aside); other bits are noise.
#[inline(always)]
pub(super) fn neighbourhoods(f: u32) -> u32 {
    // Per row r of the 6 x 3 neighbourhood, at bit 3 * r: any of its three samples, and
    // the west or east one only.
    let any = f | f >> 1 | f >> 2;
    let sides = f | f >> 2;
    any | any >> 6 | sides >> 3
}

/// Shift taking a row's refined flag (`MU0`) to its own significance bit (`SIG_SELF`),
/// always set in a row the refinement pass codes.
pub(super) const MR_MU_SHIFT: u32 = MU0.trailing_zeros() - SIG_SELF.trailing_zeros();

/// Refinement context (D.3.3) by a row's neighbourhood with its refined flag in place of
/// its own significance (see [`MR_MU_SHIFT`]): 16 once refined, else 14 or 15 by whether a
/// neighbour is significant. One lookup instead of the selects, which took ~25
/// instructions a column.
pub(super) static MR_CX: [u8; 512] = {
    let mut t = [0u8; 512];
    let mut j = 0;
    while j < 512 {
        t[j] = if j as u32 & SIG_SELF != 0 {
            CTX_MR as u8 + 2
        } else if j as u32 & SIG_NEIGHBOURS != 0 {
            CTX_MR as u8 + 1
        } else {
            CTX_MR as u8
        };
        j += 1;
    }
    t
};
