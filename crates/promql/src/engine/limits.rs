//! Per-query limits: the sample budget, the deadline and cancellation.
//!
//! The sample budget counts what a query holds in memory at once: the samples of the series
//! currently buffered from storage plus every point of the intermediate and final results that
//! are alive. Points are added when produced and released when their consumer is done with
//! them, so a streaming `sum(rate(x[5m]))` over many series stays small while a query that
//! materialises every input series pays for all of them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::error::{Error, Result};

/// A flag the caller sets to stop a running query; cheap to clone and share across threads.
#[derive(Debug, Clone, Default)]
pub struct CancelHandle(Arc<AtomicBool>);

impl CancelHandle {
    /// A handle that is not canceled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every query holding this handle to stop; they return [`Error::Canceled`].
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`CancelHandle::cancel`] was called.
    pub fn is_canceled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

const WHERE: &str = "expression evaluation";

/// Limits and counters of one running query.
#[derive(Debug)]
pub(crate) struct Limits {
    deadline: Option<Instant>,
    cancel: Option<CancelHandle>,
    max_samples: u64,
    current: u64,
    pub(crate) peak: u64,
    pub(crate) samples_read: u64,
    ticks: u32,
}

impl Limits {
    pub(crate) fn new(deadline: Option<Instant>, cancel: Option<CancelHandle>, max: u64) -> Self {
        Limits {
            deadline,
            cancel,
            max_samples: max,
            current: 0,
            peak: 0,
            samples_read: 0,
            ticks: 0,
        }
    }

    /// Fails if the query was canceled or ran out of time. Call it per series and per batch of
    /// steps; it reads the clock only every few calls.
    pub(crate) fn check(&mut self) -> Result<()> {
        if self.cancel.as_ref().is_some_and(CancelHandle::is_canceled) {
            return Err(Error::Canceled(WHERE));
        }
        self.ticks = self.ticks.wrapping_add(1);
        if self.ticks.is_multiple_of(16)
            && let Some(d) = self.deadline
            && Instant::now() >= d
        {
            return Err(Error::Timeout(WHERE));
        }
        Ok(())
    }

    /// Fails at once if the deadline passed (used at the very start and end).
    pub(crate) fn check_now(&mut self) -> Result<()> {
        self.ticks = 15;
        self.check()
    }

    /// Takes `n` samples from the budget.
    pub(crate) fn take(&mut self, n: usize) -> Result<()> {
        self.current += n as u64;
        if self.current > self.peak {
            self.peak = self.current;
        }
        if self.current > self.max_samples {
            return Err(Error::TooManySamples("query execution"));
        }
        Ok(())
    }

    /// Gives `n` samples back.
    pub(crate) fn give(&mut self, n: usize) {
        self.current = self.current.saturating_sub(n as u64);
    }
}
