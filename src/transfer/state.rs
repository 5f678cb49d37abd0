//! Where a transfer stands, in the one vocabulary every output uses: the console's log, the
//! detail view, `handoff transfer` and `handoff log` all take the word, the symbol and the exit
//! code from here, so the same transfer never reads "transferred" in one place and "accepted"
//! in another.

/// A transfer's state, derived from what is known about it (see `TransferRecord::state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferState {
    /// Handed to the engine, not yet reported on.
    Queued,
    /// Held until the account's per-minute budget has room.
    WaitingForBudget,
    /// Team mode: held until Redis answers, so that its session can be claimed.
    WaitingForClaim,
    /// The request is on its way; no answer yet.
    Sending,
    /// The platform accepted it. While `awaiting_callback`, its callback may still confirm it or
    /// report a failure; otherwise acceptance is all that will be known.
    Accepted { awaiting_callback: bool },
    /// The callback says the conversation reached the target.
    Confirmed,
    /// Certainly not transferred: the platform refused it, could not be reached, or its callback
    /// reports a failure.
    Failed,
    /// The request may have reached the platform, but no readable answer came back.
    Unknown,
    /// Accepted, but no callback came in time.
    Unconfirmed,
    /// Accepted with no callback to come, or none in time, but the conversation list, read
    /// since, shows the conversation with its target: likely through, a word weaker than
    /// confirmed.
    Seen,
    /// A callback came whose status handoff cannot read.
    Unclear,
    /// handoff stopped before the platform answered. `sent` tells whether the request had gone
    /// out: if not, nothing was sent.
    Interrupted { sent: bool },
    /// Never sent, with nothing wrong: stopped before its turn, or someone else (a teammate,
    /// another run) has the session.
    NotSent,
}

/// How a state should look: the console picks its colours by this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Still moving.
    Pending,
    Good,
    Bad,
    /// Nobody can tell yet: the supervisor should check.
    Doubtful,
    /// Nothing happened, and nothing is wrong: shown quietly.
    Quiet,
}

impl TransferState {
    /// The state in one word.
    pub fn word(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::WaitingForBudget | Self::WaitingForClaim => "waiting",
            Self::Sending => "sending",
            Self::Accepted { .. } => "accepted",
            Self::Confirmed => "confirmed",
            Self::Failed => "failed",
            Self::Unknown => "unknown",
            Self::Unconfirmed => "unconfirmed",
            Self::Seen => "seen",
            Self::Unclear => "unclear",
            Self::Interrupted { .. } => "interrupted",
            Self::NotSent => "not sent",
        }
    }

    /// A symbol that carries the state without colour.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Queued => "·",
            Self::WaitingForBudget | Self::WaitingForClaim | Self::Sending => "⋯",
            Self::Accepted {
                awaiting_callback: true,
            } => "⋯",
            Self::Accepted {
                awaiting_callback: false,
            }
            | Self::Confirmed => "✓",
            Self::Failed => "✗",
            Self::Unknown | Self::Unconfirmed | Self::Unclear => "?",
            // Not the tick of a confirmation: the list says so, the platform has not.
            Self::Seen => "◎",
            Self::Interrupted { .. } => "!",
            // Not a cross: nothing failed. An arrow that passes by, of one column everywhere.
            Self::NotSent => "↷",
        }
    }

    pub fn tone(self) -> Tone {
        match self {
            Self::Queued
            | Self::WaitingForBudget
            | Self::WaitingForClaim
            | Self::Sending
            | Self::Accepted {
                awaiting_callback: true,
            } => Tone::Pending,
            Self::Accepted {
                awaiting_callback: false,
            }
            | Self::Confirmed
            | Self::Seen => Tone::Good,
            Self::Failed | Self::Interrupted { sent: false } => Tone::Bad,
            Self::Unknown
            | Self::Unconfirmed
            | Self::Unclear
            | Self::Interrupted { sent: true } => Tone::Doubtful,
            Self::NotSent => Tone::Quiet,
        }
    }

    /// The command line's exit code for a transfer that ended here: 0 it went through, 1 it
    /// certainly did not (failed, or was not sent), 3 nobody can tell (check before retrying).
    pub fn exit_code(self) -> u8 {
        match self.tone() {
            Tone::Good => 0,
            Tone::Bad | Tone::Quiet => 1,
            Tone::Pending | Tone::Doubtful => 3,
        }
    }

    /// Ended without the conversation surely arriving: failed, or left in doubt. Such a
    /// transfer may be sent elsewhere (re-routed).
    pub fn may_reroute(self) -> bool {
        matches!(
            self,
            Self::Failed
                | Self::Unknown
                | Self::Unconfirmed
                | Self::Unclear
                | Self::Interrupted { .. }
                | Self::NotSent
        )
    }

    /// Not yet answered by the platform.
    pub fn in_flight(self) -> bool {
        matches!(
            self,
            Self::Queued | Self::WaitingForBudget | Self::WaitingForClaim | Self::Sending
        )
    }

    /// Still waiting on the platform: its answer, or its callback. A supervisor's attention is
    /// on these, so the console never drops them from its log.
    pub fn is_open(self) -> bool {
        self.in_flight()
            || self
                == Self::Accepted {
                    awaiting_callback: true,
                }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_certainty() {
        let cases = [
            (
                TransferState::Accepted {
                    awaiting_callback: false,
                },
                0,
            ),
            (TransferState::Confirmed, 0),
            (TransferState::Failed, 1),
            (TransferState::Interrupted { sent: false }, 1),
            (TransferState::Interrupted { sent: true }, 3),
            (TransferState::Unknown, 3),
            (TransferState::Unconfirmed, 3),
            (TransferState::Seen, 0),
            (TransferState::Unclear, 3),
            (TransferState::NotSent, 1),
        ];
        for (state, code) in cases {
            assert_eq!(state.exit_code(), code, "{state:?}");
        }
    }

    #[test]
    fn only_unanswered_and_awaited_transfers_are_open() {
        assert!(TransferState::Sending.is_open());
        assert!(
            TransferState::Accepted {
                awaiting_callback: true
            }
            .is_open()
        );
        assert!(
            !TransferState::Accepted {
                awaiting_callback: false
            }
            .is_open()
        );
        assert!(!TransferState::Unknown.is_open());
    }
}
