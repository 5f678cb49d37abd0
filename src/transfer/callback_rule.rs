//! The one rule for a callback the receiver took: which transfer it settles, or why it settles
//! none, given as a step. The console and `handoff transfer --wait` both follow it, and so will
//! a team relay that passes teammates' callbacks on. The rule reads and writes nothing but the
//! ledger it is given: whoever took the callback carries the step out (reads the audit file
//! further, writes the audit line, says what happened), so a callback means the same wherever it
//! arrives.

use chrono::Utc;

use super::TeamTransfer;
use super::ledger::{CallbackMatch, Ledger, is_about};
use super::{Confirmation, Settlement, TransferRequest, TransferState};
use crate::callback::Received;
use crate::ids::SessionId;

/// How far the audit file has been read for this callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// Not yet: the ledger holds what was read before the callback came.
    First,
    /// Read again after the callback came: what matches nothing now matches nothing.
    Again,
}

/// What to do with a callback, as the rule decides it.
#[derive(Debug, Clone, PartialEq)]
pub enum CallbackStep {
    /// It names no session: there is nothing to match it to or to record it under.
    Ignore,
    /// It matches none of the ledger's transfers, but another handoff on this machine may have
    /// sent it since the audit file was read: read the audit file again, merge what is new into
    /// the ledger, and follow the rule once more with [`Look::Again`].
    LookFurther,
    /// It settled `request`'s transfer, or repeated its final word (`settlement` says which):
    /// the ledger holds it; record it in the audit file. `state` is where the transfer now
    /// stands.
    Record {
        request: TransferRequest,
        confirmation: Confirmation,
        settlement: Settlement,
        state: TransferState,
    },
    /// It contradicts the final word of `request`'s transfer, which stands as `standing`: the
    /// ledger keeps it beside that word; record it as conflicting, and say so.
    RecordConflicting {
        request: TransferRequest,
        confirmation: Confirmation,
        standing: TransferState,
    },
    /// It is about a teammate's transfer (`by` sent `request`): theirs to settle and record, so
    /// it is not recorded here as matching nothing.
    Teammate {
        by: String,
        request: TransferRequest,
    },
    /// It matches no transfer of the last day, this machine's or a known teammate's: record it
    /// as unmatched, so that nothing that arrived is lost. Nothing else changes.
    RecordUnmatched { session: SessionId },
}

/// The step for `callback`, whose transfer is looked for in `ledger` (which it settles, if it
/// is there) and then among `teammates`' transfers (team mode: those folded from the team's
/// activity stream; none elsewhere). A teammate's transfer is only taken once the audit file has
/// been read again: another handoff of this data folder is a teammate too on the stream, and a
/// callback about its transfer is recorded here, as any transfer of the audit file's is.
pub fn callback_step<'t>(
    callback: &Received,
    ledger: &mut Ledger,
    teammates: impl IntoIterator<Item = &'t TeamTransfer>,
    look: Look,
) -> CallbackStep {
    let Some(session) = &callback.session else {
        return CallbackStep::Ignore;
    };
    let target = callback.target.as_deref();
    let confirmation = Confirmation::from_callback(&callback.verdict, callback.payload.clone());
    let at = callback.at.with_timezone(&Utc);
    let settled = match ledger.receive(session, target, confirmation.clone(), at) {
        CallbackMatch::Matched { id, settlement } => ledger.get(id).map(|r| (r, settlement)),
        CallbackMatch::Unmatched => None,
    };
    match (settled, look) {
        (Some((record, Settlement::Conflicting)), _) => CallbackStep::RecordConflicting {
            request: record.request.clone(),
            confirmation,
            standing: record.state(),
        },
        (Some((record, settlement)), _) => CallbackStep::Record {
            request: record.request.clone(),
            confirmation,
            settlement,
            state: record.state(),
        },
        (None, Look::First) => CallbackStep::LookFurther,
        (None, Look::Again) => {
            // Their steps reach the stream after their callback may reach us: a transfer of
            // theirs is known by its session and target alone, sent or not as far as we heard.
            let theirs = teammates
                .into_iter()
                .filter(|transfer| is_about(&transfer.record, session, target))
                .last();
            match theirs {
                Some(transfer) => CallbackStep::Teammate {
                    by: transfer.by.clone(),
                    request: transfer.record.request.clone(),
                },
                None => CallbackStep::RecordUnmatched {
                    session: session.clone(),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Local;
    use serde_json::json;

    use super::*;
    use crate::callback::Verdict;
    use crate::ids::TargetKind;
    use crate::roster::Target;
    use crate::transfer::{Outcome, Progress, TransferId, TransferRecord, TransferUpdate};

    const SESSION: &str = "6538f8a3c9cf425ee5cf0a1b";
    const OTHER_SESSION: &str = "6538f8a3c9cf425ee5cf0a1c";

    fn session(id: &str) -> SessionId {
        SessionId::parse(id).unwrap()
    }

    fn request(session_id: &str, agent: &str) -> TransferRequest {
        TransferRequest {
            id: TransferId::new(),
            session: session(session_id),
            target: Target::unlisted(TargetKind::Agent, agent),
            note: None,
            reroute_of: None,
            bulk: None,
            confirmed_recent: false,
        }
    }

    /// A transfer the platform accepted, waiting for its callback.
    fn accepted(request: TransferRequest) -> TransferRecord {
        let mut record = TransferRecord::new(request, Utc::now(), true);
        for progress in [
            Progress::Sending {
                request: String::new(),
            },
            Progress::Finished(Outcome::Transferred {
                request_completed_at: None,
            }),
        ] {
            record.progress(TransferUpdate::now(record.id(), progress));
        }
        record
    }

    fn callback(session_id: Option<&str>, target: Option<&str>, verdict: Verdict) -> Received {
        Received {
            session: session_id.map(session),
            target: target.map(str::to_owned),
            verdict,
            payload: json!({"botSessionId": session_id}),
            at: Local::now(),
        }
    }

    fn succeeded(target: Option<&str>) -> Received {
        callback(Some(SESSION), target, Verdict::Succeeded)
    }

    fn failed(target: Option<&str>) -> Received {
        let verdict = Verdict::Failed {
            message: Some("Agent rejected the conversation".into()),
        };
        callback(Some(SESSION), target, verdict)
    }

    fn priyas(request: TransferRequest) -> TeamTransfer {
        TeamTransfer {
            by: "Priya".into(),
            record: accepted(request),
        }
    }

    fn no_teammates() -> std::iter::Empty<&'static TeamTransfer> {
        std::iter::empty()
    }

    #[test]
    fn a_callback_naming_no_session_is_ignored_and_changes_nothing() {
        let mut ledger = Ledger::default();
        let ours = request(SESSION, "a-dana");
        ledger.insert(accepted(ours.clone()));
        for look in [Look::First, Look::Again] {
            let step = callback_step(
                &callback(None, None, Verdict::Succeeded),
                &mut ledger,
                no_teammates(),
                look,
            );
            assert_eq!(step, CallbackStep::Ignore);
        }
        assert!(ledger.get(ours.id).unwrap().confirmation.is_none());
    }

    #[test]
    fn a_callback_settles_its_transfer_and_is_recorded() {
        let mut ledger = Ledger::default();
        let dana = request(SESSION, "a-dana");
        let ravi = request(SESSION, "a-ravi");
        ledger.insert(accepted(dana.clone()));
        ledger.insert(accepted(ravi.clone()));
        let step = callback_step(
            &failed(Some("a-dana")),
            &mut ledger,
            no_teammates(),
            Look::First,
        );
        let CallbackStep::Record {
            request,
            confirmation,
            settlement,
            state,
        } = step
        else {
            panic!("expected the callback to be recorded, got {step:?}");
        };
        assert_eq!(request, dana);
        assert_eq!(confirmation.state(), TransferState::Failed);
        assert_eq!(
            (settlement, state),
            (Settlement::Settled, TransferState::Failed)
        );
        assert_eq!(ledger.get(dana.id).unwrap().state(), TransferState::Failed);
        assert!(
            ledger.get(ravi.id).unwrap().confirmation.is_none(),
            "the other target's transfer still waits"
        );
    }

    #[test]
    fn the_same_word_again_is_recorded_as_a_repeat() {
        let mut ledger = Ledger::default();
        let ours = request(SESSION, "a-dana");
        ledger.insert(accepted(ours.clone()));
        callback_step(&succeeded(None), &mut ledger, no_teammates(), Look::First);
        let step = callback_step(&succeeded(None), &mut ledger, no_teammates(), Look::First);
        assert!(
            matches!(
                &step,
                CallbackStep::Record {
                    request,
                    settlement: Settlement::Repeated,
                    state: TransferState::Confirmed,
                    ..
                } if *request == ours
            ),
            "{step:?}"
        );
    }

    #[test]
    fn a_contradiction_is_recorded_as_conflicting_and_the_first_word_stands() {
        let mut ledger = Ledger::default();
        let ours = request(SESSION, "a-dana");
        ledger.insert(accepted(ours.clone()));
        callback_step(&succeeded(None), &mut ledger, no_teammates(), Look::First);
        let step = callback_step(&failed(None), &mut ledger, no_teammates(), Look::First);
        let CallbackStep::RecordConflicting {
            request,
            confirmation,
            standing,
        } = step
        else {
            panic!("expected a conflict, got {step:?}");
        };
        assert_eq!(request, ours);
        assert_eq!(confirmation.state(), TransferState::Failed);
        assert_eq!(standing, TransferState::Confirmed);
        let record = ledger.get(ours.id).unwrap();
        assert_eq!(record.state(), TransferState::Confirmed);
        assert_eq!(record.conflicts, [confirmation]);
    }

    #[test]
    fn a_callback_matching_nothing_looks_further_then_is_recorded_as_unmatched() {
        let mut ledger = Ledger::default();
        let ours = request(SESSION, "a-dana");
        ledger.insert(accepted(ours.clone()));
        let stranger = succeeded(Some("a-nobody"));
        let first = callback_step(&stranger, &mut ledger, no_teammates(), Look::First);
        assert_eq!(first, CallbackStep::LookFurther);
        let again = callback_step(&stranger, &mut ledger, no_teammates(), Look::Again);
        assert_eq!(
            again,
            CallbackStep::RecordUnmatched {
                session: session(SESSION)
            }
        );
        assert!(ledger.get(ours.id).unwrap().confirmation.is_none());
    }

    #[test]
    fn a_transfer_found_on_the_second_look_is_settled_by_it() {
        let mut ledger = Ledger::default();
        let first = callback_step(&succeeded(None), &mut ledger, no_teammates(), Look::First);
        assert_eq!(first, CallbackStep::LookFurther);
        // What the audit file held beyond what was read: another handoff's transfer.
        let elsewhere = request(SESSION, "a-dana");
        ledger.merge_new(vec![accepted(elsewhere.clone())]);
        let again = callback_step(&succeeded(None), &mut ledger, no_teammates(), Look::Again);
        assert!(
            matches!(&again, CallbackStep::Record { request, settlement: Settlement::Settled, .. } if *request == elsewhere),
            "{again:?}"
        );
    }

    #[test]
    fn a_teammates_transfer_is_theirs_not_unmatched() {
        let mut ledger = Ledger::default();
        let theirs = request(SESSION, "a-dana");
        let someone_elses = request(OTHER_SESSION, "a-dana");
        let teammates = [priyas(someone_elses), priyas(theirs.clone())];
        let callback = succeeded(Some("A-DANA"));
        // The audit file is read again first: a transfer of this data folder's is ours.
        let first = callback_step(&callback, &mut ledger, &teammates, Look::First);
        assert_eq!(first, CallbackStep::LookFurther);
        let again = callback_step(&callback, &mut ledger, &teammates, Look::Again);
        assert_eq!(
            again,
            CallbackStep::Teammate {
                by: "Priya".into(),
                request: theirs,
            }
        );
        assert_eq!(
            teammates[1].record.state(),
            TransferState::Accepted {
                awaiting_callback: true
            },
            "a teammate's transfer is never settled here"
        );
    }

    #[test]
    fn a_teammates_latest_transfer_of_the_session_is_theirs_sent_or_not_as_far_as_we_heard() {
        let mut ledger = Ledger::default();
        let older = priyas(request(SESSION, "a-dana"));
        // Only its intent has reached the stream: its callback came before its later steps.
        let latest = TeamTransfer {
            by: "Marcus".into(),
            record: TransferRecord::new(request(SESSION, "a-dana"), Utc::now(), true),
        };
        let latest_request = latest.record.request.clone();
        let step = callback_step(&succeeded(None), &mut ledger, &[older, latest], Look::Again);
        assert_eq!(
            step,
            CallbackStep::Teammate {
                by: "Marcus".into(),
                request: latest_request,
            }
        );
    }

    #[test]
    fn a_teammates_transfer_to_another_target_leaves_the_callback_unmatched() {
        let mut ledger = Ledger::default();
        let teammates = [priyas(request(SESSION, "a-ravi"))];
        let step = callback_step(
            &succeeded(Some("a-dana")),
            &mut ledger,
            &teammates,
            Look::Again,
        );
        assert_eq!(
            step,
            CallbackStep::RecordUnmatched {
                session: session(SESSION)
            }
        );
    }

    #[test]
    fn our_own_transfer_comes_before_a_teammates_of_the_same_session() {
        let mut ledger = Ledger::default();
        let ours = request(SESSION, "a-dana");
        ledger.insert(accepted(ours.clone()));
        let teammates = [priyas(request(SESSION, "a-dana"))];
        let step = callback_step(&succeeded(None), &mut ledger, &teammates, Look::Again);
        assert!(
            matches!(&step, CallbackStep::Record { request, .. } if *request == ours),
            "{step:?}"
        );
    }
}
