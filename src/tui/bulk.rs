//! A run of many transfers from the console, as the progress bar shows it: where they go, which
//! transfers it holds, and how far each has come.

use std::time::Duration;

use crate::roster::Target;
use crate::transfer::{BudgetSnapshot, Ledger, Spread, TransferId, TransferState};

/// Where a run of many goes: one target, or agents by their free chats.
#[derive(Debug, Clone, PartialEq)]
pub enum BulkTo {
    One(Target),
    /// The agents marked in the picker, each with the chats it could still take when the
    /// confirmation opened.
    Spread(Vec<(Target, u32)>),
}

impl BulkTo {
    /// "queue Billing (qu-622421b…)", or "3 agents by free capacity".
    pub fn words(&self) -> String {
        match self {
            Self::One(target) => target.to_string(),
            Self::Spread(agents) => format!("{} agents by free capacity", agents.len()),
        }
    }

    /// Where the run goes: the target, or the agents it is spread over.
    pub fn targets(&self) -> Vec<&Target> {
        match self {
            Self::One(target) => vec![target],
            Self::Spread(agents) => agents.iter().map(|(target, _)| target).collect(),
        }
    }

    /// How many of `count` conversations would go beyond the agents' free chats.
    pub fn beyond_capacity(&self, count: usize) -> usize {
        match self {
            Self::One(_) => 0,
            Self::Spread(agents) => {
                let room = Spread::new(agents.clone()).room();
                count.saturating_sub(usize::try_from(room).unwrap_or(usize::MAX))
            }
        }
    }
}

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
    /// Every transfer has been handed out, or given up unsent.
    pub ended: bool,
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
                TransferState::Accepted { .. } | TransferState::Confirmed => counts.good += 1,
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

    /// The run's transfers that failed or are in doubt, to be re-routed together.
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
