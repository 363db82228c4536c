use super::*;

const MSG: &[u8] = b"preamble\r\n--XyZ  \r\nContent-Type: application/dicom\r\nContent-Location: /a\r\n\r\nfirst\r\n--XyZbody\r\n--XyZ\r\n\r\nsecond\r\n--XyZ--\r\nepilogue";

#[test]
fn whole_body_borrowed() {
    let parts = parse_multipart(MSG, "XyZ").unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].body, b"first\r\n--XyZbody");
    assert_eq!(parts[0].header("content-type"), Some("application/dicom"));
    assert_eq!(parts[0].header("Content-Location"), Some("/a"));
    assert_eq!(parts[1].body, b"second");
    assert!(parts[1].headers.is_empty());
    let at = parts[1].offset as usize;
    assert_eq!(&MSG[at..at + 6], b"second");
}

#[test]
fn fed_byte_by_byte_and_in_chunks_gives_the_same_parts() {
    let whole: Vec<(PartHeaders, Vec<u8>, u64)> = parse_multipart(MSG, "XyZ")
        .unwrap()
        .into_iter()
        .map(|p| (p.headers, p.body.to_vec(), p.offset))
        .collect();
    for size in [1, 2, 3, 5, 7, 16, 1000] {
        let mut r = MultipartReader::new("XyZ").unwrap();
        let mut got = Vec::new();
        for chunk in MSG.chunks(size) {
            got.extend(r.feed(chunk).unwrap());
        }
        r.finish().unwrap();
        assert_eq!(got, whole, "chunks of {size}");
    }
}

#[test]
fn write_then_parse() {
    let body = write_multipart(
        &[
            ("application/dicom", b"abc"),
            ("application/octet-stream", b""),
        ],
        "b1",
    )
    .unwrap();
    let parts = parse_multipart(&body, "b1").unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].body, b"abc");
    assert_eq!(parts[1].body, b"");
    assert_eq!(
        parts[1].header("Content-Type"),
        Some("application/octet-stream")
    );
    let e = write_multipart(&[("a/b", b"x\r\n--b1y")], "b1").unwrap_err();
    assert_eq!(e.offset, Some(1));
}

#[test]
fn truncated_and_malformed_name_offsets() {
    let e = parse_multipart(&MSG[..60], "XyZ").unwrap_err();
    assert_eq!((e.kind, e.offset), (ErrorKind::Truncated, Some(19)));
    assert!(e.message.contains("header block"), "{e}");
    let e = parse_multipart(&MSG[..85], "XyZ").unwrap_err();
    assert_eq!((e.kind, e.offset), (ErrorKind::Truncated, Some(76)));
    assert!(e.message.contains("inside a part"), "{e}");
    let e = parse_multipart(b"no boundary here", "XyZ").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Truncated);
    let e = parse_multipart(b"--XyZ\r\nbad header\r\n\r\nx\r\n--XyZ--", "XyZ").unwrap_err();
    assert_eq!((e.kind, e.offset), (ErrorKind::Malformed, Some(7)));
    let e = parse_multipart(b"--XyZjunk", "XyZ").unwrap_err();
    assert_eq!((e.kind, e.offset), (ErrorKind::Truncated, Some(9)));
    let big = [
        b"--XyZ\r\nA: ".as_slice(),
        &vec![b'x'; MAX_HEADER_BLOCK + 10],
    ]
    .concat();
    let mut r = MultipartReader::new("XyZ").unwrap();
    let e = r.feed(&big).unwrap_err();
    assert_eq!((e.kind, e.offset), (ErrorKind::Limit, Some(7)));
    assert!(MultipartReader::new("").is_err());
}

#[test]
fn reader_keeps_only_the_unfinished_part() {
    let mut r = MultipartReader::new("q").unwrap();
    assert!(r.feed(b"--q\r\n\r\n").unwrap().is_empty());
    for _ in 0..100 {
        assert!(r.feed(&[7u8; 1000]).unwrap().is_empty());
    }
    let parts = r.feed(b"\r\n--q\r\n\r\nz\r\n--q--").unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].1.len(), 100_000);
    assert_eq!(parts[1].1, b"z");
    assert_eq!(parts[1].2, 7 + 100_000 + 9);
    assert!(r.buf.is_empty());
    r.finish().unwrap();
    let e = MultipartReader::new("q").unwrap().finish().unwrap_err();
    assert_eq!(e.kind, ErrorKind::Truncated);
}

#[test]
fn readers_one_after_the_other_on_large_parts() {
    let bodies: Vec<Vec<u8>> = [39206usize, 100_000, 5, 70_000]
        .iter()
        .enumerate()
        .map(|(i, &n)| vec![(i % 251) as u8; n])
        .collect();
    let boundary = "rs-dicom-0123456789abcdef0123456789abcdef";
    let list: Vec<(&str, &[u8])> = bodies
        .iter()
        .map(|b| ("application/dicom", b.as_slice()))
        .collect();
    let body = write_multipart(&list, boundary).unwrap();
    for size in [body.len(), 1 << 20, 65536, 1000, 7] {
        let mut r = MultipartReader::new(boundary).unwrap();
        let mut n = 0;
        for chunk in body.chunks(size) {
            n += r.feed(chunk).unwrap().len();
        }
        assert_eq!(n, 4);
        r.finish().unwrap();
    }
}

/// The fuzz target's property on messages built from the tokens that matter (delimiters,
/// line breaks, header syntax): the whole-body parser and the chunk-fed reader agree.
#[test]
fn whole_and_chunked_agree_on_token_soup() {
    const TOKENS: [&[u8]; 9] = [
        b"--b", b"\r\n", b"\r", b"\n", b"x", b":", b" ", b"--", b"A: v",
    ];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut parsed = 0;
    for _ in 0..3000 {
        let n = (next() % 24) as usize;
        let mut msg: Vec<u8> = (0..n)
            .flat_map(|_| TOKENS[(next() % 9) as usize].iter().copied())
            .collect();
        // Most messages get a valid frame around the soup, so that many parse.
        if next() % 4 != 0 {
            msg.splice(0..0, b"--b\r\n\r\n".iter().copied());
            msg.extend_from_slice(b"\r\n--b--");
        }
        let whole = parse_multipart(&msg, "b");
        let chunk = (next() % 5 + 1) as usize;
        let mut r = MultipartReader::new("b").unwrap();
        let mut fed = Vec::new();
        let mut ok = true;
        for piece in msg.chunks(chunk) {
            match r.feed(piece) {
                Ok(p) => fed.extend(p),
                Err(_) => {
                    ok = false;
                    break;
                }
            }
        }
        ok = ok && r.finish().is_ok();
        match whole {
            Ok(parts) => {
                assert!(ok, "{:?} chunks of {chunk}", String::from_utf8_lossy(&msg));
                let parts: Vec<OwnedPart> = parts
                    .into_iter()
                    .map(|p| (p.headers, p.body.to_vec(), p.offset))
                    .collect();
                assert_eq!(parts, fed, "{:?}", String::from_utf8_lossy(&msg));
                parsed += usize::from(!parts.is_empty());
            }
            Err(_) => assert!(!ok, "{:?} chunks of {chunk}", String::from_utf8_lossy(&msg)),
        }
    }
    assert!(
        parsed > 30,
        "only {parsed} messages with parts: the soup tests too little"
    );
}
