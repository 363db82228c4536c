//! Asynchronous operations window negotiation (PS3.7 D.3.3.3, PS3.8 D.3.3.3): the requestor
//! proposes how many operations it may invoke and perform with responses outstanding, the
//! acceptor answers with values no larger, or omits the item, which means one of each. A
//! value of 0 means unlimited.

/// The window of an association that did not negotiate one: one operation at a time.
pub const SYNCHRONOUS: (u16, u16) = (1, 1);

/// How many operations our side keeps outstanding when the negotiated window is unlimited
/// (0): responses are small, so this many never fill the socket buffers of either side.
pub const UNLIMITED_CAP: usize = 128;

/// The smaller of two window sizes, 0 being unlimited.
pub fn min_window(a: u16, b: u16) -> u16 {
    match (a, b) {
        (0, x) | (x, 0) => x,
        (a, b) => a.min(b),
    }
}

/// The acceptor's answer to a proposal, for an acceptor that lets the requestor invoke up to
/// `supported` operations at once (0: unlimited) and itself invokes one at a time (C-GET's
/// sub-operations go out one by one). `None`: the item is omitted (nothing was proposed, or
/// we support only 1).
pub fn acceptor_answer(proposed: Option<(u16, u16)>, supported: u16) -> Option<(u16, u16)> {
    let (invoked, performed) = proposed?;
    if supported == 1 {
        return None;
    }
    Some((min_window(invoked, supported), min_window(performed, 1)))
}

/// The window in force once the acceptor answered: (operations the requestor may invoke,
/// operations it may be asked to perform). An answer to nothing proposed is ignored; an
/// answer larger than the proposal is held to the proposal.
pub fn negotiated(proposed: Option<(u16, u16)>, answered: Option<(u16, u16)>) -> (u16, u16) {
    match (proposed, answered) {
        (Some(p), Some(a)) => (min_window(p.0, a.0), min_window(p.1, a.1)),
        _ => SYNCHRONOUS,
    }
}

/// How many operations to keep outstanding under a negotiated window size.
pub fn outstanding_limit(window: u16) -> usize {
    if window == 0 {
        UNLIMITED_CAP
    } else {
        usize::from(window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn omitted_means_one_at_a_time() {
        assert_eq!(acceptor_answer(None, 16), None);
        assert_eq!(negotiated(None, None), (1, 1));
        assert_eq!(negotiated(Some((8, 1)), None), (1, 1));
        // An answer to a proposal never made does not open a window.
        assert_eq!(negotiated(None, Some((8, 8))), (1, 1));
    }

    #[test]
    fn proposed_and_accepted() {
        assert_eq!(acceptor_answer(Some((8, 1)), 16), Some((8, 1)));
        assert_eq!(acceptor_answer(Some((32, 4)), 16), Some((16, 1)));
        assert_eq!(negotiated(Some((32, 4)), Some((16, 1))), (16, 1));
        // An acceptor configured for 1 does not support the window: item omitted.
        assert_eq!(acceptor_answer(Some((8, 8)), 1), None);
        // A non-conforming answer larger than the proposal is held to it.
        assert_eq!(negotiated(Some((4, 1)), Some((9, 3))), (4, 1));
    }

    #[test]
    fn zero_is_unlimited() {
        assert_eq!(min_window(0, 0), 0);
        assert_eq!(min_window(0, 5), 5);
        assert_eq!(min_window(5, 0), 5);
        assert_eq!(acceptor_answer(Some((0, 0)), 0), Some((0, 1)));
        assert_eq!(acceptor_answer(Some((0, 0)), 16), Some((16, 1)));
        assert_eq!(acceptor_answer(Some((8, 0)), 0), Some((8, 1)));
        assert_eq!(negotiated(Some((0, 1)), Some((0, 1))), (0, 1));
        assert_eq!(negotiated(Some((0, 1)), Some((12, 1))), (12, 1));
        // An answer of 0 to a finite proposal cannot widen it.
        assert_eq!(negotiated(Some((6, 1)), Some((0, 0))), (6, 1));
        assert_eq!(outstanding_limit(0), UNLIMITED_CAP);
        assert_eq!(outstanding_limit(8), 8);
    }
}
