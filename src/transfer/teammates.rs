//! Teammates' transfers, folded from the steps on the team's activity stream exactly as this
//! console's own are folded from its audit file. What a teammate's console wrote is outside
//! text here: every text in a step is cut to a message's length before it is folded (a
//! callback's words, the platform's), and names, ids and notes are cleaned and cut before
//! anything shows them.

use super::{AuditLine, TransferId, TransferRecord, fold_step, read_line};
use crate::ids::TargetKind;
use crate::roster::Target;
use crate::team::TeamStep;
use crate::terminal_safe::{self, NAME_CHARS, cut};

/// One transfer by a teammate, as far as their published steps tell.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamTransfer {
    /// The supervisor who moved it.
    pub by: String,
    pub record: TransferRecord,
}

/// Folds `step` in: a transfer's first step (its intent) comes back as a new transfer; a later
/// one is folded into the record `known` finds for its transfer, if it is known (its intent may
/// be older than what was read). Damaged or unknown steps change nothing.
pub fn fold<'a>(
    step: &TeamStep,
    known: impl FnOnce(TransferId) -> Option<&'a mut TransferRecord>,
) -> Option<TeamTransfer> {
    let line = terminal_safe::cut_json(&step.line, terminal_safe::MESSAGE_CHARS);
    match read_line(&line)? {
        AuditLine::Intent(mut record) => {
            clean(&mut record);
            Some(TeamTransfer {
                by: step.by.clone(),
                record: *record,
            })
        }
        AuditLine::Step(transfer) => {
            if let Some(record) = known(transfer) {
                fold_step(record, &line);
            }
            None
        }
        AuditLine::UnmatchedCallback(_) | AuditLine::Later => None,
    }
}

/// What the teammate's line named, made safe to show: a roster name cleaned as a synced one is,
/// ids and notes with anything a terminal would act on shown escaped; names and ids cut to a
/// name's length.
fn clean(record: &mut TransferRecord) {
    let request = &mut record.request;
    let target = &request.target;
    let kind: TargetKind = target.kind;
    let (name, _) = terminal_safe::clean_name(&target.name);
    let id = terminal_safe::line(&cut(&target.id, NAME_CHARS)).into_owned();
    let name = if name.is_empty() {
        id.clone()
    } else {
        cut(&name, NAME_CHARS).into_owned()
    };
    request.target = Target::new(kind, &id, &name);
    if let Some(note) = &mut request.note {
        *note = terminal_safe::line(note).into_owned();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::TransferState;
    use serde_json::json;

    const ID: &str = "7d1f5c7e-8a3e-4f7a-9a52-2a0c2f0b6d11";

    fn step(line: serde_json::Value) -> TeamStep {
        TeamStep {
            id: "1-0".into(),
            by: "Priya".into(),
            console: "c1".into(),
            line,
        }
    }

    #[test]
    fn an_intent_then_its_outcome_make_one_accepted_transfer() {
        let intent = step(json!({
            "at": "2026-11-25T10:00:00Z", "transfer": ID, "event": "intent",
            "session": "6538f8a3c9cf425ee5cf0a1b", "target_kind": "queue",
            "target_id": "q-billing", "target_name": "Billing\u{1b}[31m", "note": "VIP\u{7}",
            "awaits_callback": false
        }));
        let mut transfer = fold(&intent, |_| None).expect("an intent starts a transfer");
        assert_eq!(transfer.by, "Priya");
        assert_eq!(transfer.record.request.target.name, "Billing[31m");
        assert_eq!(transfer.record.request.note.as_deref(), Some("VIP\\x07"));

        let outcome = step(json!({
            "at": "2026-11-25T10:00:01Z", "transfer": ID, "event": "outcome",
            "outcome": "transferred", "request_completed_at": 1
        }));
        let id = transfer.record.id();
        assert!(fold(&outcome, |of| (of == id).then_some(&mut transfer.record)).is_none());
        assert_eq!(
            transfer.record.state(),
            TransferState::Accepted {
                awaiting_callback: false
            }
        );
    }

    #[test]
    fn huge_words_in_a_teammates_steps_are_cut_and_counted() {
        let huge = |word: &str| format!("{word} {}", "x".repeat(300_000));
        let intent = step(json!({
            "at": "2026-11-25T10:00:00Z", "transfer": ID, "event": "intent",
            "session": "6538f8a3c9cf425ee5cf0a1b", "target_kind": "queue",
            "target_id": huge("q-billing"), "target_name": huge("Billing"), "note": huge("VIP"),
            "awaits_callback": false
        }));
        let mut transfer = fold(&intent, |_| None).expect("an intent starts a transfer");
        let request = &transfer.record.request;
        for (name, cap) in [
            (&request.target.name, NAME_CHARS),
            (&request.target.id, NAME_CHARS),
            (request.note.as_ref().unwrap(), terminal_safe::MESSAGE_CHARS),
        ] {
            assert!(name.chars().count() <= cap, "{name}");
            assert!(name.ends_with(" characters)"), "{name}");
        }
        let failed = step(json!({
            "at": "2026-11-25T10:00:01Z", "transfer": ID, "event": "outcome",
            "outcome": "failed", "http_status": 400,
            "message": huge("Agent not found")
        }));
        let id = transfer.record.id();
        fold(&failed, |of| (of == id).then_some(&mut transfer.record));
        let message = transfer.record.message().unwrap();
        assert!(message.starts_with("Agent not found x"), "{message}");
        assert!(
            message.chars().count() <= terminal_safe::MESSAGE_CHARS,
            "{message}"
        );
    }

    #[test]
    fn a_step_of_an_unknown_transfer_or_a_damaged_line_changes_nothing() {
        let outcome = step(json!({
            "at": "2026-11-25T10:00:01Z", "transfer": ID, "event": "outcome", "outcome": "transferred"
        }));
        assert!(fold(&outcome, |_| None).is_none());
        assert!(fold(&step(json!({"event": "intent"})), |_| None).is_none());
        assert!(fold(&step(json!("a string")), |_| None).is_none());
    }
}
