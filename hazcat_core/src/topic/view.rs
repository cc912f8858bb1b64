//! The one reader of the topic layout ([`super::layout`]): bounds-checked access to the header
//! and to the endpoint, ring, loan, sample and pool tables of a mapped topic segment, and the
//! statistics computed from them. The transport ([`super::Topic`]) and read-only inspection
//! ([`crate::inspect`]) both read topic segments through it, so there is one parser of these
//! bytes.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use super::layout::*;
use super::DomainStats;
use crate::domain::Domain;
use crate::segment::{Segment, SegmentError};

/// A mapped topic segment, read through the layout.
#[derive(Clone, Copy)]
pub(crate) struct TopicView<'a> {
    seg: &'a Segment,
}

impl<'a> TopicView<'a> {
    /// A view of a segment whose layout was checked with [`TopicView::checked`] when it was
    /// opened.
    #[inline]
    pub(crate) fn new(seg: &'a Segment) -> TopicView<'a> {
        TopicView { seg }
    }

    /// Checks that `seg` has this build's topic layout (segment size and table sizes) and
    /// returns a view of it.
    pub(crate) fn checked(seg: &'a Segment) -> Result<TopicView<'a>, SegmentError> {
        let h: &TopicHeader = seg.get(HEADER_OFF)?;
        let ok = seg.len() == TOPIC_SIZE
            && h.max_endpoints.load(Ordering::Relaxed) == MAX_ENDPOINTS as u32
            && h.ring_cap.load(Ordering::Relaxed) == RING_CAP as u32
            && h.max_samples.load(Ordering::Relaxed) == MAX_SAMPLES as u32
            && h.max_loans.load(Ordering::Relaxed) == MAX_LOANS as u32
            && h.max_pools.load(Ordering::Relaxed) == MAX_POOLS as u32;
        ok.then_some(TopicView { seg })
            .ok_or_else(|| seg.corrupt("topic table sizes differ from this build"))
    }

    /// The topic header.
    #[inline]
    pub(crate) fn header(self) -> &'a TopicHeader {
        self.seg
            .get(HEADER_OFF)
            .expect("topic layout checked at open")
    }

    /// Rows `0..rows_in_use()` cover every endpoint that was ever live (a bound for scans; the
    /// value is clamped because it is read from shared memory).
    #[inline]
    pub(crate) fn rows_in_use(self) -> usize {
        (self.header().row_limit.load(Ordering::Relaxed) as usize).min(MAX_ENDPOINTS)
    }

    /// Endpoint row `i`, if it was ever claimed (rows above [`TopicView::rows_in_use`] may not
    /// be reserved and are never touched).
    #[inline]
    pub(crate) fn row(self, i: usize) -> Option<&'a EndpointRow> {
        (i < self.rows_in_use()).then(|| self.unclaimed_row(i))?
    }

    /// Endpoint row `i` below the layout's maximum, claimed or not: only for a claimer that has
    /// reserved it ([`super::Topic::claim_row`]).
    #[inline]
    pub(crate) fn unclaimed_row(self, i: usize) -> Option<&'a EndpointRow> {
        (i < MAX_ENDPOINTS).then(|| {
            self.seg
                .get(ENDPOINTS_OFF + i * size_of::<EndpointRow>())
                .ok()
        })?
    }

    /// The rows of live publishers and subscribers (and of dead processes not yet reclaimed),
    /// with their state (`EP_PUB` or `EP_SUB`).
    pub(crate) fn endpoints(self) -> impl Iterator<Item = (usize, &'a EndpointRow, u32)> {
        (0..self.rows_in_use()).filter_map(move |i| {
            let r = self.row(i)?;
            let state = r.state.load(Ordering::Acquire);
            matches!(state, EP_PUB | EP_SUB).then_some((i, r, state))
        })
    }

    /// The ring area of endpoint `row` (used when its depth exceeds `INLINE_RING`; reserved by
    /// the claimer of a row with such a depth). Empty for a row never claimed.
    #[inline]
    pub(crate) fn ring(self, row: usize) -> &'a [AtomicU32] {
        if row >= self.rows_in_use() {
            return &[];
        }
        self.seg
            .slice(ring_off(row), RING_CAP)
            .expect("ring inside segment")
    }

    /// The loan records of endpoint `row` (reserved with the row). Empty for a row never claimed.
    #[inline]
    pub(crate) fn loans(self, row: usize) -> &'a [AtomicU64] {
        if row >= self.rows_in_use() {
            return &[];
        }
        self.seg
            .slice(loans_off(row), MAX_LOANS)
            .expect("loans inside segment")
    }

    /// Sample row `i`, if it is reserved.
    #[inline]
    pub(crate) fn sample(self, i: usize) -> Option<&'a SampleRow> {
        let off = SAMPLE_TABLE.offset(&self.header().samples_backed, i)?;
        self.seg.get(off).ok()
    }

    /// Sample rows reserved: bounds every scan of the sample table.
    #[inline]
    pub(crate) fn samples_backed(self) -> usize {
        SAMPLE_TABLE.backed(&self.header().samples_backed)
    }

    /// Pool row `i`, if it is reserved.
    #[inline]
    pub(crate) fn pool_row(self, i: usize) -> Option<&'a PoolRow> {
        let off = POOL_TABLE.offset(&self.header().pools_backed, i)?;
        self.seg.get(off).ok()
    }

    /// Pool rows reserved: bounds every scan of the pool table.
    #[inline]
    pub(crate) fn pools_backed(self) -> usize {
        POOL_TABLE.backed(&self.header().pools_backed)
    }

    /// The pool rows in use (active, or orphaned by a departed owner), with their state.
    pub(crate) fn pools(self) -> impl Iterator<Item = (usize, &'a PoolRow, u32)> {
        (0..self.pools_backed()).filter_map(move |i| {
            let p = self.pool_row(i)?;
            let state = p.state.load(Ordering::Acquire);
            pool_in_use(state).then_some((i, p, state))
        })
    }

    /// Copies per memory domain used on the topic, in column order.
    pub(crate) fn domain_stats(self) -> Vec<DomainStats> {
        let h = self.header();
        (0..MAX_COLUMNS)
            .filter_map(|c| {
                let d = h.columns[c].load(Ordering::Relaxed);
                let domain = (d != NO_COLUMN).then(|| Domain::unpack(d)).flatten()?;
                Some(DomainStats {
                    domain,
                    copies: h.copies[c].load(Ordering::Relaxed),
                    bytes: h.copy_bytes[c].load(Ordering::Relaxed),
                })
            })
            .collect()
    }

    /// Samples currently alive (queued, in history or loaned).
    pub(crate) fn live_samples(self) -> u32 {
        (0..self.samples_backed())
            .filter_map(|i| self.sample(i))
            .filter(|s| s.refs.load(Ordering::Relaxed) != 0 || s.avail.load(Ordering::Relaxed) != 0)
            .count() as u32
    }

    /// The type hash stored with the topic (all zero: unknown).
    pub(crate) fn type_hash(self) -> [u8; 32] {
        load_bytes(&self.header().type_hash)
    }
}
