//! The variable-length codes of the HT cleanup pass: the quad significance codewords (CxtVLC,
//! derived here from the standard's table in `vlc_source.rs`) and the U-VLC of the exponent
//! offsets `u_q` (ISO/IEC 15444-15 clause 7.3.6).

use super::vlc_source::{TABLE0, TABLE1};

/// Encoder lookup: index `c_q << 8 | rho << 4 | emb`, value `cwd | len << 7 | e_k << 10`
/// (0 where no codeword applies). `emb` is the set of samples whose exponent equals `U_q`
/// when `u_q > 0`, and 0 otherwise.
pub(super) static ENCODE: [[u16; 2048]; 2] = [derive(&TABLE0), derive(&TABLE1)];

/// For every context, pattern and EMB set, the cheapest codeword the decoder can follow: when
/// `u_off = 1` a row whose known MSBs (`e_1` on `e_k`) agree with `emb`, minimising the
/// codeword length less the MagSgn bits saved (one per sample of `e_k`), then the length.
const fn derive(rows: &[u32]) -> [u16; 2048] {
    let mut out = [0u16; 2048];
    let mut cost = [u8::MAX; 2048];
    let mut i = 0;
    while i < rows.len() {
        let r = rows[i];
        let c = r & 7;
        let rho = (r >> 3) & 0xF;
        let u_off = (r >> 7) & 1;
        let e_k = (r >> 8) & 0xF;
        let e_1 = (r >> 12) & 0xF;
        let cwd = (r >> 16) & 0x7F;
        let len = (r >> 24) & 7;
        let mut emb = 0;
        while emb < 16 {
            let fits = if u_off == 0 {
                emb == 0
            } else {
                emb != 0 && emb & rho == emb && emb & e_k == e_1
            };
            if fits {
                let idx = (c << 8 | rho << 4 | emb) as usize;
                // Cost in bits, offset by 4 to stay unsigned; ties keep the shorter codeword.
                let k = (len + 4 - e_k.count_ones()) as u8;
                let better =
                    k < cost[idx] || (k == cost[idx] && len < ((out[idx] >> 7) & 7) as u32);
                if better {
                    cost[idx] = k;
                    out[idx] = (cwd | len << 7 | e_k << 10) as u16;
                }
            }
            emb += 1;
        }
        i += 1;
    }
    out
}

/// The U-VLC codeword of `u >= 1`: (prefix bits, prefix length, suffix bits, suffix length),
/// bits first-in-LSB. Values above 36 need the extension the encoder never produces.
#[inline(always)]
pub(super) fn uvlc(u: u32) -> (u32, u32, u32, u32) {
    match u {
        1 => (1, 1, 0, 0),
        2 => (2, 2, 0, 0),
        3 | 4 => (4, 3, u - 3, 1),
        _ => (0, 3, u - 5, 5),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reachable_pattern_has_a_codeword() {
        for (t, table) in ENCODE.iter().enumerate() {
            for c in 0..8usize {
                for rho in 0..16usize {
                    if c == 0 && rho == 0 {
                        continue; // coded by the MEL alone
                    }
                    // u_off = 0, and every non-empty EMB set inside rho when u_off = 1.
                    assert_ne!(table[c << 8 | rho << 4], 0, "table {t} c {c} rho {rho}");
                    for emb in 1..16usize {
                        if emb & rho == emb {
                            let e = table[c << 8 | rho << 4 | emb];
                            assert_ne!(e, 0, "table {t} c {c} rho {rho} emb {emb}");
                            let e_k = (e >> 10) as usize & 0xF;
                            assert_eq!(e_k & rho, e_k, "e_k inside rho");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn codewords_are_prefix_free_per_context() {
        // A decoder reads 7 bits; every codeword of one context must decode to one row.
        for rows in [&TABLE0[..], &TABLE1[..]] {
            for c in 0..8u32 {
                let mine: Vec<(u32, u32)> = rows
                    .iter()
                    .filter(|&&r| r & 7 == c)
                    .map(|&r| ((r >> 16) & 0x7F, (r >> 24) & 7))
                    .collect();
                for bits in 0..128u32 {
                    let hits = mine
                        .iter()
                        .filter(|&&(cwd, len)| bits & ((1 << len) - 1) == cwd)
                        .count();
                    assert!(hits <= 1, "context {c} bits {bits:07b}: {hits} codewords");
                }
            }
        }
    }

    #[test]
    fn uvlc_lengths() {
        assert_eq!(uvlc(1), (1, 1, 0, 0));
        assert_eq!(uvlc(4), (4, 3, 1, 1));
        assert_eq!(uvlc(36), (0, 3, 31, 5));
    }
}
