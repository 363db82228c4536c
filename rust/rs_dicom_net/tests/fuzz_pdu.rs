//! The `pdu` fuzz target's invariant (fuzz/fuzz_targets/pdu_common.rs) over valid PDUs and
//! command sets and a few thousand seeded mutations of them: byte changes, truncations,
//! length fields set to extreme values, and concatenations.

#[path = "../../../fuzz/fuzz_targets/pdu_common.rs"]
mod pdu_common;

use rs_dicom_net::dimse;
use rs_dicom_net::pdu::*;

fn seeds() -> Vec<Vec<u8>> {
    let rq = AssociateRq {
        protocol_version: 1,
        called_ae: "ANY-SCP".into(),
        calling_ae: "RS_DICOM".into(),
        application_context: APPLICATION_CONTEXT.into(),
        contexts: vec![
            PresentationContextRq {
                id: 1,
                abstract_syntax: "1.2.840.10008.1.1".into(),
                transfer_syntaxes: vec!["1.2.840.10008.1.2".into()],
            },
            PresentationContextRq {
                id: 3,
                abstract_syntax: "1.2.840.10008.5.1.4.1.1.2".into(),
                transfer_syntaxes: vec!["1.2.840.10008.1.2.1".into(), "1.2.840.10008.1.2".into()],
            },
        ],
        user: UserInformation {
            max_pdu_length: Some(16384),
            implementation_class_uid: "1.2.3.4".into(),
            implementation_version: Some("V1".into()),
            async_ops: Some((1, 1)),
            roles: vec![RoleSelection {
                sop_class: "1.2.840.10008.5.1.4.1.1.2".into(),
                scu: false,
                scp: true,
            }],
            identity: Some(UserIdentity {
                kind: 2,
                positive_response: true,
                primary: b"alice".to_vec(),
                secondary: b"pw".to_vec(),
            }),
            identity_ac: None,
            other: vec![(0x56, vec![0, 1, b'1', 0])],
        },
    };
    let ac = AssociateAc {
        protocol_version: 1,
        called_ae: "ANY-SCP".into(),
        calling_ae: "RS_DICOM".into(),
        application_context: APPLICATION_CONTEXT.into(),
        contexts: vec![PresentationContextAc {
            id: 1,
            result: 0,
            transfer_syntax: "1.2.840.10008.1.2".into(),
        }],
        user: UserInformation {
            max_pdu_length: Some(0),
            // The window answer at its extremes: unlimited, and the largest number.
            async_ops: Some((0, 0xFFFF)),
            identity_ac: Some(UserIdentityAc {
                response: b"ok".to_vec(),
            }),
            ..Default::default()
        },
    };
    let command = dimse::store_rq(5, "1.2.840.10008.5.1.4.1.1.2", "1.2.3")
        .to_bytes()
        .unwrap();
    let pdus = [
        Pdu::AssociateRq(rq),
        Pdu::AssociateAc(ac),
        Pdu::AssociateRj(AssociateRj {
            result: 2,
            source: 3,
            reason: 1,
        }),
        Pdu::PData(vec![
            Pdv {
                context_id: 1,
                control: 3,
                data: command.clone(),
            },
            Pdv {
                context_id: 1,
                control: 2,
                data: vec![8, 0, 0x16, 0],
            },
        ]),
        Pdu::ReleaseRq,
        Pdu::ReleaseRp,
        Pdu::Abort(Abort {
            source: 0,
            reason: 0,
        }),
    ];
    let mut out: Vec<Vec<u8>> = pdus.iter().map(|p| p.to_bytes().unwrap()).collect();
    out.push(command);
    out.push(dimse::echo_rq(1).to_bytes().unwrap());
    out
}

/// xorshift64*: reproducible without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, seed: &[u8], all: &[Vec<u8>]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..=rng.below(4) {
        match rng.below(6) {
            0 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] = rng.next() as u8;
            }
            1 => b.truncate(rng.below(b.len() + 1)),
            2 if b.len() >= 4 => {
                // A length-like field set to an extreme value.
                let i = rng.below(b.len() - 3);
                let v: [u8; 4] = match rng.below(4) {
                    0 => [0xFF; 4],
                    1 => [0; 4],
                    2 => [0, 0, 0xFF, 0xFF],
                    _ => (rng.next() as u32).to_be_bytes(),
                };
                b[i..i + 4].copy_from_slice(&v);
            }
            3 if b.len() >= 2 => {
                let i = rng.below(b.len() - 1);
                b[i..i + 2].copy_from_slice(&[0xFF, 0xFF]);
            }
            4 => b.extend_from_slice(&all[rng.below(all.len())]),
            _ => {
                let i = rng.below(b.len() + 1);
                b.insert(i, rng.next() as u8);
            }
        }
    }
    b
}

#[test]
fn pdu_invariant_holds_on_seeds_and_mutations() {
    let seeds = seeds();
    for s in &seeds {
        pdu_common::check(s);
        for cut in 0..s.len() {
            pdu_common::check(&s[..cut]);
        }
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for i in 0..6000 {
        let input = mutate(&mut rng, &seeds[i % seeds.len()], &seeds);
        pdu_common::check(&input);
    }
}
