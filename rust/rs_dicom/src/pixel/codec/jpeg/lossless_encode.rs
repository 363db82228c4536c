//! JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, Selection Value 1;
//! 1.2.840.10008.1.2.4.70), written here rather than through libjpeg-turbo, whose lossless
//! mode goes through its general (unoptimised) sample pipeline.
//!
//! Two passes over the frame: the prediction differences of every sample (ISO/IEC 10918-1
//! H.1.2: left neighbour, the one above at the start of a row, 2^(P−1) for the first sample)
//! with a histogram of their magnitude categories (SSSS) per component, then the optimal
//! Huffman table of each component ([`HuffmanTable::optimal`], Annex K.2, as `dcmcjpeg`
//! optimises its tables) and the entropy-coded scan. One interleaved scan, no restart
//! markers, point transform 0, precision P = Bits Stored (at least 2).
//!
//! Signed samples are coded as their P-bit two's complement pattern, which decoders
//! sign-extend again from Pixel Representation (as DCMTK writes them). Three components are
//! never colour transformed; RGB is marked as such (component IDs 'R', 'G', 'B' and an Adobe
//! APP14 segment with transform 0), other three-component data (YBR_FULL) as YCbCr (a JFIF
//! APP0 segment and IDs 1, 2, 3), the way DCMTK writes each.

use super::huffman_table::HuffmanTable;
use crate::error::Result;
use crate::pixel::codec::encode_input::{check_frame, unsigned_u8, unsigned_u16, value_range};
use crate::pixel::encode::FrameImage;

/// The largest image side a JPEG frame header can hold.
const MAX_DIM: u32 = 65_535;
/// Magnitude categories SSSS of a lossless difference: 0..=16.
const CATEGORIES: usize = 17;

/// Encodes one frame as JPEG Lossless, Process 14, Selection Value 1 (2–16 bits).
pub fn encode_lossless(frame: &FrameImage) -> Result<Vec<u8>> {
    check_frame(frame, "JPEG Lossless", MAX_DIM)?;
    let precision = frame.bits_stored.max(2);
    let (lo, hi) = value_range(frame);
    let comps = frame.samples_per_pixel as usize;
    let cols = frame.columns as usize;
    let diffs = if precision <= 8 {
        differences(
            &unsigned_u8(frame, precision, lo, hi)?,
            cols,
            comps,
            precision,
        )
    } else {
        differences(
            &unsigned_u16(frame, precision, lo, hi)?,
            cols,
            comps,
            precision,
        )
    };
    let tables: Vec<HuffmanTable> = histograms(&diffs, comps)
        .iter()
        .map(|h| HuffmanTable::optimal(h))
        .collect();
    let mut out = Vec::with_capacity(diffs.len() + diffs.len() / 2 + 1024);
    write_headers(frame, precision, &tables, &mut out);
    write_scan(&diffs, &tables, &mut out);
    out.extend_from_slice(&[0xFF, 0xD9]);
    Ok(out)
}

/// The prediction differences of every sample, modulo 2^16 (H.1.2.1), in sample order.
fn differences<T: Copy + Into<u32>>(
    samples: &[T],
    cols: usize,
    comps: usize,
    precision: u32,
) -> Vec<u16> {
    let row_len = cols * comps;
    let mut diffs = vec![0u16; samples.len()];
    let first = 1u16 << (precision - 1);
    let mut above: Option<&[T]> = None;
    for (row, out) in samples
        .chunks_exact(row_len)
        .zip(diffs.chunks_exact_mut(row_len))
    {
        for c in 0..comps {
            let pred = above.map_or(first, |a| a[c].into() as u16);
            out[c] = (row[c].into() as u16).wrapping_sub(pred);
        }
        // The left neighbour of the same component: a plain subtraction the compiler
        // vectorises.
        for ((d, &x), &left) in out[comps..]
            .iter_mut()
            .zip(&row[comps..])
            .zip(&row[..row_len - comps])
        {
            *d = (x.into() as u16).wrapping_sub(left.into() as u16);
        }
        above = Some(row);
    }
    diffs
}

/// SSSS of a difference: the bit length of its magnitude; −32768 (≡ 32768) is category 16.
#[inline(always)]
fn category(d: u16) -> usize {
    (16 - (d as i16).unsigned_abs().leading_zeros()) as usize
}

/// The count of each category, per component.
fn histograms(diffs: &[u16], comps: usize) -> Vec<[u64; CATEGORIES]> {
    let mut h = vec![[0u64; CATEGORIES]; comps];
    if comps == 1 {
        // Four partial histograms break the dependency between consecutive increments.
        let mut part = [[0u64; CATEGORIES]; 4];
        let chunks = diffs.chunks_exact(4);
        for &d in chunks.remainder() {
            part[0][category(d)] += 1;
        }
        for c in chunks {
            for k in 0..4 {
                part[k][category(c[k])] += 1;
            }
        }
        for p in &part {
            for (t, v) in h[0].iter_mut().zip(p) {
                *t += v;
            }
        }
    } else {
        for px in diffs.chunks_exact(comps) {
            for (hc, &d) in h.iter_mut().zip(px) {
                hc[category(d)] += 1;
            }
        }
    }
    h
}

/// SOI, the colour marker, SOF3, DHT and SOS.
fn write_headers(frame: &FrameImage, precision: u32, tables: &[HuffmanTable], out: &mut Vec<u8>) {
    let comps = tables.len();
    out.extend_from_slice(&[0xFF, 0xD8]);
    let rgb = frame.photometric_interpretation.trim() == "RGB";
    let ids: [u8; 3] = if comps == 3 && rgb {
        // Adobe APP14: version 100, no flags, transform 0 (the components are not YCbCr).
        out.extend_from_slice(&[
            0xFF, 0xEE, 0, 14, b'A', b'd', b'o', b'b', b'e', 0, 100, 0, 0, 0, 0, 0,
        ]);
        [b'R', b'G', b'B']
    } else {
        if comps == 3 {
            out.extend_from_slice(&[
                0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
            ]);
        }
        [1, 2, 3]
    };
    // SOF3: precision, rows, columns, components (ID, 1×1 sampling, table 0).
    out.extend_from_slice(&[0xFF, 0xC3]);
    out.extend_from_slice(&(8 + 3 * comps as u16).to_be_bytes());
    out.push(precision as u8);
    out.extend_from_slice(&(frame.rows as u16).to_be_bytes());
    out.extend_from_slice(&(frame.columns as u16).to_be_bytes());
    out.push(comps as u8);
    for &id in &ids[..comps] {
        out.extend_from_slice(&[id, 0x11, 0]);
    }
    // DHT: one DC-class table per component.
    let len: usize = 2 + tables.iter().map(|t| 17 + t.values.len()).sum::<usize>();
    out.extend_from_slice(&[0xFF, 0xC4]);
    out.extend_from_slice(&(len as u16).to_be_bytes());
    for (k, t) in tables.iter().enumerate() {
        out.push(k as u8);
        out.extend_from_slice(&t.bits);
        out.extend_from_slice(&t.values);
    }
    // SOS: every component, its table; Ss = 1 (the predictor), Se = 0, Ah = Al = 0.
    out.extend_from_slice(&[0xFF, 0xDA]);
    out.extend_from_slice(&(6 + 2 * comps as u16).to_be_bytes());
    out.push(comps as u8);
    for (k, &id) in ids[..comps].iter().enumerate() {
        out.extend_from_slice(&[id, (k as u8) << 4]);
    }
    out.extend_from_slice(&[1, 0, 0]);
}

/// Each category's Huffman code and length, for one table.
fn code_table(t: &HuffmanTable) -> [(u32, u32); CATEGORIES] {
    let mut c = [(0u32, 0u32); CATEGORIES];
    for (s, e) in c.iter_mut().enumerate() {
        *e = (t.code[s], t.len[s]);
    }
    c
}

/// The entropy-coded segment: each difference's code followed by its extra bits.
fn write_scan(diffs: &[u16], tables: &[HuffmanTable], out: &mut Vec<u8>) {
    let codes: Vec<[(u32, u32); CATEGORIES]> = tables.iter().map(code_table).collect();
    let mut w = BitWriter::new(out);
    if let [c] = codes.as_slice() {
        for &d in diffs {
            put_difference(&mut w, c, d);
        }
    } else {
        for px in diffs.chunks_exact(codes.len()) {
            for (c, &d) in codes.iter().zip(px) {
                put_difference(&mut w, c, d);
            }
        }
    }
    w.finish();
}

#[inline(always)]
fn put_difference(w: &mut BitWriter, codes: &[(u32, u32); CATEGORIES], d: u16) {
    let cat = category(d);
    let (code, len) = codes[cat];
    // Category 16 has no extra bits (H.1.2.2); the others append the low SSSS bits of the
    // difference, less one when it is negative.
    let extra_len = (cat & 15) as u32;
    let v = i32::from(d as i16);
    let extra = (v - i32::from(v < 0)) as u32 & ((1u32 << extra_len) - 1);
    w.put(
        (u64::from(code) << extra_len) | u64::from(extra),
        len + extra_len,
    );
}

/// Bits packed most significant first into bytes, 0xFF followed by a stuffed 0x00 (F.1.2.3).
struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    n: u32,
}

impl<'a> BitWriter<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        BitWriter { out, acc: 0, n: 0 }
    }

    /// Appends the low `len` bits of `bits` (`len` ≤ 32).
    #[inline(always)]
    fn put(&mut self, bits: u64, len: u32) {
        self.acc = (self.acc << len) | bits;
        self.n += len;
        if self.n >= 32 {
            self.n -= 32;
            let word = (self.acc >> self.n) as u32;
            self.emit(word);
        }
    }

    #[inline(always)]
    fn emit(&mut self, word: u32) {
        // Whether any byte of the word is 0xFF: a zero byte of its complement.
        let inv = !word;
        if inv.wrapping_sub(0x0101_0101) & !inv & 0x8080_8080 == 0 {
            self.out.extend_from_slice(&word.to_be_bytes());
        } else {
            for b in word.to_be_bytes() {
                self.out.push(b);
                if b == 0xFF {
                    self.out.push(0);
                }
            }
        }
    }

    /// Pads the last byte with one bits (F.1.2.3) and writes what is left.
    fn finish(mut self) {
        let pad = (8 - self.n % 8) % 8;
        self.acc = (self.acc << pad) | ((1u64 << pad) - 1);
        self.n += pad;
        while self.n >= 8 {
            self.n -= 8;
            let b = (self.acc >> self.n) as u8;
            self.out.push(b);
            if b == 0xFF {
                self.out.push(0);
            }
        }
    }
}

#[cfg(test)]
#[path = "lossless_encode_tests.rs"]
mod tests;
