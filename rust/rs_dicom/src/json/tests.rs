use std::collections::HashMap;

use serde_json::json;

use super::*;
use crate::core::{Dataset, Element, SharedDataset, Tag, VR};
use crate::error::ErrorKind;
use crate::model::testing::{self, sample};
use crate::parser::parse_bytes;
use crate::value::encode::Input;

fn strict() -> BuildOptions {
    BuildOptions::default()
}

/// JSON → dataset → Part 10 file (explicit VR little endian) → dataset → JSON.
fn through_a_file(text: &str, opts: BuildOptions) -> String {
    let parsed = from_json(text, opts).unwrap();
    to_json(
        &testing::through_a_file(&parsed.dataset),
        &JsonOptions::default(),
    )
    .unwrap()
}

#[test]
fn sample_values_and_text() {
    let f = sample();
    let v = to_value(&f.dataset, &JsonOptions::default()).unwrap();
    assert_eq!(
        v["00100010"],
        json!({"vr": "PN", "Value": [{"Alphabetic": "Müller^Jürgen"}]})
    );
    assert_eq!(
        v["00200032"],
        json!({"vr": "DS", "Value": [-32.0, -32.0, 12.5]})
    );
    assert_eq!(v["00200013"], json!({"vr": "IS", "Value": [7]}));
    assert_eq!(v["00081140"]["Value"].as_array().unwrap().len(), 2);
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]));
    assert!(!keys.iter().any(|k| k.starts_with("0002")));
    let attr_keys: Vec<&String> = v["00100010"].as_object().unwrap().keys().collect();
    assert_eq!(attr_keys, ["vr", "Value"]);
    let text = to_json(&f.dataset, &JsonOptions::default()).unwrap();
    assert!(text.starts_with("{\"00080005\": {\"vr\": \"CS\", \"Value\": [\"ISO_IR 100\"]}, "));
    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed, v);
    let with_meta = to_value(
        &f.dataset,
        &JsonOptions {
            meta: Some(&f.meta),
            bulk_data: BulkData::Omit,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        with_meta["00020010"],
        json!({"vr": "UI", "Value": ["1.2.840.10008.1.2.1"]})
    );
    assert_eq!(with_meta["7FE00010"], json!({"vr": "OW"}));
}

#[test]
fn sample_round_trips_through_a_file() {
    let f = sample();
    let text = to_json(&f.dataset, &JsonOptions::default()).unwrap();
    assert_eq!(through_a_file(&text, strict()), text);
}

#[test]
fn every_kind_of_value_round_trips() {
    let model = json!({
        "00080005": {"vr": "CS", "Value": ["ISO_IR 192"]},
        "00080008": {"vr": "CS", "Value": ["ORIGINAL", null, "AXIAL"]},
        "00100010": {"vr": "PN", "Value": [
            {"Alphabetic": "Yamada^Tarou", "Ideographic": "山田^太郎", "Phonetic": "やまだ^たろう"}]},
        "00101001": {"vr": "PN", "Value": [{"Alphabetic": "A^B"}, null, {"Phonetic": "P"}]},
        "00181310": {"vr": "US", "Value": [0, 256, 256, 0]},
        "00189219": {"vr": "SS", "Value": [-5]},
        "00200013": {"vr": "IS", "Value": [7]},
        "00200032": {"vr": "DS", "Value": [-32.5, 0.1, 1e-20]},
        "00280009": {"vr": "AT", "Value": ["00540010", "00181063"]},
        "00409212": {"vr": "FD", "Value": [0.5, -1e300, "NaN", "-Infinity"]},
        "00091020": {"vr": "FL", "Value": [1.5, 0.10000000149011612, "Infinity"]},
        "00720078": {"vr": "UL", "Value": [4_000_000_000u64]},
        "00091021": {"vr": "SV", "Value": [-9_000_000_000_000_000_000i64]},
        "00091022": {"vr": "UV", "Value": [18_000_000_000_000_000_000u64]},
        "00091010": {"vr": "LO", "Value": ["ACME 1.0"]},
        "00091001": {"vr": "OB", "InlineBinary": "AQID"},
        "00420011": {"vr": "OB"},
        "00081140": {"vr": "SQ", "Value": [{}, {"00081150": {"vr": "UI", "Value": ["1.2.3"]}}]},
        "00082218": {"vr": "SQ"},
        "00281201": {"vr": "OW", "InlineBinary": "AAEAAgAD"},
        "00660023": {"vr": "OF", "InlineBinary": "AACAPw=="},
        "00660040": {"vr": "OL", "InlineBinary": "AQAAAA=="},
        "00720081": {"vr": "OV", "InlineBinary": "AQAAAAAAAAA="},
        "00660029": {"vr": "OD", "InlineBinary": "AAAAAAAA8D8="},
        "00091030": {"vr": "UN", "InlineBinary": "YWJj"},
        "00400275": {"vr": "SQ", "Value": [{"00080100": {"vr": "SH", "Value": ["Ü"]}}]},
        "00081030": {"vr": "LO"},
        "00180015": {"vr": "CS", "Value": []}
    });
    let text = model.to_string();
    let parsed = from_json(&text, strict()).unwrap();
    assert!(parsed.bulk.is_empty());
    let out = to_value(&parsed.dataset, &JsonOptions::default()).unwrap();
    let mut expected = model.clone();
    // OB and UN of odd length are padded; an empty Value list is no Value.
    expected["00091001"]["InlineBinary"] = json!("AQIDAA==");
    expected["00091030"]["InlineBinary"] = json!("YWJjAA==");
    expected["00180015"] = json!({"vr": "CS"});
    assert_eq!(out, expected);
    let again = through_a_file(
        &to_json(&parsed.dataset, &JsonOptions::default()).unwrap(),
        strict(),
    );
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&again).unwrap(),
        expected
    );
    // The item inherits UTF-8 from the top dataset.
    let item = &parsed
        .dataset
        .get(Tag(0x0040, 0x0275))
        .unwrap()
        .items()
        .unwrap()[0];
    assert_eq!(item.read().raw(Tag(0x0008, 0x0100)), Some("Ü".as_bytes()));
}

#[test]
fn numbers_as_strings_and_strings_for_numbers() {
    let parsed = from_json(
        r#"{"00200013": {"vr": "IS", "Value": ["12"]},
            "00281050": {"vr": "DS", "Value": ["40", 400]},
            "00280010": {"vr": "US", "Value": ["64"]},
            "00100010": {"vr": "PN", "Value": ["Doe^John"]}}"#,
        strict(),
    )
    .unwrap();
    let ds = &parsed.dataset;
    assert_eq!(ds.raw(Tag(0x0020, 0x0013)), Some(&b"12"[..]));
    assert_eq!(ds.raw(Tag(0x0028, 0x1050)), Some(&b"40\\400"[..]));
    assert_eq!(ds.raw(Tag(0x0028, 0x0010)), Some(&[64, 0][..]));
    assert_eq!(ds.raw(Tag(0x0010, 0x0010)), Some(&b"Doe^John"[..]));
}

#[test]
fn bulk_data_uris_are_returned_and_set() {
    let parsed = from_json(
        r#"{"7FE00010": {"vr": "OW", "BulkDataURI": "http://x/pixels"},
            "00081140": {"vr": "SQ", "Value": [{"00091001": {"vr": "OB", "BulkDataURI": ["u2"]}}]}}"#,
        strict(),
    )
    .unwrap();
    let mut ds = parsed.dataset;
    assert_eq!(parsed.bulk.len(), 2);
    let inner = parsed.bulk.iter().find(|b| b.uri == "u2").unwrap();
    assert_eq!(inner.path, "(0008,1140)[0].(0009,1001)");
    assert_eq!(inner.items, [(Tag(0x0008, 0x1140), 0)]);
    assert_eq!(ds.raw(Tag::PIXEL_DATA), Some(&[][..]));
    set_value(&mut ds, inner, Input::Bytes(vec![1, 2, 3]), strict()).unwrap();
    let item = ds.get(Tag(0x0008, 0x1140)).unwrap().items().unwrap()[0].clone();
    assert_eq!(
        item.read().raw(Tag(0x0009, 0x1001)),
        Some(&[1, 2, 3, 0][..])
    );
    let pixels = parsed
        .bulk
        .iter()
        .find(|b| b.tag == Tag::PIXEL_DATA)
        .unwrap();
    let err = set_value(&mut ds, pixels, Input::Bytes(vec![1, 2, 3]), strict()).unwrap_err();
    assert_eq!(err.path, "(7FE0,0010)");
}

#[test]
fn bulk_elements_and_uris_in_the_output() {
    let f = sample();
    let root = SharedDataset::new(f.dataset);
    let found = bulk_elements(&root, 100);
    let paths: Vec<&str> = found.iter().map(|b| b.path.as_str()).collect();
    assert_eq!(paths, ["(7FE0,0010)"]);
    let uris = HashMap::from([("(7FE0,0010)".to_string(), "http://x/1".to_string())]);
    let v = to_value(
        &root.read(),
        &JsonOptions {
            uris: Some(&uris),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        v["7FE00010"],
        json!({"vr": "OW", "BulkDataURI": "http://x/1"})
    );
}

#[test]
fn validation_and_errors_name_the_path() {
    let e = from_json(
        r#"{"00081140": {"vr": "SQ", "Value": [{"00081150": {"vr": "UI", "Value": ["1.2.x"]}}]}}"#,
        strict(),
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidValue);
    assert_eq!(e.path, "(0008,1140)[0].(0008,1150)");
    assert!(e.message.contains("/00081140/Value/0/00081150"), "{e}");
    // Without validation the text is kept as it is; with warnings, each break is named.
    let warn = from_json(
        r#"{"00080060": {"vr": "CS", "Value": ["lower case"]},
            "00081140": {"vr": "SQ", "Value": [{"00081150": {"vr": "UI", "Value": ["1.2.x"]}}]}}"#,
        BuildOptions::new(Validation::Warn),
    )
    .unwrap();
    assert_eq!(
        warn.dataset.raw(Tag(0x0008, 0x0060)),
        Some(&b"lower case"[..])
    );
    assert_eq!(warn.warnings.len(), 2, "{:?}", warn.warnings);
    assert!(
        warn.warnings[1].contains("JSON /00081140/Value/0/00081150"),
        "{:?}",
        warn.warnings
    );
    assert!(warn.warnings[1].contains("(tag path (0008,1140)[0].(0008,1150))"));
    let e = from_json(
        r#"{"00280010": {"vr": "US", "Value": [70000]}}"#,
        BuildOptions::new(Validation::Warn),
    )
    .unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::InvalidValue,
        "cannot be encoded at all: {e}"
    );
    let lenient = BuildOptions::new(Validation::Off);
    let parsed = from_json(
        r#"{"00280010": {"vr": "US", "Value": [1]}, "00100010": {"vr": "LO", "Value": ["a\\b"]},
            "00080060": {"vr": "CS", "Value": ["lower case"]}}"#,
        lenient,
    )
    .unwrap();
    assert_eq!(
        parsed.dataset.raw(Tag(0x0008, 0x0060)),
        Some(&b"lower case"[..])
    );
    for (bad, kind, path) in [
        ("[]", ErrorKind::Malformed, ""),
        ("{", ErrorKind::Malformed, ""),
        (r#"{"0010001": {"vr": "PN"}}"#, ErrorKind::Malformed, ""),
        (
            r#"{"00100010": {"vr": "XX"}}"#,
            ErrorKind::Malformed,
            "(0010,0010)",
        ),
        (
            r#"{"00091001": {"Value": [1]}}"#,
            ErrorKind::Malformed,
            "(0009,1001)",
        ),
        (
            r#"{"00100010": {"vr": "PN", "Value": "x"}}"#,
            ErrorKind::Malformed,
            "(0010,0010)",
        ),
        (
            r#"{"00280010": {"vr": "US", "Value": [70000]}}"#,
            ErrorKind::InvalidValue,
            "(0028,0010)",
        ),
        (
            r#"{"00280010": {"vr": "US", "Value": [null]}}"#,
            ErrorKind::Malformed,
            "(0028,0010)",
        ),
        (
            r#"{"7FE00010": {"vr": "OB", "InlineBinary": "!!"}}"#,
            ErrorKind::Malformed,
            "(7FE0,0010)",
        ),
        (
            r#"{"7FE00010": {"vr": "OB", "Value": [1]}}"#,
            ErrorKind::Malformed,
            "(7FE0,0010)",
        ),
        (
            r#"{"7FE00010": {"vr": "OW", "InlineBinary": "AAAA"}}"#,
            ErrorKind::InvalidValue,
            "(7FE0,0010)",
        ),
        (
            r#"{"00100010": {"vr": "PN", "Value": ["x"], "InlineBinary": "AA=="}}"#,
            ErrorKind::Malformed,
            "(0010,0010)",
        ),
        (
            r#"{"00081140": {"vr": "SQ", "Value": [1]}}"#,
            ErrorKind::Malformed,
            "(0008,1140)",
        ),
        (
            r#"{"00100010": {"vr": "PN", "Value": [{"Other": "x"}]}}"#,
            ErrorKind::Malformed,
            "(0010,0010)",
        ),
        (
            r#"{"00100010": {"vr": "PN", "Value": ["山"]}}"#,
            ErrorKind::InvalidValue,
            "(0010,0010)",
        ),
    ] {
        let e = from_json(bad, strict()).unwrap_err();
        assert_eq!((e.kind, e.path.as_str()), (kind, path), "{bad}: {e}");
    }
    let e = from_json("{\n  \"00100010\": {\"vr\": \"PN\",, }}", strict()).unwrap_err();
    assert_eq!(e.offset, Some(28), "{e}");
    assert!(e.message.contains("line 2 column 27"), "{e}");
    let deep = "[".repeat(100_000);
    assert!(from_json(&deep, strict()).is_err());
}

#[test]
fn encapsulated_pixel_data_stays_encapsulated() {
    let mut stream = vec![0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0];
    stream.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 4, 0, 0, 0, 1, 2, 3, 4]);
    let text =
        json!({"7FE00010": {"vr": "OB", "InlineBinary": crate::model::inline::encode(&stream)}})
            .to_string();
    let parsed = from_json(&text, strict()).unwrap();
    let e = parsed.dataset.get(Tag::PIXEL_DATA).unwrap();
    assert!(matches!(
        e.value,
        crate::core::ElementValue::Encapsulated { .. }
    ));
    assert_eq!(
        through_a_file(&text, strict()),
        text.replace(":", ": ").replace(",", ", ")
    );
    // Not an item stream: plain bytes.
    let text = json!({"7FE00010": {"vr": "OB", "InlineBinary": "AQID"}}).to_string();
    let parsed = from_json(&text, strict()).unwrap();
    assert!(parsed.dataset.get(Tag::PIXEL_DATA).unwrap().is_owned());
}

#[test]
fn big_endian_words_are_little_endian() {
    let mut ds = Dataset::new();
    ds.encoding = crate::core::Encoding::EXPLICIT_BE;
    ds.insert(Element::new(Tag(0x0028, 0x1201), VR::OW, vec![0, 1, 0, 2]));
    ds.insert(Element::new(Tag(0x0028, 0x0010), VR::US, vec![0, 64]));
    let v = to_value(&ds, &JsonOptions::default()).unwrap();
    assert_eq!(
        v["00281201"]["InlineBinary"],
        json!(crate::model::inline::encode(&[1, 0, 2, 0]))
    );
    assert_eq!(v["00280010"]["Value"], json!([64]));
}

#[test]
fn parsed_files_too() {
    // A file whose bytes are given (not mapped) gives the same JSON as the file.
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/sample_ct.dcm"
    ))
    .unwrap();
    let f = parse_bytes(bytes).unwrap();
    assert_eq!(
        to_json(&f.dataset, &JsonOptions::default()).unwrap(),
        to_json(&sample().dataset, &JsonOptions::default()).unwrap()
    );
}
