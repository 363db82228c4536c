//! The push parser: bytes arrive in chunks (from a socket, an HTTP range request, a bucket);
//! it says how many more it needs before the header is complete, and where the pixel data
//! starts, without ever reading past what it was given.
//!
//! It does not parse a second way: it walks top-level elements with [`ElementReader`] over
//! the bytes buffered so far, resuming at the last element it saw whole, and builds the
//! dataset with the file reader ([`parse_source`]) once it has enough. The dataset is thus the
//! one `parse_file_with` gives on the whole input (a test feeds every file in random chunks).

use std::sync::Arc;

use super::file::{DicomFile, data_encoding, guess_encoding, parse_source};
use super::options::ReadOptions;
use super::reader::{ElementReader, Token, looks_like_vr};
use super::token::is_pixel_data;
use crate::core::{ByteOrder, Encoding, Source, Tag, TransferSyntax, VR, trim_uid};
use crate::dictionary;
use crate::error::{ErrorKind, Result};

/// Bytes asked for when nothing more precise is known (an undefined-length sequence, or the
/// whole of a deflated dataset): callers usually fetch more, growing their requests.
const UNKNOWN_NEED: usize = 8 * 1024;

/// Where the top-level pixel data element is in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelLocation {
    /// Tag: (7FE0,0010), (7FE0,0008) or (7FE0,0009).
    pub tag: Tag,
    /// VR as encoded (or the dictionary's in implicit VR).
    pub vr: VR,
    /// Offset of the element header.
    pub offset: usize,
    /// Offset of the value (for encapsulated data, the Basic Offset Table item header).
    pub value_offset: usize,
    /// Value length; `None` when undefined (encapsulated).
    pub length: Option<u32>,
    /// Encoding of the dataset the element is in.
    pub encoding: Encoding,
}

/// What the push parser needs next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// At least this many more bytes (more may be fed at once).
    More(usize),
    /// Enough: [`PushParser::parse`] gives the dataset.
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for the preamble and `DICM` marker.
    Start,
    /// Walking the file meta group.
    Meta { enc: Encoding },
    /// Waiting for the first bytes of the dataset to choose its encoding.
    DataStart,
    /// Walking the dataset.
    Data { enc: Encoding },
    /// The header is complete (or the input is bad in a way the file reader will report).
    Done,
}

/// A resumable reader of a DICOM file fed in chunks.
#[derive(Debug)]
pub struct PushParser {
    buf: Vec<u8>,
    opts: ReadOptions,
    eof: bool,
    phase: Phase,
    /// Offset of the first top-level element not yet seen whole.
    pos: usize,
    ts: Option<&'static TransferSyntax>,
    pixel: Option<PixelLocation>,
}

/// One top-level element walked (or not).
enum Step {
    /// The element ends here.
    Next(usize),
    /// The walk ends before this element (it is outside the file meta group).
    End,
    /// The walk stops before the pixel data (`stop_before_pixels`).
    Pixels(PixelLocation),
    /// More bytes are needed (at least this many).
    More(usize),
    /// The bytes are bad: the file reader reports the error.
    Bad,
}

impl PushParser {
    /// A parser reading with `opts` (`stop_before_pixels` ends the header at the pixel data).
    pub fn new(opts: ReadOptions) -> PushParser {
        PushParser {
            buf: Vec::new(),
            opts,
            eof: false,
            phase: Phase::Start,
            pos: 0,
            ts: None,
            pixel: None,
        }
    }

    /// Appends a chunk and says what is needed next.
    pub fn feed(&mut self, chunk: &[u8]) -> Need {
        self.buf.extend_from_slice(chunk);
        self.advance()
    }

    /// Marks the end of the input: whatever was fed is all there is.
    pub fn finish(&mut self) -> Need {
        self.eof = true;
        self.phase = Phase::Done;
        Need::Done
    }

    /// What is needed next.
    pub fn need(&self) -> Need {
        match self.phase {
            Phase::Done => Need::Done,
            _ => Need::More(self.want().max(1)),
        }
    }

    /// Bytes fed so far.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The top-level pixel data element, once the walk reached it.
    pub fn pixel_location(&self) -> Option<PixelLocation> {
        self.pixel
    }

    /// The transfer syntax of the dataset, once the file meta was read.
    pub fn transfer_syntax(&self) -> Option<&'static TransferSyntax> {
        self.ts
    }

    /// Parses what was fed with the file reader (also before [`Need::Done`]: the result is
    /// then that of a file cut where the input stops).
    pub fn parse(&self) -> Result<DicomFile> {
        parse_source(Arc::new(Source::Owned(self.buf.clone())), self.opts)
    }

    /// Like [`PushParser::parse`], giving the buffer away instead of copying it.
    pub fn into_file(self) -> Result<DicomFile> {
        parse_source(Arc::new(Source::Owned(self.buf)), self.opts)
    }

    /// The bytes fed so far.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Bytes needed from the buffered position before the walk can go on.
    fn want(&self) -> usize {
        match self.phase {
            Phase::Start => 132usize.saturating_sub(self.buf.len()),
            Phase::DataStart => (self.pos + 6).saturating_sub(self.buf.len()),
            Phase::Meta { enc } | Phase::Data { enc } => match self.step(enc) {
                Step::More(n) => n,
                _ => 0,
            },
            Phase::Done => 0,
        }
    }

    fn advance(&mut self) -> Need {
        loop {
            if self.eof {
                self.phase = Phase::Done;
            }
            match self.phase {
                Phase::Done => return Need::Done,
                Phase::Start => {
                    if self.buf.len() < 132 {
                        return Need::More(132 - self.buf.len());
                    }
                    let start = if &self.buf[128..132] == b"DICM" {
                        132
                    } else if &self.buf[0..4] == b"DICM" {
                        4
                    } else if self.opts.force {
                        0
                    } else {
                        self.phase = Phase::Done;
                        continue;
                    };
                    self.pos = start;
                    if self.buf.len() < start + 6 {
                        return Need::More(start + 6 - self.buf.len());
                    }
                    let head = &self.buf[start..];
                    let has_meta = u16::from_le_bytes([head[0], head[1]]) == 2;
                    self.phase = if !has_meta {
                        self.ts = Some(guess_encoding(&self.buf, start));
                        Phase::DataStart
                    } else if !looks_like_vr(&head[4..6]) {
                        Phase::Meta {
                            enc: Encoding::IMPLICIT_LE,
                        }
                    } else {
                        Phase::Meta {
                            enc: Encoding::EXPLICIT_LE,
                        }
                    };
                }
                Phase::Meta { enc } => match self.step(enc) {
                    Step::Next(end) => self.pos = end,
                    Step::More(n) => return Need::More(n),
                    Step::Bad | Step::Pixels(_) => self.phase = Phase::Done,
                    Step::End => match self.meta_transfer_syntax() {
                        Some(ts) => {
                            self.ts = Some(ts);
                            self.phase = Phase::DataStart;
                        }
                        // An unknown UID: the file reader says which.
                        None => self.phase = Phase::Done,
                    },
                },
                Phase::DataStart => {
                    let Some(ts) = self.ts else {
                        self.phase = Phase::Done;
                        continue;
                    };
                    if ts.deflated {
                        // The dataset is one deflate stream: all of it is needed.
                        return Need::More(UNKNOWN_NEED);
                    }
                    if self.buf.len() < self.pos + 6 {
                        return Need::More(self.pos + 6 - self.buf.len());
                    }
                    let enc = data_encoding(ts, &self.buf, self.pos);
                    self.phase = Phase::Data { enc };
                }
                Phase::Data { enc } => match self.step(enc) {
                    Step::Next(end) => self.pos = end,
                    Step::More(n) => return Need::More(n),
                    Step::Pixels(at) => {
                        self.pixel = Some(at);
                        self.phase = Phase::Done;
                    }
                    Step::Bad | Step::End => self.phase = Phase::Done,
                },
            }
        }
    }

    /// The transfer syntax the file meta names, or the guess the file reader makes without
    /// one; None for an unknown UID.
    fn meta_transfer_syntax(&self) -> Option<&'static TransferSyntax> {
        let start = if self.buf.get(128..132) == Some(b"DICM") {
            132
        } else {
            4
        };
        let mut reader = ElementReader::new(&self.buf[..self.pos], start, None, self.meta_enc());
        for token in &mut reader {
            if let Ok(Token::Element {
                tag: Tag::TRANSFER_SYNTAX_UID,
                value_offset,
                length,
                ..
            }) = token
            {
                let raw = self.buf.get(value_offset..value_offset + length as usize)?;
                return TransferSyntax::from_uid(trim_uid(&String::from_utf8_lossy(raw)));
            }
        }
        Some(guess_encoding(&self.buf, self.pos))
    }

    fn meta_enc(&self) -> Encoding {
        match self.phase {
            Phase::Meta { enc } => enc,
            _ => Encoding::EXPLICIT_LE,
        }
    }

    /// Walks the top-level element at `self.pos`.
    fn step(&self, enc: Encoding) -> Step {
        let pos = self.pos;
        let avail = self.buf.len().saturating_sub(pos);
        let meta = matches!(self.phase, Phase::Meta { .. });
        if avail < 4 {
            return Step::More(12 - avail);
        }
        let order = ByteOrder::from_big_endian(enc.big_endian);
        let b = &self.buf[pos..];
        let (Some(group), Some(element)) = (order.read(b, 0), order.read(b, 2)) else {
            return Step::More(12);
        };
        let tag = Tag(group, element);
        if meta && tag.0 != 0x0002 {
            return Step::End;
        }
        let Some((vr, value_offset, length)) = header(&self.buf[pos..], enc) else {
            return Step::More(12 - avail.min(11));
        };
        let value_offset = pos + value_offset;
        if !meta && self.opts.stop_before_pixels && is_pixel_data(tag) {
            return Step::Pixels(PixelLocation {
                tag,
                vr,
                offset: pos,
                value_offset,
                length,
                encoding: enc,
            });
        }
        let mut reader = ElementReader::new(&self.buf, pos, None, enc).limits(&self.opts.limits);
        let mut defined = true;
        let value_end = length.map(|l| value_offset.saturating_add(l as usize));
        while let Some(token) = reader.next() {
            match token {
                Ok(Token::Truncated { .. }) => {
                    return Step::More(shortfall(value_end, self.buf.len()));
                }
                Ok(Token::SequenceStart { length: None, .. } | Token::EncapsulatedStart { .. }) => {
                    defined = false;
                }
                Ok(_) => {}
                Err(e) if e.kind == ErrorKind::Truncated => {
                    return Step::More(shortfall(value_end, self.buf.len()));
                }
                Err(_) => return Step::Bad,
            }
            if reader.depth() == 0 {
                break;
            }
        }
        let end = reader.position();
        // An undefined-length sequence that runs to the end of the bytes is closed there by
        // the reader (as pydicom does at the end of a file): only the end of the input says
        // whether it really ends.
        if end <= pos || (!defined && end >= self.buf.len()) {
            return Step::More(UNKNOWN_NEED);
        }
        Step::Next(end)
    }
}

/// Bytes still missing for a value ending at `end` (or a guess when unknown).
fn shortfall(end: Option<usize>, have: usize) -> usize {
    match end {
        Some(e) if e > have => e - have,
        _ => UNKNOWN_NEED,
    }
}

/// The VR, value offset (from the element start) and length (None when undefined) of the
/// element header at the start of `b`, read the way the element reader reads it.
fn header(b: &[u8], enc: Encoding) -> Option<(VR, usize, Option<u32>)> {
    let order = ByteOrder::from_big_endian(enc.big_endian);
    let tag = Tag(order.read(b, 0)?, order.read(b, 2)?);
    let (vr, off, len) = if enc.explicit_vr && b.len() >= 6 && looks_like_vr(&b[4..6]) {
        match VR::from_bytes([b[4], b[5]]) {
            Some(vr) if vr.has_long_length() => (vr, 12, order.read::<u32>(b, 8)?),
            other => (
                other.unwrap_or(VR::UN),
                8,
                u32::from(order.read::<u16>(b, 6)?),
            ),
        }
    } else {
        (dictionary::implicit_vr(tag), 8, order.read::<u32>(b, 4)?)
    };
    Some((vr, off, (len != u32::MAX).then_some(len)))
}
