//! A bulk run's transfers go out in batches. A batch takes one budget slot for all of its
//! transfers, writes their "sending" lines in one synced write, sends their requests together,
//! writes their outcomes in one synced write and hands the slot back once. So the fixed costs of
//! a transfer (a locked update of the shared budget file, a sync of the audit file, and around
//! each the runtime moving its other tasks off the thread, see `transfer::blocking`) are paid
//! once a batch, not once a transfer.

use chrono::Utc;
use futures::future::join_all;
use tokio::sync::mpsc;

use super::audit::AuditEvent;
use super::{Outcome, Progress, Record, Slot, TransferEngine, TransferRequest, TransferUpdate};
use crate::platform::AssignRequest;

impl TransferEngine {
    /// Sends `batch`, whose intents are written, in `slot`, which holds room for each of them,
    /// reporting each step to `updates`.
    pub(super) async fn send_batch(
        &self,
        batch: &[TransferRequest],
        slot: Slot,
        updates: &mpsc::Sender<TransferUpdate>,
    ) {
        // In team mode each session is claimed first; one a teammate holds is not sent, and
        // its room in the slot goes unused.
        let mut going = Vec::with_capacity(batch.len());
        for request in batch {
            match self.claim(request).await {
                Some(refusal) => drop(self.finish(request, refusal, updates).await),
                None => going.push(request.clone()),
            }
        }
        let batch = &going[..];
        let report = |request: &TransferRequest, progress| {
            // A watcher that went away (the UI closed) does not stop the transfers.
            let update = TransferUpdate::now(request.id, progress);
            async move { drop(updates.send(update).await) }
        };
        let sending = batch
            .iter()
            .map(|request| Self::entry(request, AuditEvent::Sending, Record::default()));
        if let Err(error) = self.append_lines(sending).await {
            for request in batch {
                report(request, Progress::AuditFailed(error.to_string())).await;
            }
        }
        let calls: Vec<_> = batch
            .iter()
            .map(|request| {
                self.client.assign_call(AssignRequest {
                    session: &request.session,
                    kind: request.target.kind,
                    target_id: &request.target.id,
                    callback_url: &self.callback_url,
                })
            })
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
        for (request, (outcome, _)) in batch.iter().zip(&answers) {
            self.settle_claim(request, outcome).await;
        }

        let outcomes = batch.iter().zip(&answers).map(|(request, (outcome, _))| {
            let record = Record {
                outcome: Some(outcome),
                ..Record::default()
            };
            Self::entry(request, AuditEvent::Outcome, record)
        });
        if let Err(error) = self.append_lines(outcomes).await {
            for request in batch {
                report(request, Progress::AuditFailed(error.to_string())).await;
            }
        }
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
