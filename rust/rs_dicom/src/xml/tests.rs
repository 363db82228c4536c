use super::*;
use crate::core::{Dataset, Element, ElementValue, SharedDataset, Tag, VR};
use crate::error::ErrorKind;
use crate::model::inline;
use crate::model::testing::{self, sample};
use crate::value::encode::Input;

fn strict() -> BuildOptions {
    BuildOptions::default()
}

fn xml(ds: &Dataset) -> String {
    to_xml(ds, &XmlOptions::default()).unwrap()
}

/// XML → dataset → Part 10 file (explicit VR little endian) → dataset → XML.
fn through_a_file(text: &str) -> String {
    let parsed = from_xml(text, strict()).unwrap();
    xml(&testing::through_a_file(&parsed.dataset))
}

fn wrap(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<NativeDicomModel xml:space=\"preserve\">\n{body}</NativeDicomModel>\n"
    )
}

#[test]
fn sample_is_written_as_dcmtk_lays_it_out() {
    let text = xml(&sample().dataset);
    assert!(text.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<NativeDicomModel \
         xmlns=\"http://dicom.nema.org/PS3.19/models/NativeDICOM\" xml:space=\"preserve\">\n\
         <DicomAttribute tag=\"00080005\" vr=\"CS\" keyword=\"SpecificCharacterSet\">\n\
         <Value number=\"1\">ISO_IR 100</Value>\n</DicomAttribute>\n"
    ));
    assert!(text.contains(
        "<DicomAttribute tag=\"00100010\" vr=\"PN\" keyword=\"PatientName\">\n\
         <PersonName number=\"1\">\n<Alphabetic>\n<FamilyName>Müller</FamilyName>\n\
         <GivenName>Jürgen</GivenName>\n</Alphabetic>\n</PersonName>\n</DicomAttribute>\n"
    ));
    assert!(text.contains("<Value number=\"1\">AXIAL 2.5MM &lt;SYNTHETIC&gt;</Value>"));
    assert!(text.contains("<Item number=\"2\">\n<DicomAttribute tag=\"00081150\""));
    assert!(text.contains(
        "<DicomAttribute tag=\"7FE00010\" vr=\"OW\" keyword=\"PixelData\">\n<InlineBinary>"
    ));
    assert!(text.ends_with("</DicomAttribute>\n</NativeDicomModel>\n"));
}

#[test]
fn sample_round_trips_through_a_file() {
    let text = xml(&sample().dataset);
    assert_eq!(through_a_file(&text), text);
}

#[test]
fn every_kind_of_value_round_trips() {
    let body = r#"<DicomAttribute tag="00080005" vr="CS"><Value number="1">ISO_IR 192</Value></DicomAttribute>
<DicomAttribute tag="00080008" vr="CS"><Value number="1">ORIGINAL</Value><Value number="2"/><Value number="3">AXIAL</Value></DicomAttribute>
<DicomAttribute tag="00091001" vr="OB" privateCreator="ACME 1.0"><InlineBinary>AQID</InlineBinary></DicomAttribute>
<DicomAttribute tag="00090010" vr="LO"><Value number="1">ACME 1.0</Value></DicomAttribute>
<DicomAttribute tag="00090002" vr="US" privateCreator="ACME 1.0"><Value number="2">2</Value><Value number="1">1</Value></DicomAttribute>
<DicomAttribute tag="00110001" vr="LT" privateCreator="OTHER"><Value number="1">a&#13;&#10;b&amp;c</Value></DicomAttribute>
<DicomAttribute tag="00100010" vr="PN"><PersonName number="1"><Alphabetic><FamilyName>Yamada</FamilyName><GivenName>Tarou</GivenName></Alphabetic><Ideographic><FamilyName>山田</FamilyName><GivenName>太郎</GivenName></Ideographic><Phonetic><FamilyName>やまだ</FamilyName><GivenName>たろう</GivenName></Phonetic></PersonName></DicomAttribute>
<DicomAttribute tag="00101001" vr="PN"><PersonName number="1"><Alphabetic><FamilyName>A</FamilyName><GivenName>B</GivenName></Alphabetic></PersonName><PersonName number="2"/><PersonName number="3"><Phonetic><FamilyName>P</FamilyName></Phonetic></PersonName></DicomAttribute>
<DicomAttribute tag="00181310" vr="US"><Value number="1">0</Value><Value number="2">256</Value><Value number="3">256</Value><Value number="4">0</Value></DicomAttribute>
<DicomAttribute tag="00189219" vr="SS"><Value number="1">-5</Value></DicomAttribute>
<DicomAttribute tag="00200013" vr="IS"><Value number="1">7</Value></DicomAttribute>
<DicomAttribute tag="00200032" vr="DS"><Value number="1">-32.50</Value><Value number="2"></Value><Value number="3">1e-20</Value></DicomAttribute>
<DicomAttribute tag="00280009" vr="AT"><Value number="1">00540010</Value><Value number="2">00181063</Value></DicomAttribute>
<DicomAttribute tag="00409212" vr="FD"><Value number="1">0.5</Value><Value number="2">-1e300</Value><Value number="3">nan</Value><Value number="4">-inf</Value></DicomAttribute>
<DicomAttribute tag="00700022" vr="FL"><Value number="1">0.1</Value><Value number="2">Infinity</Value></DicomAttribute>
<DicomAttribute tag="00720078" vr="UL"><Value number="1">4000000000</Value></DicomAttribute>
<DicomAttribute tag="00720082" vr="SV"><Value number="1">-9000000000000000000</Value></DicomAttribute>
<DicomAttribute tag="00720083" vr="UV"><Value number="1">18000000000000000000</Value></DicomAttribute>
<DicomAttribute tag="00420011" vr="OB"></DicomAttribute>
<DicomAttribute tag="00081140" vr="SQ"><Item number="1"/><Item number="2"><DicomAttribute tag="00081150" vr="UI"><Value number="1">1.2.3</Value></DicomAttribute></Item></DicomAttribute>
<DicomAttribute tag="00082218" vr="SQ"/>
<DicomAttribute tag="00281201" vr="OW"><InlineBinary>AAEAAgAD</InlineBinary></DicomAttribute>
<DicomAttribute tag="00660023" vr="OF"><InlineBinary>AACAPw==</InlineBinary></DicomAttribute>
<DicomAttribute tag="00400275" vr="SQ"><Item number="1"><DicomAttribute tag="00080100" vr="SH"><Value number="1">Ü&lt;&gt;&quot;&apos;</Value></DicomAttribute></Item></DicomAttribute>
<DicomAttribute tag="00081030" vr="LO"/>
"#;
    let parsed = from_xml(&wrap(body), strict()).unwrap();
    assert!(parsed.bulk.is_empty());
    let ds = &parsed.dataset;
    // Private attributes went to their creators' blocks; OTHER got block 0x10 of group 0011.
    assert_eq!(ds.raw(Tag(0x0009, 0x1001)), Some(&[1, 2, 3, 0][..]));
    assert_eq!(ds.raw(Tag(0x0009, 0x1002)), Some(&[1, 0, 2, 0][..]));
    assert_eq!(ds.raw(Tag(0x0011, 0x0010)), Some(&b"OTHER "[..]));
    assert_eq!(ds.raw(Tag(0x0011, 0x1001)), Some(&b"a\r\nb&c"[..]));
    assert_eq!(
        ds.raw(Tag(0x0008, 0x0008)),
        Some(&b"ORIGINAL\\\\AXIAL "[..])
    );
    assert_eq!(ds.raw(Tag(0x0010, 0x1001)), Some(&b"A^B\\\\==P"[..]));
    assert_eq!(ds.raw(Tag(0x0020, 0x0032)), Some(&b"-32.50\\\\1e-20 "[..]));
    assert_eq!(
        ds.raw(Tag(0x0070, 0x0022)),
        Some(&[0xCD, 0xCC, 0xCC, 0x3D, 0, 0, 0x80, 0x7F][..])
    );
    let fd = ds.raw(Tag(0x0040, 0x9212)).unwrap();
    assert!(f64::from_le_bytes(fd[16..24].try_into().unwrap()).is_nan());
    assert_eq!(
        ds.get(Tag(0x0008, 0x2218)).unwrap().items().unwrap().len(),
        0
    );
    let item = &ds.get(Tag(0x0040, 0x0275)).unwrap().items().unwrap()[0];
    assert_eq!(
        item.read().raw(Tag(0x0008, 0x0100)),
        Some("Ü<>\"'".as_bytes())
    );
    let text = xml(ds);
    for expected in [
        "<DicomAttribute tag=\"00090001\" vr=\"OB\" privateCreator=\"ACME 1.0\">\n<InlineBinary>AQIDAA==</InlineBinary>",
        "<DicomAttribute tag=\"00110001\" vr=\"LT\" privateCreator=\"OTHER\">\n<Value number=\"1\">a&#13;&#10;b&amp;c</Value>",
        "<Value number=\"2\"></Value>\n<Value number=\"3\">AXIAL</Value>",
        "<PersonName number=\"2\">\n</PersonName>\n<PersonName number=\"3\">\n<Phonetic>\n<FamilyName>P</FamilyName>",
        "<Value number=\"1\">-32.50</Value>\n<Value number=\"2\"></Value>\n<Value number=\"3\">1e-20</Value>",
        "<Value number=\"2\">-1e300</Value>\n<Value number=\"3\">NaN</Value>\n<Value number=\"4\">-Infinity</Value>",
        "<Value number=\"1\">0.1</Value>\n<Value number=\"2\">Infinity</Value>",
        "<Value number=\"1\">18000000000000000000</Value>",
        "<DicomAttribute tag=\"00420011\" vr=\"OB\" keyword=\"EncapsulatedDocument\">\n</DicomAttribute>",
        "<Item number=\"1\">\n</Item>\n<Item number=\"2\">",
        "<DicomAttribute tag=\"00082218\" vr=\"SQ\" keyword=\"AnatomicRegionSequence\">\n</DicomAttribute>",
        "<Value number=\"1\">Ü&lt;&gt;&quot;&apos;</Value>",
    ] {
        assert!(text.contains(expected), "{expected}\nnot in\n{text}");
    }
    assert_eq!(through_a_file(&text), text);
    assert_eq!(xml(&from_xml(&text, strict()).unwrap().dataset), text);
}

#[test]
fn rule_breaks_warn_or_fail_as_asked() {
    let doc = wrap(
        "<DicomAttribute tag=\"00080020\" vr=\"DA\"><Value number=\"1\">1997.04.24</Value></DicomAttribute>\n",
    );
    let e = from_xml(&doc, strict()).unwrap_err();
    assert_eq!(
        (e.kind, e.path.as_str()),
        (ErrorKind::InvalidValue, "(0008,0020)")
    );
    let warned = from_xml(&doc, BuildOptions::new(Validation::Warn)).unwrap();
    assert_eq!(
        warned.dataset.raw(Tag(0x0008, 0x0020)),
        Some(&b"1997.04.24"[..])
    );
    assert_eq!(warned.warnings.len(), 1);
    assert!(
        warned.warnings[0].starts_with("XML line 3: "),
        "{:?}",
        warned.warnings
    );
    let quiet = from_xml(&doc, BuildOptions::new(Validation::Off)).unwrap();
    assert!(quiet.warnings.is_empty());
}

#[test]
fn control_characters_round_trip() {
    // Found by the from_xml fuzz target: a NUL inside a value.
    let mut ds = Dataset::new();
    ds.insert(Element::new(
        Tag(0x0008, 0x1030),
        VR::LO,
        b"a\0b\x01c\td".to_vec(),
    ));
    ds.insert(Element::new(Tag(0x0009, 0x0010), VR::LO, b"X\0Y ".to_vec()));
    ds.insert(Element::new(Tag(0x0009, 0x1001), VR::LO, b"v ".to_vec()));
    let text = xml(&ds);
    assert!(text.contains("a&#0;b&#1;c&#9;d"), "{text}");
    assert!(text.contains("privateCreator=\"X&#0;Y\""), "{text}");
    let back = from_xml(&text, BuildOptions::new(Validation::Off)).unwrap();
    assert_eq!(
        back.dataset.raw(Tag(0x0008, 0x1030)),
        Some(&b"a\0b\x01c\td "[..])
    );
}

#[test]
fn two_blocks_of_one_creator_stay_apart() {
    // Found by the from_xml fuzz target: gggg00ee cannot tell two such blocks apart.
    let mut ds = Dataset::new();
    ds.insert(Element::new(Tag(0x0043, 0x0010), VR::LO, b"GEMS".to_vec()));
    ds.insert(Element::new(Tag(0x0043, 0x0080), VR::LO, b"GEMS".to_vec()));
    ds.insert(Element::new(Tag(0x0043, 0x1001), VR::LO, b"a ".to_vec()));
    ds.insert(Element::new(Tag(0x0043, 0x8001), VR::LO, b"b ".to_vec()));
    let text = xml(&ds);
    assert!(
        text.contains("tag=\"00438001\" vr=\"LO\" privateCreator=\"GEMS\""),
        "{text}"
    );
    let back = from_xml(&text, strict()).unwrap().dataset;
    assert_eq!(back.raw(Tag(0x0043, 0x8001)), Some(&b"b "[..]));
    assert_eq!(xml(&back), text);
}

#[test]
fn whole_private_tags_get_their_creator_element() {
    let doc = wrap(
        "<DicomAttribute tag=\"00091101\" vr=\"LO\" privateCreator=\"ACME\"><Value number=\"1\">x</Value></DicomAttribute>\n",
    );
    let ds = from_xml(&doc, strict()).unwrap().dataset;
    assert_eq!(ds.raw(Tag(0x0009, 0x0011)), Some(&b"ACME"[..]));
    assert_eq!(ds.raw(Tag(0x0009, 0x1101)), Some(&b"x "[..]));
}

#[test]
fn private_elements_without_a_creator_keep_their_tag() {
    let mut ds = Dataset::new();
    ds.insert(Element::new(Tag(0x0009, 0x1001), VR::OB, vec![1, 2]));
    let text = xml(&ds);
    assert!(
        text.contains("<DicomAttribute tag=\"00091001\" vr=\"OB\">"),
        "{text}"
    );
    let back = from_xml(&text, strict()).unwrap().dataset;
    assert_eq!(back.raw(Tag(0x0009, 0x1001)), Some(&[1, 2][..]));
    assert!(back.get(Tag(0x0009, 0x0010)).is_none());
}

#[test]
fn dcmtk_output_reads() {
    // As dcm2xml --native-format writes it: Latin-1, BulkData UUIDs, SingleByte from 2011.
    let mut doc = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<NativeDicomModel xml:space=\"preserve\">\n\
<DicomAttribute tag=\"00080005\" vr=\"CS\" keyword=\"SpecificCharacterSet\">\n<Value number=\"1\">ISO_IR 100</Value>\n</DicomAttribute>\n\
<DicomAttribute tag=\"00100010\" vr=\"PN\" keyword=\"PatientName\">\n<PersonName number=\"1\">\n<SingleByte>\n<FamilyName>M"
        .to_vec();
    doc.push(0xFC); // ü in Latin-1
    doc.extend_from_slice(
        b"ller</FamilyName>\n</SingleByte>\n</PersonName>\n</DicomAttribute>\n\
<DicomAttribute tag=\"7FE00010\" vr=\"OW\" keyword=\"PixelData\">\n<BulkData uuid=\"0b5c2f8e-1d2e-4f00-8a00-000000000001\"/>\n</DicomAttribute>\n\
</NativeDicomModel>\n",
    );
    let parsed = from_xml_bytes(&doc, strict()).unwrap();
    assert_eq!(
        parsed.dataset.raw(Tag(0x0010, 0x0010)),
        Some(&b"M\xFCller"[..])
    );
    assert_eq!(parsed.bulk.len(), 1);
    let r = &parsed.bulk[0];
    assert_eq!((r.tag, r.vr), (Tag::PIXEL_DATA, VR::OW));
    assert_eq!(r.uri, "urn:uuid:0b5c2f8e-1d2e-4f00-8a00-000000000001");
    assert_eq!(parsed.dataset.raw(Tag::PIXEL_DATA), Some(&[][..]));
    let mut ds = parsed.dataset;
    set_value(&mut ds, r, Input::Bytes(vec![1, 0, 2, 0]), strict()).unwrap();
    assert_eq!(ds.raw(Tag::PIXEL_DATA), Some(&[1, 0, 2, 0][..]));
}

#[test]
fn binary_values_are_little_endian_and_encapsulated_stays_so() {
    let mut ds = Dataset::new();
    ds.encoding = crate::core::Encoding::EXPLICIT_BE;
    ds.insert(Element::new(Tag(0x0028, 0x1201), VR::OW, vec![0, 1, 0, 2]));
    let text = xml(&ds);
    assert!(text.contains(&format!(
        "<InlineBinary>{}</InlineBinary>",
        inline::encode(&[1, 0, 2, 0])
    )));
    let mut stream = vec![0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0];
    stream.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 4, 0, 0, 0, 1, 2, 3, 4]);
    let body = format!(
        "<DicomAttribute tag=\"7FE00010\" vr=\"OB\"><InlineBinary>{}</InlineBinary></DicomAttribute>\n",
        inline::encode(&stream)
    );
    let parsed = from_xml(&wrap(&body), strict()).unwrap();
    let e = parsed.dataset.get(Tag::PIXEL_DATA).unwrap();
    assert!(matches!(e.value, ElementValue::Encapsulated { .. }));
    let text = xml(&parsed.dataset);
    assert_eq!(through_a_file(&text), text);
}

#[test]
fn bulk_data_uris_in_the_output() {
    let f = sample();
    let root = SharedDataset::new(f.dataset);
    let uris = std::collections::HashMap::from([(
        "(7FE0,0010)".to_string(),
        "http://x/1?a&b".to_string(),
    )]);
    let text = to_xml(
        &root.read(),
        &XmlOptions {
            uris: Some(&uris),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(text.contains("<BulkData uri=\"http://x/1?a&amp;b\"/>"));
    let omitted = to_xml(
        &root.read(),
        &XmlOptions {
            bulk_data: BulkData::Omit,
            meta: Some(&f.meta),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(!omitted.contains("InlineBinary"));
    assert!(
        omitted
            .contains("<DicomAttribute tag=\"00020010\" vr=\"UI\" keyword=\"TransferSyntaxUID\">")
    );
    let back = from_xml(&text, strict()).unwrap();
    assert_eq!(back.bulk[0].uri, "http://x/1?a&b");
}

#[test]
fn bad_input_names_line_byte_and_tag_path() {
    for (doc, kind, line, path) in [
        (
            "<NativeDicomModel><DicomAttribute",
            ErrorKind::Malformed,
            1,
            "",
        ),
        ("", ErrorKind::Malformed, 1, ""),
        ("<Other/>", ErrorKind::Malformed, 1, ""),
        (
            "<NativeDicomModel>\n<DicomAttribute tag=\"0010001\" vr=\"PN\"/>\n</NativeDicomModel>",
            ErrorKind::Malformed,
            2,
            "",
        ),
        (
            "<NativeDicomModel>\n\n<DicomAttribute tag=\"00100010\" vr=\"XX\"/></NativeDicomModel>",
            ErrorKind::Malformed,
            3,
            "(0010,0010)",
        ),
        (
            "<NativeDicomModel>\n<DicomAttribute tag=\"00280010\" vr=\"US\"><Value number=\"1\">70000</Value></DicomAttribute></NativeDicomModel>",
            ErrorKind::InvalidValue,
            2,
            "(0028,0010)",
        ),
        (
            "<NativeDicomModel>\n<DicomAttribute tag=\"00280010\" vr=\"US\"><Value number=\"1\">99999999999999999999999</Value></DicomAttribute></NativeDicomModel>",
            ErrorKind::Malformed,
            2,
            "(0028,0010)",
        ),
        (
            "<NativeDicomModel>\n<DicomAttribute tag=\"00280010\" vr=\"US\"><Value number=\"1\">1</Value><Value number=\"4000000000\">2</Value></DicomAttribute></NativeDicomModel>",
            ErrorKind::Malformed,
            2,
            "",
        ),
        (
            "<NativeDicomModel>\n<DicomAttribute tag=\"7FE00010\" vr=\"OB\"><InlineBinary>!!</InlineBinary></DicomAttribute></NativeDicomModel>",
            ErrorKind::Malformed,
            2,
            "(7FE0,0010)",
        ),
        (
            "<NativeDicomModel>\n<DicomAttribute tag=\"7FE00010\" vr=\"OB\"><Value number=\"1\">1</Value></DicomAttribute></NativeDicomModel>",
            ErrorKind::Malformed,
            2,
            "(7FE0,0010)",
        ),
        (
            "<NativeDicomModel>\n<DicomAttribute tag=\"00081140\" vr=\"SQ\"><Item number=\"1\">\n<DicomAttribute tag=\"00081150\" vr=\"UI\"><Value number=\"1\">1.2.x</Value></DicomAttribute></Item></DicomAttribute></NativeDicomModel>",
            ErrorKind::InvalidValue,
            3,
            "(0008,1140)[0].(0008,1150)",
        ),
        (
            "<NativeDicomModel>\n<DicomAttribute tag=\"00100010\" vr=\"PN\"><Value number=\"1\">a</Value><PersonName number=\"2\"/></DicomAttribute></NativeDicomModel>",
            ErrorKind::Malformed,
            2,
            "",
        ),
        (
            "<NativeDicomModel>\n<DicomAttribute tag=\"00100010\" vr=\"PN\"><Value number=\"1\">&bogus;</Value></DicomAttribute></NativeDicomModel>",
            ErrorKind::Malformed,
            2,
            "",
        ),
        (
            "<NativeDicomModel>\n<DicomAttribute tag=\"00100010\" vr=\"PN\"/>\n<DicomAttribute tag=\"00100010\" vr=\"PN\"/></NativeDicomModel>",
            ErrorKind::Malformed,
            3,
            "(0010,0010)",
        ),
        (
            "<NativeDicomModel>\n<DicomAttribute tag=\"00100010\" vr=\"PN\"><Value number=\"1\">山</Value></DicomAttribute></NativeDicomModel>",
            ErrorKind::InvalidValue,
            2,
            "(0010,0010)",
        ),
        (
            "<NativeDicomModel>\n<DicomAttribute tag=\"00100010\" vr=\"PN\"><Bogus/></DicomAttribute></NativeDicomModel>",
            ErrorKind::Malformed,
            2,
            "",
        ),
    ] {
        let e = from_xml(doc, strict()).unwrap_err();
        assert_eq!((e.kind, e.path.as_str()), (kind, path), "{doc}: {e}");
        assert!(
            e.message.starts_with(&format!("XML line {line}:")),
            "{doc}: {e}"
        );
        assert!(e.offset.is_some(), "{doc}: {e}");
    }
    // Not UTF-8, an unknown encoding.
    let e = from_xml_bytes(b"<NativeDicomModel>\xFF</NativeDicomModel>", strict()).unwrap_err();
    assert_eq!(e.offset, Some(18));
    assert!(from_xml_bytes(b"<?xml version=\"1.0\" encoding=\"EBCDIC\"?><x/>", strict()).is_err());
    // Found by the from_xml fuzz target: a declaration whose quote is not a quote.
    assert!(from_xml_bytes("<?xml encoding=ޢTF-8\"?><x/>".as_bytes(), strict()).is_err());
}

#[test]
fn deep_nesting_is_refused_without_recursing_to_the_end() {
    let depth = 100_000;
    let mut doc = String::from("<NativeDicomModel>");
    for _ in 0..depth {
        doc.push_str("<DicomAttribute tag=\"00081140\" vr=\"SQ\"><Item number=\"1\">");
    }
    let e = from_xml(&doc, strict()).unwrap_err();
    assert!(e.message.contains("nested deeper than 64"), "{e}");
    // 64 levels are fine.
    let mut ok = String::from("<NativeDicomModel>");
    for _ in 0..64 {
        ok.push_str("<DicomAttribute tag=\"00081140\" vr=\"SQ\"><Item number=\"1\">");
    }
    for _ in 0..64 {
        ok.push_str("</Item></DicomAttribute>");
    }
    ok.push_str("</NativeDicomModel>");
    from_xml(&ok, strict()).unwrap();
}

#[test]
fn parse_float_spellings() {
    for t in ["nan", "NaN", "-nan"] {
        assert!(parse_float(t).unwrap().is_nan());
    }
    assert_eq!(parse_float("INF"), Some(f64::INFINITY));
    assert_eq!(parse_float("-Infinity"), Some(f64::NEG_INFINITY));
    assert_eq!(
        parse_float("-1.0000000000000007e+300"),
        Some(-1.0000000000000007e300)
    );
    assert_eq!(parse_float("x"), None);
}
