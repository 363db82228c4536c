//! Tier-2 coding (ISO/IEC 15444-1 Annex B.9-B.10) for one quality layer: packet headers with
//! tag trees, pass counts and segment lengths, followed by the code-block segments.

/// Packet header bits, first-in-MSB; a byte after 0xFF holds 7 bits (B.10.1).
pub(super) struct HeaderBits<'a> {
    out: &'a mut Vec<u8>,
    tmp: u32,
    used: u32,
    room: u32,
}

impl<'a> HeaderBits<'a> {
    pub(super) fn new(out: &'a mut Vec<u8>) -> Self {
        HeaderBits {
            out,
            tmp: 0,
            used: 0,
            room: 8,
        }
    }

    #[inline]
    pub(super) fn bit(&mut self, b: u32) {
        self.tmp = (self.tmp << 1) | (b & 1);
        self.used += 1;
        if self.used == self.room {
            let byte = self.tmp as u8;
            self.out.push(byte);
            self.room = if byte == 0xFF { 7 } else { 8 };
            self.tmp = 0;
            self.used = 0;
        }
    }

    /// The `n` low bits of `v`, most significant first.
    pub(super) fn bits(&mut self, v: u32, n: u32) {
        for i in (0..n).rev() {
            self.bit(v >> i);
        }
    }

    /// Pads to a byte with zeros; a header ending in 0xFF gets a 0x00 byte after it.
    pub(super) fn finish(mut self) {
        if self.used > 0 {
            self.out.push((self.tmp << (self.room - self.used)) as u8);
            self.room = 8;
        }
        if self.room == 7 {
            self.out.push(0);
        }
    }
}

/// A tag tree over a grid of leaves (B.10.2), with the encoder's per-node state.
pub(super) struct TagTree {
    /// Nodes level by level, leaves first; each level's width and height.
    value: Vec<u32>,
    low: Vec<u32>,
    known: Vec<bool>,
    parent: Vec<usize>,
}

impl TagTree {
    /// A tree over `w x h` leaves with the given values (row-major).
    pub(super) fn new(w: usize, h: usize, leaves: &[u32]) -> TagTree {
        let mut value = leaves.to_vec();
        let mut parent = Vec::new();
        let (mut lw, mut lh, mut start) = (w, h, 0);
        while lw * lh > 1 {
            let (pw, ph) = (lw.div_ceil(2), lh.div_ceil(2));
            let pstart = start + lw * lh;
            value.resize(pstart + pw * ph, u32::MAX);
            for y in 0..lh {
                for x in 0..lw {
                    let p = pstart + (y / 2) * pw + x / 2;
                    parent.push(p);
                    value[p] = value[p].min(value[start + y * lw + x]);
                }
            }
            start = pstart;
            lw = pw;
            lh = ph;
        }
        parent.push(usize::MAX); // the root
        let n = value.len();
        TagTree {
            value,
            low: vec![0; n],
            known: vec![false; n],
            parent,
        }
    }

    /// Codes what a decoder needs to learn whether leaf `leaf` is below `threshold`.
    pub(super) fn encode(&mut self, bits: &mut HeaderBits, leaf: usize, threshold: u32) {
        let mut path = [0usize; 32];
        let mut depth = 0;
        let mut node = leaf;
        while node != usize::MAX {
            path[depth] = node;
            depth += 1;
            node = self.parent[node];
        }
        let mut low = 0;
        for &n in path[..depth].iter().rev() {
            if low > self.low[n] {
                self.low[n] = low;
            } else {
                low = self.low[n];
            }
            while low < threshold {
                if low >= self.value[n] {
                    if !self.known[n] {
                        bits.bit(1);
                        self.known[n] = true;
                    }
                    break;
                }
                bits.bit(0);
                low += 1;
            }
            self.low[n] = low;
        }
    }
}

/// One code-block's contribution: its segment (a range of the block data) or nothing.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Contribution {
    /// Start of the segment in the block data.
    pub(super) offset: usize,
    /// Segment length in bytes (0: the block is not included).
    pub(super) len: usize,
    /// Coding passes in the segment.
    pub(super) passes: u32,
    /// Bit-planes coded: Kmax minus this many are signalled missing.
    pub(super) numbps: u32,
}

impl Contribution {
    /// An HT block: one cleanup pass, coding bit-plane 0 (Kmax - 1 missing MSBs).
    pub(super) fn ht(offset: usize, len: usize) -> Contribution {
        Contribution {
            offset,
            len,
            passes: 1,
            numbps: 1,
        }
    }

    /// A Part 1 block as tier-1 coded it.
    pub(super) fn part1(offset: usize, c: &crate::t1::CodedBlock) -> Contribution {
        Contribution {
            offset,
            len: c.len,
            passes: c.passes,
            numbps: c.numbps,
        }
    }
}

/// The code-blocks of one sub-band inside a precinct.
pub(super) struct BandBlocks<'a> {
    /// Code-blocks across and down.
    pub(super) cols: usize,
    pub(super) rows: usize,
    /// Raster order.
    pub(super) blocks: &'a [Contribution],
    /// The band's Kmax (exponent + guard bits - 1): the bit-planes a block may have.
    pub(super) kmax: u32,
}

/// Codes the number of coding passes `n` (1..=164, Table B.4).
fn pass_count(bits: &mut HeaderBits, n: u32) {
    match n {
        0 | 1 => bits.bit(0),
        2 => bits.bits(0b10, 2),
        3..=5 => bits.bits(0b1100 | (n - 3), 4),
        6..=36 => bits.bits(0b1111 << 5 | (n - 6), 9),
        _ => bits.bits(0b1_1111_1111 << 7 | (n - 37).min(127), 16),
    }
}

/// Appends the packet of a precinct (its bands, in order) for the only layer: the header,
/// then the included segments.
pub(super) fn write_packet(out: &mut Vec<u8>, bands: &[BandBlocks], data: &[u8]) {
    let empty = bands.iter().all(|b| b.blocks.iter().all(|c| c.len == 0));
    let mut bits = HeaderBits::new(out);
    if empty {
        bits.bit(0);
        bits.finish();
        return;
    }
    bits.bit(1);
    for band in bands {
        if band.blocks.is_empty() {
            continue;
        }
        let incl: Vec<u32> = band.blocks.iter().map(|c| u32::from(c.len == 0)).collect();
        let zbp: Vec<u32> = band
            .blocks
            .iter()
            .map(|c| {
                if c.len == 0 {
                    u32::MAX
                } else {
                    band.kmax.saturating_sub(c.numbps)
                }
            })
            .collect();
        let mut incl_tree = TagTree::new(band.cols, band.rows, &incl);
        let mut zbp_tree = TagTree::new(band.cols, band.rows, &zbp);
        for (i, c) in band.blocks.iter().enumerate() {
            incl_tree.encode(&mut bits, i, 1);
            if c.len == 0 {
                continue;
            }
            zbp_tree.encode(&mut bits, i, zbp[i] + 1);
            pass_count(&mut bits, c.passes);
            // The length takes Lblock + floor(log2 passes) bits; Lblock starts at 3 and a
            // comma code raises it until the length fits (B.10.7.1).
            let base = 3 + c.passes.max(1).ilog2();
            let need = usize::BITS - c.len.leading_zeros();
            let inc = need.saturating_sub(base);
            for _ in 0..inc {
                bits.bit(1);
            }
            bits.bit(0);
            bits.bits(c.len as u32, base + inc);
        }
    }
    bits.finish();
    for band in bands {
        for c in band.blocks.iter().filter(|c| c.len > 0) {
            out.extend_from_slice(&data[c.offset..c.offset + c.len]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_bits_stuff_after_ff() {
        let mut out = Vec::new();
        let mut b = HeaderBits::new(&mut out);
        b.bits(0xFF, 8);
        b.bits(0x7F, 7);
        b.bit(1);
        b.finish();
        assert_eq!(out, vec![0xFF, 0x7F, 0x80]);
        let mut out = Vec::new();
        let mut b = HeaderBits::new(&mut out);
        b.bits(0xFF, 8);
        b.finish();
        assert_eq!(out, vec![0xFF, 0x00]);
    }

    #[test]
    fn tag_tree_codes_values_as_in_the_standard() {
        // A single node of value 2 below threshold 3: two zeros then a one.
        let mut out = Vec::new();
        let mut b = HeaderBits::new(&mut out);
        TagTree::new(1, 1, &[2]).encode(&mut b, 0, 3);
        b.finish();
        assert_eq!(out, vec![0b0010_0000]);
        // Two leaves 1 and 3: root 1 ("01"), leaf 0 at 1 ("1"), leaf 1 ("001").
        let mut out = Vec::new();
        let mut b = HeaderBits::new(&mut out);
        let mut t = TagTree::new(2, 1, &[1, 3]);
        t.encode(&mut b, 0, 4);
        t.encode(&mut b, 1, 4);
        b.finish();
        assert_eq!(out, vec![0b0110_0100]);
    }
}
