//! Optimal Huffman tables for the lossless encoder (ISO/IEC 10918-1 Annex K.2): code lengths
//! from the symbol frequencies, limited to 16 bits, with the all-ones code word reserved, then
//! the canonical codes of Annex C.
//!
//! Ties between equal frequencies are broken towards the larger symbol, as the standard's
//! procedure is usually implemented (IJG libjpeg, which DCMTK's `dcmcjpeg` uses), so the
//! tables — and the sizes — come out the same as theirs.

/// Longest code length a JPEG table may hold.
const MAX_LEN: usize = 16;

/// One Huffman table: the DHT content (`bits[l]` codes of length `l + 1`, then the symbols in
/// code order) and each symbol's code and length (length 0: the symbol does not occur).
#[derive(Debug, Clone)]
pub(super) struct HuffmanTable {
    /// Number of codes of each length 1..=16.
    pub bits: [u8; MAX_LEN],
    /// The symbols, in the order of their codes.
    pub values: Vec<u8>,
    /// Code of each symbol (right-aligned).
    pub code: Vec<u32>,
    /// Code length of each symbol.
    pub len: Vec<u32>,
}

impl HuffmanTable {
    /// The optimal table for `freq` (one count per symbol; at most 256 symbols, at least one
    /// with a non-zero count).
    pub fn optimal(freq: &[u64]) -> HuffmanTable {
        let n = freq.len();
        debug_assert!(n <= 256);
        // One more symbol with count 1 reserves the all-ones code word (K.2).
        let mut f: Vec<u64> = freq.iter().copied().chain([1]).collect();
        let total = n + 1;
        let mut size = vec![0usize; total];
        let mut next: Vec<Option<usize>> = vec![None; total];
        while let Some(v1) = least(&f, None) {
            let Some(v2) = least(&f, Some(v1)) else { break };
            f[v1] += f[v2];
            f[v2] = 0;
            let mut k = v1;
            size[k] += 1;
            while let Some(nx) = next[k] {
                k = nx;
                size[k] += 1;
            }
            next[k] = Some(v2);
            let mut k = v2;
            size[k] += 1;
            while let Some(nx) = next[k] {
                k = nx;
                size[k] += 1;
            }
        }
        // Number of codes of each length (lengths can exceed 16 before adjusting).
        let mut count = vec![0u32; total.max(MAX_LEN) + 2];
        for &s in size.iter().filter(|&&s| s > 0) {
            count[s] += 1;
        }
        adjust_lengths(&mut count);
        let mut bits = [0u8; MAX_LEN];
        for (b, &c) in bits.iter_mut().zip(&count[1..=MAX_LEN]) {
            *b = c as u8;
        }
        // Symbols by code length, then by value; the reserved one is left out.
        let mut values: Vec<usize> = (0..n).filter(|&s| size[s] > 0).collect();
        values.sort_by_key(|&s| (size[s], s));
        let (mut code, mut len) = (vec![0u32; n], vec![0u32; n]);
        let mut next_code = 0u32;
        let mut at = 0usize;
        for (l, &count) in bits.iter().enumerate() {
            for &s in &values[at..at + usize::from(count)] {
                code[s] = next_code;
                len[s] = l as u32 + 1;
                next_code += 1;
            }
            at += usize::from(count);
            next_code <<= 1;
        }
        HuffmanTable {
            bits,
            values: values.iter().map(|&s| s as u8).collect(),
            code,
            len,
        }
    }
}

/// The symbol of the smallest non-zero count other than `skip`; the larger symbol on ties.
fn least(f: &[u64], skip: Option<usize>) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, &c) in f.iter().enumerate() {
        if c == 0 || Some(i) == skip {
            continue;
        }
        if best.is_none_or(|b| c <= f[b]) {
            best = Some(i);
        }
    }
    best
}

/// Limits the code lengths to 16 bits (K.2, Figure K.3), then drops the reserved code word
/// (one code of the longest length).
fn adjust_lengths(count: &mut [u32]) {
    for i in (MAX_LEN + 1..count.len()).rev() {
        while count[i] > 0 {
            let mut j = i - 2;
            while count[j] == 0 {
                j -= 1;
            }
            count[i] -= 2;
            count[i - 1] += 1;
            count[j + 1] += 2;
            count[j] -= 1;
        }
    }
    if let Some(i) = (1..=MAX_LEN).rev().find(|&i| count[i] > 0) {
        count[i] -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes are a prefix code whose lengths obey the table.
    fn check_prefix_free(t: &HuffmanTable) {
        let used: Vec<(u32, u32)> = (0..t.code.len())
            .filter(|&s| t.len[s] > 0)
            .map(|s| (t.code[s], t.len[s]))
            .collect();
        for (i, &(c1, l1)) in used.iter().enumerate() {
            assert!(l1 <= 16);
            assert_ne!(c1, (1 << l1) - 1, "an all-ones code word");
            for &(c2, l2) in &used[i + 1..] {
                let l = l1.min(l2);
                assert_ne!(c1 >> (l1 - l), c2 >> (l2 - l), "prefix");
            }
        }
        let total: u32 = t.bits.iter().map(|&b| u32::from(b)).sum();
        assert_eq!(total as usize, used.len());
    }

    #[test]
    fn one_symbol_gets_a_one_bit_code() {
        let t = HuffmanTable::optimal(&[0, 0, 5]);
        assert_eq!((t.code[2], t.len[2]), (0, 1));
        assert_eq!(t.bits[0], 1);
        assert_eq!(t.values, [2]);
    }

    #[test]
    fn skewed_counts_are_limited_to_16_bits() {
        // Fibonacci counts give a degenerate tree far deeper than 16 levels.
        let mut freq = vec![0u64; 17];
        let (mut a, mut b) = (1u64, 1u64);
        for f in &mut freq {
            *f = a;
            (a, b) = (b, a + b);
        }
        let t = HuffmanTable::optimal(&freq);
        check_prefix_free(&t);
        assert!(t.len.iter().all(|&l| (1..=16).contains(&l)));
    }

    #[test]
    fn frequent_symbols_get_shorter_codes() {
        let freq = [1000u64, 10, 400, 3, 0, 1, 90];
        let t = HuffmanTable::optimal(&freq);
        check_prefix_free(&t);
        assert_eq!(t.len[4], 0);
        assert!(t.len[0] <= t.len[2] && t.len[2] <= t.len[6] && t.len[6] <= t.len[3]);
    }
}
