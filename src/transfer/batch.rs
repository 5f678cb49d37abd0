//! A bulk run's transfers go out in batches. A batch takes one budget slot for all of its
//! transfers, claims their sessions in one go (`claiming`), writes their "sending" lines in one
//! synced write, sends their requests together, writes their outcomes in one synced write, lets
//! go of the claims and hands the slot back once. So the fixed costs of a transfer (a locked
//! update of the shared budget file, a sync of the audit file, and around each the runtime
//! moving its other tasks off the thread, see `transfer::blocking`) are paid once a batch, not
//! once a transfer.

use chrono::Utc;
use futures::future::join_all;
use tokio::sync::mpsc;

use super::audit::AuditEvent;
use super::{Outcome, Progress, Record, TransferEngine, TransferRequest, TransferUpdate};
use crate::budget::Slot;

impl TransferEngine {
    /// Sends `batch`, whose intents are written and sessions claimed, in `slot`, which holds room
    /// for each of them, reporting each step to `updates`.
    pub(super) async fn send_batch(
        &self,
        batch: &[TransferRequest],
        slot: Slot,
        updates: &mpsc::Sender<TransferUpdate>,
    ) {
        let report = |request: &TransferRequest, progress| {
            // A watcher that went away (the UI closed) does not stop the transfers.
            let update = TransferUpdate::now(request.id, progress);
            async move { drop(updates.send(update).await) }
        };
        let sending = batch
            .iter()
            .map(|request| self.entry(request, AuditEvent::Sending, Record::default()));
        if let Err(error) = self.append_lines(sending).await {
            for request in batch {
                report(request, Progress::AuditFailed(error.to_string())).await;
            }
        }
        let calls: Vec<_> = batch
            .iter()
            .map(|request| self.assign_call(request))
            .collect();
        for (request, call) in batch.iter().zip(&calls) {
            let shown = call.shown(&self.callback_token);
            report(request, Progress::Sending { request: shown }).await;
        }
        let answers = join_all(batch.iter().zip(&calls).map(|(request, call)| async move {
            let answer = self.client.assign_in_held_slot(call).await;
            // Stamped when it came, before the batch's audit sync adds its own time.
            (Outcome::of_answer(request, answer), Utc::now())
        }))
        .await;
        self.budget.done(slot).await;

        let outcomes = batch.iter().zip(&answers).map(|(request, (outcome, _))| {
            let record = Record {
                outcome: Some(outcome),
                ..Record::default()
            };
            self.entry(request, AuditEvent::Outcome, record)
        });
        if let Err(error) = self.append_lines(outcomes).await {
            for request in batch {
                report(request, Progress::AuditFailed(error.to_string())).await;
            }
        }
        // Written before the claims are let go: whoever claims a session next reads it.
        let settled: Vec<(&TransferRequest, &Outcome)> = batch
            .iter()
            .zip(&answers)
            .map(|(request, (outcome, _))| (request, outcome))
            .collect();
        self.settle_claims(&settled).await;
        for (request, (outcome, at)) in batch.iter().zip(answers) {
            let answered = TransferUpdate {
                id: request.id,
                progress: Progress::Finished(outcome),
                at,
            };
            // A watcher that went away does not change the outcome.
            let _ = updates.send(answered).await;
        }
    }
}
