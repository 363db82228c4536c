//! Where each frame's bytes are in a file whose pixel data was not read (a header read by the
//! push parser from a remote store): native frames by offset arithmetic, encapsulated frames
//! from the Extended or Basic Offset Table, or by walking the fragment item headers. The
//! locator asks for the few bytes it needs (offset tables, item headers); the caller fetches
//! them by byte range, then each frame by exactly its range, and decodes it as a one-frame
//! file ([`FrameLocator::frame_file`]).

use std::ops::Range;

use super::description::PixelDescription;
use super::frames::starts_codestream;
use super::native::NativeLayout;
use crate::core::{ByteOrder, Dataset, Element, ElementValue, Encoding, Tag, VR};
use crate::error::{DicomError, ErrorKind, Result};
use crate::parser::{DicomFile, PixelLocation};

const NUMBER_OF_FRAMES: Tag = Tag(0x0028, 0x0008);
const ITEM: [u8; 4] = [0xFE, 0xFF, 0x00, 0xE0];
const SEQUENCE_DELIMITER: [u8; 4] = [0xFE, 0xFF, 0xDD, 0xE0];

/// Bytes of a fragment's start asked for with each item header, to recognise a codestream
/// start (JPEG SOI, JPEG 2000 SOC, RLE header) when frames must be found by markers.
pub const FRAGMENT_HEAD: usize = 64;

/// One fragment found by the walk: item header offset, and whether its first bytes start a
/// codestream (None when they were not supplied).
#[derive(Debug, Clone, Copy)]
struct Walked {
    at: u64,
    starts: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    /// Native data: nothing to read.
    Native,
    /// The Basic Offset Table item header, at the value offset.
    BotHeader,
    /// The Basic Offset Table's `len` bytes.
    Bot { len: u32 },
    /// Item headers from `at` on, to the sequence delimiter.
    Walk { at: u64 },
    /// Everything needed is known.
    Ready,
}

/// The byte ranges of the frames of one file's pixel data.
#[derive(Debug, Clone)]
pub struct FrameLocator {
    at: PixelLocation,
    frames: usize,
    file_len: u64,
    native: Option<NativeLayout>,
    stage: Stage,
    /// Offset of the first fragment's item header.
    first: u64,
    bot: Vec<u64>,
    eot: Option<(Vec<u64>, Vec<u64>)>,
    walked: Vec<Walked>,
    /// Where the walk ended (the sequence delimiter, or the end of the file).
    end: u64,
    /// Span of Number of Frames in the header bytes, to make one-frame files.
    nof_span: Option<Range<usize>>,
}

fn malformed(offset: u64, msg: String) -> DicomError {
    DicomError::new(ErrorKind::Malformed, Some(offset), "(7FE0,0010)", msg)
}

fn u64s(ds: &Dataset, tag: Tag) -> Option<Vec<u64>> {
    let e = ds.get(tag)?;
    Some(ds.byte_order().values(ds.bytes_of(e)).collect())
}

impl FrameLocator {
    /// A locator for the pixel data at `at` of `header` (read without its pixel data), in a
    /// file of `file_len` bytes.
    pub fn new(header: &DicomFile, at: PixelLocation, file_len: u64) -> Result<FrameLocator> {
        let ds = &header.dataset;
        let desc = PixelDescription::from_header(ds, at.tag)?;
        let frames = desc.number_of_frames.max(1) as usize;
        let nof_span = ds.get(NUMBER_OF_FRAMES).and_then(|e| match e.value {
            ElementValue::Bytes { start, len } => Some(start..start + len),
            _ => None,
        });
        let eot = match (
            u64s(ds, Tag::EXTENDED_OFFSET_TABLE),
            u64s(ds, Tag::EXTENDED_OFFSET_TABLE_LENGTHS),
        ) {
            (Some(o), Some(l)) if o.len() == frames && l.len() == frames => Some((o, l)),
            _ => None,
        };
        let native = match at.length {
            Some(len) => {
                let elem = Element {
                    tag: at.tag,
                    vr: at.vr,
                    length: Some(len),
                    offset: at.offset,
                    value: ElementValue::Bytes {
                        start: at.value_offset,
                        len: len as usize,
                    },
                };
                Some(NativeLayout::new(ds, &elem, desc)?)
            }
            None => None,
        };
        Ok(FrameLocator {
            stage: if native.is_some() {
                Stage::Native
            } else {
                Stage::BotHeader
            },
            at,
            frames,
            file_len,
            native,
            first: 0,
            bot: Vec::new(),
            eot,
            walked: Vec::new(),
            end: 0,
            nof_span,
        })
    }

    /// Number of frames.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// The bytes needed next, as (offset, length), before frame ranges can be given; None
    /// when everything is known. Item headers are asked for with [`FRAGMENT_HEAD`] bytes.
    pub fn wanted(&self) -> Option<(u64, usize)> {
        let at = match self.stage {
            Stage::Native | Stage::Ready => return None,
            Stage::BotHeader => {
                // With the table it usually holds (one 32-bit offset per frame), so that one
                // request brings both.
                let at = self.at.value_offset as u64;
                let len = (8 + 4 * self.frames as u64).min(self.file_len.saturating_sub(at));
                return Some((at, len.max(8) as usize));
            }
            Stage::Bot { len } => return Some((self.at.value_offset as u64 + 8, len as usize)),
            Stage::Walk { at } => at,
        };
        let len = (8 + FRAGMENT_HEAD as u64).min(self.file_len.saturating_sub(at));
        Some((at, len as usize))
    }

    /// Takes bytes of the file starting at `offset` (they should cover what
    /// [`FrameLocator::wanted`] asked for; more is used as far as it goes).
    pub fn supply(&mut self, offset: u64, bytes: &[u8]) -> Result<()> {
        while let Some((want, len)) = self.wanted() {
            let Some(rel) = want.checked_sub(offset).map(|r| r as usize) else {
                return Ok(());
            };
            // An item header is taken with the fragment start asked for with it (clipped to
            // the file already), the offset table's header alone.
            let required = match self.stage {
                Stage::BotHeader => len.min(8),
                _ => len,
            };
            if bytes.len() < rel.saturating_add(required) {
                return Ok(());
            }
            let b = bytes.get(rel..).unwrap_or(&[]);
            match self.stage {
                Stage::BotHeader => {
                    if b[0..4] != ITEM {
                        return Err(malformed(
                            want,
                            "encapsulated pixel data does not start with an item (the Basic \
                             Offset Table)"
                                .into(),
                        ));
                    }
                    let len = ByteOrder::Little.decode::<u32>(&b[4..8]);
                    self.first = want + 8 + u64::from(len);
                    if self.first > self.file_len {
                        return Err(malformed(
                            want,
                            format!("the Basic Offset Table's length {len} runs past the file"),
                        ));
                    }
                    self.stage = if len > 0 {
                        Stage::Bot { len }
                    } else {
                        self.after_bot()
                    };
                }
                Stage::Bot { len } => {
                    if b.len() < len as usize {
                        return Ok(());
                    }
                    self.bot = ByteOrder::Little
                        .values::<u32>(&b[..len as usize])
                        .map(u64::from)
                        .collect();
                    self.stage = self.after_bot();
                }
                Stage::Walk { at } => self.walk_one(at, b)?,
                Stage::Native | Stage::Ready => {}
            }
        }
        Ok(())
    }

    /// What to read once the offset table is known: nothing (Extended Offset Table), the
    /// last frame's items (Basic Offset Table), or every item header.
    fn after_bot(&self) -> Stage {
        if self.eot.is_some() {
            return Stage::Ready;
        }
        let valid_bot = self.bot.len() == self.frames
            && self.bot.first() == Some(&0)
            && self.bot.windows(2).all(|w| w[0] < w[1]);
        match self.bot.last() {
            Some(last) if valid_bot && self.frames > 1 => Stage::Walk {
                at: self.first + last,
            },
            _ => Stage::Walk { at: self.first },
        }
    }

    fn walk_one(&mut self, at: u64, b: &[u8]) -> Result<()> {
        if at >= self.file_len || b.len() < 8 {
            // The data ends without its delimiter (accepted, as by the file reader).
            self.end = at.min(self.file_len);
            self.stage = Stage::Ready;
            return Ok(());
        }
        let len = ByteOrder::Little.decode::<u32>(&b[4..8]);
        if b[0..4] == SEQUENCE_DELIMITER {
            self.end = at;
            self.stage = Stage::Ready;
            return Ok(());
        }
        if b[0..4] != ITEM || len == u32::MAX {
            if self.walked.is_empty() && at != self.first {
                // The Basic Offset Table pointed elsewhere than an item: it is wrong, and
                // ignored as the file reader ignores it; every item header is walked.
                self.bot.clear();
                self.stage = Stage::Walk { at: self.first };
                return Ok(());
            }
            return Err(malformed(
                at,
                "expected a fragment item (FFFE,E000) in encapsulated pixel data".into(),
            ));
        }
        let head = &b[8..];
        let starts = (head.len() >= FRAGMENT_HEAD.min(len as usize))
            .then(|| starts_codestream(&head[..head.len().min(len as usize)]));
        self.walked.push(Walked { at, starts });
        let next = at + 8 + u64::from(len);
        if next > self.file_len {
            return Err(DicomError::new(
                ErrorKind::Truncated,
                Some(at),
                "(7FE0,0010)",
                format!("fragment of {len} bytes runs past the end of the file"),
            ));
        }
        self.stage = Stage::Walk { at: next };
        Ok(())
    }

    /// The byte range of the file holding frame `i`: the native frame's bytes, or the item
    /// headers and bytes of the frame's fragments. None when frames do not start on byte
    /// boundaries (bit-packed native data: the whole value is needed).
    pub fn frame_range(&self, i: usize) -> Result<Option<Range<u64>>> {
        if i >= self.frames {
            return Err(DicomError::new(
                ErrorKind::Limit,
                None,
                "(7FE0,0010)",
                format!("frame index {i} out of range ({} frames)", self.frames),
            ));
        }
        if let Some(layout) = &self.native {
            let value = self.at.value_offset as u64;
            let mut r = layout.frame_range(i);
            if i > 0 && layout.frame_range(0).end != layout.frame_range(1).start {
                // Bit-packed frames that share bytes with their neighbours.
                return Ok(None);
            }
            // 8-bit OW in big endian swaps bytes in pairs, across frame boundaries when a
            // frame has an odd length: such a frame is read with its pair's other byte, or,
            // when it starts mid-pair, from the whole value.
            if layout.swapped_ow && !r.start.is_multiple_of(2) {
                return Ok(None);
            }
            if layout.swapped_ow {
                r.end += r.end % 2;
            }
            let len = u64::from(self.at.length.unwrap_or(0));
            if r.end as u64 > len {
                return Err(DicomError::new(
                    ErrorKind::Truncated,
                    Some(value),
                    "(7FE0,0010)",
                    format!(
                        "frame {i} ends at byte {} of a pixel data value of {len} bytes",
                        r.end
                    ),
                ));
            }
            return Ok(Some(value + r.start as u64..value + r.end as u64));
        }
        if self.stage != Stage::Ready {
            return Err(malformed(
                self.at.value_offset as u64,
                "the offsets of the fragments are not read yet".into(),
            ));
        }
        if let Some((offs, lens)) = &self.eot {
            // The table's 64-bit values come from the file: saturate, and `checked` refuses a
            // range past the end.
            let start = self.first.saturating_add(offs[i]);
            let end = match offs.get(i + 1) {
                Some(next) => self.first.saturating_add(*next),
                None => start
                    .saturating_add(8)
                    .saturating_add(lens[i])
                    .saturating_add(lens[i] & 1),
            };
            return self.checked(start, end).map(Some);
        }
        if self.frames == 1 {
            return self.checked(self.first, self.end).map(Some);
        }
        if self.bot.len() == self.frames && self.walked.first().map(|w| w.at) != Some(self.first) {
            let start = self.first + self.bot[i];
            let end = match self.bot.get(i + 1) {
                Some(next) => self.first + next,
                None => self.end,
            };
            return self.checked(start, end).map(Some);
        }
        let n = self.walked.len();
        let firsts: Vec<usize> = if n == self.frames {
            (0..n).collect()
        } else if let Some(bot_firsts) = self.bot_firsts() {
            bot_firsts
        } else {
            (0..n)
                .filter(|&k| self.walked[k].starts == Some(true))
                .collect()
        };
        if firsts.len() != self.frames || firsts.first() != Some(&0) {
            return Err(malformed(
                self.first,
                format!(
                    "cannot find the boundaries of {} frames in {n} fragments",
                    self.frames
                ),
            ));
        }
        let start = self.walked[firsts[i]].at;
        let end = firsts.get(i + 1).map_or(self.end, |&k| self.walked[k].at);
        self.checked(start, end).map(Some)
    }

    /// Fragment indices of the frames from a Basic Offset Table checked against the walk.
    fn bot_firsts(&self) -> Option<Vec<usize>> {
        if self.bot.len() != self.frames {
            return None;
        }
        self.bot
            .iter()
            .map(|&o| self.walked.iter().position(|w| w.at == self.first + o))
            .collect()
    }

    fn checked(&self, start: u64, end: u64) -> Result<Range<u64>> {
        if start > end || end > self.file_len {
            return Err(malformed(
                start,
                format!(
                    "frame bytes {start}..{end} are outside the file of {} bytes",
                    self.file_len
                ),
            ));
        }
        Ok(start..end)
    }

    /// A one-frame file: the header bytes up to the pixel data (with Number of Frames set to
    /// one), followed by a pixel data element holding `frame`, the bytes of
    /// [`FrameLocator::frame_range`]. Reading it gives the frame as the whole file would.
    pub fn frame_file(&self, header: &[u8], frame: &[u8]) -> Result<Vec<u8>> {
        let at = &self.at;
        let prefix = header.get(..at.offset).ok_or_else(|| {
            malformed(
                at.offset as u64,
                "the header bytes end before the pixel data".into(),
            )
        })?;
        let mut out = Vec::with_capacity(prefix.len() + frame.len() + 40);
        out.extend_from_slice(prefix);
        if let Some(span) = &self.nof_span
            && span.end <= out.len()
            && !span.is_empty()
        {
            let field = &mut out[span.clone()];
            field.fill(b' ');
            field[0] = b'1';
        }
        let encapsulated = at.length.is_none();
        let padded = frame.len() + frame.len() % 2;
        let length = if encapsulated {
            u32::MAX
        } else {
            u32::try_from(padded).map_err(|_| {
                malformed(at.offset as u64, "a frame over 4 GiB cannot be read".into())
            })?
        };
        push_header(&mut out, at.tag, at.vr, length, at.encoding);
        if encapsulated {
            out.extend_from_slice(&ITEM);
            out.extend_from_slice(&[0; 4]);
            out.extend_from_slice(frame);
            out.extend_from_slice(&SEQUENCE_DELIMITER);
            out.extend_from_slice(&[0; 4]);
        } else {
            out.extend_from_slice(frame);
            out.resize(out.len() + padded - frame.len(), 0);
        }
        Ok(out)
    }
}

/// Writes an element header with a 32-bit length (every pixel data VR has one).
fn push_header(out: &mut Vec<u8>, tag: Tag, vr: VR, length: u32, enc: Encoding) {
    let order = ByteOrder::from_big_endian(enc.big_endian);
    let (g, e, l) = match order {
        ByteOrder::Big => (
            tag.0.to_be_bytes(),
            tag.1.to_be_bytes(),
            length.to_be_bytes(),
        ),
        ByteOrder::Little => (
            tag.0.to_le_bytes(),
            tag.1.to_le_bytes(),
            length.to_le_bytes(),
        ),
    };
    out.extend_from_slice(&g);
    out.extend_from_slice(&e);
    if enc.explicit_vr {
        out.extend_from_slice(vr.as_str().as_bytes());
        out.extend_from_slice(&[0, 0]);
    }
    out.extend_from_slice(&l);
}
