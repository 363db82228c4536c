// The invariant of the `pdu` target, shared with rust/rs_dicom_net/tests/fuzz_pdu.rs.
//
// Any bytes: parsing a PDU, reading one from a stream with a small limit, and parsing a
// DIMSE command set end in a value or an error, never a panic. A PDU that parses and writes
// again must parse to the same PDU, and its bytes must write again the same.

use rs_dicom_net::dimse::Command;
use rs_dicom_net::pdu::{Pdu, read_pdu};

pub fn check(data: &[u8]) {
    if let Ok(pdu) = Pdu::parse(data)
        && let Ok(bytes) = pdu.to_bytes()
    {
        let again = Pdu::parse(&bytes).expect("a written PDU parses");
        assert_eq!(again, pdu, "a written PDU parses to itself");
        assert_eq!(again.to_bytes().expect("writes again"), bytes);
    }
    let mut body = Vec::new();
    let mut stream = data;
    while let Ok(kind) = read_pdu(&mut stream, 4096, &mut body) {
        assert!(body.len() <= 1 << 20);
        let _ = Pdu::parse_body(kind, &body);
    }
    if let Ok(c) = Command::parse(data) {
        let bytes = c.to_bytes().expect("a parsed command writes");
        assert_eq!(Command::parse(&bytes).expect("and parses again"), c);
    }
}
