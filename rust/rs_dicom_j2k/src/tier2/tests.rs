//! Unit tests of tier-2: packet headers of OpenJPEG-made codestreams, the bit reader, tag
//! trees against a transcription of OpenJPEG's encoder, odd geometries.

use super::bits::{BitReader, TagTrees};
use super::geometry::*;
use super::*;

/// Packs a string of '0'/'1' into bytes MSB first, with bit stuffing after 0xFF.
fn pack(bits: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut cur, mut n, mut cap) = (0u32, 0u32, 8u32);
    for ch in bits.chars().filter(|c| *c == '0' || *c == '1') {
        cur = cur << 1 | u32::from(ch == '1');
        n += 1;
        if n == cap {
            out.push(cur as u8);
            cap = if cur == 0xFF { 7 } else { 8 };
            cur = 0;
            n = 0;
        }
    }
    if n > 0 {
        out.push((cur << (cap - n)) as u8);
    }
    out
}

/// Runs tier-2 over every tile of a codestream, checking that the packets use exactly the
/// tile data and that every code-block's bookkeeping is consistent.
fn check_codestream(d: &[u8], what: &str) {
    let cs = crate::codestream::parse(d).unwrap_or_else(|e| panic!("{what}: {e:?}"));
    for t in 0..cs.tiles.len() {
        let p = crate::tile::tile_params(&cs, t).unwrap();
        let (data, base) = cs.tile_data(t);
        let layout =
            read_tile(&p, &data, base).unwrap_or_else(|e| panic!("{what}: tile {t}: {e:?}"));
        assert_eq!(layout.consumed, data.len(), "{what}: tile {t}");
        let (w, h) = (p.rect.x1 - p.rect.x0, p.rect.y1 - p.rect.y0);
        for b in &layout.blocks {
            let passes: u32 = b.segments.iter().map(|s| s.passes).sum();
            let seg_len: usize = b.segments.iter().map(|s| s.len).sum();
            let data_len: usize = b.ranges.iter().map(|r| r.1).sum();
            assert_eq!(seg_len, data_len, "{what}");
            assert!(
                b.params.numbps > 0 && passes <= 3 * b.params.numbps - 2,
                "{what}: {b:?}"
            );
            assert!(
                b.x + b.params.width <= w && b.y + b.params.height <= h,
                "{what}"
            );
            let style = b.params.style;
            if style & 0x04 != 0 {
                assert!(b.segments.iter().all(|s| s.passes == 1), "{what}");
            } else if style & 0x01 != 0 {
                let max: Vec<u32> = (0..b.segments.len())
                    .map(|i| {
                        if i == 0 {
                            10
                        } else if i % 2 == 1 {
                            2
                        } else {
                            1
                        }
                    })
                    .collect();
                for (s, m) in b.segments.iter().zip(&max) {
                    assert!(s.passes <= *m, "{what}: {:?}", b.segments);
                }
                let n = b.segments.len();
                assert!(
                    b.segments
                        .iter()
                        .zip(&max)
                        .take(n - 1)
                        .all(|(s, m)| s.passes == *m)
                );
            } else {
                assert_eq!(b.segments.len(), 1, "{what}");
            }
        }
    }
}

#[test]
fn tier2_consumes_opj_compress_codestreams() {
    if std::process::Command::new("opj_compress")
        .arg("-h")
        .output()
        .is_err()
    {
        // Under CI a missing test tool is a failure (.ci/run installs libopenjp2-tools).
        assert!(
            std::env::var("CI").is_err(),
            "opj_compress (libopenjp2-tools) is required under CI"
        );
        eprintln!("opj_compress not found: skipped");
        return;
    }
    let dir = std::env::temp_dir().join(format!("j2k_tier2_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (w, h) = (75usize, 61usize);
    let mut seed = 99u32;
    let mut img = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let noise = (seed >> 16) % 24;
                img.push(((x * 3 + y * 2 + c * 40) as u32 % 200 + noise) as u8);
            }
        }
    }
    let ppm = dir.join("in.ppm");
    let mut file = format!("P6\n{w} {h}\n255\n").into_bytes();
    file.extend_from_slice(&img);
    std::fs::write(&ppm, file).unwrap();
    let cases: &[&str] = &[
        "-n 3",
        "-n 4 -p RLCP -r 40,10,1 -SOP -EPH",
        "-n 3 -p RPCL -c [32,32],[16,16] -b 8,8 -r 20,5 -d 3,7",
        "-n 4 -p PCRL -c [64,64],[32,32],[16,16] -b 16,16 -t 32,24 -T 1,2 -d 5,9 -SOP -EPH",
        "-n 3 -p CPRL -c [16,16] -b 4,8 -t 40,40 -T 2,2 -d 11,13 -r 30,10,3 -TP C",
        "-n 5 -p LRCP -M 1 -r 50,20,8,2",
        "-n 3 -p RLCP -M 4 -r 10,3 -TP R",
        "-n 2 -p RPCL -M 5 -c [8,8] -b 4,4 -r 8,2",
        "-n 3 -M 63 -I -r 30,12,4 -t 33,29 -d 1,1",
        "-n 6 -I -p PCRL -c [128,128],[64,64],[8,8] -b 64,16 -q 30,40,50",
        "-n 1 -M 2 -b 64,64 -r 5 -EPH",
        "-n 1 -b 16,16 -r 3",
    ];
    for (i, args) in cases.iter().enumerate() {
        let out = dir.join(format!("c{i}.j2k"));
        let st = std::process::Command::new("opj_compress")
            .arg("-i")
            .arg(&ppm)
            .arg("-o")
            .arg(&out)
            .args(args.split_whitespace())
            .output()
            .unwrap();
        let Ok(d) = std::fs::read(&out) else {
            panic!(
                "opj_compress {args} failed: {}",
                String::from_utf8_lossy(&st.stderr)
            );
        };
        check_codestream(&d, args);
        // Truncations never panic and never succeed silently past the tile data.
        for cut in (d.len() / 2..d.len()).step_by(97) {
            let _ = crate::decode(&d[..cut]);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bit_reader_unstuffs_after_ff() {
    let data = [0xFF, 0x7F, 0x80];
    let mut br = BitReader::new(&data, 0);
    assert_eq!(br.bits(8), Some(0xFF));
    assert_eq!(br.bits(7), Some(0x7F));
    assert_eq!(br.bits(8), Some(0x80));
    assert_eq!(br.bit(), None);
    // A header ending in 0xFF is followed by a stuffed byte, which align skips.
    let data = [0xFF, 0x00, 0xAB];
    let mut br = BitReader::new(&data, 0);
    assert_eq!(br.bits(3), Some(7));
    assert_eq!(br.align(), Some(2));
    let data = [0xFF];
    let mut br = BitReader::new(&data, 0);
    assert_eq!(br.bit(), Some(1));
    assert_eq!(br.align(), None);
    let mut br = BitReader::new(&[0x12, 0x34], 1);
    assert_eq!(br.bit(), Some(0));
    assert_eq!(br.align(), Some(2));
    // The packer used below agrees with the reader.
    let bits = "11111111 1010101 0";
    let v = pack(bits);
    assert_eq!(v, vec![0xFF, 0x55, 0x00]);
}

#[test]
fn pass_count_and_comma_codes() {
    let cases: &[(&str, u32)] = &[
        ("0", 1),
        ("10", 2),
        ("1100", 3),
        ("1101", 4),
        ("1110", 5),
        ("1111 00000", 6),
        ("1111 11110", 36),
        ("1111 11111 0000000", 37),
        ("1111 11111 1111111", 164),
    ];
    for &(bits, n) in cases {
        let d = pack(bits);
        let mut br = BitReader::new(&d, 0);
        assert_eq!(br.num_passes(), Some(n), "{bits}");
    }
    let d = pack("1110 0 10");
    let mut br = BitReader::new(&d, 0);
    assert_eq!(br.comma_code(), Some(3));
    assert_eq!(br.comma_code(), Some(0));
    assert_eq!(br.comma_code(), Some(1));
    let d = [0xFF, 0x7F, 0xFF, 0x7F, 0xFF, 0x7F];
    assert_eq!(BitReader::new(&d, 0).comma_code(), None);
    assert_eq!(BitReader::new(&[0xFE], 0).num_passes(), None);
}

/// OpenJPEG's tag-tree encoder, as a reference for the decoder.
struct Enc {
    w: usize,
    values: Vec<Vec<u32>>,
    lows: Vec<Vec<u32>>,
    known: Vec<Vec<bool>>,
    widths: Vec<usize>,
}

impl Enc {
    fn new(w: usize, h: usize, leaves: &[u32]) -> Enc {
        let mut values = vec![leaves.to_vec()];
        let mut widths = vec![w];
        let (mut lw, mut lh) = (w, h);
        while lw > 1 || lh > 1 {
            let (nw, nh) = (lw.div_ceil(2), lh.div_ceil(2));
            let prev = values.last().unwrap().clone();
            let mut v = vec![u32::MAX; nw * nh];
            for y in 0..lh {
                for x in 0..lw {
                    let p = &mut v[(y / 2) * nw + x / 2];
                    *p = (*p).min(prev[y * lw + x]);
                }
            }
            values.push(v);
            widths.push(nw);
            lw = nw;
            lh = nh;
        }
        let lows = values.iter().map(|v| vec![0; v.len()]).collect();
        let known = values.iter().map(|v| vec![false; v.len()]).collect();
        Enc {
            w,
            values,
            lows,
            known,
            widths,
        }
    }

    fn encode(&mut self, leaf: usize, threshold: u32, out: &mut String) {
        let (mut x, mut y) = (leaf % self.w, leaf / self.w);
        let mut path = Vec::new();
        for lv in 0..self.values.len() {
            path.push((lv, y * self.widths[lv] + x));
            x /= 2;
            y /= 2;
        }
        let mut low = 0;
        for &(lv, i) in path.iter().rev() {
            if low > self.lows[lv][i] {
                self.lows[lv][i] = low;
            } else {
                low = self.lows[lv][i];
            }
            while low < threshold {
                if low >= self.values[lv][i] {
                    if !self.known[lv][i] {
                        out.push('1');
                        self.known[lv][i] = true;
                    }
                    break;
                }
                out.push('0');
                low += 1;
            }
            self.lows[lv][i] = low;
        }
    }
}

#[test]
fn tag_trees_match_openjpeg_encoder() {
    let mut seed = 12345u32;
    let mut rnd = |m: u32| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (seed >> 16) % m
    };
    for (w, h) in [(1, 1), (2, 1), (3, 5), (7, 2), (4, 4), (9, 6)] {
        let leaves: Vec<u32> = (0..w * h).map(|_| rnd(6)).collect();
        // Zero bit-plane style: each leaf's value in raster order.
        let mut enc = Enc::new(w, h, &leaves);
        let mut bits = String::new();
        for i in 0..w * h {
            enc.encode(i, 999, &mut bits);
        }
        let d = pack(&bits);
        let mut trees = TagTrees::default();
        let first = trees.add(w as u32, h as u32);
        let mut br = BitReader::new(&d, 0);
        for (i, &v) in leaves.iter().enumerate() {
            assert_eq!(
                trees.value(&mut br, first + i, 100),
                Some(Ok(v)),
                "{w}x{h} leaf {i}"
            );
        }
        // A cap below the value is reported.
        let mut trees = TagTrees::default();
        let first = trees.add(w as u32, h as u32);
        let mut br = BitReader::new(&d, 0);
        if leaves[0] > 1 {
            assert_eq!(trees.value(&mut br, first, 0), Some(Err(())));
        }
        // Inclusion style: thresholds layer + 1 over several layers.
        let mut enc = Enc::new(w, h, &leaves);
        let mut bits = String::new();
        for layer in 0..7 {
            for i in 0..w * h {
                enc.encode(i, layer + 1, &mut bits);
            }
        }
        let d = pack(&bits);
        let mut trees = TagTrees::default();
        let _ = trees.add(1, 1); // an unrelated tree before, to test offsets
        let first = trees.add(w as u32, h as u32);
        let mut br = BitReader::new(&d, 0);
        for layer in 0..7 {
            for (i, &v) in leaves.iter().enumerate() {
                let inc = trees.decode(&mut br, first + i, layer + 1);
                assert_eq!(inc, Some(v < layer + 1), "{w}x{h} layer {layer} leaf {i}");
            }
        }
    }
}

#[test]
fn geometry_with_odd_offsets() {
    let tc = ResRect {
        x0: 3,
        y0: 5,
        x1: 37,
        y1: 22,
    };
    let r = |x0, y0, x1, y1| ResRect { x0, y0, x1, y1 };
    assert_eq!(resolution_rect(tc, 3, 0), r(1, 1, 5, 3));
    assert_eq!(resolution_rect(tc, 3, 1), r(1, 2, 10, 6));
    assert_eq!(resolution_rect(tc, 3, 3), tc);
    // HL of level 3: x from ceil((3 - 4) / 8) = 0 to ceil(33 / 8) = 5.
    assert_eq!(band_rect(tc, 3, 1, 1), r(0, 1, 5, 3));
    assert_eq!(band_rect(tc, 3, 1, 2), r(1, 1, 5, 3));
    assert_eq!(band_rect(tc, 3, 3, 3), r(1, 2, 18, 11));
    assert_eq!(precinct_counts(&r(1, 2, 10, 6), 2, 1), (3, 2));
    assert_eq!(precinct_counts(&r(4, 4, 4, 9), 2, 1), (0, 0));
    // Precinct 1 of resolution 1 (exponent 2 -> 2 in the band), clipped to HL.
    let res1 = resolution_rect(tc, 3, 1);
    let hl = band_rect(tc, 3, 1, 1);
    assert_eq!(precinct_in_band(&res1, &hl, 1, 2, 2, 0, 0), r(0, 1, 2, 2));
    assert_eq!(precinct_in_band(&res1, &hl, 1, 2, 2, 2, 1), r(4, 2, 5, 3));
    assert_eq!(cblk_rect(&r(5, 9, 30, 17), 3, 2, 1, 1), r(8, 12, 16, 16));

    // Properties over many offsets: bands tile their resolution as dwt.rs expects, and the
    // code-blocks of all precincts tile each band exactly.
    let mut seed = 7u32;
    let mut rnd = |m: u32| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (seed >> 16) % m
    };
    for _ in 0..300 {
        let x0 = rnd(200);
        let y0 = rnd(200);
        let tc = r(x0, y0, x0 + 1 + rnd(90), y0 + 1 + rnd(90));
        let nl = rnd(7);
        for res_no in 0..=nl {
            let res = resolution_rect(tc, nl, res_no);
            if res_no > 0 {
                let prev = resolution_rect(tc, nl, res_no - 1);
                let hl = band_rect(tc, nl, res_no, 1);
                let lh = band_rect(tc, nl, res_no, 2);
                let hh = band_rect(tc, nl, res_no, 3);
                assert_eq!((prev.x1 - prev.x0) + (hl.x1 - hl.x0), res.x1 - res.x0);
                assert_eq!((prev.y1 - prev.y0) + (lh.y1 - lh.y0), res.y1 - res.y0);
                assert_eq!(
                    (hh.x1 - hh.x0, hh.y1 - hh.y0),
                    (hl.x1 - hl.x0, lh.y1 - lh.y0)
                );
            }
            let pdx = if res_no == 0 { rnd(5) } else { 1 + rnd(5) };
            let pdy = if res_no == 0 { rnd(5) } else { 1 + rnd(5) };
            let (pw, ph) = precinct_counts(&res, pdx, pdy);
            let orients: &[u8] = if res_no == 0 { &[0] } else { &[1, 2, 3] };
            for &o in orients {
                let band = band_rect(tc, nl, res_no, o);
                let (bpx, bpy) = if res_no == 0 {
                    (pdx, pdy)
                } else {
                    (pdx - 1, pdy - 1)
                };
                let (cbw, cbh) = ((2 + rnd(3)).min(bpx), (2 + rnd(3)).min(bpy));
                let mut area = 0u64;
                for j in 0..ph {
                    for i in 0..pw {
                        let p = precinct_in_band(&res, &band, res_no, pdx, pdy, i, j);
                        let (cw, ch) = cblk_counts(&p, cbw, cbh);
                        for n in 0..ch {
                            for m in 0..cw {
                                let c = cblk_rect(&p, cbw, cbh, m, n);
                                assert!(c.x0 < c.x1 && c.y0 < c.y1);
                                assert!(c.x0 >= band.x0 && c.x1 <= band.x1);
                                assert!(c.x1 - c.x0 <= 1 << cbw && c.y1 - c.y0 <= 1 << cbh);
                                area += u64::from(c.x1 - c.x0) * u64::from(c.y1 - c.y0);
                            }
                        }
                    }
                }
                let band_area = if is_empty(&band) {
                    0
                } else {
                    u64::from(band.x1 - band.x0) * u64::from(band.y1 - band.y0)
                };
                assert_eq!(area, band_area, "{tc:?} nl {nl} r {res_no} o {o}");
            }
        }
    }
}
