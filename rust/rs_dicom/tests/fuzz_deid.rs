//! The `deid` fuzz target's checks (fuzz/fuzz_targets/deid_common.rs) over inputs derived from
//! the sample CT and from built files with identifying values in nested sequences, private
//! blocks and dates, in each encoding: the files themselves, truncations, single-byte changes
//! and seeded random byte changes, each under the Basic Profile, every option, Retain UIDs
//! alone and Clean Pixel Data alone.

mod common;

#[path = "../../../fuzz/fuzz_targets/deid_common.rs"]
mod deid_common;

use common::*;

/// Option bits of the target's first two bytes ([`rs_dicom::deid::Opt::ALL`] order).
const OPTION_SETS: [u16; 4] = [0, 0x07FF, 1 << 1, 1 << 10];

fn seeds() -> Vec<Vec<u8>> {
    let (nested, _) = nested_file();
    let mut out = vec![sample_ct(), nested];
    for (ts, enc) in [
        (TS_IMPLICIT_LE, IMPLICIT_LE),
        (TS_EXPLICIT_LE, EXPLICIT_LE),
        (TS_EXPLICIT_BE, EXPLICIT_BE),
    ] {
        let referenced = enc.item(
            &[
                enc.text(0x0008, 0x0020, "DA", "20240131"),
                enc.text(0x0008, 0x1155, "UI", "1.2.826.0.1.3680043.2.1125.7"),
                enc.text(0x0010, 0x0010, "PN", "Nested^Name"),
            ]
            .concat(),
            false,
        );
        let body = [
            enc.text(0x0008, 0x0018, "UI", "1.2.826.0.1.3680043.2.1125.9"),
            enc.text(0x0008, 0x0020, "DA", "20240130"),
            enc.text(0x0008, 0x0030, "TM", "101010.5"),
            enc.text(0x0008, 0x0060, "CS", "CT"),
            enc.text(0x0008, 0x0080, "LO", "General Hospital"),
            enc.seq(0x0008, 0x1115, std::slice::from_ref(&referenced), false),
            enc.text(0x0009, 0x0010, "LO", "ACME 1.0"),
            enc.text(0x0009, 0x1001, "LO", "private identifying text"),
            enc.text(0x0010, 0x0010, "PN", "Doe^Jane"),
            enc.text(0x0010, 0x0020, "LO", "PID-0001"),
            enc.text(0x0010, 0x0030, "DA", "19700101"),
            enc.text(0x0020, 0x000D, "UI", "1.2.826.0.1.3680043.2.1125.1"),
            enc.us(0x0028, 0x0002, &[1]),
            enc.text(0x0028, 0x0004, "CS", "MONOCHROME2"),
            enc.us(0x0028, 0x0010, &[4]),
            enc.us(0x0028, 0x0011, &[4]),
            enc.us(0x0028, 0x0100, &[8]),
            enc.us(0x0028, 0x0101, &[8]),
            enc.us(0x0028, 0x0102, &[7]),
            enc.us(0x0028, 0x0103, &[0]),
            enc.elem(0x7FE0, 0x0010, "OB", &[7u8; 16]),
        ]
        .concat();
        out.push(part10(ts, &body, true, true));
    }
    out
}

/// [`byte_variants`] of `seed` and `n` seeded random mutants.
fn variants(seed: &[u8], n: usize, rng: &mut Rng) -> Vec<Vec<u8>> {
    let mut out = byte_variants(seed, n);
    for _ in 0..n {
        let mut v = seed.to_vec();
        for _ in 0..1 + rng.below(8) {
            let at = rng.below(v.len());
            v[at] = rng.next() as u8;
        }
        out.push(v);
    }
    out
}

#[test]
fn de_identification_holds_on_corpus_derived_inputs() {
    let mut rng = Rng(0x5eed_d1d0);
    let (mut runs, mut checked) = (0, 0);
    for seed in seeds() {
        for input in std::iter::once(seed.clone()).chain(variants(&seed, 60, &mut rng)) {
            for bits in OPTION_SETS {
                let data = [&bits.to_le_bytes()[..], &input].concat();
                checked += usize::from(deid_common::run(&data));
                runs += 1;
            }
        }
    }
    // Most mutants still parse and de-identify: the checks are not vacuous.
    assert!(
        runs > 4000 && checked > runs / 2,
        "{checked} of {runs} runs checked"
    );
}
