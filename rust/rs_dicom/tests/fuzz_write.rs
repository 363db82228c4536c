//! The `write` fuzz target's round trip (fuzz/fuzz_targets/write_common.rs) over inputs
//! derived from the test corpus: the sample CT, files built in every encoding (nested
//! sequences of defined and undefined lengths, private and UN sequences, encapsulated pixel
//! data, deflated), and from each of them truncations and single-byte changes at regular
//! steps, with each choice of sequence lengths. Any input the fuzzer finds wrong is added here
//! as a built file, so that the test says which bytes matter.

mod common;

#[path = "../../../fuzz/fuzz_targets/write_common.rs"]
mod write_common;

use common::*;

fn seeds() -> Vec<Vec<u8>> {
    let (nested, _) = nested_file();
    let mut out = vec![sample_ct(), nested];
    for (ts, enc) in [
        (TS_IMPLICIT_LE, IMPLICIT_LE),
        (TS_EXPLICIT_LE, EXPLICIT_LE),
        (TS_EXPLICIT_BE, EXPLICIT_BE),
    ] {
        let item = enc.item(&enc.text(0x0008, 0x1150, "UI", "1.2.3"), true);
        let undefined_item = enc.item(&enc.text(0x0008, 0x1155, "UI", "1.2.3.4"), false);
        let body = [
            simple_dataset(enc),
            // A private sequence of undefined length, and one of defined length.
            enc.text(0x0009, 0x0010, "LO", "ACME 1.0"),
            enc.seq(0x0009, 0x1001, std::slice::from_ref(&undefined_item), false),
            enc.seq(0x0009, 0x1002, std::slice::from_ref(&item), true),
            enc.seq(0x0040, 0xA730, &[item, undefined_item], false),
        ]
        .concat();
        out.push(part10(ts, &body, true, true));
        out.push(body); // no preamble, no meta
    }
    // UN of undefined length holding a sequence (explicit VR).
    let e = EXPLICIT_LE;
    let inner = IMPLICIT_LE.item(&IMPLICIT_LE.text(0x0008, 0x1150, "UI", "1.2.3"), false);
    let un = [
        e.header(0x0008, 0x1140, "UN", UNDEFINED),
        inner,
        e.seq_delim(),
    ]
    .concat();
    out.push(part10(
        TS_EXPLICIT_LE,
        &[simple_dataset(e), un].concat(),
        true,
        true,
    ));
    // Encapsulated pixel data with a Basic Offset Table and an odd fragment.
    let bot: Vec<u8> = [0u32, 12].iter().flat_map(|n| n.to_le_bytes()).collect();
    let pixels = e.encapsulated(&bot, &[b"\xff\xd8\x00\x01", b"\xff\xd8\x02"]);
    out.push(part10(
        TS_JPEG_BASELINE,
        &[simple_dataset(e), pixels].concat(),
        true,
        true,
    ));
    #[cfg(feature = "deflate")]
    out.push(part10(
        TS_DEFLATED,
        &deflate(&simple_dataset(e)),
        true,
        true,
    ));
    out
}

#[test]
fn the_writer_round_trip_holds_on_corpus_derived_inputs() {
    let mut runs = 0;
    for seed in seeds() {
        for input in std::iter::once(seed.clone()).chain(byte_variants(&seed, 120)) {
            // The first byte chooses the sequence lengths: as read, undefined, defined.
            for first in [0u8, 1, 2] {
                let mut input = input.clone();
                if let Some(b) = input.first_mut() {
                    *b = first;
                }
                write_common::run(&input);
                runs += 1;
            }
        }
    }
    assert!(runs > 5000, "{runs} runs");
}
