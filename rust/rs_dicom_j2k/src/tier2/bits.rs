//! The packet-header bit reader (B.10.1) and tag trees (B.10.2).

/// Marks a tag-tree node without parent or without known value.
const NONE: u32 = u32::MAX;

/// Packet-header bit reader (B.10.1): after a 0xFF byte the next byte holds only 7 bits.
pub(super) struct BitReader<'a> {
    data: &'a [u8],
    pub(super) pos: usize,
    buf: u32,
    ct: u32,
}

impl<'a> BitReader<'a> {
    /// Starts reading at `pos`.
    pub(super) fn new(data: &'a [u8], pos: usize) -> BitReader<'a> {
        BitReader {
            data,
            pos,
            buf: 0,
            ct: 0,
        }
    }

    fn byte_in(&mut self) -> Option<()> {
        self.buf = (self.buf << 8) & 0xFFFF;
        self.ct = if self.buf == 0xFF00 { 7 } else { 8 };
        let b = *self.data.get(self.pos)?;
        self.pos += 1;
        self.buf |= u32::from(b);
        Some(())
    }

    /// One bit; `None` past the end of the data.
    pub(super) fn bit(&mut self) -> Option<u32> {
        if self.ct == 0 {
            self.byte_in()?;
        }
        self.ct -= 1;
        Some((self.buf >> self.ct) & 1)
    }

    /// `n` (<= 32) bits, most significant first.
    pub(super) fn bits(&mut self, n: u32) -> Option<u32> {
        let mut v = 0u64;
        for _ in 0..n {
            v = v << 1 | u64::from(self.bit()?);
        }
        Some(v as u32)
    }

    /// Ends the header: skips the remaining bits of the byte, and the stuffed byte that must
    /// follow a final 0xFF. Returns the position after the header.
    pub(super) fn align(&mut self) -> Option<usize> {
        if self.buf & 0xFF == 0xFF {
            self.byte_in()?;
        }
        self.ct = 0;
        Some(self.pos)
    }

    /// Number of coding passes (B.10.6, Table B.4).
    pub(super) fn num_passes(&mut self) -> Option<u32> {
        if self.bit()? == 0 {
            return Some(1);
        }
        if self.bit()? == 0 {
            return Some(2);
        }
        let n = self.bits(2)?;
        if n != 3 {
            return Some(3 + n);
        }
        let n = self.bits(5)?;
        if n != 31 {
            return Some(6 + n);
        }
        Some(37 + self.bits(7)?)
    }

    /// Lblock increment: a run of 1 bits ended by a 0 (B.10.7.1). Capped (a longer run could
    /// never give a valid length) so the loop always ends.
    pub(super) fn comma_code(&mut self) -> Option<u32> {
        let mut n = 0;
        while self.bit()? == 1 {
            n += 1;
            if n > 32 {
                return None;
            }
        }
        Some(n)
    }
}

/// One tag-tree node: its value once known, and the lower bound established so far.
#[derive(Debug, Clone, Copy)]
struct Node {
    parent: u32,
    value: u32,
    low: u32,
}

/// Tag trees (B.10.2) of a tile in one arena; a tree is identified by its first (leaf) node.
#[derive(Debug, Default)]
pub(super) struct TagTrees {
    nodes: Vec<Node>,
}

impl TagTrees {
    /// Adds a `w` x `h` tree, returning the index of leaf 0 (leaves are row-major).
    pub(super) fn add(&mut self, w: u32, h: u32) -> usize {
        let first = self.nodes.len();
        if w == 0 || h == 0 {
            return first;
        }
        let (mut lw, mut lh) = (w as usize, h as usize);
        let mut level_start = first;
        loop {
            let next_start = level_start + lw * lh;
            let (nw, nh) = (lw.div_ceil(2), lh.div_ceil(2));
            let root = lw == 1 && lh == 1;
            for y in 0..lh {
                for x in 0..lw {
                    let parent = if root {
                        NONE
                    } else {
                        (next_start + (y / 2) * nw + x / 2) as u32
                    };
                    self.nodes.push(Node {
                        parent,
                        value: NONE,
                        low: 0,
                    });
                }
            }
            if root {
                break;
            }
            level_start = next_start;
            lw = nw;
            lh = nh;
        }
        first
    }

    fn path(&self, leaf: usize, stack: &mut [u32; 64]) -> Option<usize> {
        let mut n = 0;
        let mut i = u32::try_from(leaf).ok()?;
        loop {
            *stack.get_mut(n)? = i;
            n += 1;
            let p = self.nodes.get(i as usize)?.parent;
            if p == NONE {
                return Some(n);
            }
            i = p;
        }
    }

    /// Whether the leaf's value is below `threshold`, reading the bits needed to know (the
    /// inclusion tree, B.10.4).
    pub(super) fn decode(
        &mut self,
        br: &mut BitReader<'_>,
        leaf: usize,
        threshold: u32,
    ) -> Option<bool> {
        let mut stack = [0u32; 64];
        let n = self.path(leaf, &mut stack)?;
        let mut low = 0;
        for &i in stack.get(..n)?.iter().rev() {
            let node = self.nodes.get_mut(i as usize)?;
            if low > node.low {
                node.low = low;
            } else {
                low = node.low;
            }
            while low < threshold && low < node.value {
                if br.bit()? == 1 {
                    node.value = low;
                } else {
                    low += 1;
                }
            }
            node.low = low;
        }
        Some(self.nodes.get(leaf)?.value < threshold)
    }

    /// The leaf's value (the zero bit-plane tree, B.10.5): the same bits OpenJPEG reads by
    /// decoding with thresholds 1, 2, ... until the leaf is known. `Err(())` when a value
    /// would exceed `cap`.
    pub(super) fn value(
        &mut self,
        br: &mut BitReader<'_>,
        leaf: usize,
        cap: u32,
    ) -> Option<Result<u32, ()>> {
        let mut stack = [0u32; 64];
        let n = self.path(leaf, &mut stack)?;
        let mut low = 0;
        for &i in stack.get(..n)?.iter().rev() {
            let node = self.nodes.get_mut(i as usize)?;
            low = low.max(node.low);
            while node.value == NONE {
                if low > cap {
                    return Some(Err(()));
                }
                if br.bit()? == 1 {
                    node.value = low;
                } else {
                    low += 1;
                }
            }
            low = node.value.max(low);
            node.low = low;
        }
        Some(Ok(self.nodes.get(leaf)?.value))
    }
}
