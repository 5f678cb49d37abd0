//! The shift's hand-over (F9, and `h` in the log): the CSV `handoff log --csv` prints and a
//! summary in words, of what this console did since it started, with the teammates' transfers
//! while the log shows them (`t`). Both are made here from the model; the event loop writes them
//! to the data folder off the loop, and the log says where.

use chrono::{DateTime, Utc};

use crate::transfer::{HandOverFiles, ReportRow, Shift, shift_csv, shift_summary};
use crate::tui::effect::Effect;
use crate::tui::model::Model;
use crate::tui::transfer_log::{EntryKind, Notice};

pub(super) fn prepare(model: &mut Model) -> Effect {
    let me = model.me.as_deref();
    let teammates = model.showing_teammates();
    let own = model
        .ledger
        .records()
        // Read back from the audit file: an earlier run's, or another process's.
        .filter(|record| !record.restored)
        .map(|record| ReportRow { by: me, record });
    let theirs = model
        .log
        .entries()
        .filter(|_| teammates)
        .filter_map(|entry| match &entry.kind {
            EntryKind::Teammate(transfer) if transfer.record.intent_at >= model.started => {
                Some(ReportRow {
                    by: Some(transfer.by.as_str()),
                    record: &transfer.record,
                })
            }
            _ => None,
        });
    let mut rows: Vec<ReportRow> = own.chain(theirs).collect();
    rows.sort_by_key(|row| row.record.intent_at);
    let clock = model.clock;
    let shown = |at: DateTime<Utc>| clock.shown(at).format("%Y-%m-%d %H:%M:%S").to_string();
    let whose = match (me, teammates) {
        (Some(me), true) => format!("{me}'s console, with the teammates' transfers"),
        (Some(me), false) => format!("{me}'s console"),
        (None, _) => "this console".to_owned(),
    };
    let summary = shift_summary(
        &rows,
        Shift {
            whose: &whose,
            started: model.started,
            ended: clock.now,
            shown: &shown,
        },
    );
    // As `handoff log --team --csv`: a last column names who moved each.
    let csv = shift_csv(&rows, teammates);
    let stamp = clock.shown(clock.now).format("%Y-%m-%d-%H%M").to_string();
    Effect::WriteHandOver {
        stamp,
        csv,
        summary,
    }
}

pub(super) fn written(model: &mut Model, result: Result<HandOverFiles, String>) {
    model.notice(match result {
        Ok(files) => Notice::Info(format!(
            "hand-over written: {} and {}",
            files.csv.display(),
            files.summary.display()
        )),
        Err(why) => Notice::Warning(why),
    });
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use serde_json::json;

    use super::*;
    use crate::demo;
    use crate::ids::SessionId;
    use crate::team::TeamStep;
    use crate::transfer::{
        Confirmation, FailureReason, Outcome, TransferId, TransferRecord, TransferRequest, Unheard,
    };
    use crate::tui::clock::test_clock;
    use crate::tui::model::Focus;
    use crate::tui::update::{Msg, update};

    /// A transfer of this console to the roster's `target`-th target, `minutes` after it started,
    /// left as `settle` leaves it.
    fn transfer(
        model: &mut Model,
        session: &str,
        target: usize,
        minutes: i64,
        settle: impl FnOnce(&mut TransferRecord),
    ) {
        let request = TransferRequest {
            id: TransferId::new(),
            session: SessionId::parse(session).unwrap(),
            target: model.roster.targets()[target].clone(),
            note: None,
            reroute_of: None,
            bulk: None,
            confirmed_recent: false,
        };
        let at = model.started + chrono::Duration::minutes(minutes);
        let mut record = TransferRecord::new(request, at, true);
        settle(&mut record);
        let id = record.id();
        model.ledger.insert_as_of(record, model.clock.now);
        model.show_transfer(id, at);
    }

    fn transferred() -> Outcome {
        Outcome::Transferred {
            request_completed_at: None,
        }
    }

    /// A shift with one transfer in each state a supervisor hands over, and one from an earlier
    /// run read back from the audit file.
    fn shift() -> Model {
        let mut model = Model::new(demo::roster(), "test".into(), Vec::new(), test_clock());
        transfer(&mut model, "6538f8a3c9cf425ee5cf0a01", 0, 1, |r| {
            r.outcome = Some(transferred());
            r.confirmation = Some(Confirmation::Confirmed { payload: json!({}) });
        });
        transfer(&mut model, "6538f8a3c9cf425ee5cf0a02", 1, 2, |r| {
            r.outcome = Some(Outcome::Failed {
                http_status: Some(409),
                reason: FailureReason::TargetUnavailable,
                message: "Agent is offline".into(),
            });
        });
        transfer(&mut model, "6538f8a3c9cf425ee5cf0a03", 2, 3, |r| {
            r.outcome = Some(Outcome::Unknown {
                http_status: Some(504),
                reason: FailureReason::default(),
                message: "gateway timeout".into(),
            });
            r.request.note = Some("VIP, asked for Dana".into());
        });
        transfer(&mut model, "6538f8a3c9cf425ee5cf0a04", 3, 4, |r| {
            r.outcome = Some(transferred());
            r.confirmation = Some(Confirmation::Unconfirmed {
                why: Unheard::NotInTime,
            });
        });
        transfer(&mut model, "6538f8a3c9cf425ee5cf0a05", 4, 5, |r| {
            r.outcome = Some(transferred());
        });
        transfer(&mut model, "6538f8a3c9cf425ee5cf0a06", 0, -90, |r| {
            r.restored = true;
            r.outcome = Some(transferred());
        });
        model.clock.now = model.started + chrono::Duration::minutes(93);
        model
    }

    fn press(model: &mut Model, code: KeyCode) -> Option<Effect> {
        update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    fn hand_over(effect: Option<Effect>) -> (String, String, String) {
        match effect {
            Some(Effect::WriteHandOver {
                stamp,
                csv,
                summary,
            }) => (stamp, csv, summary),
            other => panic!("expected a hand-over, got {other:?}"),
        }
    }

    #[test]
    fn f9_hands_over_what_this_console_did_since_it_started() {
        let mut model = shift();
        let (stamp, csv, summary) = hand_over(press(&mut model, KeyCode::F(9)));
        // The test clock shows UTC: 14 March 2025, 09:30, and 93 minutes on.
        assert_eq!(stamp, "2025-03-14-1103");

        let lines: Vec<&str> = csv.lines().collect();
        assert!(
            lines[0].starts_with("started_at,transfer,session,"),
            "{csv}"
        );
        assert!(!lines[0].ends_with(",by"), "{csv}");
        assert_eq!(lines.len(), 6, "a header and this run's five: {csv}");
        assert!(
            !csv.contains("0a06"),
            "an earlier run's is not this shift's"
        );
        for (line, state) in
            lines[1..]
                .iter()
                .zip(["confirmed", "failed", "unknown", "unconfirmed", "accepted"])
        {
            assert!(line.contains(&format!(",{state},")), "{line}");
        }

        assert!(
            summary.starts_with(
                "Hand-over: this console, from 2025-03-14 09:30:00 to 2025-03-14 11:03:00\n"
            ),
            "{summary}"
        );
        assert!(
            summary.contains(
                "5 transfers: 1 confirmed, 1 accepted, 1 failed, 1 unknown, 1 unconfirmed.\n"
            ),
            "{summary}"
        );
        let to_check = summary
            .split("\n\n")
            .find(|part| part.starts_with("Still to check"))
            .unwrap_or_else(|| panic!("{summary}"));
        assert!(to_check.starts_with("Still to check: nobody can yet say these arrived (3):"));
        assert!(to_check.contains("? unknown  session 6538f8a3c9cf425ee5cf0a03 → agent"));
        assert!(to_check.contains("? unconfirmed  session 6538f8a3c9cf425ee5cf0a04 → agent"));
        assert!(to_check.contains("⋯ accepted  session 6538f8a3c9cf425ee5cf0a05"));
        assert!(!to_check.contains("0a01") && !to_check.contains("0a02"));
        assert!(summary.contains("Failed: not moved (1):\n"), "{summary}");
        assert!(summary.contains("session 6538f8a3c9cf425ee5cf0a02"));
        assert!(
            summary.contains("Notes (1):\n  session 6538f8a3c9cf425ee5cf0a03 → agent"),
            "{summary}"
        );
        assert!(summary.contains(": VIP, asked for Dana\n"), "{summary}");

        update(
            &mut model,
            Msg::HandOverWritten(Ok(HandOverFiles {
                csv: "/data/handoff-shift-2025-03-14-1103.csv".into(),
                summary: "/data/handoff-shift-2025-03-14-1103.txt".into(),
            })),
        );
        let said = model.log.entries().last().unwrap().kind.clone();
        assert_eq!(
            said,
            EntryKind::Notice(Notice::Info(
                "hand-over written: /data/handoff-shift-2025-03-14-1103.csv and /data/handoff-shift-2025-03-14-1103.txt".into()
            ))
        );
        update(
            &mut model,
            Msg::HandOverWritten(Err(
                "could not write the hand-over to /data: disk full".into()
            )),
        );
        assert!(matches!(
            &model.log.entries().last().unwrap().kind,
            EntryKind::Notice(Notice::Warning(why)) if why.contains("disk full")
        ));
    }

    #[test]
    fn h_in_the_log_hands_over_too_and_an_empty_shift_says_so() {
        let mut model = Model::new(demo::roster(), "test".into(), Vec::new(), test_clock());
        model.focus = Focus::Log;
        let (_, csv, summary) = hand_over(press(&mut model, KeyCode::Char('h')));
        assert_eq!(csv.lines().count(), 1, "the header alone");
        assert!(summary.contains("\n0 transfers.\n"), "{summary}");
        model.focus = Focus::Session;
        assert!(
            press(&mut model, KeyCode::Char('h')).is_none(),
            "typed into the field"
        );
        assert_eq!(model.session.value(), "h");
    }

    #[test]
    fn with_the_teammates_shown_their_transfers_come_with_their_names() {
        let mut model = shift();
        model.teammates = Some(false);
        model.me = Some("Dana".into());
        let intent = |id: &str, transfer: &str, at: &str| TeamStep {
            id: id.into(),
            by: "Priya".into(),
            console: "priya-1".into(),
            line: json!({
                "at": at, "transfer": transfer, "event": "intent",
                "session": "6538f8a3c9cf425ee5cf0b01", "target_kind": "queue",
                "target_id": "qu-billing", "target_name": "Billing", "awaits_callback": true
            }),
        };
        let started = model.started;
        let during = (started + chrono::Duration::minutes(10)).to_rfc3339();
        let before = (started - chrono::Duration::minutes(10)).to_rfc3339();
        update(
            &mut model,
            Msg::TeamActivity(vec![
                intent("1-0", "7d1f5c7e-8a3e-4f7a-9a52-2a0c2f0b6d11", &during),
                intent("2-0", "7d1f5c7e-8a3e-4f7a-9a52-2a0c2f0b6d12", &before),
                TeamStep {
                    id: "3-0".into(),
                    by: "Priya".into(),
                    console: "priya-1".into(),
                    line: json!({
                        "at": during, "transfer": "7d1f5c7e-8a3e-4f7a-9a52-2a0c2f0b6d11",
                        "event": "outcome", "outcome": "transferred"
                    }),
                },
            ]),
        );

        let (_, csv, summary) = hand_over(press(&mut model, KeyCode::F(9)));
        assert!(
            !csv.contains("6538f8a3c9cf425ee5cf0b01"),
            "hidden teammates stay out: {csv}"
        );
        assert!(summary.starts_with("Hand-over: Dana's console, from"));

        model.focus = Focus::Log;
        press(&mut model, KeyCode::Char('t'));
        let (_, csv, summary) = hand_over(press(&mut model, KeyCode::Char('h')));
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[0].ends_with(",by"), "{csv}");
        assert_eq!(
            lines.len(),
            7,
            "this console's five and Priya's one of the shift"
        );
        assert!(lines[1].ends_with(",Dana"), "{csv}");
        assert!(
            lines.iter().any(
                |l| l.contains("7d1f5c7e-8a3e-4f7a-9a52-2a0c2f0b6d11") && l.ends_with(",Priya")
            ),
            "{csv}"
        );
        assert!(!csv.contains("6d12"), "started before this console");
        assert!(
            summary.starts_with("Hand-over: Dana's console, with the teammates' transfers"),
            "{summary}"
        );
        assert!(
            summary.contains(
                "session 6538f8a3c9cf425ee5cf0b01 → queue Billing (qu-billing) (by Priya)"
            ),
            "{summary}"
        );
    }
}
