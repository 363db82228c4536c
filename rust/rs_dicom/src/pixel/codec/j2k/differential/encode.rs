//! OpenJPEG's encoder as the differential tests drive it: an [`EncodeParams`] case's
//! parameters, on the shared wrapper (`opj_compress.rs`).

use std::ffi::c_char;

use super::*;
use crate::pixel::codec::j2k::opj_compress::{Layout, compress, default_params};

/// Encodes `planes` (one `width * height` plane per component) to a raw J2K codestream.
pub(super) fn opj_encode(p: &EncodeParams, planes: &[Vec<i32>]) -> Result<Vec<u8>, String> {
    let n = p.components as usize;
    let samples = p.width as usize * p.height as usize;
    assert_eq!(planes.len(), n, "one plane per component");
    assert!(planes.iter().all(|pl| pl.len() == samples), "plane size");

    let mut params = default_params();
    let (rates, psnr) = match &p.layers {
        Layers::Rates(v) => (v.as_slice(), false),
        Layers::Psnr(v) => (v.as_slice(), true),
    };
    assert!(!rates.is_empty() && rates.len() <= 100, "1..=100 layers");
    params.tcp_numlayers = rates.len() as i32;
    if psnr {
        params.cp_fixed_quality = 1;
        params.tcp_distoratio[..rates.len()].copy_from_slice(rates);
    } else {
        params.cp_disto_alloc = 1;
        params.tcp_rates[..rates.len()].copy_from_slice(rates);
    }
    params.numresolution = p.numres as i32;
    params.cblockw_init = p.cblk.0 as i32;
    params.cblockh_init = p.cblk.1 as i32;
    params.prog_order = PROGS[p.prog].0;
    params.mode = p.mode as i32;
    params.irreversible = i32::from(p.irreversible);
    params.tcp_mct = c_char::from(p.mct);
    let mut csty = 0;
    if !p.precincts.is_empty() {
        assert!(p.precincts.len() <= 33);
        csty |= 0x01;
        params.res_spec = p.precincts.len() as i32;
        for (i, &(w, h)) in p.precincts.iter().enumerate() {
            params.prcw_init[i] = w as i32;
            params.prch_init[i] = h as i32;
        }
    }
    if p.sop {
        csty |= 0x02;
    }
    if p.eph {
        csty |= 0x04;
    }
    params.csty = csty;
    if let Some(t) = p.tiles {
        params.tile_size_on = 1;
        params.cp_tdx = t.w as i32;
        params.cp_tdy = t.h as i32;
        params.cp_tx0 = t.x0 as i32;
        params.cp_ty0 = t.y0 as i32;
    }
    params.image_offset_x0 = p.x0 as i32;
    params.image_offset_y0 = p.y0 as i32;
    if let Some(flag) = p.tile_parts {
        params.tp_on = 1;
        params.tp_flag = flag as c_char;
    }

    let mut extra = Vec::new();
    if p.plt {
        extra.push("PLT=YES".to_string());
    }
    if p.tlm {
        extra.push("TLM=YES".to_string());
    }
    if let Some(g) = p.guard_bits {
        extra.push(format!("GUARD_BITS={g}"));
    }
    let layout = Layout {
        width: p.width,
        height: p.height,
        x0: p.x0,
        y0: p.y0,
        components: p.components,
        precision: p.precision,
        signed: p.signed,
    };
    let fill = |dst: &mut [&mut [i32]]| {
        for (d, s) in dst.iter_mut().zip(planes) {
            if !d.is_empty() {
                d.copy_from_slice(s);
            }
        }
        true
    };
    compress(&mut params, &layout, fill, &extra, 0)
}
