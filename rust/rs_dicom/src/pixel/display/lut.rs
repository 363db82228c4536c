//! LUTs (PS3.3 C.11): the LUT Descriptor, LUT Data as tables of 8- or 16-bit entries, and
//! looking values up — the Modality, VOI and Presentation LUTs and the palettes.
//!
//! LUT Data is read as pydicom reads it, one entry per 16-bit word in the dataset's byte
//! order, with two additions: 8-bit entries packed two per word (low byte first) are
//! recognised by the data length, and values never wrap around when they are looked up.

use crate::core::ByteOrder;
use crate::error::{DicomError, ErrorKind, Result};

use super::px::Px;

/// The most entries a LUT can have (a descriptor's 0 means 2**16).
pub const MAX_LUT_ENTRIES: usize = 1 << 16;

/// A LUT Descriptor: number of entries, first mapped value, bits per entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LutDescriptor {
    /// Number of entries (1..=65536; a stored 0 means 65536).
    pub entries: usize,
    /// The stored value mapped to the first entry.
    pub first_mapped: i64,
    /// Bits per entry.
    pub bits: u32,
}

impl LutDescriptor {
    /// From the three descriptor values as decoded (the first is read as unsigned 16-bit);
    /// `signed_first` turns a first mapped value of 0x8000 and above negative (an implicit
    /// VR "US or SS" descriptor of signed pixel data, as pydicom resolves it).
    pub fn new(values: &[i64], signed_first: bool) -> Result<LutDescriptor> {
        let [n, first, bits] = values else {
            return Err(DicomError::invalid_value(
                "",
                format!("a LUT Descriptor has 3 values, not {}", values.len()),
            ));
        };
        let entries = (*n & 0xFFFF) as usize;
        let mut first_mapped = *first;
        if signed_first && (0x8000..=0xFFFF).contains(&first_mapped) {
            first_mapped -= 0x10000;
        }
        Ok(LutDescriptor {
            entries: if entries == 0 {
                MAX_LUT_ENTRIES
            } else {
                entries
            },
            first_mapped,
            bits: u32::try_from(*bits).unwrap_or(0),
        })
    }
}

/// A table of LUT entries, `channels` per entry (3 or 4 for palettes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LutTable {
    /// 8-bit entries.
    U8 {
        /// The entries, channel by channel interleaved.
        data: Vec<u8>,
        /// Values per entry.
        channels: usize,
    },
    /// 16-bit entries.
    U16 {
        /// The entries, channel by channel interleaved.
        data: Vec<u16>,
        /// Values per entry.
        channels: usize,
    },
}

impl LutTable {
    /// Number of entries.
    pub fn len(&self) -> usize {
        match self {
            LutTable::U8 { data, channels } => data.len() / channels.max(&1),
            LutTable::U16 { data, channels } => data.len() / channels.max(&1),
        }
    }

    /// True when the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Values per entry.
    pub fn channels(&self) -> usize {
        match self {
            LutTable::U8 { channels, .. } | LutTable::U16 { channels, .. } => *channels,
        }
    }

    /// Entry `i` of channel `c` as a float.
    pub fn get_f64(&self, i: usize, c: usize) -> f64 {
        match self {
            LutTable::U8 { data, channels } => f64::from(data[i * channels + c]),
            LutTable::U16 { data, channels } => f64::from(data[i * channels + c]),
        }
    }
}

/// The 16-bit words of LUT Data bytes (a trailing odd byte is ignored).
pub fn words(data: &[u8], order: ByteOrder) -> Vec<u16> {
    order.values::<u16>(data).collect()
}

/// 8-bit entries packed two per 16-bit word, the first in the low byte (an odd trailing byte
/// of big endian data is the low byte of a last, half-filled word).
pub fn packed_bytes(data: &[u8], order: ByteOrder) -> Vec<u8> {
    match order {
        ByteOrder::Little => data.to_vec(),
        ByteOrder::Big => data
            .chunks(2)
            .flat_map(|w| match *w {
                [hi, lo] => [lo, hi],
                [hi] => [0, hi],
                _ => [0, 0],
            })
            .collect(),
    }
}

/// The table of a Modality, VOI or Presentation LUT item: `data` is the LUT Data (OW bytes
/// or US values, in `order`), `desc` its descriptor. One entry per word, truncated to 8 bits
/// when the descriptor says 8 or fewer; or, for 8-bit entries, the entries packed two per
/// word when the data holds `entries` bytes (plus padding) rather than `entries` words.
pub fn lut_table(data: &[u8], order: ByteOrder, desc: &LutDescriptor) -> LutTable {
    let n = desc.entries;
    if desc.bits <= 8 {
        let nbytes = data.len();
        if (nbytes == n || nbytes == n + 1) && nbytes < 2 * n {
            let mut table = packed_bytes(data, order);
            table.truncate(n);
            return LutTable::U8 {
                data: table,
                channels: 1,
            };
        }
    }
    let mut table = words(data, order);
    table.truncate(n);
    if desc.bits <= 8 {
        LutTable::U8 {
            data: table.into_iter().map(|w| w as u8).collect(),
            channels: 1,
        }
    } else {
        LutTable::U16 {
            data: table,
            channels: 1,
        }
    }
}

/// The table of a Presentation LUT item as pydicom reads it: US data whole, in its byte
/// order; OW data cut to `entries` (8-bit entries packed two per word); then every entry
/// masked to `bits` (pydicom's shift left and right within the entry size).
pub fn presentation_table(
    data: &[u8],
    order: ByteOrder,
    is_us: bool,
    desc: &LutDescriptor,
) -> LutTable {
    let eight = desc.bits <= 8;
    let mut table = if is_us {
        LutTable::U16 {
            data: words(data, order),
            channels: 1,
        }
    } else if eight {
        let mut t = packed_bytes(data, order);
        t.truncate(desc.entries);
        LutTable::U8 {
            data: t,
            channels: 1,
        }
    } else {
        let mut t = words(data, order);
        t.truncate(desc.entries);
        LutTable::U16 {
            data: t,
            channels: 1,
        }
    };
    let shift = if eight { 8 } else { 16 } - desc.bits.min(if eight { 8 } else { 16 });
    if shift > 0 {
        match &mut table {
            LutTable::U8 { data, .. } => data.iter_mut().for_each(|v| *v = (*v << shift) >> shift),
            LutTable::U16 { data, .. } => data
                .iter_mut()
                .for_each(|v| *v = (((*v as u32) << shift) as u16) >> shift),
        }
    }
    table
}

#[cold]
fn empty_lut() -> DicomError {
    DicomError::new(ErrorKind::InvalidValue, None, "", "the LUT Data is empty")
}

/// Looks up every value of `input` in `table` (entry `table[clamp(v - first, 0, n - 1)]`,
/// `n` the smaller of `entries` and the table length), writing `channels` values per input
/// value to `out` (which holds `input.len() * channels`).
pub fn lookup<T: Px, U: Copy>(
    input: &[T],
    table: &[U],
    channels: usize,
    first: i64,
    entries: usize,
    out: &mut [U],
) -> Result<()> {
    let channels = channels.max(1);
    let n = entries.min(table.len() / channels);
    if n == 0 {
        return Err(empty_lut());
    }
    let last = n - 1;
    // 8- and 16-bit integers: one entry per possible value first (2**16 at most), then a
    // plain index of that, which is several times faster on large arrays.
    let size = std::mem::size_of::<T>();
    if !T::FLOAT && size <= 2 && input.len() > (1 << (8 * size)) {
        let mask = (1usize << (8 * size)) - 1;
        let direct: Vec<U> = (0..=mask)
            .flat_map(|k| {
                let i = T::from_i128(k as i128).lut_index(first, last) * channels;
                table[i..i + channels].iter().copied()
            })
            .collect();
        if channels == 1 {
            for (o, &v) in out.iter_mut().zip(input) {
                *o = direct[(v.to_i128() as usize) & mask];
            }
        } else {
            for (o, &v) in out.chunks_exact_mut(channels).zip(input) {
                let i = ((v.to_i128() as usize) & mask) * channels;
                o.copy_from_slice(&direct[i..i + channels]);
            }
        }
        return Ok(());
    }
    if channels == 1 {
        for (o, &v) in out.iter_mut().zip(input) {
            *o = table[v.lut_index(first, last)];
        }
    } else {
        for (o, &v) in out.chunks_exact_mut(channels).zip(input) {
            let i = v.lut_index(first, last) * channels;
            o.copy_from_slice(&table[i..i + channels]);
        }
    }
    Ok(())
}

/// [`lookup`] into a new buffer of the table's entry type.
pub fn apply_lut<T: Px>(
    input: &[T],
    table: &LutTable,
    first: i64,
    entries: usize,
) -> Result<LutTable> {
    let channels = table.channels();
    Ok(match table {
        LutTable::U8 { data, .. } => {
            let mut out = vec![0u8; input.len() * channels];
            lookup(input, data, channels, first, entries, &mut out)?;
            LutTable::U8 {
                data: out,
                channels,
            }
        }
        LutTable::U16 { data, .. } => {
            let mut out = vec![0u16; input.len() * channels];
            lookup(input, data, channels, first, entries, &mut out)?;
            LutTable::U16 {
                data: out,
                channels,
            }
        }
    })
}

/// Presentation LUT with a table (pydicom's `apply_presentation_lut`): the input is scaled in
/// float32 from its own minimum..maximum onto the entries, truncated to an index.
pub fn presentation_lookup<T: Px, U: Copy + Default>(
    input: &[T],
    table: &[U],
    entries: usize,
) -> Result<Vec<U>> {
    if table.is_empty() {
        return Err(empty_lut());
    }
    let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
    for &v in input {
        let f = v.to_f32();
        lo = lo.min(f);
        hi = hi.max(f);
    }
    // numpy: (x - min) / (max / (n - 1)), every step rounded to float32.
    let step = (hi - lo) / (entries.saturating_sub(1) as f32);
    let last = table.len() - 1;
    Ok(input
        .iter()
        .map(|&v| {
            let x = (v.to_f32() - lo) / step;
            // astype(uint16): truncation; out-of-range indices are clamped (numpy would raise).
            let i = (x as u16 as usize).min(last);
            table[i]
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_rules() {
        let d = LutDescriptor::new(&[0, 0x8000, 16], false).unwrap();
        assert_eq!((d.entries, d.first_mapped, d.bits), (65536, 0x8000, 16));
        let d = LutDescriptor::new(&[4096, 0xF800, 12], true).unwrap();
        assert_eq!((d.entries, d.first_mapped), (4096, -2048));
        let d = LutDescriptor::new(&[256, -5, 8], true).unwrap();
        assert_eq!(d.first_mapped, -5);
        assert!(LutDescriptor::new(&[1, 2], false).is_err());
    }

    #[test]
    fn tables_in_both_byte_orders() {
        let desc = LutDescriptor::new(&[3, 0, 16], false).unwrap();
        let le = [1, 0, 2, 1, 0xFF, 0xFF, 9, 9];
        let be = [0, 1, 1, 2, 0xFF, 0xFF, 9, 9];
        let want = LutTable::U16 {
            data: vec![1, 0x102, 0xFFFF],
            channels: 1,
        };
        assert_eq!(lut_table(&le, ByteOrder::Little, &desc), want);
        assert_eq!(lut_table(&be, ByteOrder::Big, &desc), want);
        // 8-bit entries, one per word: the low byte.
        let d8 = LutDescriptor::new(&[2, 0, 8], false).unwrap();
        assert_eq!(
            lut_table(&[0x34, 0x12, 0x78, 0x56], ByteOrder::Little, &d8),
            LutTable::U8 {
                data: vec![0x34, 0x78],
                channels: 1
            }
        );
    }

    #[test]
    fn packed_8_bit_entries() {
        let d = LutDescriptor::new(&[4, 0, 8], false).unwrap();
        let want = LutTable::U8 {
            data: vec![10, 20, 30, 40],
            channels: 1,
        };
        assert_eq!(lut_table(&[10, 20, 30, 40], ByteOrder::Little, &d), want);
        // big endian words: each word's low byte (first entry) is its second byte
        assert_eq!(lut_table(&[20, 10, 40, 30], ByteOrder::Big, &d), want);
        // 3 entries in 4 bytes (one byte of padding)
        let d3 = LutDescriptor::new(&[3, 0, 8], false).unwrap();
        assert_eq!(
            lut_table(&[20, 10, 0, 30], ByteOrder::Big, &d3),
            LutTable::U8 {
                data: vec![10, 20, 30],
                channels: 1
            }
        );
        assert_eq!(packed_bytes(&[1, 2, 3], ByteOrder::Big), vec![2, 1, 0, 3]);
    }

    #[test]
    fn lookup_clamps_and_handles_channels() {
        let table = [10u16, 20, 30];
        let mut out = [0u16; 5];
        lookup(&[-5i32, 99, 100, 101, 7000], &table, 1, 100, 3, &mut out).unwrap();
        assert_eq!(out, [10, 10, 10, 20, 30]);
        // entries beyond the table: the table's end
        lookup(&[0u8, 1, 2, 3, 4], &table, 1, 0, 100, &mut out).unwrap();
        assert_eq!(out, [10, 20, 30, 30, 30]);
        let rgb = [1u8, 2, 3, 4, 5, 6];
        let mut out = [0u8; 6];
        lookup(&[1.9f32, -1.0], &rgb, 3, 0, 2, &mut out).unwrap();
        assert_eq!(out, [4, 5, 6, 1, 2, 3]);
        assert!(lookup(&[1u8], &[] as &[u8], 1, 0, 5, &mut [0u8]).is_err());
        // large 8- and 16-bit inputs take the table of every value: same results
        let input: Vec<i16> = (0..200_000)
            .map(|i| (i * 37 % 65536 - 32768) as i16)
            .collect();
        let table: Vec<u16> = (0..300).map(|i| i * 3).collect();
        let mut fast = vec![0u16; input.len()];
        lookup(&input, &table, 1, -100, 300, &mut fast).unwrap();
        for (v, o) in input.iter().zip(&fast) {
            assert_eq!(*o, table[(i64::from(*v) + 100).clamp(0, 299) as usize]);
        }
        let bytes: Vec<u8> = (0..1000).map(|i| (i % 256) as u8).collect();
        let rgb: Vec<u8> = (0..30).collect();
        let mut out = vec![0u8; 3000];
        lookup(&bytes, &rgb, 3, 2, 10, &mut out).unwrap();
        assert_eq!(&out[..9], &[0, 1, 2, 0, 1, 2, 0, 1, 2]);
        assert_eq!(&out[3 * 5..3 * 6], &[9, 10, 11]);
        assert_eq!(&out[3 * 200..3 * 201], &[27, 28, 29]);
    }

    #[test]
    fn presentation_tables_mask_to_bits() {
        let d = LutDescriptor::new(&[2, 0, 10], false).unwrap();
        let data = [0xFF, 0xF3, 0x01, 0x00];
        assert_eq!(
            presentation_table(&data, ByteOrder::Little, false, &d),
            LutTable::U16 {
                data: vec![0x3FF, 1],
                channels: 1
            }
        );
        let out = presentation_lookup(&[0u16, 50, 100], &[7u16, 8, 9], 3).unwrap();
        assert_eq!(out, vec![7, 8, 9]);
    }
}
