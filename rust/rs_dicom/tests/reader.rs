//! Robustness and structure tests of the reader on byte sequences built by hand.
//!
//! Every input here is encoded by the small helper below (tag, VR, length, value; implicit or
//! explicit VR; little or big endian), so each test states exactly which bytes it feeds in.

#[cfg(feature = "deflate")]
use std::io::Write;
use std::sync::Arc;

use rs_dicom::core::{Dataset, Element, ElementValue, Tag, VR};
use rs_dicom::parser::{
    DicomError, DicomFile, ElementReader, Encoding, ErrorKind, MAX_DEPTH, ReadOptions, Source,
    Token, parse_source,
};
use rs_dicom::value::{Value, decode, text_values, vm};

// ---------------------------------------------------------------------------------------------
// Encoder
// ---------------------------------------------------------------------------------------------

const UNDEFINED: u32 = 0xFFFF_FFFF;

const TS_IMPLICIT_LE: &str = "1.2.840.10008.1.2";
const TS_EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
#[cfg(feature = "deflate")]
const TS_DEFLATED: &str = "1.2.840.10008.1.2.1.99";
const TS_EXPLICIT_BE: &str = "1.2.840.10008.1.2.2";
const TS_JPEG_BASELINE: &str = "1.2.840.10008.1.2.4.50";

/// Byte order and VR explicitness of the bytes being built.
#[derive(Clone, Copy, Debug)]
struct Enc {
    explicit: bool,
    be: bool,
}

const IMPLICIT_LE: Enc = Enc {
    explicit: false,
    be: false,
};
const EXPLICIT_LE: Enc = Enc {
    explicit: true,
    be: false,
};
const EXPLICIT_BE: Enc = Enc {
    explicit: true,
    be: true,
};

/// VRs with 2 reserved bytes and a 32-bit length in explicit VR (PS3.5 7.1.2).
fn long_length(vr: &str) -> bool {
    matches!(
        vr,
        "OB" | "OD" | "OF" | "OL" | "OV" | "OW" | "SQ" | "SV" | "UC" | "UN" | "UR" | "UT" | "UV"
    )
}

impl Enc {
    fn u16(self, v: u16) -> [u8; 2] {
        if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn u32(self, v: u32) -> [u8; 4] {
        if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn tag(self, g: u16, e: u16) -> Vec<u8> {
        [self.u16(g), self.u16(e)].concat()
    }

    /// An element header with the length written as given (16 or 32 bits by VR when explicit).
    fn header(self, g: u16, e: u16, vr: &str, len: u32) -> Vec<u8> {
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
    fn elem(self, g: u16, e: u16, vr: &str, value: &[u8]) -> Vec<u8> {
        let mut out = self.header(g, e, vr, value.len() as u32);
        out.extend(value);
        out
    }

    fn us(self, g: u16, e: u16, v: &[u16]) -> Vec<u8> {
        let value: Vec<u8> = v.iter().flat_map(|&x| self.u16(x)).collect();
        self.elem(g, e, "US", &value)
    }

    fn ul(self, g: u16, e: u16, v: u32) -> Vec<u8> {
        self.elem(g, e, "UL", &self.u32(v))
    }

    /// A text element padded to even length with a space (`\0` for UI).
    fn text(self, g: u16, e: u16, vr: &str, s: &str) -> Vec<u8> {
        let pad = if vr == "UI" { 0 } else { b' ' };
        self.elem(g, e, vr, &padded(s, pad))
    }

    /// An item; `defined` writes its length, else it is closed by an item delimiter.
    fn item(self, body: &[u8], defined: bool) -> Vec<u8> {
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

    fn item_delim(self) -> Vec<u8> {
        [self.tag(0xFFFE, 0xE00D), self.u32(0).to_vec()].concat()
    }

    fn seq_delim(self) -> Vec<u8> {
        [self.tag(0xFFFE, 0xE0DD), self.u32(0).to_vec()].concat()
    }

    /// A sequence of already encoded items, with VR `vr` (SQ, or UN for a UN sequence).
    fn seq_vr(self, g: u16, e: u16, vr: &str, items: &[Vec<u8>], defined: bool) -> Vec<u8> {
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

    fn seq(self, g: u16, e: u16, items: &[Vec<u8>], defined: bool) -> Vec<u8> {
        self.seq_vr(g, e, "SQ", items, defined)
    }

    /// Encapsulated pixel data (7FE0,0010) OB of undefined length: BOT item, then fragments.
    fn encapsulated(self, bot: &[u8], fragments: &[&[u8]]) -> Vec<u8> {
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

fn padded(s: &str, pad: u8) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    if v.len() % 2 == 1 {
        v.push(pad);
    }
    v
}

/// The file meta group (always explicit VR little endian).
fn meta(ts: &str, group_length: bool) -> Vec<u8> {
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
fn part10(ts: &str, dataset: &[u8], preamble: bool, group_length: bool) -> Vec<u8> {
    let mut out = if preamble { vec![0u8; 128] } else { Vec::new() };
    out.extend(b"DICM");
    out.extend(meta(ts, group_length));
    out.extend(dataset);
    out
}

// ---------------------------------------------------------------------------------------------
// Parsing and inspection helpers
// ---------------------------------------------------------------------------------------------

fn parse_opts(
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

fn parse(bytes: Vec<u8>) -> DicomFile {
    parse_opts(bytes, false, false).unwrap_or_else(|e| panic!("parse failed: {e}"))
}

fn parse_forced(bytes: Vec<u8>) -> DicomFile {
    parse_opts(bytes, true, false).unwrap_or_else(|e| panic!("parse failed: {e}"))
}

fn el(ds: &Dataset, g: u16, e: u16) -> &Element {
    ds.get(Tag(g, e))
        .unwrap_or_else(|| panic!("{} missing from {:?}", Tag(g, e), tags(ds)))
}

fn tags(ds: &Dataset) -> Vec<Tag> {
    ds.iter().map(|e| e.tag).collect()
}

fn text(ds: &Dataset, g: u16, e: u16) -> Vec<String> {
    text_values(ds, el(ds, g, e))
}

fn ints(ds: &Dataset, g: u16, e: u16) -> Vec<i64> {
    match decode(ds, el(ds, g, e)) {
        Value::Ints(v) => v,
        other => panic!("{} is not integers: {other:?}", Tag(g, e)),
    }
}

fn items(ds: &Dataset, g: u16, e: u16) -> Vec<Dataset> {
    el(ds, g, e)
        .items()
        .unwrap_or_else(|| panic!("{} is not a sequence", Tag(g, e)))
        .iter()
        .map(|i| i.read().clone())
        .collect()
}

/// A small explicit-or-implicit dataset used by several tests.
fn simple_dataset(enc: Enc) -> Vec<u8> {
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

fn check_simple_dataset(ds: &Dataset) {
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

// ---------------------------------------------------------------------------------------------
// Preamble, DICM and file meta
// ---------------------------------------------------------------------------------------------

#[test]
fn preamble_meta_with_group_length() {
    let data = simple_dataset(EXPLICIT_LE);
    let bytes = part10(TS_EXPLICIT_LE, &data, true, true);
    let data_start = bytes.len() - data.len();
    let f = parse(bytes);
    assert_eq!(f.preamble, Some(0));
    assert_eq!(f.meta.len(), 5);
    assert_eq!(
        ints(&f.meta, 0x0002, 0x0000),
        vec![(meta(TS_EXPLICIT_LE, false).len()) as i64]
    );
    assert_eq!(f.meta.offset(), 132);
    assert_eq!(f.transfer_syntax_uid.as_deref(), Some(TS_EXPLICIT_LE));
    assert!(f.transfer_syntax.explicit_vr && !f.transfer_syntax.big_endian);
    assert_eq!(f.dataset.offset(), data_start);
    assert!(f.dataset.explicit_vr());
    check_simple_dataset(&f);
}

#[test]
fn preamble_meta_without_group_length() {
    let data = simple_dataset(EXPLICIT_LE);
    let f = parse(part10(TS_EXPLICIT_LE, &data, true, false));
    assert_eq!(f.preamble, Some(0));
    assert_eq!(f.meta.len(), 4);
    assert!(!f.meta.contains(Tag(0x0002, 0x0000)));
    assert_eq!(text(&f.meta, 0x0002, 0x0010), vec![TS_EXPLICIT_LE]);
    check_simple_dataset(&f);
}

#[test]
fn dicm_at_offset_zero_without_preamble() {
    let data = simple_dataset(EXPLICIT_LE);
    let bytes = part10(TS_EXPLICIT_LE, &data, false, true);
    let f = parse(bytes);
    assert_eq!(f.preamble, None);
    assert_eq!(f.meta.offset(), 4);
    assert_eq!(f.meta.len(), 5);
    check_simple_dataset(&f);
}

#[test]
fn no_meta_with_force_detects_implicit_le() {
    let f = parse_forced(simple_dataset(IMPLICIT_LE));
    assert!(f.meta.is_empty());
    assert_eq!(f.preamble, None);
    assert_eq!(f.transfer_syntax_uid, None);
    assert!(!f.transfer_syntax.explicit_vr && !f.transfer_syntax.big_endian);
    assert!(!f.dataset.explicit_vr());
    check_simple_dataset(&f);
}

#[test]
fn no_meta_with_force_detects_explicit_le() {
    let f = parse_forced(simple_dataset(EXPLICIT_LE));
    assert!(f.meta.is_empty());
    assert!(f.transfer_syntax.explicit_vr && !f.transfer_syntax.big_endian);
    check_simple_dataset(&f);
}

#[test]
fn no_meta_with_force_detects_explicit_be() {
    let f = parse_forced(simple_dataset(EXPLICIT_BE));
    assert!(f.meta.is_empty());
    assert!(f.transfer_syntax.explicit_vr && f.transfer_syntax.big_endian);
    assert!(f.dataset.big_endian());
    check_simple_dataset(&f);
}

#[test]
fn not_dicom_without_force() {
    // No preamble/DICM: a bare dataset.
    let err = parse_opts(simple_dataset(EXPLICIT_LE), false, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotDicom, "{err}");
    // Junk.
    let err = parse_opts(b"hello, world".to_vec(), false, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotDicom);
    let err = parse_opts(Vec::new(), false, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotDicom);
    // Preamble and DICM but no group 0002.
    let mut bytes = vec![0u8; 128];
    bytes.extend(b"DICM");
    bytes.extend(simple_dataset(EXPLICIT_LE));
    let err = parse_opts(bytes.clone(), false, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotDicom);
    // ... which force reads.
    let f = parse_forced(bytes);
    assert_eq!(f.preamble, Some(0));
    check_simple_dataset(&f);
}

#[test]
fn unknown_transfer_syntax_is_an_error() {
    let bytes = part10("1.2.3.4", &simple_dataset(EXPLICIT_LE), true, true);
    let err = parse_opts(bytes, false, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnsupportedTransferSyntax);
    assert!(err.to_string().contains("1.2.3.4"));
}

// ---------------------------------------------------------------------------------------------
// Transfer syntaxes
// ---------------------------------------------------------------------------------------------

#[test]
fn implicit_vr_little_endian() {
    let f = parse(part10(
        TS_IMPLICIT_LE,
        &simple_dataset(IMPLICIT_LE),
        true,
        true,
    ));
    assert!(!f.transfer_syntax.explicit_vr);
    assert!(!f.dataset.explicit_vr());
    // VRs come from the dictionary.
    assert_eq!(el(&f, 0x0008, 0x0060).vr, VR::CS);
    assert_eq!(el(&f, 0x0028, 0x9001).vr, VR::UL);
    check_simple_dataset(&f);
}

#[test]
fn explicit_vr_little_endian() {
    let f = parse(part10(
        TS_EXPLICIT_LE,
        &simple_dataset(EXPLICIT_LE),
        true,
        true,
    ));
    assert!(f.dataset.explicit_vr() && !f.dataset.big_endian());
    check_simple_dataset(&f);
}

#[test]
fn explicit_vr_big_endian() {
    let f = parse(part10(
        TS_EXPLICIT_BE,
        &simple_dataset(EXPLICIT_BE),
        true,
        true,
    ));
    assert!(f.transfer_syntax.big_endian);
    assert!(f.dataset.explicit_vr() && f.dataset.big_endian());
    check_simple_dataset(&f);
    // The raw bytes really are big endian.
    assert_eq!(f.raw(Tag(0x0028, 0x0010)), Some(&[0x02, 0x00][..]));
}

#[cfg(feature = "deflate")]
fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

#[test]
#[cfg(feature = "deflate")]
fn deflated_explicit_vr_little_endian() {
    let e = EXPLICIT_LE;
    let data = [
        simple_dataset(e),
        e.seq(
            0x0008,
            0x1115,
            &[e.item(&e.text(0x0020, 0x000E, "UI", "1.2.3"), false)],
            false,
        ),
    ]
    .concat();
    let compressed = deflate(&data);
    assert_ne!(compressed, data);
    let f = parse(part10(TS_DEFLATED, &compressed, true, true));
    assert!(f.transfer_syntax.deflated);
    assert_eq!(f.transfer_syntax_uid.as_deref(), Some(TS_DEFLATED));
    // Spans point into the inflated buffer, which starts with the dataset.
    assert_eq!(f.dataset.offset(), 0);
    assert_eq!(f.dataset.source().len(), data.len());
    let seq = items(&f, 0x0008, 0x1115);
    assert_eq!(seq.len(), 1);
    assert_eq!(text(&seq[0], 0x0020, 0x000E), vec!["1.2.3"]);
    assert_eq!(f.len(), 7);
}

#[test]
#[cfg(feature = "deflate")]
fn deflated_garbage_is_malformed() {
    let bytes = part10(TS_DEFLATED, &[0xFF; 64], true, true);
    let err = parse_opts(bytes, false, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Malformed, "{err}");
    assert!(err.to_string().contains("byte offset"), "{err}");
}

fn encapsulated_file(bot: &[u8], fragments: &[&[u8]]) -> Vec<u8> {
    let e = EXPLICIT_LE;
    let data = [
        e.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7"),
        e.us(0x0028, 0x0100, &[8]),
        e.encapsulated(bot, fragments),
    ]
    .concat();
    part10(TS_JPEG_BASELINE, &data, true, true)
}

#[test]
fn compressed_syntax_empty_offset_table() {
    let frags: [&[u8]; 3] = [b"\xFF\xD8ab", b"cdef", b"\xFF\xD9"];
    let f = parse(encapsulated_file(&[], &frags));
    assert!(f.transfer_syntax.encapsulated);
    let px = el(&f, 0x7FE0, 0x0010);
    assert_eq!(px.vr, VR::OB);
    assert_eq!(px.length, None);
    let ElementValue::Encapsulated {
        offset_table,
        fragments,
        ..
    } = &px.value
    else {
        panic!("not encapsulated: {:?}", px.value);
    };
    assert_eq!(offset_table.len, 0);
    assert_eq!(fragments.len(), 3);
    for (frag, want) in fragments.iter().zip(frags) {
        assert_eq!(f.fragment_bytes(px, frag), want);
    }
    assert!(matches!(decode(&f, px), Value::Encapsulated));
    assert_eq!(vm(&f, px), 1);
}

#[test]
fn compressed_syntax_offset_table_and_fragments() {
    let frags: [&[u8]; 2] = [b"frame-one", b"frame-two!"];
    // Two frames at offsets 0 and 8 + 10 (item header + padded first fragment).
    let bot: Vec<u8> = [0u32, 18].iter().flat_map(|v| v.to_le_bytes()).collect();
    let frags_padded: [&[u8]; 2] = [b"frame-one\0", frags[1]];
    let f = parse(encapsulated_file(&bot, &frags_padded));
    let px = el(&f, 0x7FE0, 0x0010);
    let ElementValue::Encapsulated {
        offset_table,
        fragments,
        ..
    } = &px.value
    else {
        panic!("not encapsulated");
    };
    assert_eq!(f.fragment_bytes(px, offset_table), &bot[..]);
    assert_eq!(fragments.len(), 2);
    assert_eq!(f.fragment_bytes(px, &fragments[0]), b"frame-one\0");
    assert_eq!(f.fragment_bytes(px, &fragments[1]), b"frame-two!");
    // The element after the pixel data is not needed: the dataset ends with the delimiter.
    assert_eq!(f.len(), 3);
}

#[test]
fn encapsulated_data_cut_after_its_header_has_an_in_bounds_offset_table() {
    // Found by the fuzzer (crash-cd32c8cf): implicit VR, (7FE0,0010) of undefined length and
    // the data ends right after its header. The empty offset table's span pointed 4 bytes
    // past the end of the source.
    let fuzzed: &[u8] = b"\xd1\xff\0\0\0\0\0\0\xe0\x7f\x10\0\xff\xff\xff\xff";
    let i = IMPLICIT_LE;
    let built = [
        i.text(0x0008, 0x0060, "CS", "OT"),
        i.header(0x7FE0, 0x0010, "OB", UNDEFINED),
    ]
    .concat();
    for bytes in [fuzzed.to_vec(), built] {
        let len = bytes.len();
        let f = parse_forced(bytes);
        let px = el(&f, 0x7FE0, 0x0010);
        let ElementValue::Encapsulated {
            offset_table,
            fragments,
            ..
        } = &px.value
        else {
            panic!("not encapsulated: {:?}", px.value);
        };
        assert!(fragments.is_empty());
        assert_eq!(offset_table.len, 0);
        assert!(
            offset_table.offset + offset_table.len <= len,
            "{offset_table:?} beyond {len}"
        );
        assert!(f.fragment_bytes(px, offset_table).is_empty());
    }
}

#[test]
fn encapsulated_fragment_with_undefined_length_is_malformed() {
    let e = EXPLICIT_LE;
    let mut data = e.header(0x7FE0, 0x0010, "OB", UNDEFINED);
    data.extend(e.tag(0xFFFE, 0xE000));
    data.extend(e.u32(UNDEFINED));
    data.extend([0u8; 16]);
    let err = parse_opts(part10(TS_JPEG_BASELINE, &data, true, true), false, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Malformed, "{err}");
    assert!(err.to_string().contains("(7FE0,0010)"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Lengths and VRs
// ---------------------------------------------------------------------------------------------

#[test]
fn sixteen_and_thirty_two_bit_lengths() {
    let e = EXPLICIT_LE;
    let long_text = "x".repeat(70_000); // only representable with a 32-bit length
    let data = [
        e.text(0x0008, 0x0070, "LO", "Maker"),
        e.text(0x0008, 0x0119, "UC", "long code value"),
        e.text(0x0008, 0x0120, "UR", "http://example.invalid/"),
        e.elem(0x0009, 0x1002, "OL", &1u32.to_le_bytes()),
        e.elem(0x0009, 0x1003, "SV", &(-5i64).to_le_bytes()),
        e.elem(0x0009, 0x1004, "UV", &7u64.to_le_bytes()),
        e.elem(0x0009, 0x1005, "OW", &[1, 0, 2, 0]),
        e.text(0x0018, 0x1030, "LO", "Protocol"),
        e.text(0x0020, 0x4000, "LT", "Comments"),
        e.text(0x0040, 0xA160, "UT", &long_text),
        e.elem(0x7FE0, 0x0010, "OB", &[9, 8, 7, 6]),
    ]
    .concat();
    let f = parse(part10(TS_EXPLICIT_LE, &data, true, true));
    assert_eq!(f.len(), 11);
    assert_eq!(text(&f, 0x0008, 0x0070), vec!["Maker"]);
    assert_eq!(text(&f, 0x0008, 0x0119), vec!["long code value"]);
    assert_eq!(text(&f, 0x0008, 0x0120), vec!["http://example.invalid/"]);
    assert_eq!(el(&f, 0x0009, 0x1002).vr, VR::OL);
    assert_eq!(ints(&f, 0x0009, 0x1003), vec![-5]);
    assert!(matches!(decode(&f, el(&f, 0x0009, 0x1004)), Value::UInts(v) if v == [7]));
    assert_eq!(f.raw(Tag(0x0009, 0x1005)), Some(&[1, 0, 2, 0][..]));
    assert_eq!(text(&f, 0x0018, 0x1030), vec!["Protocol"]);
    assert_eq!(text(&f, 0x0020, 0x4000), vec!["Comments"]);
    let ut = el(&f, 0x0040, 0xA160);
    assert_eq!(ut.length, Some(70_000));
    assert_eq!(text_values(&f, ut)[0].len(), 70_000);
    assert_eq!(f.raw(Tag::PIXEL_DATA), Some(&[9, 8, 7, 6][..]));
    assert_eq!(el(&f, 0x7FE0, 0x0010).vr, VR::OB);
}

#[test]
fn unknown_upper_case_vr_reads_sixteen_bit_length_as_un() {
    let e = EXPLICIT_LE;
    let mut data = e.text(0x0008, 0x0060, "CS", "OT");
    data.extend(e.tag(0x0009, 0x1010));
    data.extend(b"ZZ");
    data.extend(e.u16(4));
    data.extend(b"abcd");
    data.extend(e.text(0x0010, 0x0010, "PN", "Doe"));
    let f = parse(part10(TS_EXPLICIT_LE, &data, true, true));
    assert_eq!(el(&f, 0x0009, 0x1010).vr, VR::UN);
    assert_eq!(f.raw(Tag(0x0009, 0x1010)), Some(&b"abcd"[..]));
    assert_eq!(text(&f, 0x0010, 0x0010), vec!["Doe"]);
}

#[test]
fn odd_lengths() {
    for enc in [IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE] {
        let data = [
            enc.elem(0x0008, 0x0070, "LO", b"abc"),
            enc.elem(0x0010, 0x0010, "PN", b"Doe^J"),
            enc.us(0x0028, 0x0010, &[3]),
        ]
        .concat();
        let f = parse_forced(data);
        assert_eq!(el(&f, 0x0008, 0x0070).length, Some(3));
        assert_eq!(text(&f, 0x0008, 0x0070), vec!["abc"]);
        assert_eq!(text(&f, 0x0010, 0x0010), vec!["Doe^J"]);
        assert_eq!(ints(&f, 0x0028, 0x0010), vec![3], "{enc:?}");
    }
}

#[test]
fn multi_valued_and_empty_values() {
    let e = EXPLICIT_LE;
    let data = [
        e.text(0x0008, 0x0008, "CS", "ORIGINAL\\PRIMARY\\AXIAL"),
        e.elem(0x0008, 0x0070, "LO", b""),
        e.us(0x0028, 0x0010, &[1, 2, 3]),
        e.text(0x0028, 0x0030, "DS", "0.5\\0.25"),
    ]
    .concat();
    let f = parse(part10(TS_EXPLICIT_LE, &data, true, true));
    assert_eq!(
        text(&f, 0x0008, 0x0008),
        vec!["ORIGINAL", "PRIMARY", "AXIAL"]
    );
    assert_eq!(vm(&f, el(&f, 0x0008, 0x0008)), 3);
    assert!(matches!(decode(&f, el(&f, 0x0008, 0x0070)), Value::Empty));
    assert_eq!(vm(&f, el(&f, 0x0008, 0x0070)), 0);
    assert_eq!(ints(&f, 0x0028, 0x0010), vec![1, 2, 3]);
    assert_eq!(vm(&f, el(&f, 0x0028, 0x0010)), 3);
    assert_eq!(vm(&f, el(&f, 0x0028, 0x0030)), 2);
}

// ---------------------------------------------------------------------------------------------
// Sequences
// ---------------------------------------------------------------------------------------------

#[test]
fn undefined_length_sequence_and_items() {
    for enc in [IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE] {
        let data = [
            enc.text(0x0008, 0x0016, "UI", "1.2"),
            enc.seq(
                0x0008,
                0x1115,
                &[
                    enc.item(&enc.text(0x0020, 0x000E, "UI", "1.2.3"), false),
                    enc.item(
                        &[
                            enc.text(0x0008, 0x0060, "CS", "CT"),
                            enc.text(0x0020, 0x000E, "UI", "1.2.4"),
                        ]
                        .concat(),
                        false,
                    ),
                    enc.item(&[], false),
                ],
                false,
            ),
            enc.text(0x0010, 0x0010, "PN", "After^Seq"),
        ]
        .concat();
        let f = parse_forced(data);
        assert_eq!(f.len(), 3, "{enc:?}");
        let sq = el(&f, 0x0008, 0x1115);
        assert_eq!(sq.vr, VR::SQ);
        assert_eq!(sq.length, None);
        assert_eq!(vm(&f, sq), 1, "a sequence is one value, as in pydicom");
        let it = items(&f, 0x0008, 0x1115);
        assert_eq!(it.len(), 3);
        assert_eq!(text(&it[0], 0x0020, 0x000E), vec!["1.2.3"]);
        assert_eq!(text(&it[1], 0x0008, 0x0060), vec!["CT"]);
        assert_eq!(text(&it[1], 0x0020, 0x000E), vec!["1.2.4"]);
        assert!(it[2].is_empty());
        assert_eq!(it[1].big_endian(), enc.be);
        assert_eq!(it[1].explicit_vr(), enc.explicit);
        assert_eq!(text(&f, 0x0010, 0x0010), vec!["After^Seq"]);
    }
}

#[test]
fn defined_length_sequence_and_items() {
    for enc in [IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE] {
        let item0 = enc.item(&enc.text(0x0020, 0x000E, "UI", "1.2.3"), true);
        let item1 = enc.item(&enc.us(0x0028, 0x0010, &[7]), true);
        let data = [
            enc.seq(0x0008, 0x1115, &[item0.clone(), item1.clone()], true),
            enc.text(0x0010, 0x0010, "PN", "After^Seq"),
        ]
        .concat();
        let f = parse_forced(data);
        let sq = el(&f, 0x0008, 0x1115);
        assert_eq!(sq.length, Some((item0.len() + item1.len()) as u32));
        let it = items(&f, 0x0008, 0x1115);
        assert_eq!(it.len(), 2, "{enc:?}");
        assert_eq!(text(&it[0], 0x0020, 0x000E), vec!["1.2.3"]);
        assert_eq!(ints(&it[1], 0x0028, 0x0010), vec![7]);
        assert_eq!(text(&f, 0x0010, 0x0010), vec!["After^Seq"]);
        // Empty defined-length sequence.
        let f = parse_forced(enc.seq(0x0008, 0x1115, &[], true));
        assert_eq!(items(&f, 0x0008, 0x1115).len(), 0);
    }
}

#[test]
fn nested_sequences_three_deep() {
    for enc in [IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE] {
        // ContentSequence > ContentSequence > ContentSequence > TextValue, alternating
        // defined and undefined lengths.
        let level3 = enc.seq(
            0x0040,
            0xA730,
            &[enc.item(&enc.text(0x0040, 0xA160, "UT", "deep"), true)],
            false,
        );
        let level2 = enc.seq(0x0040, 0xA730, &[enc.item(&level3, false)], true);
        let level1 = enc.seq(
            0x0040,
            0xA730,
            &[
                enc.item(&level2, true),
                enc.item(&enc.text(0x0040, 0xA160, "UT", "shallow"), false),
            ],
            false,
        );
        let data = [level1, enc.text(0x0040, 0xA040, "CS", "TEXT")].concat();
        let f = parse_forced(data);
        let l1 = items(&f, 0x0040, 0xA730);
        assert_eq!(l1.len(), 2);
        assert_eq!(text(&l1[1], 0x0040, 0xA160), vec!["shallow"]);
        let l2 = items(&l1[0], 0x0040, 0xA730);
        assert_eq!(l2.len(), 1);
        let l3 = items(&l2[0], 0x0040, 0xA730);
        assert_eq!(l3.len(), 1);
        assert_eq!(text(&l3[0], 0x0040, 0xA160), vec!["deep"], "{enc:?}");
        assert_eq!(text(&f, 0x0040, 0xA040), vec!["TEXT"]);
    }
}

#[test]
fn implicit_defined_length_sequence_found_via_dictionary() {
    let enc = IMPLICIT_LE;
    let inner = enc.text(0x0020, 0x000E, "UI", "1.2.3.4");
    let data = [
        enc.text(0x0008, 0x0016, "UI", "1.2"),
        // (0008,1115) ReferencedSeriesSequence with a defined length: only the dictionary
        // says it is a sequence.
        enc.seq(0x0008, 0x1115, &[enc.item(&inner, true)], true),
        enc.text(0x0010, 0x0010, "PN", "Doe"),
    ]
    .concat();
    let f = parse(part10(TS_IMPLICIT_LE, &data, true, true));
    let sq = el(&f, 0x0008, 0x1115);
    assert_eq!(sq.vr, VR::SQ);
    let it = items(&f, 0x0008, 0x1115);
    assert_eq!(it.len(), 1);
    assert_eq!(text(&it[0], 0x0020, 0x000E), vec!["1.2.3.4"]);
    assert_eq!(el(&it[0], 0x0020, 0x000E).vr, VR::UI);
    assert_eq!(text(&f, 0x0010, 0x0010), vec!["Doe"]);
}

#[test]
fn implicit_undefined_length_unknown_tag_is_a_sequence() {
    // A private tag with undefined length in implicit VR can only be a sequence.
    let enc = IMPLICIT_LE;
    let data = [
        enc.text(0x0009, 0x0010, "LO", "ACME"),
        enc.seq(
            0x0009,
            0x1001,
            &[enc.item(&enc.text(0x0010, 0x0010, "PN", "In^Private"), false)],
            false,
        ),
    ]
    .concat();
    let f = parse_forced(data);
    let it = items(&f, 0x0009, 0x1001);
    assert_eq!(text(&it[0], 0x0010, 0x0010), vec!["In^Private"]);
}

#[test]
fn un_with_undefined_length_is_an_implicit_vr_sequence() {
    for outer in [EXPLICIT_LE, EXPLICIT_BE] {
        // Items of a UN sequence are implicit VR little endian, whatever the outer encoding.
        let inner = IMPLICIT_LE;
        let item = inner.item(
            &[
                inner.text(0x0008, 0x0100, "SH", "CODE"),
                inner.us(0x0028, 0x0010, &[0x0201]),
            ]
            .concat(),
            false,
        );
        let mut un = outer.header(0x0009, 0x1001, "UN", UNDEFINED);
        un.extend(item);
        un.extend(inner.seq_delim());
        let data = [
            outer.text(0x0009, 0x0010, "LO", "ACME"),
            un,
            outer.text(0x0010, 0x0010, "PN", "After"),
        ]
        .concat();
        let f = parse_forced(data);
        let sq = el(&f, 0x0009, 0x1001);
        assert_eq!(sq.vr, VR::SQ);
        let it = items(&f, 0x0009, 0x1001);
        assert_eq!(it.len(), 1);
        assert!(!it[0].explicit_vr());
        assert!(!it[0].big_endian());
        assert_eq!(text(&it[0], 0x0008, 0x0100), vec!["CODE"]);
        assert_eq!(ints(&it[0], 0x0028, 0x0010), vec![0x0201], "{outer:?}");
        assert_eq!(text(&f, 0x0010, 0x0010), vec!["After"]);
    }
}

#[test]
fn un_with_defined_length_and_sq_in_dictionary_is_a_sequence() {
    let outer = EXPLICIT_LE;
    let inner = IMPLICIT_LE;
    let item = inner.item(&inner.text(0x0020, 0x000E, "UI", "1.2.3"), true);
    let data = outer.seq_vr(0x0008, 0x1115, "UN", &[item], true);
    let f = parse_forced(data);
    let it = items(&f, 0x0008, 0x1115);
    assert_eq!(it.len(), 1);
    assert_eq!(text(&it[0], 0x0020, 0x000E), vec!["1.2.3"]);
}

#[test]
fn private_tags_and_creators() {
    let enc = IMPLICIT_LE;
    let data = [
        enc.text(0x0008, 0x0060, "CS", "MR"),
        enc.text(0x0009, 0x0010, "LO", "ACME 1.0"),
        enc.text(0x0009, 0x0011, "LO", "OTHER"),
        enc.elem(0x0009, 0x1001, "UN", &[1, 2, 3, 4]),
        enc.elem(0x0009, 0x1101, "UN", b"xy"),
        enc.text(0x0010, 0x0010, "PN", "Doe"),
    ]
    .concat();
    let f = parse(part10(TS_IMPLICIT_LE, &data, true, true));
    // Private creators are LO in implicit VR; other private elements are UN.
    assert_eq!(el(&f, 0x0009, 0x0010).vr, VR::LO);
    assert_eq!(text(&f, 0x0009, 0x0010), vec!["ACME 1.0"]);
    assert_eq!(text(&f, 0x0009, 0x0011), vec!["OTHER"]);
    assert_eq!(el(&f, 0x0009, 0x1001).vr, VR::UN);
    assert!(matches!(decode(&f, el(&f, 0x0009, 0x1001)), Value::Bytes(b) if b == [1, 2, 3, 4]));
    assert_eq!(f.raw(Tag(0x0009, 0x1101)), Some(&b"xy"[..]));
    assert!(Tag(0x0009, 0x0010).is_private_creator());

    // Explicit VR keeps the encoded VRs.
    let e = EXPLICIT_LE;
    let data = [
        e.text(0x0009, 0x0010, "LO", "ACME 1.0"),
        e.elem(0x0009, 0x1001, "OB", &[1, 2]),
        e.us(0x0009, 0x1002, &[5]),
    ]
    .concat();
    let f = parse(part10(TS_EXPLICIT_LE, &data, true, true));
    assert_eq!(el(&f, 0x0009, 0x1001).vr, VR::OB);
    assert_eq!(ints(&f, 0x0009, 0x1002), vec![5]);
}

#[test]
fn elements_out_of_order_are_sorted_and_last_duplicate_wins() {
    for enc in [IMPLICIT_LE, EXPLICIT_LE] {
        let data = [
            enc.text(0x0010, 0x0020, "LO", "ID1"),
            enc.text(0x0010, 0x0010, "PN", "First"),
            enc.text(0x0008, 0x0060, "CS", "CT"),
            enc.text(0x0010, 0x0010, "PN", "Second"),
            enc.seq(
                0x0008,
                0x1115,
                &[enc.item(
                    &[
                        enc.text(0x0020, 0x000E, "UI", "9.9"),
                        enc.text(0x0008, 0x0060, "CS", "MR"),
                        enc.text(0x0020, 0x000E, "UI", "1.1"),
                    ]
                    .concat(),
                    false,
                )],
                false,
            ),
        ]
        .concat();
        let f = parse_forced(data);
        assert_eq!(
            tags(&f),
            vec![
                Tag(0x0008, 0x0060),
                Tag(0x0008, 0x1115),
                Tag(0x0010, 0x0010),
                Tag(0x0010, 0x0020),
            ],
            "{enc:?}"
        );
        assert_eq!(text(&f, 0x0010, 0x0010), vec!["Second"]);
        let it = items(&f, 0x0008, 0x1115);
        assert_eq!(tags(&it[0]), vec![Tag(0x0008, 0x0060), Tag(0x0020, 0x000E)]);
        assert_eq!(text(&it[0], 0x0020, 0x000E), vec!["1.1"]);
    }
}

// ---------------------------------------------------------------------------------------------
// stop_before_pixels
// ---------------------------------------------------------------------------------------------

#[test]
fn stop_before_pixels_never_reads_the_pixel_element() {
    for (enc, ts) in [
        (EXPLICIT_LE, TS_EXPLICIT_LE),
        (IMPLICIT_LE, TS_IMPLICIT_LE),
        (EXPLICIT_BE, TS_EXPLICIT_BE),
    ] {
        let head = [
            enc.text(0x0010, 0x0010, "PN", "Doe"),
            enc.us(0x0028, 0x0010, &[4]),
        ]
        .concat();
        for garbage in [
            &b""[..],
            b"\x01",
            b"Q",
            b"\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF",
            b"OB\0\0\xF0\xFF\xFF\xFF",
            b"SQ\0\0\xFF\xFF\xFF\xFFjunkjunkjunk",
        ] {
            let mut data = head.clone();
            data.extend(enc.tag(0x7FE0, 0x0010));
            data.extend(garbage);
            let bytes = part10(ts, &data, true, true);
            let f = parse_opts(bytes.clone(), false, true)
                .unwrap_or_else(|e| panic!("{enc:?} {garbage:?}: {e}"));
            assert!(!f.contains(Tag::PIXEL_DATA));
            assert_eq!(f.len(), 2);
            assert_eq!(ints(&f, 0x0028, 0x0010), vec![4]);
            // Without stop_before_pixels the garbage is read: an error of the whole read, or
            // pixel data cut short whose error waits for the pixels to be used.
            if garbage.len() >= 8 {
                match parse_opts(bytes, false, false) {
                    Err(_) => {}
                    Ok(f) => assert!(
                        f.get(Tag::PIXEL_DATA)
                            .is_some_and(|e| e.truncation().is_some()),
                        "{garbage:?}"
                    ),
                }
            }
        }
    }
}

#[test]
fn stop_before_pixels_only_at_top_level() {
    let e = EXPLICIT_LE;
    // A (7FE0,0010) inside an item (e.g. an icon) does not stop the read.
    let icon = e.seq(
        0x0088,
        0x0200,
        &[e.item(&e.elem(0x7FE0, 0x0010, "OB", &[1, 2]), false)],
        false,
    );
    let data = [
        e.us(0x0028, 0x0010, &[4]),
        icon,
        e.elem(0x7FE0, 0x0010, "OB", &[0; 4]),
    ]
    .concat();
    let f = parse_opts(part10(TS_EXPLICIT_LE, &data, true, true), false, true).unwrap();
    assert!(!f.contains(Tag::PIXEL_DATA));
    let it = items(&f, 0x0088, 0x0200);
    assert_eq!(it[0].raw(Tag::PIXEL_DATA), Some(&[1, 2][..]));
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Byte ranges of the interesting structures in [`nested_file`].
struct Layout {
    seq: usize,
    item0_value: usize,
    item0_end: usize,
    ref_image_seq: usize,
    ref_image_end: usize,
    item1_value: usize,
    item1_end: usize,
    seq_end: usize,
}

/// A ~300-byte Part 10 file with nested sequences (explicit VR LE), and where they are.
fn nested_file() -> (Vec<u8>, Layout) {
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

#[test]
fn nested_file_parses() {
    let (bytes, _) = nested_file();
    assert!((250..400).contains(&bytes.len()), "{}", bytes.len());
    let f = parse(bytes);
    let it = items(&f, 0x0008, 0x1115);
    assert_eq!(it.len(), 2);
    let refs = items(&it[0], 0x0008, 0x1140);
    assert_eq!(text(&refs[0], 0x0008, 0x1155), vec!["1.2.3.4.5"]);
    assert_eq!(text(&it[1], 0x0020, 0x000E), vec!["1.2.3.5"]);
    assert_eq!(ints(&f, 0x0028, 0x0010), vec![2]);
}

#[test]
fn truncation_at_every_offset_never_panics() {
    let (bytes, l) = nested_file();
    let mut errors = 0;
    for cut in 0..bytes.len() {
        let result = std::panic::catch_unwind(|| parse_opts(bytes[..cut].to_vec(), false, false));
        let result = result.unwrap_or_else(|_| panic!("panic when cut at {cut}"));
        let Err(err) = result else { continue };
        errors += 1;
        let msg = err.to_string();
        // Before `DICM` + the first meta group number, it is simply not a DICOM file.
        if cut < 4 + 2 {
            assert_eq!(err.kind, ErrorKind::NotDicom, "cut {cut}: {msg}");
            continue;
        }
        assert!(
            matches!(err.kind, ErrorKind::Truncated | ErrorKind::Malformed),
            "cut {cut}: {:?} {msg}",
            err.kind
        );
        assert!(msg.contains("byte offset"), "cut {cut}: {msg}");
        let off = err.offset.expect("offset") as usize;
        assert!(off <= cut, "cut {cut}: offset {off} beyond the data: {msg}");
        if cut > l.seq + 4 && cut < l.seq_end {
            assert!(msg.contains("(0008,1115)"), "cut {cut}: {msg}");
        }
        if cut >= l.item0_value && cut < l.item0_end {
            assert!(msg.contains("(0008,1115)[0]"), "cut {cut}: {msg}");
        }
        if cut > l.ref_image_seq + 4 && cut < l.ref_image_end {
            assert!(
                msg.contains("(0008,1115)[0].(0008,1140)"),
                "cut {cut}: {msg}"
            );
        }
        if cut >= l.item1_value && cut < l.item1_end {
            assert!(msg.contains("(0008,1115)[1]"), "cut {cut}: {msg}");
        }
    }
    assert!(errors > bytes.len() / 2, "only {errors} errors");
}

#[test]
fn truncation_of_forced_implicit_dataset_never_panics() {
    let enc = IMPLICIT_LE;
    let data = [
        enc.text(0x0008, 0x0016, "UI", "1.2"),
        enc.seq(
            0x0008,
            0x1115,
            &[
                enc.item(
                    &enc.seq(
                        0x0008,
                        0x1140,
                        &[enc.item(&enc.text(0x0008, 0x1155, "UI", "1.2.3"), true)],
                        true,
                    ),
                    false,
                ),
                enc.item(&enc.text(0x0020, 0x000E, "UI", "1.2.3"), true),
            ],
            true,
        ),
        enc.text(0x0010, 0x0010, "PN", "Doe"),
    ]
    .concat();
    parse_forced(data.clone());
    for cut in 0..data.len() {
        let result = std::panic::catch_unwind(|| parse_opts(data[..cut].to_vec(), true, false))
            .unwrap_or_else(|_| panic!("panic when cut at {cut}"));
        if let Err(err) = result {
            assert!(
                matches!(err.kind, ErrorKind::Truncated | ErrorKind::Malformed),
                "cut {cut}: {err}"
            );
            assert!(err.to_string().contains("byte offset"), "cut {cut}: {err}");
        }
    }
}

#[test]
fn huge_lengths_are_errors_not_allocations() {
    const HUGE: u32 = 0xFFFF_FFF0;
    let e = EXPLICIT_LE;
    let i = IMPLICIT_LE;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("explicit OB value", e.header(0x0009, 0x1001, "OB", HUGE)),
        ("implicit value", i.header(0x0010, 0x0010, "PN", HUGE)),
        (
            "explicit defined-length SQ",
            e.header(0x0008, 0x1115, "SQ", HUGE),
        ),
        (
            "implicit defined-length SQ",
            i.header(0x0008, 0x1115, "SQ", HUGE),
        ),
        (
            "item",
            [
                e.header(0x0008, 0x1115, "SQ", UNDEFINED),
                e.tag(0xFFFE, 0xE000),
                e.u32(HUGE).to_vec(),
            ]
            .concat(),
        ),
        (
            "fragment",
            [
                e.header(0x7FE0, 0x0010, "OB", UNDEFINED),
                e.tag(0xFFFE, 0xE000),
                e.u32(HUGE).to_vec(),
            ]
            .concat(),
        ),
    ];
    for (what, body) in cases {
        let mut data = e.text(0x0008, 0x0060, "CS", "OT");
        if what.starts_with("implicit") {
            data = i.text(0x0008, 0x0060, "CS", "OT");
        }
        data.extend(body);
        data.extend([0u8; 32]);
        let err = if what == "fragment" {
            // Pixel data the data ends inside of: the header reads, the pixels carry the
            // error for when they are used.
            let f = parse_opts(data, true, false).expect(what);
            f.get(Tag::PIXEL_DATA)
                .and_then(|e| e.truncation().cloned())
                .expect("a truncated pixel data element")
        } else {
            parse_opts(data, true, false).expect_err(what)
        };
        assert!(
            matches!(err.kind, ErrorKind::Truncated | ErrorKind::Malformed),
            "{what}: {err}"
        );
        assert!(err.to_string().contains("byte offset"), "{what}: {err}");
    }
}

#[test]
fn item_longer_than_its_sequence_is_malformed() {
    let e = EXPLICIT_LE;
    // The sequence says 16 bytes; its item claims 100.
    let mut data = e.header(0x0008, 0x1115, "SQ", 16);
    data.extend(e.tag(0xFFFE, 0xE000));
    data.extend(e.u32(100));
    data.extend([0u8; 8]);
    data.extend([0u8; 200]);
    let err = parse_opts(data, true, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Malformed, "{err}");
    assert!(err.to_string().contains("(0008,1115)"), "{err}");
}

#[test]
fn error_in_an_item_length_names_that_item() {
    let e = EXPLICIT_LE;
    // Item [0] is fine; item [1] claims more bytes than the data has.
    let data = [
        e.header(0x0008, 0x1115, "SQ", UNDEFINED),
        e.item(&e.text(0x0020, 0x000E, "UI", "1.2"), true),
        e.tag(0xFFFE, 0xE000),
        e.u32(1000).to_vec(),
        e.text(0x0020, 0x000E, "UI", "1.3"),
    ]
    .concat();
    let err = parse_opts(data, true, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Truncated, "{err}");
    assert_eq!(err.path, "(0008,1115)[1]", "{err}");
}

#[test]
fn non_item_tag_in_sequence_is_malformed() {
    let e = EXPLICIT_LE;
    let data = [
        e.header(0x0008, 0x1115, "SQ", UNDEFINED),
        e.text(0x0010, 0x0010, "PN", "NotAnItem"),
        e.seq_delim(),
    ]
    .concat();
    let err = parse_opts(data, true, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Malformed, "{err}");
    assert!(err.to_string().contains("(0008,1115)"), "{err}");
}

/// `depth` sequences nested in each other, each with one undefined-length item.
fn nested_to(depth: usize) -> Vec<u8> {
    let e = EXPLICIT_LE;
    // Everything has undefined length, so the encoding is linear: `depth` (sequence, item)
    // headers, the innermost element, then `depth` (item, sequence) delimiters.
    let open = [
        e.header(0x0040, 0xA730, "SQ", UNDEFINED),
        e.tag(0xFFFE, 0xE000),
        e.u32(UNDEFINED).to_vec(),
    ]
    .concat();
    let close = [e.item_delim(), e.seq_delim()].concat();
    let mut out = open.repeat(depth);
    out.extend(e.text(0x0040, 0xA160, "UT", "bottom"));
    out.extend(close.repeat(depth));
    out
}

#[test]
fn nesting_up_to_max_depth_is_accepted() {
    // The linear encoding equals the nested one.
    let e = EXPLICIT_LE;
    let mut nested = e.text(0x0040, 0xA160, "UT", "bottom");
    for _ in 0..3 {
        nested = e.seq(0x0040, 0xA730, &[e.item(&nested, false)], false);
    }
    assert_eq!(nested_to(3), nested);

    let f = parse_forced(nested_to(MAX_DEPTH));
    let mut ds: Dataset = f.dataset.clone();
    for _ in 0..MAX_DEPTH {
        ds = items(&ds, 0x0040, 0xA730).swap_remove(0);
    }
    assert_eq!(text(&ds, 0x0040, 0xA160), vec!["bottom"]);
}

#[test]
fn nesting_deeper_than_max_depth_is_malformed() {
    for depth in [MAX_DEPTH + 1, MAX_DEPTH + 10, 10_000] {
        let err = parse_opts(nested_to(depth), true, false).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Malformed, "{err}");
        assert!(err.to_string().contains("nested deeper"), "{err}");
        assert!(err.to_string().contains("byte offset"), "{err}");
    }
}

#[test]
fn many_stray_delimiters_do_not_overflow_the_stack() {
    // Stray delimiters are skipped; hundreds of thousands of them must not recurse.
    let e = EXPLICIT_LE;
    let n = 300_000;
    let mut top = e.text(0x0008, 0x0060, "CS", "OT");
    for _ in 0..n {
        top.extend(e.item_delim());
    }
    top.extend(e.text(0x0010, 0x0010, "PN", "Doe"));
    let f = parse_forced(top);
    assert_eq!(text(&f, 0x0010, 0x0010), vec!["Doe"]);

    // Between items of a sequence.
    let mut seq = e.header(0x0008, 0x1115, "SQ", UNDEFINED);
    seq.extend(e.item(&[], false));
    for _ in 0..n {
        seq.extend(e.item_delim());
    }
    seq.extend(e.seq_delim());
    seq.extend(e.text(0x0010, 0x0010, "PN", "Doe"));
    let f = parse_forced(seq);
    assert_eq!(items(&f, 0x0008, 0x1115).len(), 1);
    assert_eq!(text(&f, 0x0010, 0x0010), vec!["Doe"]);
}

#[test]
#[cfg(feature = "deflate")]
fn deflate_bomb_is_refused() {
    // 128 MiB of zeros deflate to ~128 KiB: beyond 128x the compressed size and the 64 MiB
    // floor, so the reader stops inflating and refuses it instead of allocating it all.
    let zeros = vec![0u8; 128 << 20];
    let compressed = deflate(&zeros);
    assert!(compressed.len() < 256 << 10);
    let err = parse_opts(part10(TS_DEFLATED, &compressed, true, true), false, false)
        .expect_err("deflate bomb accepted");
    assert_eq!(err.kind, ErrorKind::Malformed, "{err}");
    assert!(err.message.contains("decompression bomb"), "{err}");
}

#[test]
#[cfg(feature = "deflate")]
fn truncated_deflate_stream_does_not_panic() {
    let e = EXPLICIT_LE;
    let data = [
        simple_dataset(e),
        e.seq(
            0x0008,
            0x1115,
            &[e.item(&e.text(0x0020, 0x000E, "UI", "1.2.3"), false)],
            false,
        ),
    ]
    .concat();
    let compressed = deflate(&data);
    for cut in 0..compressed.len() {
        let bytes = part10(TS_DEFLATED, &compressed[..cut], true, true);
        if let Err(err) = parse_opts(bytes, false, false) {
            assert!(
                matches!(err.kind, ErrorKind::Truncated | ErrorKind::Malformed),
                "cut {cut}: {err}"
            );
            assert!(err.to_string().contains("byte offset"), "cut {cut}: {err}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The token reader directly
// ---------------------------------------------------------------------------------------------

#[test]
fn token_stream_of_nested_file() {
    let (bytes, l) = nested_file();
    let f = parse(bytes.clone());
    let start = f.dataset.offset();
    let reader = ElementReader::new(&bytes, start, None, Encoding::EXPLICIT_LE);
    let tokens: Vec<Token> = reader.collect::<Result<_, _>>().unwrap();
    let kinds: Vec<&str> = tokens
        .iter()
        .map(|t| match t {
            Token::Element { .. } => "E",
            Token::SequenceStart { .. } => "S",
            Token::ItemStart { .. } => "I",
            Token::ItemEnd => "i",
            Token::SequenceEnd => "s",
            Token::EncapsulatedStart { .. } => "P",
            Token::Fragment { .. } => "F",
            Token::EncapsulatedEnd => "p",
            Token::Truncated { .. } => "T",
        })
        .collect();
    assert_eq!(kinds.concat(), "EESISIEEisEiIEisEE");
    let Token::SequenceStart {
        tag,
        vr,
        offset,
        length,
    } = tokens[2]
    else {
        panic!("{:?}", tokens[2]);
    };
    assert_eq!(
        (tag, vr, offset, length),
        (Tag(0x0008, 0x1115), VR::SQ, l.seq, None)
    );
    let Token::SequenceStart { length, .. } = tokens[4] else {
        panic!("{:?}", tokens[4]);
    };
    assert_eq!(
        length,
        Some((l.ref_image_end - l.ref_image_seq - 12) as u32)
    );
}

#[test]
fn token_reader_reports_tag_path() {
    let e = EXPLICIT_LE;
    let data = [
        e.header(0x0008, 0x1115, "SQ", UNDEFINED),
        e.item(&e.text(0x0020, 0x000E, "UI", "1.2"), false),
        e.tag(0xFFFE, 0xE000),
        e.u32(UNDEFINED).to_vec(),
        e.header(0x0008, 0x1140, "SQ", UNDEFINED),
        e.tag(0xFFFE, 0xE000),
        e.u32(UNDEFINED).to_vec(),
        e.header(0x0008, 0x1155, "UI", 40),
        b"1.2".to_vec(),
    ]
    .concat();
    let mut reader = ElementReader::new(&data, 0, None, Encoding::EXPLICIT_LE);
    let err = reader.find_map(Result::err).expect("an error");
    assert_eq!(err.path, "(0008,1115)[1].(0008,1140)[0].(0008,1155)");
    assert_eq!(err.kind, ErrorKind::Truncated);
    let msg = err.to_string();
    assert!(msg.contains("byte offset"), "{msg}");
    assert!(
        msg.contains("(0008,1115)[1].(0008,1140)[0].(0008,1155)"),
        "{msg}"
    );
    assert_eq!(reader.next(), None, "the reader stops after an error");
}

#[test]
fn dataset_starts_where_the_meta_group_ends_in_the_stream() {
    let e = EXPLICIT_LE;
    // Meta elements out of order: the highest tag (0002,0010) is not the last one written.
    let mut bytes = vec![0u8; 128];
    bytes.extend(b"DICM");
    bytes.extend(e.elem(0x0002, 0x0001, "OB", &[0, 1]));
    bytes.extend(e.text(0x0002, 0x0010, "UI", TS_EXPLICIT_LE));
    bytes.extend(e.text(0x0002, 0x0002, "UI", "1.2.3"));
    bytes.extend(simple_dataset(e));
    let f = parse(bytes);
    assert_eq!(f.meta.len(), 3);
    check_simple_dataset(&f);

    // Meta ending with a (UN) sequence.
    let mut bytes = vec![0u8; 128];
    bytes.extend(b"DICM");
    bytes.extend(e.text(0x0002, 0x0010, "UI", TS_EXPLICIT_LE));
    bytes.extend(e.seq_vr(0x0002, 0x0100, "UN", &[IMPLICIT_LE.item(&[], false)], false));
    bytes.extend(simple_dataset(e));
    let f = parse(bytes);
    assert_eq!(f.meta.len(), 2);
    check_simple_dataset(&f);
}
