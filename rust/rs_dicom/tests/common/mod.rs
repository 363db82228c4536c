//! The byte-sequence encoder and inspection helpers shared by the reader tests.
//!
//! Every input of those tests is encoded by the small helper below (tag, VR, length, value;
//! implicit or explicit VR; little or big endian), so each test states exactly which bytes it
//! feeds in.
#![allow(dead_code)]

use std::sync::Arc;

use rs_dicom::core::{Dataset, Element, Tag, VR};
use rs_dicom::parser::{DicomError, DicomFile, ReadOptions, Source, parse_source};
use rs_dicom::value::{Value, decode, text_values};

// ---------------------------------------------------------------------------------------------
// Encoder
// ---------------------------------------------------------------------------------------------

pub const UNDEFINED: u32 = 0xFFFF_FFFF;

pub const TS_IMPLICIT_LE: &str = "1.2.840.10008.1.2";
pub const TS_EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
#[cfg(feature = "deflate")]
pub const TS_DEFLATED: &str = "1.2.840.10008.1.2.1.99";
pub const TS_EXPLICIT_BE: &str = "1.2.840.10008.1.2.2";
pub const TS_JPEG_BASELINE: &str = "1.2.840.10008.1.2.4.50";

/// Byte order and VR explicitness of the bytes being built.
#[derive(Clone, Copy, Debug)]
pub struct Enc {
    pub explicit: bool,
    pub be: bool,
}

pub const IMPLICIT_LE: Enc = Enc {
    explicit: false,
    be: false,
};
pub const EXPLICIT_LE: Enc = Enc {
    explicit: true,
    be: false,
};
pub const EXPLICIT_BE: Enc = Enc {
    explicit: true,
    be: true,
};

/// VRs with 2 reserved bytes and a 32-bit length in explicit VR (PS3.5 7.1.2).
pub fn long_length(vr: &str) -> bool {
    matches!(
        vr,
        "OB" | "OD" | "OF" | "OL" | "OV" | "OW" | "SQ" | "SV" | "UC" | "UN" | "UR" | "UT" | "UV"
    )
}

impl Enc {
    pub fn u16(self, v: u16) -> [u8; 2] {
        if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    pub fn u32(self, v: u32) -> [u8; 4] {
        if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    pub fn tag(self, g: u16, e: u16) -> Vec<u8> {
        [self.u16(g), self.u16(e)].concat()
    }

    /// An element header with the length written as given (16 or 32 bits by VR when explicit).
    pub fn header(self, g: u16, e: u16, vr: &str, len: u32) -> Vec<u8> {
        let mut out = self.tag(g, e);
        if !self.explicit {
            out.extend(self.u32(len));
        } else if long_length(vr) {
            out.extend(vr.as_bytes());
            out.extend([0, 0]);
            out.extend(self.u32(len));
        } else {
            out.extend(vr.as_bytes());
            out.extend(self.u16(u16::try_from(len).expect("16-bit length")));
        }
        out
    }

    /// A complete element with a defined length.
    pub fn elem(self, g: u16, e: u16, vr: &str, value: &[u8]) -> Vec<u8> {
        let mut out = self.header(g, e, vr, value.len() as u32);
        out.extend(value);
        out
    }

    pub fn us(self, g: u16, e: u16, v: &[u16]) -> Vec<u8> {
        let value: Vec<u8> = v.iter().flat_map(|&x| self.u16(x)).collect();
        self.elem(g, e, "US", &value)
    }

    pub fn ul(self, g: u16, e: u16, v: u32) -> Vec<u8> {
        self.elem(g, e, "UL", &self.u32(v))
    }

    /// A text element padded to even length with a space (`\0` for UI).
    pub fn text(self, g: u16, e: u16, vr: &str, s: &str) -> Vec<u8> {
        let pad = if vr == "UI" { 0 } else { b' ' };
        self.elem(g, e, vr, &padded(s, pad))
    }

    /// An item; `defined` writes its length, else it is closed by an item delimiter.
    pub fn item(self, body: &[u8], defined: bool) -> Vec<u8> {
        let mut out = self.tag(0xFFFE, 0xE000);
        if defined {
            out.extend(self.u32(body.len() as u32));
            out.extend(body);
        } else {
            out.extend(self.u32(UNDEFINED));
            out.extend(body);
            out.extend(self.item_delim());
        }
        out
    }

    pub fn item_delim(self) -> Vec<u8> {
        [self.tag(0xFFFE, 0xE00D), self.u32(0).to_vec()].concat()
    }

    pub fn seq_delim(self) -> Vec<u8> {
        [self.tag(0xFFFE, 0xE0DD), self.u32(0).to_vec()].concat()
    }

    /// A sequence of already encoded items, with VR `vr` (SQ, or UN for a UN sequence).
    pub fn seq_vr(self, g: u16, e: u16, vr: &str, items: &[Vec<u8>], defined: bool) -> Vec<u8> {
        let body = items.concat();
        if defined {
            let mut out = self.header(g, e, vr, body.len() as u32);
            out.extend(body);
            out
        } else {
            let mut out = self.header(g, e, vr, UNDEFINED);
            out.extend(body);
            out.extend(self.seq_delim());
            out
        }
    }

    pub fn seq(self, g: u16, e: u16, items: &[Vec<u8>], defined: bool) -> Vec<u8> {
        self.seq_vr(g, e, "SQ", items, defined)
    }

    /// Encapsulated pixel data (7FE0,0010) OB of undefined length: BOT item, then fragments.
    pub fn encapsulated(self, bot: &[u8], fragments: &[&[u8]]) -> Vec<u8> {
        let mut out = self.header(0x7FE0, 0x0010, "OB", UNDEFINED);
        for f in std::iter::once(&bot).chain(fragments) {
            out.extend(self.tag(0xFFFE, 0xE000));
            out.extend(self.u32(f.len() as u32));
            out.extend(*f);
        }
        out.extend(self.seq_delim());
        out
    }
}

pub fn padded(s: &str, pad: u8) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    if v.len() % 2 == 1 {
        v.push(pad);
    }
    v
}

/// The file meta group (always explicit VR little endian).
pub fn meta(ts: &str, group_length: bool) -> Vec<u8> {
    let e = EXPLICIT_LE;
    let body = [
        e.elem(0x0002, 0x0001, "OB", &[0, 1]),
        e.text(0x0002, 0x0002, "UI", "1.2.840.10008.5.1.4.1.1.7"),
        e.text(0x0002, 0x0003, "UI", "1.2.3.4.5.6"),
        e.text(0x0002, 0x0010, "UI", ts),
    ]
    .concat();
    if group_length {
        [e.ul(0x0002, 0x0000, body.len() as u32), body].concat()
    } else {
        body
    }
}

/// A Part 10 file: optional 128-byte preamble, `DICM`, file meta, dataset bytes.
pub fn part10(ts: &str, dataset: &[u8], preamble: bool, group_length: bool) -> Vec<u8> {
    let mut out = if preamble { vec![0u8; 128] } else { Vec::new() };
    out.extend(b"DICM");
    out.extend(meta(ts, group_length));
    out.extend(dataset);
    out
}

// ---------------------------------------------------------------------------------------------
// Parsing and inspection helpers
// ---------------------------------------------------------------------------------------------

pub fn parse_opts(
    bytes: Vec<u8>,
    force: bool,
    stop_before_pixels: bool,
) -> Result<DicomFile, DicomError> {
    parse_source(
        Arc::new(Source::Owned(bytes)),
        ReadOptions {
            force,
            stop_before_pixels,
            ..Default::default()
        },
    )
}

pub fn parse(bytes: Vec<u8>) -> DicomFile {
    parse_opts(bytes, false, false).unwrap_or_else(|e| panic!("parse failed: {e}"))
}

pub fn parse_forced(bytes: Vec<u8>) -> DicomFile {
    parse_opts(bytes, true, false).unwrap_or_else(|e| panic!("parse failed: {e}"))
}

pub fn el(ds: &Dataset, g: u16, e: u16) -> &Element {
    ds.get(Tag(g, e))
        .unwrap_or_else(|| panic!("{} missing from {:?}", Tag(g, e), tags(ds)))
}

pub fn tags(ds: &Dataset) -> Vec<Tag> {
    ds.iter().map(|e| e.tag).collect()
}

pub fn text(ds: &Dataset, g: u16, e: u16) -> Vec<String> {
    text_values(ds, el(ds, g, e))
}

pub fn ints(ds: &Dataset, g: u16, e: u16) -> Vec<i64> {
    match decode(ds, el(ds, g, e)) {
        Value::Ints(v) => v,
        other => panic!("{} is not integers: {other:?}", Tag(g, e)),
    }
}

pub fn items(ds: &Dataset, g: u16, e: u16) -> Vec<Dataset> {
    el(ds, g, e)
        .items()
        .unwrap_or_else(|| panic!("{} is not a sequence", Tag(g, e)))
        .iter()
        .map(|i| i.read().clone())
        .collect()
}

/// A small explicit-or-implicit dataset used by several tests.
pub fn simple_dataset(enc: Enc) -> Vec<u8> {
    [
        enc.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7"),
        enc.text(0x0008, 0x0060, "CS", "OT"),
        enc.text(0x0010, 0x0010, "PN", "Doe^John"),
        enc.us(0x0028, 0x0010, &[512]),
        enc.us(0x0028, 0x0011, &[0x0102]),
        enc.ul(0x0028, 0x9001, 0x0102_0304),
    ]
    .concat()
}

pub fn check_simple_dataset(ds: &Dataset) {
    assert_eq!(
        tags(ds),
        vec![
            Tag(0x0008, 0x0016),
            Tag(0x0008, 0x0060),
            Tag(0x0010, 0x0010),
            Tag(0x0028, 0x0010),
            Tag(0x0028, 0x0011),
            Tag(0x0028, 0x9001),
        ]
    );
    assert_eq!(text(ds, 0x0008, 0x0016), vec!["1.2.840.10008.5.1.4.1.1.7"]);
    assert_eq!(text(ds, 0x0008, 0x0060), vec!["OT"]);
    assert_eq!(text(ds, 0x0010, 0x0010), vec!["Doe^John"]);
    assert_eq!(el(ds, 0x0010, 0x0010).vr, VR::PN);
    assert_eq!(el(ds, 0x0028, 0x0010).vr, VR::US);
    assert_eq!(ints(ds, 0x0028, 0x0010), vec![512]);
    assert_eq!(ints(ds, 0x0028, 0x0011), vec![0x0102]);
    assert_eq!(ints(ds, 0x0028, 0x9001), vec![0x0102_0304]);
}

/// Byte ranges of the interesting structures in [`nested_file`].
pub struct Layout {
    pub seq: usize,
    pub item0_value: usize,
    pub item0_end: usize,
    pub ref_image_seq: usize,
    pub ref_image_end: usize,
    pub item1_value: usize,
    pub item1_end: usize,
    pub seq_end: usize,
}

/// A ~300-byte Part 10 file with nested sequences (explicit VR LE), and where they are.
pub fn nested_file() -> (Vec<u8>, Layout) {
    let e = EXPLICIT_LE;
    let ref_image = e.seq(
        0x0008,
        0x1140,
        &[e.item(
            &[
                e.text(0x0008, 0x1150, "UI", "1.2.840.10008.5.1.4.1.1.2"),
                e.text(0x0008, 0x1155, "UI", "1.2.3.4.5"),
            ]
            .concat(),
            true,
        )],
        true,
    );
    let item0 = e.item(
        &[ref_image.clone(), e.text(0x0020, 0x000E, "UI", "1.2.3.4")].concat(),
        false,
    );
    let item1 = e.item(&e.text(0x0020, 0x000E, "UI", "1.2.3.5"), true);
    let seq = e.seq(0x0008, 0x1115, &[item0.clone(), item1.clone()], false);
    let head = [
        e.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7"),
        e.text(0x0008, 0x0060, "CS", "OT"),
    ]
    .concat();
    let tail = [
        e.text(0x0010, 0x0010, "PN", "Doe^Jane"),
        e.us(0x0028, 0x0010, &[2]),
    ]
    .concat();
    let prefix = part10(TS_EXPLICIT_LE, &head, false, false);
    let seq_at = prefix.len();
    let item0_at = seq_at + 12;
    let item1_at = item0_at + item0.len();
    let layout = Layout {
        seq: seq_at,
        item0_value: item0_at + 8,
        item0_end: item1_at,
        ref_image_seq: item0_at + 8,
        ref_image_end: item0_at + 8 + ref_image.len(),
        item1_value: item1_at + 8,
        item1_end: item1_at + item1.len(),
        seq_end: seq_at + seq.len(),
    };
    let bytes = [prefix, seq, tail].concat();
    (bytes, layout)
}

/// Raw deflate (RFC 1951) of `data`, as Deflated Explicit VR Little Endian stores it.
#[cfg(feature = "deflate")]
pub fn deflate(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// The sample CT the repository ships (examples/sample_ct.dcm).
pub fn sample_ct() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/sample_ct.dcm"
    ))
    .unwrap()
}

/// Truncations of `seed` and single-byte changes (0x00, 0xFF, +1) at about `n` points each.
pub fn byte_variants(seed: &[u8], n: usize) -> Vec<Vec<u8>> {
    let step = (seed.len() / n).max(1);
    let mut out = Vec::new();
    for at in (0..seed.len()).step_by(step) {
        out.push(seed[..at].to_vec());
        for byte in [0x00, 0xFF, seed[at].wrapping_add(1)] {
            let mut v = seed.to_vec();
            v[at] = byte;
            out.push(v);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Seeded random inputs

/// A small deterministic generator (xorshift64*): the same inputs on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// `len` sample bytes of one of four kinds by `case % 4`: noise; (small byte, any byte) pairs,
/// which RLE reads as runs of every length class; a few values repeated; one byte repeated.
pub fn encoder_body(rng: &mut Rng, case: u64, len: usize) -> Vec<u8> {
    match case % 4 {
        0 => (0..len).map(|_| rng.next() as u8).collect(),
        1 => (0..len)
            .map(|i| {
                if i % 2 == 0 {
                    rng.below(3) as u8
                } else {
                    rng.next() as u8
                }
            })
            .collect(),
        2 => (0..len).map(|_| [0u8, 0, 7, 0xFF][rng.below(4)]).collect(),
        _ => vec![rng.next() as u8; 1 + rng.below(3)],
    }
}
