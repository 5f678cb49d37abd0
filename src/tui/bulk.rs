//! A run of many transfers from the console, as the progress bar shows it: where they go, which
//! transfers it holds, and how far each has come.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::budget::BudgetSnapshot;
use crate::roster::Target;
use crate::transfer::{Ledger, TransferId, TransferState};

#[derive(Debug, Clone, PartialEq)]
pub struct BulkRun {
    /// "queue Billing", or "3 agents by free capacity".
    pub target: String,
    /// The target that did not take the failed ones, marked when they are re-routed together
    /// (`None` for a run spread over several agents).
    pub single_target: Option<Target>,
    /// The run's transfers, in the order they are handed out.
    pub transfers: Vec<TransferId>,
    /// The supervisor stopped it: what was not sent stays unsent.
    pub stopped: bool,
    /// Running until every transfer has been handed out, or given up unsent; once it has
    /// ended, a read of the conversation list says which of its conversations still
    /// wait where they were.
    pub left: LeftCheck,
}

/// Where a run's after-look stands: nothing of a run of many is left behind in silence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeftCheck {
    /// The run is under way.
    Running,
    /// It ended (then), and a read was asked for since: the first list read after the end
    /// tells (a teammate's older one does not).
    OnNextRead(DateTime<Utc>),
    /// Said.
    Said,
}

/// How far a run has come, transfer by transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BulkCounts {
    pub total: usize,
    /// Gone out to the platform (answered or not).
    pub sent: usize,
    /// Accepted or confirmed.
    pub good: usize,
    /// Certainly not moved, sent or not.
    pub failed: usize,
    /// Left in doubt.
    pub unknown: usize,
    /// Never sent, with nothing wrong: stopped, or someone else has it.
    pub not_sent: usize,
    /// Not yet sent: queued or waiting for the budget.
    pub waiting: usize,
}

impl BulkCounts {
    /// Those with a final word or on their way: what the bar fills with.
    pub fn done(&self) -> usize {
        self.total - self.waiting
    }
}

impl BulkRun {
    /// Every transfer has been handed out, or given up unsent.
    pub fn ended(&self) -> bool {
        self.left != LeftCheck::Running
    }

    pub fn counts(&self, ledger: &Ledger) -> BulkCounts {
        let mut counts = BulkCounts {
            total: self.transfers.len(),
            ..BulkCounts::default()
        };
        for id in &self.transfers {
            let Some(record) = ledger.get(*id) else {
                continue;
            };
            if record.sent_at.is_some() {
                counts.sent += 1;
            }
            match record.state() {
                TransferState::Queued
                | TransferState::WaitingForBudget
                | TransferState::WaitingForClaim => counts.waiting += 1,
                TransferState::Sending => {}
                TransferState::Accepted { .. } | TransferState::Confirmed | TransferState::Seen => {
                    counts.good += 1;
                }
                TransferState::Failed | TransferState::Interrupted { sent: false } => {
                    counts.failed += 1;
                }
                TransferState::Unknown
                | TransferState::Unconfirmed
                | TransferState::Unclear
                | TransferState::Interrupted { sent: true } => counts.unknown += 1,
                TransferState::NotSent => counts.not_sent += 1,
            }
        }
        counts
    }

    /// The run's transfers that failed or are in doubt, to be re-routed together. Those not
    /// sent are offered too: nothing went out, so their conversations still wait, and sending
    /// them again is safe. The new run's confirmation still leaves out any moved meanwhile, and
    /// in team mode each session is claimed again, so one a teammate still holds is again not
    /// sent rather than taken over.
    pub fn to_reroute<'a>(&'a self, ledger: &'a Ledger) -> impl Iterator<Item = TransferId> + 'a {
        self.transfers.iter().copied().filter(|id| {
            ledger
                .get(*id)
                .is_some_and(|record| record.state().may_reroute())
        })
    }
}

/// Roughly how long `waiting` transfers take on the budget: the account's limit per window,
/// all of it for the run (single transfers still go first).
pub fn eta(waiting: usize, budget: &BudgetSnapshot) -> Duration {
    let limit = u32::try_from(budget.limit().max(1)).unwrap_or(u32::MAX);
    let windows = u32::try_from(waiting).unwrap_or(u32::MAX);
    budget
        .window()
        .checked_mul(windows)
        .unwrap_or(Duration::MAX)
        / limit
}
