//! Packet headers and bodies (B.9, B.10): which coding passes and bytes of every code-block a
//! packet carries.

use super::bits::BitReader;
use super::geometry::is_empty;
use super::{Segment, Tier2, err, seg_max};
use crate::Error;

impl Tier2<'_> {
    /// Reads the packet of layer `layer` of precinct `prec` of resolution `r` of component
    /// `c`: its header, then the code-block contributions of its body.
    pub(super) fn packet(
        &mut self,
        c: usize,
        r: usize,
        prec: usize,
        layer: u32,
    ) -> Result<(), Error> {
        let (base, start) = (self.base, self.pos);
        let style = self.p.comps.get(c).map_or(0, |c| c.style);
        if self.p.sop
            && self.data.len().saturating_sub(self.pos) >= 6
            && self.data.get(self.pos..self.pos + 2) == Some(&[0xFF, 0x91])
        {
            self.pos += 6;
        }
        let mut br = BitReader::new(self.data, self.pos);
        let trunc = |br: &BitReader<'_>| err(base, br.pos, "packet header truncated");
        self.pending.clear();
        let present = br.bit().ok_or_else(|| trunc(&br))?;
        if present == 1 {
            let res = self
                .comps
                .get(c)
                .and_then(|l| l.get(r))
                .ok_or_else(|| err(base, start, "packet of a missing resolution"))?;
            for band in &res.bands {
                if is_empty(&band.rect) {
                    continue;
                }
                let prec = *self
                    .precincts
                    .get(band.prec_first + prec)
                    .ok_or_else(|| err(base, start, "precinct index"))?;
                for k in 0..(prec.cw as usize * prec.ch as usize) {
                    let cb = self
                        .cblks
                        .get_mut(prec.cblk_first + k)
                        .ok_or_else(|| err(base, start, "code-block index"))?;
                    let included = if cb.included {
                        br.bit().ok_or_else(|| trunc(&br))? == 1
                    } else {
                        self.trees
                            .decode(&mut br, prec.incl + k, layer + 1)
                            .ok_or_else(|| trunc(&br))?
                    };
                    if !included {
                        continue;
                    }
                    if !cb.included {
                        // P (B.10.5) may not exceed Mb: numbps = Mb - P must stay >= 0.
                        let zbp = self
                            .trees
                            .value(&mut br, prec.zbp + k, band.mb.max(0) as u32)
                            .ok_or_else(|| trunc(&br))?;
                        cb.zbp = zbp
                            .ok()
                            .filter(|&v| i64::from(v) <= i64::from(band.mb))
                            .ok_or_else(|| {
                                err(base, br.pos, "more zero bit-planes than the sub-band has")
                            })?;
                        cb.included = true;
                        cb.numlenbits = 3;
                    }
                    let mut n = br.num_passes().ok_or_else(|| trunc(&br))?;
                    let inc = br
                        .comma_code()
                        .ok_or_else(|| err(base, br.pos, "bad Lblock increment"))?;
                    cb.numlenbits += inc;
                    // One packet can signal at most 164 passes, and no code-block of 32-bit
                    // coefficients has more than 94; the cap keeps tier-1's work bounded.
                    // (More than 3 * numbps - 2 passes does occur: OpenJPEG's encoder writes
                    // them when the guard bits are too few, and its decoder decodes them.)
                    cb.passes = cb
                        .passes
                        .checked_add(n)
                        .filter(|&p| p <= 164)
                        .ok_or_else(|| err(base, br.pos, "too many coding passes"))?;
                    let mut total = 0usize;
                    let need_new = cb.segs.last().is_none_or(|s| s.passes >= cb.last_max);
                    if need_new {
                        let prev = if cb.segs.is_empty() {
                            None
                        } else {
                            Some(cb.last_max)
                        };
                        cb.last_max = seg_max(style, prev);
                        cb.segs.push(Segment { len: 0, passes: 0 });
                    }
                    loop {
                        let max = cb.last_max;
                        let seg = cb
                            .segs
                            .last_mut()
                            .ok_or_else(|| err(base, br.pos, "segment"))?;
                        let take = (max - seg.passes).min(n);
                        if take == 0 {
                            return Err(err(base, br.pos, "segment bookkeeping"));
                        }
                        let bits = cb.numlenbits + take.ilog2();
                        if bits > 32 {
                            return Err(err(base, br.pos, "codeword segment length over 32 bits"));
                        }
                        let len = br.bits(bits).ok_or_else(|| trunc(&br))? as usize;
                        seg.len = seg
                            .len
                            .checked_add(len)
                            .ok_or_else(|| err(base, br.pos, "code-block too long"))?;
                        seg.passes += take;
                        total = total
                            .checked_add(len)
                            .ok_or_else(|| err(base, br.pos, "code-block too long"))?;
                        n -= take;
                        if n == 0 {
                            break;
                        }
                        cb.last_max = seg_max(style, Some(max));
                        cb.segs.push(Segment { len: 0, passes: 0 });
                    }
                    self.pending.push((prec.cblk_first + k, total));
                }
            }
        }
        let mut pos = br.align().ok_or_else(|| trunc(&br))?;
        if self.p.eph {
            if self.data.get(pos..pos + 2) != Some(&[0xFF, 0x92]) {
                return Err(err(base, pos, "missing EPH marker"));
            }
            pos += 2;
        }
        for &(k, len) in &self.pending {
            let end = pos
                .checked_add(len)
                .filter(|&e| e <= self.data.len())
                .ok_or_else(|| err(base, pos, "packet body truncated"))?;
            if len > 0
                && let Some(cb) = self.cblks.get_mut(k)
            {
                cb.ranges.push((pos, len));
            }
            pos = end;
        }
        self.pos = pos;
        Ok(())
    }
}
