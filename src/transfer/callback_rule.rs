//! The one rule for a callback the receiver took: which transfer it settles, or why it settles
//! none, given as a step. The console and `handoff transfer --wait` both follow it, and so will
//! a team relay that passes teammates' callbacks on. The rule is a pure function of the callback,
//! the ledger and the teammates' transfers: whoever took the callback carries the step out (puts
//! the settled transfer back in its ledger, reads the audit file further, writes the audit line,
//! says what happened), so a callback means the same wherever it arrives.

use chrono::Utc;

use super::TeamTransfer;
use super::ledger::{Ledger, is_about};
use super::{Confirmation, Settlement, TransferId, TransferRecord, TransferRequest};
use crate::callback::{Received, TEST_MARKER};
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
    /// `handoff callbacks check`'s test: said, never matched, never recorded.
    Test,
    /// It names no session: there is nothing to match it to or to record it under.
    Ignore,
    /// It matches none of the ledger's transfers, but another handoff on this machine may have
    /// sent it since the audit file was read: read the audit file again, merge what is new into
    /// the ledger, and follow the rule once more with [`Look::Again`].
    LookFurther,
    /// It settles a transfer, or repeats its final word (`settlement` says which): put
    /// `settled`, the transfer as the callback leaves it, back in the ledger
    /// ([`Ledger::settle`]), and record the callback in the audit file.
    Record {
        settled: Box<TransferRecord>,
        confirmation: Confirmation,
        settlement: Settlement,
    },
    /// It is a callback the transfer already holds, the very same word and payload (the
    /// platform posting it twice, or the relay passing it on again): it was recorded when it
    /// first came, and nothing changes.
    Duplicate { request: TransferRequest },
    /// It contradicts a transfer's final word, which stands: put `settled` (which keeps the
    /// callback beside that word) back in the ledger, record the callback as conflicting, and
    /// say so.
    RecordConflicting {
        settled: Box<TransferRecord>,
        confirmation: Confirmation,
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
    /// The team's relay passed it on, and it is about none of the ledger's transfers: a
    /// teammate's, or one nobody can place, which the relay's stream keeps. Every console sees
    /// every teammate's callback there, so it is passed over in silence: never looked for
    /// further (each would read the audit file again, and two handoffs of one data folder
    /// would both record it) and never recorded as unmatched in every console's audit file.
    NotOurs,
}

/// The step for `callback`, whose transfer is looked for in `ledger` and then among
/// `teammates`' transfers (team mode: those folded from the team's
/// activity stream; none elsewhere): the transfer its URL names, if it names one, else by its
/// session and target (`ledger::is_about` says why an id nobody holds matches nothing). A
/// teammate's transfer is only taken once the audit file has been read again: another handoff
/// of this data folder is a teammate too on the stream, and a callback about its transfer is
/// recorded here, as any transfer of the audit file's is.
pub fn callback_step<'t>(
    callback: &Received,
    ledger: &Ledger,
    teammates: impl IntoIterator<Item = &'t TeamTransfer>,
    look: Look,
) -> CallbackStep {
    if callback.payload.get(TEST_MARKER).is_some() {
        return CallbackStep::Test;
    }
    let Some(session) = &callback.session else {
        // Nothing shows a relayed one is ours: it is not said in every console.
        return match callback.relayed {
            true => CallbackStep::NotOurs,
            false => CallbackStep::Ignore,
        };
    };
    let target = callback.target.as_deref();
    let transfer = callback.transfer.map(TransferId::from);
    let confirmation = Confirmation::from_callback(&callback.verdict, callback.payload.clone());
    let at = callback.at.with_timezone(&Utc);
    match (
        ledger.match_callback(session, target, transfer, confirmation.clone(), at),
        look,
    ) {
        (Some((settled, _)), _)
            if ledger
                .get(settled.id())
                .is_some_and(|held| held.has_heard(&confirmation)) =>
        {
            CallbackStep::Duplicate {
                request: settled.request,
            }
        }
        (Some((settled, Settlement::Conflicting)), _) => CallbackStep::RecordConflicting {
            settled: Box::new(settled),
            confirmation,
        },
        (Some((settled, settlement)), _) => CallbackStep::Record {
            settled: Box::new(settled),
            confirmation,
            settlement,
        },
        (None, _) if callback.relayed => CallbackStep::NotOurs,
        (None, Look::First) => CallbackStep::LookFurther,
        (None, Look::Again) => {
            // Their steps reach the stream after their callback may reach us: a transfer of
            // theirs is known by the id the callback names, else by its session and target
            // alone, sent or not as far as we heard.
            let theirs = teammates
                .into_iter()
                .filter(|theirs| is_about(&theirs.record, session, target, transfer))
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
    use crate::transfer::{Outcome, Progress, TransferId, TransferState, TransferUpdate};

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
            transfer: None,
            relayed: false,
            at: Local::now(),
        }
    }

    /// `callback`, its URL naming `transfer`.
    fn naming(transfer: TransferId, callback: Received) -> Received {
        Received {
            transfer: Some(*transfer.as_uuid()),
            ..callback
        }
    }

    /// `callback` as the team's relay passes it on.
    fn relayed(callback: Received) -> Received {
        Received {
            relayed: true,
            ..callback
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

    /// Follows the rule for `callback` and puts back what it settled, as its carriers do.
    fn received(ledger: &mut Ledger, callback: &Received) -> CallbackStep {
        let step = callback_step(callback, ledger, no_teammates(), Look::First);
        if let CallbackStep::Record { settled, .. }
        | CallbackStep::RecordConflicting { settled, .. } = &step
        {
            ledger.settle(*settled.clone());
        }
        step
    }

    #[test]
    fn a_callback_naming_no_session_is_ignored_and_changes_nothing() {
        let mut ledger = Ledger::default();
        let ours = request(SESSION, "a-dana");
        ledger.insert(accepted(ours.clone()));
        for look in [Look::First, Look::Again] {
            let step = callback_step(
                &callback(None, None, Verdict::Succeeded),
                &ledger,
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
            &ledger,
            no_teammates(),
            Look::First,
        );
        let CallbackStep::Record {
            settled,
            confirmation,
            settlement,
        } = step
        else {
            panic!("expected the callback to be recorded, got {step:?}");
        };
        assert_eq!(settled.request, dana);
        assert_eq!(confirmation.state(), TransferState::Failed);
        assert_eq!(
            (settlement, settled.state()),
            (Settlement::Settled, TransferState::Failed)
        );
        assert!(
            ledger.get(dana.id).unwrap().confirmation.is_none(),
            "the rule changes no ledger: its carrier puts the settled transfer back"
        );
        ledger.settle(*settled);
        assert_eq!(ledger.get(dana.id).unwrap().state(), TransferState::Failed);
        assert!(
            ledger.get(ravi.id).unwrap().confirmation.is_none(),
            "the other target's transfer still waits"
        );
    }

    /// `callback` with something more in its payload: the same word, posted anew.
    fn reworded(callback: Received) -> Received {
        let mut payload = callback.payload.clone();
        payload["timestamp"] = json!(1_700_000_000_000_i64);
        Received {
            payload,
            ..callback
        }
    }

    #[test]
    fn the_same_word_again_is_recorded_as_a_repeat() {
        let mut ledger = Ledger::default();
        let ours = request(SESSION, "a-dana");
        ledger.insert(accepted(ours.clone()));
        received(&mut ledger, &succeeded(None));
        let step = received(&mut ledger, &reworded(succeeded(None)));
        assert!(
            matches!(
                &step,
                CallbackStep::Record {
                    settled,
                    settlement: Settlement::Repeated,
                    ..
                } if settled.request == ours && settled.state() == TransferState::Confirmed
            ),
            "{step:?}"
        );
    }

    #[test]
    fn a_contradiction_is_recorded_as_conflicting_and_the_first_word_stands() {
        let mut ledger = Ledger::default();
        let ours = request(SESSION, "a-dana");
        ledger.insert(accepted(ours.clone()));
        received(&mut ledger, &succeeded(None));
        let step = received(&mut ledger, &failed(None));
        let CallbackStep::RecordConflicting {
            settled,
            confirmation,
        } = step
        else {
            panic!("expected a conflict, got {step:?}");
        };
        assert_eq!(settled.request, ours);
        assert_eq!(confirmation.state(), TransferState::Failed);
        assert_eq!(
            settled.state(),
            TransferState::Confirmed,
            "the first word stands"
        );
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
        let first = callback_step(&stranger, &ledger, no_teammates(), Look::First);
        assert_eq!(first, CallbackStep::LookFurther);
        let again = callback_step(&stranger, &ledger, no_teammates(), Look::Again);
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
        let first = callback_step(&succeeded(None), &ledger, no_teammates(), Look::First);
        assert_eq!(first, CallbackStep::LookFurther);
        // What the audit file held beyond what was read: another handoff's transfer.
        let elsewhere = request(SESSION, "a-dana");
        ledger.merge_new(vec![accepted(elsewhere.clone())]);
        let again = callback_step(&succeeded(None), &ledger, no_teammates(), Look::Again);
        assert!(
            matches!(&again, CallbackStep::Record { settled, settlement: Settlement::Settled, .. } if settled.request == elsewhere),
            "{again:?}"
        );
    }

    #[test]
    fn a_teammates_transfer_is_theirs_not_unmatched() {
        let ledger = Ledger::default();
        let theirs = request(SESSION, "a-dana");
        let someone_elses = request(OTHER_SESSION, "a-dana");
        let teammates = [priyas(someone_elses), priyas(theirs.clone())];
        let callback = succeeded(Some("A-DANA"));
        // The audit file is read again first: a transfer of this data folder's is ours.
        let first = callback_step(&callback, &ledger, &teammates, Look::First);
        assert_eq!(first, CallbackStep::LookFurther);
        let again = callback_step(&callback, &ledger, &teammates, Look::Again);
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
        let ledger = Ledger::default();
        let older = priyas(request(SESSION, "a-dana"));
        // Only its intent has reached the stream: its callback came before its later steps.
        let latest = TeamTransfer {
            by: "Marcus".into(),
            record: TransferRecord::new(request(SESSION, "a-dana"), Utc::now(), true),
        };
        let latest_request = latest.record.request.clone();
        let step = callback_step(&succeeded(None), &ledger, &[older, latest], Look::Again);
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
        let ledger = Ledger::default();
        let teammates = [priyas(request(SESSION, "a-ravi"))];
        let step = callback_step(&succeeded(Some("a-dana")), &ledger, &teammates, Look::Again);
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
        let step = callback_step(&succeeded(None), &ledger, &teammates, Look::Again);
        assert!(
            matches!(&step, CallbackStep::Record { settled, .. } if settled.request == ours),
            "{step:?}"
        );
    }

    #[test]
    fn the_transfer_a_callback_names_is_settled_before_a_later_one_of_the_session() {
        let mut ledger = Ledger::default();
        let first = request(SESSION, "a-dana");
        // Sent again since, to the same agent: a re-route, or another handoff of this folder.
        let later = request(SESSION, "a-dana");
        ledger.insert(accepted(first.clone()));
        ledger.insert(accepted(later.clone()));
        let unnamed = callback_step(&succeeded(None), &ledger, no_teammates(), Look::First);
        assert!(
            matches!(&unnamed, CallbackStep::Record { settled, .. } if settled.request == later),
            "by its session alone, the latest waiting transfer: {unnamed:?}"
        );
        let step = received(&mut ledger, &naming(first.id, succeeded(None)));
        assert!(
            matches!(&step, CallbackStep::Record { settled, settlement: Settlement::Settled, .. } if settled.request == first),
            "{step:?}"
        );
        assert_eq!(
            ledger.get(first.id).unwrap().state(),
            TransferState::Confirmed
        );
        assert!(ledger.get(later.id).unwrap().confirmation.is_none());
    }

    #[test]
    fn a_named_transfer_is_settled_whatever_target_the_payload_names() {
        let mut ledger = Ledger::default();
        let queued = TransferRequest {
            target: Target::unlisted(TargetKind::Queue, "qu-billing"),
            ..request(SESSION, "unused")
        };
        ledger.insert(accepted(queued.clone()));
        // The queue's callback names the agent who took the conversation.
        let step = callback_step(
            &naming(queued.id, succeeded(Some("a-dana"))),
            &ledger,
            no_teammates(),
            Look::First,
        );
        assert!(
            matches!(&step, CallbackStep::Record { settled, .. } if settled.request == queued),
            "{step:?}"
        );
    }

    #[test]
    fn a_callback_naming_a_transfer_not_held_settles_no_other() {
        let mut ledger = Ledger::default();
        let ours = request(SESSION, "a-dana");
        let elsewhere = request(OTHER_SESSION, "a-dana");
        ledger.insert(accepted(ours.clone()));
        ledger.insert(accepted(elsewhere.clone()));
        for callback in [
            // A transfer this ledger does not hold, of a session it holds one of.
            naming(TransferId::new(), succeeded(None)),
            // A transfer it holds, but of another session than the payload's.
            naming(elsewhere.id, succeeded(None)),
        ] {
            let first = callback_step(&callback, &ledger, no_teammates(), Look::First);
            assert_eq!(first, CallbackStep::LookFurther);
            let again = callback_step(&callback, &ledger, no_teammates(), Look::Again);
            assert_eq!(
                again,
                CallbackStep::RecordUnmatched {
                    session: session(SESSION)
                }
            );
        }
        assert!(ledger.get(ours.id).unwrap().confirmation.is_none());
        assert!(ledger.get(elsewhere.id).unwrap().confirmation.is_none());
    }

    #[test]
    fn the_teammates_transfer_a_callback_names_is_theirs() {
        let ledger = Ledger::default();
        let priyas_transfer = priyas(request(SESSION, "a-dana"));
        let named = priyas_transfer.record.id();
        let marcus = TeamTransfer {
            by: "Marcus".into(),
            record: accepted(request(SESSION, "a-dana")),
        };
        let teammates = [priyas_transfer, marcus];
        let step = callback_step(
            &naming(named, succeeded(None)),
            &ledger,
            &teammates,
            Look::Again,
        );
        assert!(
            matches!(&step, CallbackStep::Teammate { by, request } if by == "Priya" && request.id == named),
            "not the session's latest, Marcus's: {step:?}"
        );
    }

    #[test]
    fn the_same_callback_twice_is_recorded_once() {
        let mut ledger = Ledger::default();
        let ours = request(SESSION, "a-dana");
        ledger.insert(accepted(ours.clone()));
        let first = received(&mut ledger, &succeeded(None));
        assert!(
            matches!(
                &first,
                CallbackStep::Record {
                    settlement: Settlement::Settled,
                    ..
                }
            ),
            "{first:?}"
        );
        let settled = ledger.get(ours.id).unwrap().clone();
        for look in [Look::First, Look::Again] {
            let again = callback_step(&succeeded(None), &ledger, no_teammates(), look);
            assert_eq!(
                again,
                CallbackStep::Duplicate {
                    request: ours.clone()
                }
            );
        }
        assert_eq!(ledger.get(ours.id).unwrap(), &settled);
    }

    #[test]
    fn the_same_contradiction_twice_is_recorded_once() {
        let mut ledger = Ledger::default();
        let ours = request(SESSION, "a-dana");
        ledger.insert(accepted(ours.clone()));
        received(&mut ledger, &succeeded(None));
        let first = received(&mut ledger, &failed(None));
        assert!(
            matches!(first, CallbackStep::RecordConflicting { .. }),
            "{first:?}"
        );
        let again = received(&mut ledger, &failed(None));
        assert_eq!(
            again,
            CallbackStep::Duplicate {
                request: ours.clone()
            }
        );
        assert_eq!(ledger.get(ours.id).unwrap().conflicts.len(), 1);
    }

    #[test]
    fn a_relayed_callback_about_none_of_ours_is_not_ours_and_never_looked_for() {
        let mut ledger = Ledger::default();
        let ours = request(SESSION, "a-dana");
        ledger.insert(accepted(ours.clone()));
        let teammates = [priyas(request(OTHER_SESSION, "a-dana"))];
        let theirs = teammates[0].record.id();
        for callback in [
            // A teammate's, by its session alone.
            callback(Some(OTHER_SESSION), None, Verdict::Succeeded),
            // A transfer we do not hold, of a session we moved too.
            naming(TransferId::new(), succeeded(None)),
            // A teammate's, named.
            naming(
                theirs,
                callback(Some(OTHER_SESSION), None, Verdict::Succeeded),
            ),
            // One that names no session.
            callback(None, None, Verdict::Succeeded),
        ] {
            for look in [Look::First, Look::Again] {
                let step = callback_step(&relayed(callback.clone()), &ledger, &teammates, look);
                assert_eq!(step, CallbackStep::NotOurs, "{callback:?}");
            }
        }
        assert!(ledger.get(ours.id).unwrap().confirmation.is_none());
    }

    #[test]
    fn a_relayed_callback_about_ours_is_recorded() {
        let mut ledger = Ledger::default();
        let first = request(SESSION, "a-dana");
        let later = request(SESSION, "a-ravi");
        ledger.insert(accepted(first.clone()));
        ledger.insert(accepted(later.clone()));
        let step = received(&mut ledger, &relayed(naming(first.id, succeeded(None))));
        assert!(
            matches!(&step, CallbackStep::Record { settled, .. } if settled.request == first),
            "{step:?}"
        );
        // From a handoff that named no transfer: by its session, as ever.
        let step = received(&mut ledger, &relayed(succeeded(None)));
        assert!(
            matches!(&step, CallbackStep::Record { settled, .. } if settled.request == later),
            "{step:?}"
        );
    }

    #[test]
    fn a_relayed_test_callback_is_still_a_test() {
        let ledger = Ledger::default();
        let test = Received::new(json!({ TEST_MARKER: "check-1" }), None, true);
        assert_eq!(
            callback_step(&test, &ledger, no_teammates(), Look::First),
            CallbackStep::Test
        );
    }
}
