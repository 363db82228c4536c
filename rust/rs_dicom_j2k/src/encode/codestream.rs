//! The main header and tile-part of a codestream: SOC, SIZ (Part 15 capabilities and CAP for
//! HT code-blocks, plain Part 1 otherwise), COD, QCD, then one tile-part (SOT, SOD, packets)
//! and EOC.

use super::{Plan, Progression};

/// Marker codes written by the encoder.
const SOC: u16 = 0xFF4F;
const SIZ: u16 = 0xFF51;
const CAP: u16 = 0xFF50;
const COD: u16 = 0xFF52;
const QCD: u16 = 0xFF5C;
const SOT: u16 = 0xFF90;
const SOD: u16 = 0xFF93;
const EOC: u16 = 0xFFD9;

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Ccap15's magnitude bound field for `b` bits (15444-15 Table A.6).
fn magb(b: u32) -> u16 {
    match b {
        0..=8 => 0,
        9..=27 => (b - 8) as u16,
        28..=47 => (13 + (b >> 2)) as u16,
        _ => 31,
    }
}

/// Writes the main header for `plan`.
pub(super) fn main_header(out: &mut Vec<u8>, plan: &Plan) {
    put16(out, SOC);
    put16(out, SIZ);
    put16(out, 38 + 3 * plan.components as u16);
    // Rsiz: Part 15 capabilities, described by CAP, or plain Part 1.
    put16(out, if plan.ht { 0x4000 } else { 0 });
    for v in [plan.width, plan.height, 0, 0, plan.width, plan.height, 0, 0] {
        put32(out, v);
    }
    put16(out, plan.components as u16);
    for _ in 0..plan.components {
        let ssiz = (plan.precision - 1) as u8 | if plan.signed { 0x80 } else { 0 };
        out.extend_from_slice(&[ssiz, 1, 1]);
    }

    if plan.ht {
        put16(out, CAP);
        put16(out, 8);
        put32(out, 1 << (32 - 15)); // Pcap: Part 15
        let irreversible = if plan.reversible { 0 } else { 1 << 5 };
        put16(out, irreversible | magb(plan.max_kmax));
    }

    put16(out, COD);
    put16(out, 12);
    out.push(0); // Scod: default precincts, no SOP/EPH
    out.push(match plan.progression {
        Progression::Lrcp => 0,
        Progression::Rlcp => 1,
        Progression::Rpcl => 2,
        Progression::Pcrl => 3,
        Progression::Cprl => 4,
    });
    put16(out, 1); // layers
    out.push(u8::from(plan.mct));
    out.push(plan.levels as u8);
    out.push(plan.cb_log2.0 as u8 - 2);
    out.push(plan.cb_log2.1 as u8 - 2);
    out.push(if plan.ht { 0x40 } else { 0 }); // code-block style: HT or none
    out.push(u8::from(plan.reversible));

    put16(out, QCD);
    if plan.reversible {
        put16(out, 3 + plan.exponents.len() as u16);
        out.push((plan.guard_bits as u8) << 5);
        for &(e, _) in &plan.exponents {
            out.push((e as u8) << 3);
        }
    } else {
        put16(out, 3 + 2 * plan.exponents.len() as u16);
        out.push((plan.guard_bits as u8) << 5 | 2);
        for &(e, m) in &plan.exponents {
            put16(out, (e as u16) << 11 | m as u16);
        }
    }
}

/// Writes the single tile-part holding `body` (the packets), then EOC.
pub(super) fn tile(out: &mut Vec<u8>, body: &[u8]) {
    put16(out, SOT);
    put16(out, 10);
    put16(out, 0); // tile index
    let psot = (12 + 2 + body.len()) as u32;
    put32(out, psot);
    out.push(0); // tile-part index
    out.push(1); // one tile-part
    put16(out, SOD);
    out.extend_from_slice(body);
    put16(out, EOC);
}
