//! The JSON and XML readers on hundreds of mutated documents (the invariant of the fuzz
//! targets `from_json` and `from_xml`, on a deterministic sample of inputs): every input
//! reads or fails with an error, never a panic; what reads writes back, and that text reads
//! again and writes the same text. Inputs in `fuzz/corpus/from_{json,xml}/` (made by
//! `cargo fuzz`) are run too, when they are there.

mod common;

use std::path::Path;

use common::Rng;

use rs_dicom::json::{self, JsonOptions};
use rs_dicom::model::{BuildOptions, Validation};
use rs_dicom::parser::parse_file;
use rs_dicom::xml::{self, XmlOptions};

/// `seed` changed in a place or two: letters and digits swapped, bytes flipped, tokens of
/// the format inserted, spans deleted, duplicated or cut off.
fn mutate(seed: &[u8], tokens: &[&[u8]], rng: &mut Rng) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..1 + rng.below(2) {
        let at = rng.below(out.len() + 1);
        match rng.below(9) {
            0 if at < out.len() => out[at] ^= 1 << rng.below(8),
            // A letter or digit changed for another: the syntax stays, values break rules.
            6..=8 => {
                const SWAPS: &[u8] = b"0123456789.-+eE^=\\ aZ";
                if let Some(b) = out.get_mut(at).filter(|b| b.is_ascii_alphanumeric()) {
                    *b = SWAPS[rng.below(SWAPS.len())];
                }
            }
            1 => {
                let t = tokens[rng.below(tokens.len())];
                out.splice(at..at, t.iter().copied());
            }
            2 => {
                let end = (at + rng.below(64)).min(out.len());
                out.drain(at..end);
            }
            3 => {
                let end = (at + rng.below(256)).min(out.len());
                let copy = out[at..end].to_vec();
                out.splice(at..at, copy);
            }
            4 => out.truncate(at),
            _ => {
                let digits: &[u8] = b"99999999999999999999999999e999";
                out.splice(at..at, digits.iter().copied());
            }
        }
    }
    out
}

fn modes() -> [BuildOptions; 3] {
    [Validation::Strict, Validation::Warn, Validation::Off].map(BuildOptions::new)
}

/// Reads `input` in every validation mode; what reads must write back, and that text must
/// read again and write the same text. True if some mode read it.
fn check(
    input: &[u8],
    read: impl Fn(&[u8], BuildOptions) -> Result<rs_dicom::Dataset, String>,
    write: impl Fn(&rs_dicom::Dataset) -> String,
) -> bool {
    let mut any = false;
    for opts in modes() {
        let Ok(ds) = read(input, opts) else {
            continue;
        };
        any = true;
        let first = write(&ds);
        let again = read(first.as_bytes(), BuildOptions::new(Validation::Off))
            .unwrap_or_else(|e| panic!("{first}\ndoes not read back: {e}"));
        assert_eq!(
            first,
            write(&again),
            "from {}",
            String::from_utf8_lossy(input)
        );
    }
    any
}

fn check_json(input: &[u8]) -> bool {
    check(
        input,
        |bytes, opts| {
            let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
            json::from_json(text, opts)
                .map(|p| p.dataset)
                .map_err(|e| e.to_string())
        },
        |ds| json::to_json(ds, &JsonOptions::default()).unwrap(),
    )
}

fn check_xml(input: &[u8]) -> bool {
    check(
        input,
        |bytes, opts| {
            xml::from_xml_bytes(bytes, opts)
                .map(|p| p.dataset)
                .map_err(|e| e.to_string())
        },
        |ds| xml::to_xml(ds, &XmlOptions::default()).unwrap(),
    )
}

fn sample() -> rs_dicom::Dataset {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sample_ct.dcm");
    let mut ds = parse_file(path).unwrap().dataset;
    // Keep the documents small: the pixel data's base64 adds nothing to the structure.
    ds.remove(rs_dicom::Tag::PIXEL_DATA);
    ds
}

/// The inputs of a fuzz corpus folder, if it is there.
fn corpus(name: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(name);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
        // The fuzz targets' first byte picks the validation mode: skip it.
        .filter_map(|d| d.get(1..).map(<[u8]>::to_vec))
        .collect()
}

const JSON_EXTRA: &str = r#"{"00080005": {"vr": "CS", "Value": ["ISO_IR 192"]},
"00101001": {"vr": "PN", "Value": [{"Alphabetic": "A^B", "Ideographic": "山^田", "Phonetic": "やま"}, null]},
"00280009": {"vr": "AT", "Value": ["00540010"]}, "00409212": {"vr": "FD", "Value": [0.5, "NaN", "-Infinity"]},
"00091010": {"vr": "LO", "Value": ["ACME"]}, "00091001": {"vr": "OB", "InlineBinary": "AQID"},
"00081140": {"vr": "SQ", "Value": [{}, {"00081150": {"vr": "UI", "Value": ["1.2.3"]}}]},
"7FE00010": {"vr": "OB", "BulkDataURI": "http://x"}}"#;

const JSON_TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"",
    b"null",
    b"\"Value\": [",
    b"\"vr\": \"SQ\"",
    b"\"InlineBinary\": \"",
    b"\"BulkDataURI\": ",
    b"\"00100010\": ",
    b"{\"Alphabetic\": ",
    b"-1e308",
    b"\\u0000",
    b"\xC3\xA9",
    b"1.5",
];

const XML_TOKENS: &[&[u8]] = &[
    b"<",
    b">",
    b"/>",
    b"</Value>",
    b"<Value number=\"1\">",
    b"<Value number=\"0\">",
    b"<Item number=\"1\">",
    b"</Item>",
    b"<DicomAttribute tag=\"00081140\" vr=\"SQ\">",
    b"</DicomAttribute>",
    b"<PersonName number=\"1\"><Alphabetic><FamilyName>",
    b"privateCreator=\"X\" ",
    b"&amp;",
    b"&#0;",
    b"&#x1F600;",
    b"&bogus;",
    b"<![CDATA[x]]>",
    b"<!--c-->",
    b"<?pi x?>",
    b"<InlineBinary>AAEC</InlineBinary>",
    b"<BulkData uuid=\"u\"/>",
    b"\xFF",
];

#[test]
fn mutated_json_reads_or_fails_cleanly() {
    let ds = sample();
    let seeds = [
        json::to_json(&ds, &JsonOptions::default())
            .unwrap()
            .into_bytes(),
        JSON_EXTRA.as_bytes().to_vec(),
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut read = 0;
    for i in 0..1000 {
        let input = mutate(&seeds[i % seeds.len()], JSON_TOKENS, &mut rng);
        read += usize::from(check_json(&input));
    }
    for input in corpus("from_json") {
        check_json(&input);
    }
    // The mutations must leave some documents readable, or the invariant is never tried.
    assert!(read > 100, "only {read} of 1000 mutated documents read");
}

#[test]
fn mutated_xml_reads_or_fails_cleanly() {
    let ds = sample();
    let extra = json::from_json(JSON_EXTRA, BuildOptions::default())
        .unwrap()
        .dataset;
    let seeds = [
        xml::to_xml(&ds, &XmlOptions::default())
            .unwrap()
            .into_bytes(),
        xml::to_xml(&extra, &XmlOptions::default())
            .unwrap()
            .into_bytes(),
    ];
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut read = 0;
    for i in 0..1000 {
        let input = mutate(&seeds[i % seeds.len()], XML_TOKENS, &mut rng);
        read += usize::from(check_xml(&input));
    }
    for input in corpus("from_xml") {
        check_xml(&input);
    }
    assert!(read > 100, "only {read} of 1000 mutated documents read");
}
