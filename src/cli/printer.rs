//! How `handoff transfer` prints what became of each transfer: words for a person, or one JSON
//! object per conversation for a script.

use std::process::ExitCode;

use serde_json::json;

use super::EXIT_BAD_INPUT;
use super::output::{err, out, out_json};
use super::setup::Setup;
use crate::roster::Target;
use crate::transfer::{Confirmation, FailureReason, TransferRecord};

/// Writes results in words or as one JSON object, so every exit path of `--json` prints exactly
/// one object on stdout (one per conversation when moving many).
pub(super) struct Printer {
    pub(super) json: bool,
}

impl Printer {
    pub(super) fn bad_input(&self, message: &str) -> ExitCode {
        if self.json {
            out_json!(json!({
                "outcome": "not_sent",
                "state": "not sent",
                "exit_code": EXIT_BAD_INPUT,
                "message": message
            }));
        } else {
            err!("error: {message}");
            err!("nothing was sent");
        }
        ExitCode::from(EXIT_BAD_INPUT)
    }

    /// A single transfer's result and exit code. When the audit file could not take one of its
    /// steps (`unrecorded`, why), that is said too, and the exit code is 3: the file does not
    /// show what became of it, and a rerun would take it as interrupted.
    pub(super) fn outcome(
        &self,
        record: &TransferRecord,
        setup: &Setup,
        unrecorded: Option<&str>,
    ) -> ExitCode {
        let code = match unrecorded {
            Some(_) => 3,
            None => record.state().exit_code(),
        };
        self.print(record, setup, unrecorded, code);
        if let Some(error) = unrecorded.filter(|_| !self.json) {
            err!(
                "error: the audit file could not record every step of this transfer, so it does not show what became of it: {error}; a rerun takes it as interrupted: check it before retrying"
            );
        }
        ExitCode::from(code)
    }

    /// One transfer's result: a line of words (and its detail), or one JSON object.
    pub(super) fn transfer(&self, record: &TransferRecord, setup: &Setup) {
        self.print(record, setup, None, record.state().exit_code());
    }

    /// As [`transfer`](Self::transfer), with what the audit file could not take and the exit
    /// code that says it.
    fn print(&self, record: &TransferRecord, setup: &Setup, unrecorded: Option<&str>, code: u8) {
        let state = record.state();
        let request = &record.request;
        if self.json {
            let mut object = record
                .outcome
                .as_ref()
                .and_then(|o| serde_json::to_value(o).ok())
                .unwrap_or_else(|| json!({}));
            let extra = json!({
                "state": state.word(),
                "reason": record.reason(),
                "detail": record.detail(),
                "exit_code": code,
                "audit_error": unrecorded,
                "transfer_id": request.id,
                "session": request.session.as_str(),
                "target": target_json(&request.target),
                "note": request.note,
                "callback": record.confirmation.as_ref().and_then(Confirmation::payload),
                "conflicting_callbacks": record.conflicts.len(),
                "audit_file": setup.engine.audit_path(),
            });
            if let (Some(object), Some(extra)) = (object.as_object_mut(), extra.as_object()) {
                object.extend(extra.clone());
            }
            out_json!(object);
        } else {
            out!(
                "{} {}: session {} → {}",
                state.symbol(),
                state.word(),
                request.session,
                request.target
            );
            if let Some(detail) = record.detail() {
                out!("  {detail}");
            }
            if record.reason() == Some(FailureReason::HeldByTeammate) {
                out!(
                    "  nothing was sent; to send it all the same, check the conversation, then run again with --take-over"
                );
            }
        }
    }
}

fn target_json(target: &Target) -> serde_json::Value {
    json!({"kind": target.kind, "id": target.id, "name": target.name})
}
