//! `multipart/related` bodies (RFC 2046 §5.1, RFC 2387) as DICOMweb uses them: WADO-RS answers
//! with one part per instance, frame or bulk data item, STOW-RS sends one per instance.
//!
//! One step function finds the next part in a buffer; [`parse_multipart`] runs it over a whole
//! body and hands out borrowed slices (no copy), [`MultipartReader`] runs it over a growing
//! buffer fed chunk by chunk, so a large WADO-RS answer is handled as it arrives and only the
//! part being received is held. Boundaries are found with `memchr::memmem` (a two-way
//! search with a SIMD prefilter), so a body is scanned once whatever its size.

use memchr::memmem;

use crate::error::{DicomError, ErrorKind, Result};

/// The most bytes a part's header block may take: a claim beyond it is an error, not a buffer.
const MAX_HEADER_BLOCK: usize = 64 * 1024;

/// The header fields of one part, names as sent, values trimmed.
pub type PartHeaders = Vec<(String, String)>;

/// One part of a multipart body, borrowed from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'a> {
    /// Header fields (`Content-Type`, `Content-Location`…).
    pub headers: PartHeaders,
    /// The part's content, a slice of the body.
    pub body: &'a [u8],
    /// Byte offset of `body` in the whole message.
    pub offset: u64,
}

impl Part<'_> {
    /// A header field's value (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// A header field's value in `headers` (name compared case-insensitively).
pub fn header<'h>(headers: &'h PartHeaders, name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first boundary (the preamble is ignored).
    Preamble,
    /// At a part's header block.
    Headers,
    /// In a part's body, searching for the next delimiter from `scan`.
    Body { body_start: usize, scan: usize },
    /// After the close delimiter (the epilogue is ignored).
    Done,
}

/// What one step found.
enum Step {
    /// A part: header fields and the body's span in the buffer.
    Part(PartHeaders, usize, usize),
    /// The buffer ends inside a structure.
    NeedMore,
    /// The close delimiter was reached.
    Done,
}

/// The parser's position: state and offset into the current buffer.
struct Cursor {
    state: State,
    pos: usize,
    headers: PartHeaders,
}

struct Delimiters {
    /// `--boundary`: the first delimiter may open the body without a line break.
    dash: Vec<u8>,
    /// `\r\n--boundary`: every other delimiter.
    delim: Vec<u8>,
}

impl Delimiters {
    /// The first delimiter in `hay`. A stored owned `memmem::Finder` would save building the
    /// searcher per call, but with two readers alive in one process the second segfaulted
    /// inside memchr's AVX2 prefilter (seen through the Python bindings, cause not found);
    /// building the searcher per call (once per chunk or part) costs nothing measurable.
    fn find(&self, hay: &[u8]) -> Option<usize> {
        memmem::find(hay, &self.delim)
    }

    fn new(boundary: &str) -> Result<Self> {
        if boundary.is_empty() || boundary.len() > 70 {
            return Err(DicomError::new(
                ErrorKind::Malformed,
                None,
                "",
                format!(
                    "multipart boundary of {} characters (1 to 70)",
                    boundary.len()
                ),
            ));
        }
        let dash = [b"--", boundary.as_bytes()].concat();
        let delim = [b"\r\n", dash.as_slice()].concat();
        Ok(Delimiters { dash, delim })
    }
}

fn malformed(base: u64, at: usize, msg: impl Into<String>) -> DicomError {
    DicomError::new(ErrorKind::Malformed, Some(base + at as u64), "", msg)
}

/// What follows a candidate delimiter.
enum After {
    /// More bytes are needed to tell.
    NeedMore,
    /// `--`: the close delimiter; the epilogue starts at the offset.
    Close(usize),
    /// Transport padding and CRLF: a part starts at the offset.
    Open(usize),
    /// Anything else: the bytes were content, not a delimiter (RFC 2046 forbids them in a
    /// part, but reading them as content loses nothing).
    NotDelimiter,
}

/// After a boundary whose end is at `at`.
fn after_boundary(buf: &[u8], at: usize) -> After {
    let rest = &buf[at..];
    if rest.len() < 2 {
        return After::NeedMore;
    }
    if rest.starts_with(b"--") {
        return After::Close(at + 2);
    }
    let pad = rest
        .iter()
        .take_while(|&&c| c == b' ' || c == b'\t')
        .count();
    match &rest[pad..] {
        [] | [b'\r'] => After::NeedMore,
        [b'\r', b'\n', ..] => After::Open(at + pad + 2),
        _ => After::NotDelimiter,
    }
}

fn parse_headers(block: &[u8], base: u64, start: usize) -> Result<PartHeaders> {
    let mut out = PartHeaders::new();
    let mut line_start = start;
    for line in block.split(|&c| c == b'\n') {
        let here = line_start;
        line_start += line.len() + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            // An obsolete folded continuation (RFC 5322): joined to the previous field.
            let Some(last) = out.last_mut() else {
                return Err(malformed(
                    base,
                    here,
                    "multipart header starts with a continuation",
                ));
            };
            last.1.push(' ');
            last.1.push_str(String::from_utf8_lossy(line).trim());
            continue;
        }
        let Some(colon) = line.iter().position(|&c| c == b':') else {
            return Err(malformed(base, here, "multipart header line without ':'"));
        };
        let name = String::from_utf8_lossy(&line[..colon]).trim().to_string();
        if name.is_empty() {
            return Err(malformed(base, here, "multipart header with an empty name"));
        }
        let value = String::from_utf8_lossy(&line[colon + 1..])
            .trim()
            .to_string();
        out.push((name, value));
    }
    Ok(out)
}

/// Advances `cur` over `buf` (whose first byte is at `base` in the message) to the next part.
fn step(buf: &[u8], base: u64, d: &Delimiters, cur: &mut Cursor) -> Result<Step> {
    loop {
        match cur.state {
            State::Done => return Ok(Step::Done),
            State::Preamble => {
                // Only the message's first line may be a delimiter without a CRLF before it.
                let at_start = base + cur.pos as u64 == 0;
                let found = if at_start && buf.starts_with(&d.dash) {
                    Some(0)
                } else if at_start && buf.len() < d.dash.len() && d.dash.starts_with(buf) {
                    return Ok(Step::NeedMore);
                } else {
                    d.find(&buf[cur.pos..]).map(|i| cur.pos + i + 2)
                };
                let Some(at) = found else {
                    // Keep the tail that may hold the start of the delimiter.
                    cur.pos = buf.len().saturating_sub(d.delim.len()).max(cur.pos);
                    return Ok(Step::NeedMore);
                };
                match after_boundary(buf, at + d.dash.len()) {
                    After::NeedMore => {
                        cur.pos = at.saturating_sub(2);
                        return Ok(Step::NeedMore);
                    }
                    After::Close(next) => {
                        cur.pos = next;
                        cur.state = State::Done;
                    }
                    After::Open(next) => {
                        cur.pos = next;
                        cur.state = State::Headers;
                    }
                    After::NotDelimiter => cur.pos = at + 1,
                }
            }
            State::Headers => {
                let rest = &buf[cur.pos..];
                let body_start = if rest.starts_with(b"\r\n") {
                    cur.headers = PartHeaders::new();
                    cur.pos + 2
                } else {
                    match memmem::find(rest, b"\r\n\r\n") {
                        Some(end) if end <= MAX_HEADER_BLOCK => {
                            cur.headers = parse_headers(&rest[..end], base, cur.pos)?;
                            cur.pos + end + 4
                        }
                        found => {
                            if found.is_some() || rest.len() > MAX_HEADER_BLOCK + 4 {
                                return Err(DicomError::new(
                                    ErrorKind::Limit,
                                    Some(base + cur.pos as u64),
                                    "",
                                    format!(
                                        "multipart header block longer than {MAX_HEADER_BLOCK} bytes"
                                    ),
                                ));
                            }
                            return Ok(Step::NeedMore);
                        }
                    }
                };
                cur.state = State::Body {
                    body_start,
                    scan: body_start,
                };
                cur.pos = body_start;
            }
            State::Body { body_start, scan } => {
                let Some(i) = d.find(&buf[scan..]) else {
                    // The delimiter may straddle the chunk end: rescan only its length.
                    let scan = buf.len().saturating_sub(d.delim.len() - 1).max(body_start);
                    cur.state = State::Body { body_start, scan };
                    return Ok(Step::NeedMore);
                };
                let end = scan + i;
                let (close, next) = match after_boundary(buf, end + d.delim.len()) {
                    After::NeedMore => {
                        cur.state = State::Body {
                            body_start,
                            scan: end,
                        };
                        return Ok(Step::NeedMore);
                    }
                    After::NotDelimiter => {
                        cur.state = State::Body {
                            body_start,
                            scan: end + 1,
                        };
                        continue;
                    }
                    After::Close(next) => (true, next),
                    After::Open(next) => (false, next),
                };
                cur.pos = next;
                cur.state = if close { State::Done } else { State::Headers };
                let headers = std::mem::take(&mut cur.headers);
                return Ok(Step::Part(headers, body_start, end));
            }
        }
    }
}

fn truncated(base: u64, cur: &Cursor, len: usize) -> DicomError {
    let (at, what) = match cur.state {
        State::Preamble => (len, "no multipart boundary found"),
        State::Headers => (cur.pos, "multipart body ends in a part's header block"),
        State::Body { body_start, .. } => (
            body_start,
            "multipart body ends inside a part (no closing boundary)",
        ),
        State::Done => (len, "multipart body ends"),
    };
    DicomError::new(ErrorKind::Truncated, Some(base + at as u64), "", what)
}

/// Splits a whole `multipart/related` body into its parts, borrowing their bytes.
pub fn parse_multipart<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>> {
    let d = Delimiters::new(boundary)?;
    let mut cur = Cursor {
        state: State::Preamble,
        pos: 0,
        headers: PartHeaders::new(),
    };
    let mut parts = Vec::new();
    loop {
        match step(body, 0, &d, &mut cur)? {
            Step::Part(headers, start, end) => parts.push(Part {
                headers,
                body: &body[start..end],
                offset: start as u64,
            }),
            Step::Done => return Ok(parts),
            Step::NeedMore => return Err(truncated(0, &cur, body.len())),
        }
    }
}

/// A `multipart/related` parser fed chunk by chunk (as an HTTP response arrives): each call to
/// [`MultipartReader::feed`] returns the parts completed so far; only the unfinished part is
/// kept.
pub struct MultipartReader {
    d: Delimiters,
    cur: Cursor,
    buf: Vec<u8>,
    /// Offset in the message of `buf[0]`.
    base: u64,
}

/// A part owned by the caller (from [`MultipartReader`]).
pub type OwnedPart = (PartHeaders, Vec<u8>, u64);

impl MultipartReader {
    /// A reader for parts separated by `boundary`.
    pub fn new(boundary: &str) -> Result<Self> {
        Ok(MultipartReader {
            d: Delimiters::new(boundary)?,
            cur: Cursor {
                state: State::Preamble,
                pos: 0,
                headers: PartHeaders::new(),
            },
            buf: Vec::new(),
            base: 0,
        })
    }

    /// Adds bytes; returns the parts they complete (headers, content, offset of the content).
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<OwnedPart>> {
        if self.cur.state == State::Done {
            return Ok(Vec::new()); // the epilogue
        }
        self.buf.extend_from_slice(chunk);
        let mut out = Vec::new();
        loop {
            match step(&self.buf, self.base, &self.d, &mut self.cur)? {
                Step::Part(headers, start, end) => {
                    out.push((
                        headers,
                        self.buf[start..end].to_vec(),
                        self.base + start as u64,
                    ));
                }
                Step::Done => {
                    self.base += self.buf.len() as u64;
                    self.buf = Vec::new();
                    break;
                }
                Step::NeedMore => break,
            }
        }
        self.compact();
        Ok(out)
    }

    /// Drops the bytes before the current position (handed out or ignored), once per feed.
    fn compact(&mut self) {
        let keep_from = match self.cur.state {
            State::Body { body_start, .. } => body_start,
            State::Done => return,
            _ => self.cur.pos,
        };
        if keep_from == 0 {
            return;
        }
        self.buf.drain(..keep_from);
        self.base += keep_from as u64;
        self.cur.pos -= keep_from;
        if let State::Body { body_start, scan } = self.cur.state {
            self.cur.state = State::Body {
                body_start: body_start - keep_from,
                scan: scan - keep_from,
            };
        }
    }

    /// True once the close delimiter was read.
    pub fn is_done(&self) -> bool {
        self.cur.state == State::Done
    }

    /// The end of the message: an error unless the close delimiter was read.
    pub fn finish(&self) -> Result<()> {
        if self.is_done() {
            Ok(())
        } else {
            Err(truncated(self.base, &self.cur, self.buf.len()))
        }
    }
}

/// The delimiter and header block that open one part (`--boundary`, `Content-Type`, blank line).
pub fn multipart_head(boundary: &str, content_type: &str, first: bool) -> Vec<u8> {
    let crlf = if first { "" } else { "\r\n" };
    format!("{crlf}--{boundary}\r\nContent-Type: {content_type}\r\n\r\n").into_bytes()
}

/// A whole `multipart/related` body of `(content type, content)` parts. Fails when a content
/// holds the delimiter (the caller picks another boundary).
pub fn write_multipart(parts: &[(&str, &[u8])], boundary: &str) -> Result<Vec<u8>> {
    let d = Delimiters::new(boundary)?;
    let size: usize = parts.iter().map(|(ct, b)| b.len() + ct.len() + 100).sum();
    let mut out = Vec::with_capacity(size + boundary.len() + 8);
    for (i, (ct, body)) in parts.iter().enumerate() {
        if let Some(at) = d.find(body) {
            return Err(DicomError::new(
                ErrorKind::Write,
                Some(at as u64),
                "",
                format!("part {i} contains the multipart boundary"),
            ));
        }
        out.extend_from_slice(&multipart_head(boundary, ct, i == 0));
        out.extend_from_slice(body);
    }
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Ok(out)
}

#[cfg(test)]
#[path = "multipart_tests.rs"]
mod tests;
