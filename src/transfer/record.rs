//! One transfer and everything known about it: built up live as the engine reports each step,
//! or read back from the audit file. Its state is computed here and nowhere else.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::confirmation::{Confirmation, Unheard};
use super::outcome::Outcome;
use super::reason::FailureReason;
use super::state::TransferState;
use super::{Progress, TransferId, TransferRequest, TransferUpdate};

/// Before the platform answers: where the request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Handed to a background task, not yet reported on.
    Queued,
    /// Held for the rate budget; goes out by itself at this time.
    WaitingForBudget {
        until: DateTime<Utc>,
    },
    /// Team mode: held until Redis answers to claim its session (why it is away is in
    /// `TransferRecord::claim_wait`).
    WaitingForClaim,
    Sending,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TransferRecord {
    pub request: TransferRequest,
    pub phase: Phase,
    pub intent_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The request as sent (secrets replaced), for the detail view; only this run knows it.
    pub sent: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub outcome: Option<Outcome>,
    pub settled_at: Option<DateTime<Utc>>,
    pub confirmation: Option<Confirmation>,
    /// Callbacks that came after the transfer was settled and said otherwise. The first final
    /// word stands; these are kept so the supervisor sees the platform contradicted itself.
    pub conflicts: Vec<Confirmation>,
    /// A callback receiver was running when it was sent, so a callback is expected.
    pub awaits_callback: bool,
    /// Read back from the audit file: started by an earlier run or another handoff.
    pub restored: bool,
    /// The run that sent it, as its intent line names it (lines of older versions do not).
    pub run: Option<String>,
    /// Read back without an answer while the run that sends it is still alive: it is under way
    /// there, not cut short.
    pub in_flight_elsewhere: bool,
    /// Team mode: why the session could not be claimed yet (Redis away), while it waits.
    pub claim_wait: Option<String>,
    /// The conversation list, read since it was accepted, shows the conversation with its
    /// target: a console's own knowledge, never written to the audit file.
    pub seen: Option<SeenInList>,
}

/// Where the conversation list showed a transferred conversation, and when it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenInList {
    /// The target, as the list names it.
    pub with: String,
    pub at: DateTime<Utc>,
}

/// What a callback did to the transfer it was matched to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// It settled the transfer (or replaced a word that was not final).
    Settled,
    /// It says what the transfer's final state already says.
    Repeated,
    /// It says otherwise than the transfer's final state, which stands.
    Conflicting,
}

impl TransferRecord {
    pub fn new(request: TransferRequest, at: DateTime<Utc>, awaits_callback: bool) -> Self {
        Self {
            request,
            phase: Phase::Queued,
            intent_at: at,
            sent_at: None,
            sent: None,
            answered_at: None,
            outcome: None,
            settled_at: None,
            confirmation: None,
            conflicts: Vec::new(),
            awaits_callback,
            restored: false,
            run: None,
            in_flight_elsewhere: false,
            claim_wait: None,
            seen: None,
        }
    }

    pub fn id(&self) -> TransferId {
        self.request.id
    }

    /// Where it stands: the one place a transfer's state is decided.
    pub fn state(&self) -> TransferState {
        let seen = self.seen.is_some();
        match (&self.confirmation, &self.outcome) {
            // No callback in time, but the list shows it arrived.
            (Some(Confirmation::Unconfirmed { .. }), _) if seen => TransferState::Seen,
            (Some(confirmation), _) => confirmation.state(),
            // No callback to come (no receiver): the list is all there is to go by. One still
            // awaited decides, and the list's word waits for it.
            (None, Some(Outcome::Transferred { .. })) if seen && !self.awaits_callback => {
                TransferState::Seen
            }
            (None, Some(Outcome::Transferred { .. })) => TransferState::Accepted {
                awaiting_callback: self.awaits_callback,
            },
            (None, Some(Outcome::Failed { .. })) => TransferState::Failed,
            (None, Some(Outcome::NotSent { .. })) => TransferState::NotSent,
            (None, Some(Outcome::Unknown { .. })) => TransferState::Unknown,
            (None, None) if self.restored && !self.in_flight_elsewhere => {
                TransferState::Interrupted {
                    sent: self.sent_at.is_some(),
                }
            }
            (None, None) if self.restored => match self.sent_at {
                Some(_) => TransferState::Sending,
                None => TransferState::Queued,
            },
            (None, None) => match self.phase {
                Phase::Queued => TransferState::Queued,
                Phase::WaitingForBudget { .. } => TransferState::WaitingForBudget,
                Phase::WaitingForClaim => TransferState::WaitingForClaim,
                Phase::Sending => TransferState::Sending,
            },
        }
    }

    /// Applies a step the engine reported.
    pub fn progress(&mut self, update: TransferUpdate) {
        match update.progress {
            Progress::WaitingForBudget(wait) => {
                let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
                self.phase = Phase::WaitingForBudget {
                    until: update.at.checked_add_signed(wait).unwrap_or(update.at),
                };
            }
            Progress::WaitingForClaim(why) => {
                self.phase = Phase::WaitingForClaim;
                self.claim_wait = Some(why);
            }
            Progress::Sending { request } => {
                self.phase = Phase::Sending;
                self.sent_at = Some(update.at);
                self.sent = Some(request);
            }
            Progress::Finished(outcome) => {
                self.answered_at = Some(update.at);
                self.outcome = Some(outcome);
            }
            Progress::AuditFailed(_) => {}
        }
    }

    /// A callback about this transfer. The first final word stands: a later one that agrees is
    /// a repeat, one that disagrees is kept as a conflict.
    pub fn settle(&mut self, confirmation: Confirmation, at: DateTime<Utc>) -> Settlement {
        match &self.confirmation {
            Some(settled) if settled.is_final() => {
                if std::mem::discriminant(settled) == std::mem::discriminant(&confirmation)
                    || !confirmation.is_final()
                {
                    Settlement::Repeated
                } else {
                    self.conflicts.push(confirmation);
                    Settlement::Conflicting
                }
            }
            _ => {
                self.confirmation = Some(confirmation);
                self.settled_at = Some(at);
                Settlement::Settled
            }
        }
    }

    /// Whether this very callback, its word and its payload, already reached it: as its word,
    /// or as a contradiction kept beside it.
    pub fn has_heard(&self, confirmation: &Confirmation) -> bool {
        self.confirmation.as_ref() == Some(confirmation) || self.conflicts.contains(confirmation)
    }

    /// Marks an accepted transfer that is still waiting as unconfirmed; false when it no longer
    /// waits (a callback came first).
    pub fn expire(&mut self, why: Unheard, at: DateTime<Utc>) -> bool {
        if self.confirmation.is_some() || !matches!(self.outcome, Some(Outcome::Transferred { .. }))
        {
            return false;
        }
        self.confirmation = Some(Confirmation::Unconfirmed { why });
        self.settled_at = Some(at);
        true
    }

    /// For a transfer read back from the audit file: if it was accepted, expected a callback and
    /// has none, and its `confirm_within` has passed by `now`, nobody was listening when the
    /// callback was due: it is unconfirmed. Returns the time it still has, if any.
    pub fn expire_if_unheard(
        &mut self,
        confirm_within: Duration,
        now: DateTime<Utc>,
    ) -> Option<Duration> {
        let waiting = self.awaits_callback
            && self.confirmation.is_none()
            && matches!(self.outcome, Some(Outcome::Transferred { .. }));
        let answered = self.answered_at.filter(|_| waiting)?;
        let within = chrono::Duration::from_std(confirm_within).unwrap_or(chrono::Duration::MAX);
        let deadline = answered.checked_add_signed(within).unwrap_or(answered);
        match (deadline - now).to_std() {
            Ok(left) if !left.is_zero() => Some(left),
            _ => {
                self.expire(Unheard::NotListening, deadline);
                None
            }
        }
    }

    /// Certainly still where it was, for a reason that goes away by itself: never sent
    /// (stopped, not claimed, cut short before it went out, the audit file or the signing
    /// failed), refused with 429, or the platform could not be reached. Sending it again is
    /// safe; a rerun of its run does.
    pub fn certainly_not_moved_yet(&self) -> bool {
        match (&self.confirmation, &self.outcome) {
            (Some(_), _) => false,
            (None, Some(Outcome::NotSent { .. })) => true,
            (None, Some(Outcome::Failed { reason, .. })) => matches!(
                reason,
                FailureReason::RateLimited | FailureReason::Network | FailureReason::NotSent
            ),
            (None, Some(_)) => false,
            (None, None) => self.state() == TransferState::Interrupted { sent: false },
        }
    }

    /// The callback settled a transfer whose synchronous answer was unknown or never came.
    pub fn settled_after_doubt(&self) -> bool {
        self.confirmation
            .as_ref()
            .is_some_and(Confirmation::is_final)
            && !matches!(self.outcome, Some(Outcome::Transferred { .. }))
    }

    /// Why it failed or is in doubt: the callback's reason, else the answer's.
    pub fn reason(&self) -> Option<FailureReason> {
        match &self.confirmation {
            Some(Confirmation::Confirmed { .. }) => None,
            Some(Confirmation::Failed { reason, .. }) => Some(*reason),
            _ => self.outcome.as_ref().and_then(Outcome::reason),
        }
    }

    /// The platform's own words about a failure or an unknown outcome.
    pub fn message(&self) -> Option<&str> {
        match &self.confirmation {
            Some(Confirmation::Confirmed { .. }) => None,
            Some(Confirmation::Failed { message, .. }) => Some(message),
            _ => self.outcome.as_ref().and_then(Outcome::message),
        }
    }

    pub fn http_status(&self) -> Option<u16> {
        self.outcome.as_ref().and_then(Outcome::http_status)
    }

    /// The conversation list read at `at` shows the conversation with the target, named
    /// `with`: taken while the transfer was accepted and no callback settled it.
    pub fn see_in_list(&mut self, with: String, at: DateTime<Utc>) -> bool {
        let open = matches!(
            self.state(),
            TransferState::Accepted { .. } | TransferState::Unconfirmed
        );
        let after = self.answered_at.is_none_or(|answered| at >= answered);
        if self.seen.is_some() || !open || !after {
            return false;
        }
        self.seen = Some(SeenInList { with, at });
        true
    }

    /// Everything worth saying beside the state word, in one sentence.
    pub fn detail(&self) -> Option<String> {
        let state = self.state();
        let mut parts: Vec<String> = Vec::new();
        if let Some(seen) = &self.seen {
            parts.push(format!(
                "seen with {} (per the list at {}); the platform has not confirmed it",
                seen.with,
                seen.at.with_timezone(&chrono::Local).format("%H:%M:%S")
            ));
        }
        match state {
            TransferState::Interrupted { sent: false } => {
                parts.push("handoff stopped before sending it: nothing was sent".into());
            }
            TransferState::Interrupted { sent: true } => parts.push(
                "handoff stopped before the platform answered; check the conversation before retrying"
                    .into(),
            ),
            TransferState::WaitingForClaim => parts.push(format!(
                "waiting for the team's Redis to claim it, so that no teammate moves it at the same time: {}",
                self.claim_wait.as_deref().unwrap_or("Redis does not answer")
            )),
            _ => {}
        }
        // Seen in the list, the advice of an unconfirmed transfer to check it is answered.
        let confirmation = self
            .confirmation
            .as_ref()
            .and_then(Confirmation::detail)
            .filter(|_| state != TransferState::Seen);
        if let Some(detail) = confirmation {
            parts.push(detail);
        } else if self.confirmation.is_none()
            && let Some(detail) = self.outcome.as_ref().and_then(Outcome::detail)
        {
            parts.push(detail);
        }
        if self.settled_after_doubt() {
            let answer = match &self.outcome {
                Some(outcome) => format!(
                    "the platform's answer was unknown ({})",
                    outcome.message().unwrap_or("no answer")
                ),
                None => "handoff stopped before the platform answered".to_owned(),
            };
            parts.push(format!("settled by the platform's callback: {answer}"));
        }
        if !self.conflicts.is_empty() {
            parts.push(format!(
                "conflicting callbacks: {} later callback(s) said otherwise ({}); the first one stands",
                self.conflicts.len(),
                self.conflicts
                    .iter()
                    .map(|c| c.state().word())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// From sending to the platform's answer.
    pub fn time_to_accept(&self) -> Option<Duration> {
        (self.answered_at? - self.sent_at?).to_std().ok()
    }

    /// From the platform's answer to its callback.
    pub fn time_to_confirm(&self) -> Option<Duration> {
        match self.confirmation {
            Some(Confirmation::Unconfirmed { .. }) | None => None,
            Some(_) => (self.settled_at? - self.answered_at?).to_std().ok(),
        }
    }

    /// This transfer as a recent move of its session, in words: "Session 6538…cf0a1b was sent
    /// 3 minutes ago to agent Dana Whitfield (a-59bb17e…): confirmed."
    pub fn move_words(&self, now: DateTime<Utc>) -> String {
        let when = if self.in_flight_elsewhere && self.state().in_flight() {
            "is being sent by another run".to_owned()
        } else if self.state().in_flight() {
            "is being sent".to_owned()
        } else {
            let ago = match (now - self.intent_at).num_minutes() {
                0 => "less than a minute ago".to_owned(),
                1 => "a minute ago".to_owned(),
                n => format!("{n} minutes ago"),
            };
            format!("was sent {ago}")
        };
        format!(
            "Session {} {when} to {}: {}.",
            self.request.session.short(),
            self.request.target,
            self.state().word()
        )
    }

    /// How long it waited for the account's budget before going out.
    pub fn time_waiting(&self) -> Option<Duration> {
        (self.sent_at? - self.intent_at)
            .to_std()
            .ok()
            .filter(|wait| *wait >= Duration::from_secs(1))
    }
}
