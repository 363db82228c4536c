//! The dump on datasets made in memory: one test per formatting rule. The whole output is
//! compared with the Python implementation it replaced by tests/test_repr.py.

use std::sync::Arc;

use super::*;
use crate::core::{Element, ElementValue, Fragment, Source, VR};

fn ds(elements: Vec<Element>) -> Dataset {
    let mut ds = Dataset::new();
    for e in elements {
        ds.insert(e);
    }
    ds
}

fn el(group: u16, element: u16, vr: VR, bytes: &[u8]) -> Element {
    Element::new(Tag(group, element), vr, bytes.to_vec())
}

fn values(d: &Dataset, limit: Option<usize>) -> Vec<String> {
    d.iter().map(|e| value_text(d, e, limit)).collect()
}

fn f32s(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|f| f.to_le_bytes()).collect()
}

#[test]
fn text_numbers_and_tags() {
    let d = ds(vec![
        el(0x0008, 0x0008, VR::CS, b"ORIGINAL\\PRIMARY "),
        el(0x0010, 0x0010, VR::PN, b"Doe^John"),
        el(0x0018, 0x0050, VR::DS, b" 2.50\\1e3 "),
        el(0x0020, 0x0013, VR::IS, b"7.0 "),
        el(
            0x0028,
            0x0009,
            VR::AT,
            &[0x54, 0, 0x10, 0, 0x54, 0, 0x20, 0],
        ),
        el(0x0028, 0x0010, VR::US, &[64, 0]),
        el(0x0028, 0x0106, VR::SS, &(-5i16).to_le_bytes()),
        el(0x0029, 0x1001, VR::FL, &f32s(&[1.9, 0.1, -0.0])),
        el(0x0029, 0x1002, VR::FD, &1e16f64.to_le_bytes()),
        el(0x0029, 0x1003, VR::UV, &u64::MAX.to_le_bytes()),
    ]);
    assert_eq!(
        values(&d, None),
        [
            "[ORIGINAL\\PRIMARY]",
            "[Doe^John]",
            "[2.50\\1e3]", // the file's own text, stripped
            "[7.0]",
            "(0054,0010)\\(0054,0020)",
            "64",
            "-5",
            "1.9\\0.1\\-0", // FL: shortest text of the 32-bit float
            "1e+16",        // FD: Python's repr
            "18446744073709551615",
        ]
    );
}

#[test]
fn empty_values() {
    let d = ds(vec![
        el(0x0008, 0x0050, VR::SH, b""),
        el(0x0008, 0x0060, VR::CS, b"  "),
        el(0x0020, 0x0012, VR::IS, b" \0"),
        el(0x0028, 0x0010, VR::US, b"\x01"), // shorter than one number: []
        el(0x0028, 0x0030, VR::DS, b"   "),
        el(0x0029, 0x1001, VR::AT, b"\x01\x00\x02"),
        el(0x0029, 0x1002, VR::OB, b""),
    ]);
    assert!(values(&d, None).iter().all(|v| v == "(no value)"));
    assert!(
        d.iter()
            .all(|e| plain_value(&d, e, None).is_ok_and(|v| v.is_empty()))
    );
}

#[test]
fn control_characters_and_cuts() {
    let d = ds(vec![
        el(0x0010, 0x4000, VR::LT, b"line one\r\nline\ttwo\x01\x7f"),
        el(0x0018, 0x0050, VR::DS, b"1.5\\\xe9 \\\t2"),
        el(0x0020, 0x4000, VR::LT, &[b'x'; 300]),
    ]);
    let shown = values(&d, None);
    assert_eq!(shown[0], "[line one\\r\\nline\\ttwo\\x01\\x7f]");
    assert_eq!(shown[1], "[1.5\\\u{fffd}\\\\t2]"); // not ASCII: U+FFFD, as Python's "replace"
    let cut = value_text(&d, &d.elements()[2], Some(20));
    assert_eq!(cut, format!("[{}...]", "x".repeat(15)));
    assert_eq!(cut.chars().count(), 20);
    // Brackets never leave less than 4 characters inside.
    assert_eq!(value_text(&d, &d.elements()[2], Some(2)), "[x...]");
    assert_eq!(cut_line("abcdefghij", Some(8), "'"), "abcd...'");
    // Characters are counted after escaping.
    assert_eq!(cut_line("ab\ncd", Some(5), ""), "ab...");
    assert_eq!(cut_line("ab\ncd", Some(6), ""), "ab\\ncd");
    assert_eq!(cut_line("äöüäöü", Some(5), ""), "äö..."); // characters, not bytes
}

#[test]
fn binary_previews() {
    let small: Vec<u8> = (0..32).collect();
    let large: Vec<u8> = (0..34).collect();
    let d = ds(vec![
        el(0x0029, 0x1001, VR::OB, &small),
        el(0x0029, 0x1002, VR::OB, &large),
    ]);
    let [s, l] = [&d.elements()[0], &d.elements()[1]];
    // Up to 32 bytes: whole, without a size (plain_value); the tree always gives a size.
    assert_eq!(plain_value(&d, s, None).unwrap().len(), 32 * 3 - 1);
    assert_eq!(
        plain_value(&d, l, None).unwrap(),
        "(34 bytes) 00 01 02 03 04 05 06 07 ..."
    );
    assert_eq!(value_text(&d, s, Some(30)), "(32 bytes) 00 01 02 03 04 ...");
    assert_eq!(value_text(&d, s, Some(14)), "(32 bytes)");
    let all = Binary::Bytes(&small[..4]);
    assert_eq!(binary_text(&all, Some(80), 0), "(4 bytes) 00 01 02 03");
}

#[test]
fn encapsulated_fragments() {
    let bytes: Vec<u8> = vec![0xFF, 0x4F, 0xFF, 0x51, 1, 2, 3];
    let e = Element {
        tag: Tag::PIXEL_DATA,
        vr: VR::OB,
        length: None,
        offset: crate::core::NO_OFFSET,
        value: ElementValue::Encapsulated {
            offset_table: Fragment { offset: 0, len: 0 },
            fragments: vec![
                Fragment { offset: 0, len: 4 },
                Fragment { offset: 4, len: 3 },
            ],
            buffer: Some(Arc::new(Source::Owned(bytes))),
        },
    };
    let d = ds(vec![e]);
    assert_eq!(
        value_text(&d, &d.elements()[0], None),
        "(2 fragments, 7 bytes) FF 4F FF 51 ..."
    );
}

#[test]
fn keywords_of_private_and_unknown_elements() {
    let d = ds(vec![
        el(0x0009, 0x0000, VR::UL, &4u32.to_le_bytes()),
        el(0x0009, 0x0010, VR::LO, b"MY CREATOR "),
        el(0x0009, 0x0011, VR::LO, b"TWO\\VALUES"),
        el(0x0009, 0x1001, VR::LO, b"x "),
        el(0x0009, 0x1101, VR::LO, b"x "),
        el(0x0009, 0x1201, VR::LO, b"x "),
        el(0x1234, 0x5678, VR::UN, b"x "),
    ]);
    let keywords: Vec<String> = d.iter().map(|e| keyword_text(e.tag, Some(&d))).collect();
    assert_eq!(
        keywords,
        [
            "GroupLength",
            "PrivateCreator",
            "PrivateCreator",
            "[MY CREATOR]",
            "PrivateTagData", // its creator has two values
            "PrivateTagData", // no creator element
            "Unknown",
        ]
    );
    assert_eq!(keyword_text(Tag(0x0009, 0x1001), None), "PrivateTagData");
    assert_eq!(keyword_text(Tag(0x0010, 0x0010), None), "PatientName");
    assert_eq!(element_name(Tag(0x0009, 0x0010)), "Private Creator");
    assert_eq!(element_name(Tag(0x0009, 0x1001)), "Private tag data");
    assert_eq!(element_name(Tag(0x1234, 0x0000)), "Group Length");
    assert_eq!(element_name(Tag(0x1234, 0x5678)), "Unknown");
    // Builds without the dictionary's names give the keyword.
    let patient_name = if cfg!(feature = "dictionary-names") {
        "Patient's Name"
    } else {
        "PatientName"
    };
    assert_eq!(element_name(Tag(0x0010, 0x0010)), patient_name);
}

fn item(elements: Vec<Element>) -> SharedDataset {
    SharedDataset::new(ds(elements))
}

#[test]
fn tree_with_nested_items_and_headings() {
    let inner = item(vec![el(0x0008, 0x0104, VR::LO, b"Left")]);
    let outer = item(vec![
        el(0x0008, 0x0100, VR::SH, b"T-D1100 "),
        Element::sequence(Tag(0x0008, 0x2220), vec![inner]),
    ]);
    let d = ds(vec![
        Element::sequence(Tag(0x0008, 0x2218), vec![outer, item(vec![])]),
        el(0x0010, 0x0010, VR::PN, b"Doe^John"),
    ]);
    let meta = ds(vec![el(0x0002, 0x0010, VR::UI, b"1.2.840.10008.1.2.1\0")]);
    let lines: Vec<String> = tree_lines(&d, Some(&meta), &TreeOptions::default()).collect();
    let expected = [
        COLUMNS,
        "# File Meta Information",
        "(0002,0010) UI  1     20 TransferSyntaxUID              [1.2.840.10008.1.2.1]",
        "# Dataset: Explicit VR Little Endian (1.2.840.10008.1.2.1)",
        "(0008,2218) SQ  1    u/l AnatomicRegionSequence         (Sequence, 2 items)",
        "  (FFFE,E000) Item #1 (2 elements)",
        "    (0008,0100) SH  1      8 CodeValue                  [T-D1100]",
        "    (0008,2220) SQ  1    u/l AnatomicRegionModifierSequence (Sequence, 1 item)",
        "      (FFFE,E000) Item #1 (1 element)",
        "        (0008,0104) LO  1      4 CodeMeaning            [Left]",
        "  (FFFE,E000) Item #2 (0 elements)",
        "(0010,0010) PN  1      8 PatientName                    [Doe^John]",
    ];
    assert_eq!(lines, expected);
    // Without meta: no headings; the text is the lines joined.
    let text = dataset_text(&d, None);
    assert_eq!(text, expected[4..].join("\n"));
    assert_eq!(transfer_syntax_text(Some(&ds(vec![]))), "");
    let unknown = ds(vec![el(0x0002, 0x0010, VR::UI, b"1.2.3.4 ")]);
    assert_eq!(transfer_syntax_text(Some(&unknown)), "1.2.3.4");
}

#[test]
fn widths_cut_values_to_fit() {
    let d = ds(vec![el(0x0020, 0x4000, VR::LT, &[b'x'; 300])]);
    let line = |width| {
        let options = TreeOptions {
            width,
            value_limit: MAX_VALUE_CHARS,
        };
        tree_lines(&d, None, &options).next().unwrap_or_default()
    };
    assert_eq!(line(Some(80)).chars().count(), 80);
    assert!(line(Some(0)).ends_with(&format!("[{}]", "x".repeat(300))));
    // The value keeps at least 16 characters however narrow the width.
    assert!(line(Some(10)).ends_with(&format!("[{}...]", "x".repeat(11))));
    let head = "(0020,4000) LT  1    300 ImageComments                  ";
    assert_eq!(line(None), format!("{head}[{}...]", "x".repeat(75)));
}

#[test]
fn html_escapes_and_stops_at_the_row_budget() {
    let d = ds(vec![
        el(0x0010, 0x0010, VR::PN, b"<b>&'\""),
        Element::sequence(
            Tag(0x0008, 0x1140),
            vec![item(vec![el(0x0008, 0x1150, VR::UI, b"1.2")])],
        ),
    ]);
    let page = dataset_html(&d, None, MAX_HTML_ROWS, Some(b"\x89PNG"));
    assert!(page.contains("<td>&lt;b&gt;&amp;&#x27;&quot;</td>"));
    assert!(
        page.contains(
            "<div><img src=\"data:image/png;base64,iVBORw==\" alt=\"first frame\"></div>"
        )
    );
    assert!(
        page.contains("<details><summary>1 item</summary><details><summary>Item 1 (1 element)")
    );
    let cut = dataset_html(&d, None, 2, None);
    assert_eq!(cut.matches("<tr><td>").count(), 2);
    assert!(cut.contains("Output truncated after 2 rows"));
    assert_eq!(
        cut.matches("<table>").count(),
        cut.matches("</table>").count()
    );
    assert_eq!(
        cut.matches("<details>").count(),
        cut.matches("</details>").count()
    );
}

fn nested(depth: usize) -> SharedDataset {
    let mut node = item(vec![el(0x0008, 0x0104, VR::LO, b"deepest ")]);
    for _ in 0..depth {
        node = item(vec![Element::sequence(Tag(0x0040, 0xA730), vec![node])]);
    }
    node
}

#[test]
fn deep_nesting_costs_no_stack() {
    // Far deeper than a recursive walk survives on a test thread's 2 MiB stack (the tree's
    // indentation grows with depth, so it goes less deep than the table).
    let (tree, table) = (nested(3_000), nested(20_000));
    assert_eq!(
        tree_lines(&tree.read(), None, &TreeOptions::default()).count(),
        6_001
    );
    assert!(dataset_html(&table.read(), None, usize::MAX, None).contains("deepest"));
    // Dropping such a chain recurses (the core's Drop), which this test is not about.
    std::mem::forget((tree, table));
}
