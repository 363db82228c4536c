//! Palette Color LUTs (PS3.3 C.7.9): the Red, Green, Blue (and Alpha) tables, plain or
//! segmented, as one table of 3 or 4 channels; the expansion of segmented LUT Data.

use crate::core::ByteOrder;
use crate::error::{DicomError, ErrorKind, Result};

use super::lut::{LutDescriptor, LutTable, MAX_LUT_ENTRIES, packed_bytes, words};

/// Indirect segments may nest this deep (pydicom has no bound; a loop must end).
const MAX_DEPTH: usize = 8;

#[cold]
fn invalid(message: impl Into<String>) -> DicomError {
    DicomError::new(ErrorKind::InvalidValue, None, "", message)
}

/// One colour's LUT Data as stored: the bytes, their byte order, and whether the VR is US
/// (the values are the words; else OW or OB bytes).
#[derive(Debug, Clone, Copy)]
pub struct ChannelData<'a> {
    /// The value bytes.
    pub bytes: &'a [u8],
    /// Their byte order.
    pub order: ByteOrder,
    /// True for US values.
    pub us: bool,
}

/// A palette: the table (3 or 4 channels), the first mapped value and the descriptor's
/// number of entries and bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Palette {
    /// The entries.
    pub table: LutTable,
    /// The red descriptor.
    pub descriptor: LutDescriptor,
}

/// The palette of plain (`segmented == false`) or segmented LUT Data, channel by channel
/// (absent or empty channels are left out), as pydicom's `apply_color_lut` builds it: the
/// entry size of plain data is its length over the number of entries (8 or 16 bits), that of
/// segmented data the descriptor's.
pub fn palette(
    desc: &LutDescriptor,
    channels: &[Option<ChannelData<'_>>],
    segmented: bool,
) -> Result<Palette> {
    let present: Vec<&ChannelData> = channels
        .iter()
        .flatten()
        .filter(|c| !c.bytes.is_empty())
        .collect();
    let eight;
    let mut luts: Vec<Vec<u16>> = Vec::with_capacity(present.len());
    if segmented {
        if desc.bits != 8 && desc.bits != 16 {
            return Err(invalid(format!(
                "Invalid segmented palette bit depth {}",
                desc.bits
            )));
        }
        eight = desc.bits == 8;
        for c in &present {
            let entries: Vec<u16> = if eight && !c.us {
                c.bytes.iter().map(|&b| u16::from(b)).collect()
            } else {
                words(c.bytes, c.order)
            };
            luts.push(expand_segmented(&entries, eight, c.order)?);
        }
    } else {
        let nbytes = channels
            .first()
            .and_then(|c| c.as_ref())
            .map_or(0, |c| c.bytes.len());
        let actual = nbytes as f64 / desc.entries as f64 * 8.0;
        if actual != 8.0 && actual != 16.0 {
            return Err(invalid(format!(
                "The bit depth of the LUT data '{actual:.1}' is invalid (only 8 or 16 bits per \
                 entry allowed)"
            )));
        }
        eight = actual == 8.0;
        for c in &present {
            luts.push(if eight {
                packed_bytes(c.bytes, c.order)
                    .into_iter()
                    .map(u16::from)
                    .collect()
            } else {
                words(c.bytes, c.order)
            });
        }
    }
    let Some(first) = luts.first() else {
        return Err(invalid("No palette LUT Data"));
    };
    let len = first.len();
    if luts.iter().any(|l| l.len() != len) {
        return Err(invalid("LUT data must be the same length"));
    }
    let n = luts.len();
    let interleaved = (0..len).flat_map(|i| luts.iter().map(move |l| l[i]));
    let table = if eight {
        LutTable::U8 {
            data: interleaved.map(|v| v as u8).collect(),
            channels: n,
        }
    } else {
        LutTable::U16 {
            data: interleaved.collect(),
            channels: n,
        }
    };
    Ok(Palette {
        table,
        descriptor: *desc,
    })
}

/// Expands segmented palette LUT Data (PS3.3 C.7.9.2) exactly as pydicom does: `data` holds
/// the entries (bytes of 8-bit tables, words of 16-bit ones); an indirect segment's offset
/// counts entries of `data` (4 bytes in the dataset's byte order of words, or 2 words, low
/// first). Errors for a first segment that is linear or indirect, unknown opcodes, nesting
/// deeper than 8 and tables beyond 2**16 entries.
pub fn expand_segmented(data: &[u16], byte_indirect: bool, order: ByteOrder) -> Result<Vec<u16>> {
    let mut lut = Vec::new();
    expand_into(data, byte_indirect, order, None, None, 0, &mut lut)?;
    Ok(lut)
}

/// `np.around(np.linspace(y0 + step, y1, length))` with `step = (y1 - y0) / length`, the
/// float operations in numpy's order (start + i * delta, the last value exactly `y1`).
fn linear(y0: u16, y1: u16, length: usize, out: &mut Vec<u16>) {
    let (y0, y1) = (f64::from(y0), f64::from(y1));
    let step = (y1 - y0) / length as f64;
    let start = y0 + step;
    let div = length.saturating_sub(1) as f64;
    let delta = (y1 - start) / div;
    for i in 0..length {
        let v = if length > 1 && i == length - 1 {
            y1
        } else if length > 1 {
            i as f64 * delta + start
        } else {
            start
        };
        out.push(v.round_ties_even() as u16);
    }
}

#[allow(clippy::too_many_arguments)]
fn expand_into(
    data: &[u16],
    byte_indirect: bool,
    order: ByteOrder,
    segments: Option<usize>,
    last_value: Option<u16>,
    depth: usize,
    lut: &mut Vec<u16>,
) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(invalid(
            "Segmented palette: indirect segments nest too deep",
        ));
    }
    let start = lut.len();
    let at = |i: usize| -> Result<u16> {
        data.get(i)
            .copied()
            .ok_or_else(|| invalid("Segmented palette: a segment runs past the LUT Data"))
    };
    let mut offset = 0usize;
    let mut read = 0usize;
    // `offset + 1` allows for a trailing null: every segment is longer than 2 entries.
    while offset + 1 < data.len() {
        let opcode = data[offset];
        let length = usize::from(data[offset + 1]);
        offset += 2;
        match opcode {
            0 => {
                let end = (offset + length).min(data.len());
                lut.extend_from_slice(&data[offset.min(end)..end]);
                offset += length;
            }
            1 => {
                let y0 = if lut.len() > start {
                    lut[lut.len() - 1]
                } else if let Some(v) = last_value {
                    v
                } else {
                    return Err(invalid(
                        "Error expanding a segmented palette color lookup table: the first \
                         segment cannot be a linear segment",
                    ));
                };
                let y1 = at(offset)?;
                offset += 1;
                if y0 == y1 {
                    lut.extend(std::iter::repeat_n(y1, length));
                } else if length > 0 {
                    linear(y0, y1, length, lut);
                }
            }
            2 => {
                if lut.len() == start {
                    return Err(invalid(
                        "Error expanding a segmented palette color lookup table: the first \
                         segment cannot be an indirect segment",
                    ));
                }
                let target = if byte_indirect {
                    let ii: [usize; 4] = if order.is_big() {
                        [2, 3, 0, 1]
                    } else {
                        [3, 2, 1, 0]
                    };
                    let b = |k: usize| -> Result<usize> { Ok(usize::from(at(offset + ii[k])?)) };
                    let t = ((b(0)? << 8 | b(1)?) << 16) | (b(2)? << 8 | b(3)?);
                    offset += 4;
                    t
                } else {
                    let t = usize::from(at(offset + 1)?) << 16 | usize::from(at(offset)?);
                    offset += 2;
                    t
                };
                let last = lut[lut.len() - 1];
                let rest = data.get(target..).unwrap_or(&[]);
                expand_into(
                    rest,
                    byte_indirect,
                    order,
                    Some(length),
                    Some(last),
                    depth + 1,
                    lut,
                )?;
            }
            _ => {
                return Err(invalid(format!(
                    "Error expanding a segmented palette lookup table: unknown segment type \
                     '{opcode}'"
                )));
            }
        }
        if lut.len() > MAX_LUT_ENTRIES {
            return Err(invalid(format!(
                "Segmented palette expands beyond {MAX_LUT_ENTRIES} entries"
            )));
        }
        read += 1;
        if Some(read) == segments {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le(v: &[u16]) -> Vec<u8> {
        v.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    #[test]
    fn segments_expand_as_pydicom() {
        // discrete 10 20 30 40, linear up to 200 in 10 steps, down to 100 in 5, flat 3
        let data = [0, 4, 10, 20, 30, 40, 1, 10, 200, 1, 5, 100, 1, 3, 100];
        let lut = expand_segmented(&data, false, ByteOrder::Little).unwrap();
        assert_eq!(&lut[..4], &[10, 20, 30, 40]);
        // np.around(np.linspace(56, 200, 10)) = 56, 72, 88, ..., 200
        assert_eq!(
            &lut[4..14],
            &[56, 72, 88, 104, 120, 136, 152, 168, 184, 200]
        );
        assert_eq!(&lut[14..19], &[180, 160, 140, 120, 100]);
        assert_eq!(&lut[19..], &[100, 100, 100]);
        // an indirect segment replays the first two segments, continuing the last value
        let data = [0, 2, 5, 7, 1, 2, 9, 2, 2, 0, 0];
        let lut = expand_segmented(&data, false, ByteOrder::Little).unwrap();
        assert_eq!(lut, vec![5, 7, 8, 9, 5, 7, 8, 9]);
        // byte offsets of 8-bit tables: 4 bytes, in the words' byte order
        let data = [0, 2, 3, 4, 2, 1, 0, 0, 0, 0];
        assert_eq!(
            expand_segmented(&data, true, ByteOrder::Little).unwrap(),
            vec![3, 4, 3, 4]
        );
    }

    #[test]
    fn linear_rounds_half_to_even() {
        let mut out = Vec::new();
        linear(0, 5, 2, &mut out);
        // linspace(2.5, 5, 2) = [2.5, 5] → [2, 5]
        assert_eq!(out, vec![2, 5]);
        out.clear();
        linear(10, 11, 1, &mut out);
        assert_eq!(out, vec![11]);
    }

    #[test]
    fn segment_errors() {
        let bad: [&[u16]; 4] = [
            &[1, 3, 5],
            &[2, 1, 0, 0],
            &[7, 1, 0],
            &[0, 1, 5, 2, 1, 3, 0],
        ];
        for data in bad {
            assert!(
                expand_segmented(data, false, ByteOrder::Little).is_err(),
                "{data:?}"
            );
        }
        let mut big = vec![0, 1, 0];
        for _ in 0..3 {
            big.extend([1, 65535, 9]);
        }
        assert!(expand_segmented(&big, false, ByteOrder::Little).is_err());
        // an indirect segment pointing at itself nests until the bound
        assert!(expand_segmented(&[0, 1, 5, 2, 2, 0, 0], false, ByteOrder::Little).is_err());
    }

    #[test]
    fn plain_palettes() {
        let desc = LutDescriptor::new(&[2, 0, 16], false).unwrap();
        let r = le(&[1, 2]);
        let g = le(&[3, 4]);
        let b = le(&[5, 6]);
        let ch = |bytes: &'static [u8]| {
            Some(ChannelData {
                bytes,
                order: ByteOrder::Little,
                us: false,
            })
        };
        let (r, g, b): (&'static [u8], &'static [u8], &'static [u8]) =
            (r.leak(), g.leak(), b.leak());
        let p = palette(&desc, &[ch(r), ch(g), ch(b), None], false).unwrap();
        assert_eq!(
            p.table,
            LutTable::U16 {
                data: vec![1, 3, 5, 2, 4, 6],
                channels: 3
            }
        );
        // 8-bit entries: as many bytes as entries
        let p = palette(&desc, &[ch(&[1, 2]), ch(&[3, 4]), ch(&[5, 6])], false).unwrap();
        assert_eq!(p.table.channels(), 3);
        assert!(matches!(p.table, LutTable::U8 { .. }));
        assert!(palette(&desc, &[ch(&[1, 2, 3])], false).is_err());
        assert!(palette(&desc, &[ch(&[1, 2, 3, 4]), ch(&[1, 2])], false).is_err());
    }
}
