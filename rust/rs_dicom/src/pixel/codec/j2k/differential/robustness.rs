//! Robustness: truncated and corrupted codestreams never make the decoder panic or hang.

use super::*;

/// A few valid codestreams exercising different header and packet features.
pub(super) fn robustness_sources() -> Vec<(&'static str, Vec<u8>)> {
    let mut out = Vec::new();
    let mut add = |name: &'static str, p: EncodeParams, content: Content, seed: u64| {
        let case = Case {
            seed,
            contents: vec![content; p.components as usize],
            params: p,
        };
        let planes = case.planes();
        let (cs, _) = encode_case(&case, &planes).unwrap_or_else(|e| panic!("{e}\n  {case}"));
        out.push((name, cs));
    };

    // 8-bit grey, 3 layers, custom precincts, SOP + EPH, RPCL.
    let mut p = EncodeParams::basic(33, 29, 1, 8, false);
    p.numres = 4;
    p.layers = Layers::Rates(vec![20.0, 5.0, 0.0]);
    p.precincts = vec![(16, 16), (8, 8)];
    p.cblk = (8, 8);
    p.sop = true;
    p.eph = true;
    p.prog = 2;
    add(
        "gray8-layers-precincts-sop-eph",
        p,
        Content::GradientNoise,
        1,
    );

    // 12-bit RGB, ICT (9/7), tiles with offsets, tile-parts per resolution, TLM + PLT.
    let mut p = EncodeParams::basic(30, 22, 3, 12, false);
    p.irreversible = true;
    p.numres = 3;
    p.x0 = 3;
    p.y0 = 5;
    p.tiles = Some(Tiles {
        w: 16,
        h: 16,
        x0: 0,
        y0: 2,
    });
    p.layers = Layers::Rates(vec![12.0, 3.0]);
    p.tile_parts = Some(b'R');
    p.tlm = true;
    p.plt = true;
    p.prog = 4;
    add("rgb12-ict-tiles-tileparts", p, Content::Gradient, 2);

    // 16-bit signed, all code-block style switches, RLCP, 5/3 lossless.
    let mut p = EncodeParams::basic(24, 20, 1, 16, true);
    p.numres = 3;
    p.cblk = (16, 8);
    p.mode = 1 | 2 | 4 | 8 | 16 | 32;
    p.prog = 1;
    p.layers = Layers::Rates(vec![4.0, 0.0]);
    add("s16-all-mode-switches", p, Content::Noise, 3);

    // RGB 8-bit RCT, PCRL, bypass + TERMALL, 4x4 code-blocks.
    let mut p = EncodeParams::basic(17, 11, 3, 8, false);
    p.numres = 2;
    p.cblk = (4, 4);
    p.mode = 1 | 4;
    p.prog = 3;
    add("rgb8-rct-bypass-4x4", p, Content::GradientNoise, 4);

    // A 1-bit image and a 1x1 image.
    add(
        "bilevel",
        EncodeParams::basic(19, 7, 1, 1, false),
        Content::Pattern,
        5,
    );
    add(
        "one-pixel",
        EncodeParams::basic(1, 1, 1, 8, true),
        Content::Constant,
        6,
    );
    out
}

/// Offset of the first SOD marker (end of the main and first tile-part header).
pub(super) fn first_sod(cs: &[u8]) -> usize {
    cs.windows(2)
        .position(|w| w == [0xFF, 0x93])
        .unwrap_or(cs.len())
}

#[derive(Default)]
pub(super) struct RobustStats {
    pub(super) runs: usize,
    pub(super) ok: usize,
    pub(super) malformed: usize,
    pub(super) unsupported: BTreeMap<String, usize>,
    pub(super) slowest: Duration,
    pub(super) failures: Vec<String>,
}

impl RobustStats {
    pub(super) fn run(&mut self, what: impl Fn() -> String, data: Vec<u8>) {
        self.runs += 1;
        let data: Arc<[u8]> = data.into();
        let (run, took) = run_native(data.clone(), NATIVE_TIMEOUT);
        self.slowest = self.slowest.max(took);
        let problem = match run {
            NativeRun::Done(Ok(img)) => {
                self.ok += 1;
                check_consistent(&img)
                    .err()
                    .map(|e| format!("inconsistent Ok image: {e}"))
            }
            NativeRun::Done(Err(e)) if e.is_unsupported() => {
                let empty = e.message.trim().is_empty();
                *self.unsupported.entry(e.message.into_owned()).or_default() += 1;
                empty.then(|| "Unsupported without a reason".to_string())
            }
            NativeRun::Done(Err(e)) => {
                self.malformed += 1;
                e.message
                    .trim()
                    .is_empty()
                    .then(|| "Malformed without a message".to_string())
            }
            NativeRun::Panicked(m) => Some(format!("panicked: {m}")),
            NativeRun::TimedOut => Some(format!("no result within {NATIVE_TIMEOUT:?}")),
        };
        if let Some(p) = problem {
            let name = format!("rs_dicom_j2k_robust_{}.j2k", self.failures.len());
            let at = dump(&name, &data)
                .map(|p| format!(" (input written to {})", p.display()))
                .unwrap_or_default();
            self.failures.push(format!("{}: {p}{at}", what()));
        }
    }
}

#[test]
fn robustness_truncation_and_corruption() {
    let start = Instant::now();
    let mut stats = RobustStats::default();
    let mut rng = Rng::new(0x5EED_F00D_BADB_1750);
    for (name, cs) in robustness_sources() {
        let len = cs.len();
        let header = first_sod(&cs);
        // (a) Truncation: every position in the headers, then evenly spread positions.
        let mut cuts: Vec<usize> = (0..=header.min(len)).collect();
        let step = (len / 150).max(1);
        cuts.extend((header..len).step_by(step));
        cuts.push(len.saturating_sub(1));
        cuts.push(len.saturating_sub(2));
        cuts.sort_unstable();
        cuts.dedup();
        for cut in cuts {
            stats.run(
                || format!("{name}: truncated to {cut} of {len} bytes"),
                cs[..cut].to_vec(),
            );
        }
        // (b) Corruption: single bit flips, byte replacements (random, 0x00, 0xFF) and
        // marker-like 0xFF 0x9x pairs, half of them in the headers.
        for k in 0..400 {
            let at = if k % 2 == 0 && header > 0 {
                rng.below(header as u64) as usize
            } else {
                rng.below(len as u64) as usize
            };
            let mut data = cs.clone();
            let desc = match rng.below(5) {
                0 | 1 => {
                    let bit = rng.below(8);
                    data[at] ^= 1 << bit;
                    format!("bit {bit} of byte {at} flipped")
                }
                2 => {
                    let v = rng.below(256) as u8;
                    data[at] = v;
                    format!("byte {at} set to {v:#04x}")
                }
                3 => {
                    let v = if rng.chance(50) { 0x00 } else { 0xFF };
                    data[at] = v;
                    format!("byte {at} set to {v:#04x}")
                }
                _ => {
                    let m = 0x90 + rng.below(16) as u8;
                    data[at] = 0xFF;
                    if at + 1 < len {
                        data[at + 1] = m;
                    }
                    format!("bytes {at}.. set to FF {m:02X}")
                }
            };
            stats.run(|| format!("{name}: {desc}"), data);
        }
        // Several corruptions at once, in the packet data.
        for k in 0..40 {
            let mut data = cs.clone();
            for _ in 0..1 + k % 8 {
                let at = header + rng.below((len - header).max(1) as u64) as usize;
                if at < len {
                    data[at] = rng.below(256) as u8;
                }
            }
            stats.run(|| format!("{name}: multi-byte corruption #{k}"), data);
        }
    }
    // Inputs that are not codestreams at all.
    for (what, data) in [
        ("empty", Vec::new()),
        ("SOC only", vec![0xFF, 0x4F]),
        ("SOC SIZ with no length", vec![0xFF, 0x4F, 0xFF, 0x51]),
        ("zeros", vec![0u8; 64]),
        ("0xFF bytes", vec![0xFFu8; 64]),
    ] {
        stats.run(|| what.to_string(), data);
    }
    println!(
        "rs_dicom_j2k robustness: {} decodes in {:.1?} (slowest {:.1?}): {} Ok, {} Malformed, \
         Unsupported {:?}, {} problems",
        stats.runs,
        start.elapsed(),
        stats.slowest,
        stats.ok,
        stats.malformed,
        stats.unsupported,
        stats.failures.len()
    );
    for f in stats.failures.iter().take(20) {
        println!("  {f}");
    }
    assert!(
        stats.failures.is_empty(),
        "{} robustness problems; first: {}",
        stats.failures.len(),
        stats.failures[0]
    );
}
