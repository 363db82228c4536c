//! The parameter sweep against OpenJPEG, and the check of the harness itself.

use super::*;

/// How one sweep case ended.
pub(super) enum Outcome {
    /// Identical to OpenJPEG.
    Match,
    /// Declined by the Rust decoder, with its reason.
    Unsupported(String),
    Fail(String),
    /// OpenJPEG's encoder failed or wrote a codestream its decoder rejects: no reference.
    Skipped(String),
}

/// Times, and how often each feature was exercised (from the parameters actually used).
#[derive(Default)]
pub(super) struct Timing {
    pub(super) encode: Duration,
    pub(super) opj: Duration,
    pub(super) native: Duration,
    pub(super) slowest_native: (Duration, u64),
    /// Cases whose parameters OpenJPEG made us change (see `encode_case`).
    pub(super) adjusted: usize,
    /// Lossless cases whose OpenJPEG round trip was checked against the original.
    pub(super) self_checked: usize,
    pub(super) coverage: BTreeMap<String, usize>,
}

impl Timing {
    pub(super) fn cover(&mut self, p: &EncodeParams) {
        let mut f = |k: String| *self.coverage.entry(k).or_default() += 1;
        f(if p.irreversible { "9/7" } else { "5/3" }.into());
        f(format!("{} comp", p.components));
        if p.mct {
            f("mct".into());
        }
        f(format!("prec {}", p.precision));
        if p.signed {
            f("signed".into());
        }
        f(format!("numres {}", p.numres));
        f(format!("cblk {}x{}", p.cblk.0, p.cblk.1));
        if !p.precincts.is_empty() {
            f("precincts".into());
        }
        f(PROGS[p.prog].1.into());
        f(format!("{} layer(s)", p.layers.count()));
        if matches!(p.layers, Layers::Psnr(_)) {
            f("psnr layers".into());
        }
        if !p.lossless() {
            f("lossy".into());
        }
        if p.tiles.is_some() {
            f(format!(
                "tiles ({} per image)",
                if p.tile_rects().len() > 1 {
                    "several"
                } else {
                    "one"
                }
            ));
        }
        if p.x0 != 0 || p.y0 != 0 {
            f("image offset".into());
        }
        for (bit, name) in [
            (1, "BYPASS"),
            (2, "RESET"),
            (4, "TERMALL"),
            (8, "VSC"),
            (16, "PTERM"),
            (32, "SEGSYM"),
        ] {
            if p.mode & bit != 0 {
                f(name.into());
            }
        }
        if p.sop {
            f("SOP".into());
        }
        if p.eph {
            f("EPH".into());
        }
        if let Some(tp) = p.tile_parts {
            f(format!("tile-parts {}", tp as char));
        }
        if p.plt {
            f("PLT".into());
        }
        if p.tlm {
            f("TLM".into());
        }
        if let Some(g) = p.guard_bits {
            f(format!("guard bits {g}"));
        }
        if p.has_empty_resolution() {
            f("empty resolution".into());
        }
    }
}

pub(super) fn run_case(case: &Case, verbose: bool, timing: &mut Timing) -> Outcome {
    if verbose {
        println!("requested: {case}");
    }
    let planes = case.planes();
    let t = Instant::now();
    let (mut cs, mut used) = match encode_case(case, &planes) {
        Ok(x) => x,
        Err(e) => return Outcome::Skipped(format!("OpenJPEG cannot encode: {e}\n  {case}")),
    };
    // OpenJPEG's tile-part generation sometimes writes codestreams its own decoder rejects
    // ("segment too long", "Expected EPH marker"): encode those without tile-parts.
    if used.tile_parts.is_some() && opj_decode(&cs).is_err() {
        let mut retry = case.clone();
        retry.params = used.clone();
        retry.params.tile_parts = None;
        match encode_case(&retry, &planes) {
            Ok(x) => (cs, used) = x,
            Err(e) => return Outcome::Skipped(format!("OpenJPEG cannot encode: {e}\n  {case}")),
        }
    }
    timing.encode += t.elapsed();
    timing.cover(&used);
    if used != case.params {
        timing.adjusted += 1;
    }
    let shown = Case {
        params: used.clone(),
        ..case.clone()
    };
    if verbose {
        println!("used: {shown}\n    codestream {} bytes", cs.len());
    }
    if (verbose || std::env::var_os("J2K_DUMP_DIR").is_some())
        && let Some(p) = dump(&format!("case_{}.j2k", case.seed), &cs)
    {
        println!("    written to {}", p.display());
    }
    let t = Instant::now();
    let reference = match opj_decode(&cs) {
        Ok(r) => r,
        Err(e) => {
            return Outcome::Skipped(format!(
                "OpenJPEG cannot decode its own codestream: {e}\n  {shown}"
            ));
        }
    };
    timing.opj += t.elapsed();
    if used.round_trips() {
        timing.self_checked += 1;
        // Self-check of the harness: lossless settings give the original samples back.
        let back: Vec<&Vec<i32>> = reference.comps.iter().map(|c| &c.data).collect();
        if back.len() != planes.len() || back.iter().zip(&planes).any(|(a, b)| *a != b) {
            return Outcome::Fail(format!(
                "HARNESS: a lossless encode did not round-trip through OpenJPEG\n  {shown}"
            ));
        }
    }
    let cs: Arc<[u8]> = cs.into();
    let (run, took) = run_native(cs.clone(), NATIVE_TIMEOUT);
    timing.native += took;
    if took > timing.slowest_native.0 {
        timing.slowest_native = (took, case.seed);
    }
    let failed = |what: String| {
        let at = dump(&format!("rs_dicom_j2k_case_{}.j2k", case.seed), &cs)
            .map(|p| format!("\n    codestream: {}", p.display()))
            .unwrap_or_default();
        Outcome::Fail(format!("{what}\n  {shown}{at}"))
    };
    match run {
        NativeRun::Done(Ok(img)) => match compare(&img, &reference) {
            Ok(()) => Outcome::Match,
            Err(e) => failed(format!(
                "differs from OpenJPEG ({}): {e}",
                if used.lossless() { "lossless" } else { "lossy" }
            )),
        },
        NativeRun::Done(Err(e)) if e.is_unsupported() => {
            Outcome::Unsupported(e.message.into_owned())
        }
        NativeRun::Done(Err(e)) => failed(format!("Malformed on a valid codestream: {e}")),
        NativeRun::Panicked(m) => failed(format!("panicked: {m}")),
        NativeRun::TimedOut => failed(format!("no result within {NATIVE_TIMEOUT:?}")),
    }
}

/// Parses `J2K_CASE`: `7`, `1,5,9`, `100..120` or a mix (`1,100..120`).
pub(super) fn parse_seeds(s: &str) -> Vec<u64> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some((a, b)) = part.split_once("..") {
            let a: u64 = a.trim().parse().expect("J2K_CASE range start");
            let b: u64 = b.trim().parse().expect("J2K_CASE range end");
            out.extend(a..b);
        } else {
            out.push(part.parse().expect("J2K_CASE seed"));
        }
    }
    out
}

#[test]
fn sweep_matches_openjpeg() {
    let single = std::env::var("J2K_CASE").ok();
    let seeds: Vec<u64> = match &single {
        Some(s) => parse_seeds(s),
        None => {
            let n = std::env::var("J2K_CASES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(DEFAULT_CASES);
            (0..n).collect()
        }
    };
    let verbose = single.is_some();
    let start = Instant::now();
    let mut timing = Timing::default();
    let mut matched = 0usize;
    let mut lossy_matched = 0usize;
    let mut unsupported: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut failures: Vec<(u64, String)> = Vec::new();
    let mut skipped: Vec<(u64, String)> = Vec::new();
    // OpenJPEG's encoder is built with assertions in debug builds: `J2K_TRACE=1` names each
    // case before it runs, to find a case that aborts the process.
    let trace = std::env::var_os("J2K_TRACE").is_some();
    for &seed in &seeds {
        let case = gen_case(seed);
        if trace {
            eprintln!("J2K_CASE={seed}");
        }
        match run_case(&case, verbose, &mut timing) {
            Outcome::Match => {
                matched += 1;
                if !case.params.lossless() {
                    lossy_matched += 1;
                }
                if verbose {
                    println!("    identical to OpenJPEG");
                }
            }
            Outcome::Unsupported(r) => {
                if verbose {
                    println!("    Unsupported: {r}");
                }
                unsupported.entry(r).or_default().push(seed);
            }
            Outcome::Fail(m) => {
                if verbose {
                    println!("    FAIL: {m}");
                }
                failures.push((seed, m));
            }
            Outcome::Skipped(m) => {
                if verbose {
                    println!("    skipped: {m}");
                }
                skipped.push((seed, m));
            }
        }
    }
    for (_, m) in &skipped {
        println!("  skipped (OpenJPEG encoder problem) {m}");
    }
    let n_unsupported: usize = unsupported.values().map(Vec::len).sum();
    println!(
        "rs_dicom_j2k sweep: {} cases in {:.1?} (OpenJPEG encode {:.1?}, OpenJPEG decode {:.1?}, \
         native decode {:.1?}, slowest native {:.1?} for J2K_CASE={}): {matched} identical \
         ({lossy_matched} lossy), {n_unsupported} unsupported, {} failed, {} skipped",
        seeds.len(),
        start.elapsed(),
        timing.encode,
        timing.opj,
        timing.native,
        timing.slowest_native.0,
        timing.slowest_native.1,
        failures.len(),
        skipped.len()
    );
    println!(
        "  OpenJPEG self-check: {} lossless cases round-tripped exactly; {} cases had \
         parameters adjusted for OpenJPEG's encoder",
        timing.self_checked, timing.adjusted
    );
    let cov: Vec<String> = timing
        .coverage
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    println!("  coverage: {}", cov.join(", "));
    for (reason, seeds) in &unsupported {
        let shown: Vec<String> = seeds.iter().take(12).map(u64::to_string).collect();
        println!(
            "  Unsupported({reason:?}): {} case(s), e.g. J2K_CASE={}",
            seeds.len(),
            shown.join(",")
        );
    }
    for (_, m) in failures.iter().take(15) {
        println!("  FAIL {m}");
    }
    if failures.len() > 15 {
        println!("  ... and {} more failures", failures.len() - 15);
    }
    let failed_seeds: Vec<String> = failures.iter().map(|(s, _)| s.to_string()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed (J2K_CASE={} reproduces them); first: {}",
        failures.len(),
        seeds.len(),
        failed_seeds.join(","),
        failures[0].1
    );
    // A few cases may lack a reference (OpenJPEG encoder bugs, about 1 in 1000); many
    // means the harness is broken.
    assert!(
        skipped.len() <= 2 + seeds.len() / 100,
        "{} of {} cases had no OpenJPEG reference; first: {}",
        skipped.len(),
        seeds.len(),
        skipped[0].1
    );
    assert_eq!(
        n_unsupported,
        0,
        "the native decoder declined {n_unsupported} of {} cases: {:?}",
        seeds.len(),
        unsupported
            .iter()
            .map(|(r, s)| (r, s.len()))
            .collect::<Vec<_>>()
    );
}

/// The harness itself: lossless settings round-trip exactly through the encoder and
/// decoder wrappers, over many parameter combinations (independent of the native decoder).
#[test]
fn opj_encoder_round_trips_lossless() {
    let mut checked = 0;
    let mut skipped = 0;
    for seed in 0..120u64 {
        let mut case = gen_case(10_000 + seed);
        // Keep this check quick: small images only.
        case.params.width = case.params.width.min(48);
        case.params.height = case.params.height.min(48);
        if let Some(t) = &mut case.params.tiles {
            let (gw, gh) = (
                case.params.x0 + case.params.width,
                case.params.y0 + case.params.height,
            );
            if gw.div_ceil(t.w) * gh.div_ceil(t.h) > 64 {
                case.params.tiles = None;
            }
        }
        case.params.irreversible = false;
        case.params.layers = match &case.params.layers {
            Layers::Rates(v) => {
                let mut v = v.clone();
                if let Some(l) = v.last_mut() {
                    *l = 0.0;
                }
                Layers::Rates(v)
            }
            Layers::Psnr(v) => {
                let mut v = v.clone();
                v.push(0.0);
                Layers::Psnr(v)
            }
        };
        case.params.numres = case.params.numres.min(case.params.max_numres());
        case.params.precincts.truncate(case.params.numres as usize);
        let planes = case.planes();
        let (cs, used) = encode_case(&case, &planes).unwrap_or_else(|e| panic!("{e}\n  {case}"));
        assert!(cs.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]), "SOC SIZ");
        assert!(cs.ends_with(&[0xFF, 0xD9]), "EOC");
        let img = opj_decode(&cs).unwrap_or_else(|e| panic!("{e}\n  {case}"));
        assert_eq!((img.width, img.height), (used.width, used.height), "{case}");
        assert_eq!(img.comps.len(), planes.len(), "{case}");
        if !used.round_trips() {
            skipped += 1;
            continue;
        }
        assert_eq!(
            img.mct,
            used.mct && used.components >= 3,
            "MCT flag in COD\n  {case}"
        );
        for (c, plane) in img.comps.iter().zip(&planes) {
            assert_eq!(
                (c.precision, c.signed),
                (used.precision, used.signed),
                "{case}"
            );
            assert!(c.data == *plane, "lossless round trip differs\n  {case}");
        }
        checked += 1;
    }
    // Lossy settings decode to the right geometry and within the precision's range.
    for seed in 0..40u64 {
        let mut case = gen_case(20_000 + seed);
        case.params.width = case.params.width.min(40);
        case.params.height = case.params.height.min(40);
        case.params.tiles = None;
        case.params.irreversible = true;
        case.params.layers = Layers::Rates(vec![20.0, 5.0]);
        case.params.numres = case.params.numres.min(case.params.max_numres());
        case.params.precincts.truncate(case.params.numres as usize);
        let planes = case.planes();
        let (cs, used) = encode_case(&case, &planes).unwrap_or_else(|e| panic!("{e}\n  {case}"));
        let img = opj_decode(&cs).unwrap_or_else(|e| panic!("{e}\n  {case}"));
        assert_eq!((img.width, img.height), (used.width, used.height));
        let (lo, hi) = sample_range(used.precision, used.signed);
        for c in &img.comps {
            assert_eq!(c.data.len(), (used.width * used.height) as usize);
            assert!(
                c.data.iter().all(|&v| (lo..=hi).contains(&i64::from(v))),
                "{case}"
            );
        }
    }
    println!(
        "harness self-check: {checked} lossless round trips exact ({skipped} skipped: see \
         `EncodeParams::round_trips`)"
    );
    assert!(checked >= 100, "too few cases checked");
}
