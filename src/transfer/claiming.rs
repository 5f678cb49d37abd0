//! Right before requests go out, their sessions are claimed: among the runs of this data folder
//! (`local_claims`), whose moves since this run read the audit file are then looked up
//! (`audit_tail`), then, in team mode, among the team's consoles in Redis (`team::claims`). A
//! session someone else has, or moved meanwhile, is not sent, and says who has it. A claim that
//! cannot be taken because Redis does not answer is never a reason to send: the transfer waits
//! for Redis (at most a window), unless the supervisor said to send without a claim.

use std::time::Duration;

use super::local_claims::LocalClaim;
use super::{FailureReason, Outcome, TransferEngine, TransferRequest};
use crate::blocking;
use crate::team::{Claim, TakeOver};

/// What a claim came to for one request.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Claimed {
    /// Claimed: it may go out.
    Go,
    /// Not sent: someone else has it, or the claim could not be recorded. The outcome says so.
    Refused(Outcome),
}

/// What claiming a batch came to.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Claiming {
    /// Each request's claim, in order.
    Done(Vec<Claimed>),
    /// Redis could not answer, and the supervisor did not say to send without a claim: nothing
    /// of the batch is claimed, and none of it may go out yet. Why Redis is away, in words.
    RedisAway(String),
}

/// How often a transfer waiting to be claimed asks Redis again.
pub(super) const CLAIM_RETRY: Duration = Duration::from_secs(1);

impl TransferEngine {
    /// Claims the sessions of `batch` for this run: first among this data folder's runs, then,
    /// in team mode, in Redis.
    pub(super) async fn claim_batch(&self, batch: &[TransferRequest]) -> Claiming {
        let mut claimed = self.claim_locally(batch).await;
        let Some(team) = &self.claims else {
            return Claiming::Done(claimed);
        };
        let going: Vec<usize> = (0..batch.len())
            .filter(|&i| claimed[i] == Claimed::Go)
            .collect();
        let targets: Vec<String> = going.iter().map(|&i| target_words(&batch[i])).collect();
        let wanted: Vec<(&str, &str, TakeOver)> = going
            .iter()
            .zip(&targets)
            .map(|(&i, target)| {
                let request = &batch[i];
                let take_over = if self.take_over {
                    TakeOver::All
                } else if request.confirmed_recent {
                    TakeOver::Moved
                } else {
                    TakeOver::Nothing
                };
                (request.session.as_str(), target.as_str(), take_over)
            })
            .collect();
        match team.claim(&wanted).await {
            Some(answers) => {
                let mut freed = Vec::new();
                for (&i, answer) in going.iter().zip(answers) {
                    let refusal = match answer {
                        Claim::Ours => continue,
                        Claim::Held(holder) => Outcome::held_by_teammate(holder.words()),
                        Claim::HeldByUnknown(words) => Outcome::held_by_teammate(words),
                    };
                    freed.push(batch[i].clone());
                    claimed[i] = Claimed::Refused(refusal);
                }
                self.release_locally(&freed).await;
                Claiming::Done(claimed)
            }
            None if self.unclaimed => Claiming::Done(claimed),
            None => {
                let going: Vec<TransferRequest> = going.iter().map(|&i| batch[i].clone()).collect();
                self.release_locally(&going).await;
                Claiming::RedisAway(
                    team.away()
                        .unwrap_or_else(|| "the team's Redis did not answer in time".to_owned()),
                )
            }
        }
    }

    /// Claims `batch` among this data folder's runs, under one lock; then, holding the claims,
    /// reads what other runs wrote to the audit file since this run last read it: a session
    /// moved meanwhile is let go again and not sent.
    async fn claim_locally(&self, batch: &[TransferRequest]) -> Vec<Claimed> {
        let local = self.local.clone();
        let tail = self.tail.clone();
        let requests = batch.to_vec();
        let answers = blocking::run(move || {
            let targets: Vec<String> = requests.iter().map(target_words).collect();
            let wanted: Vec<(&str, &str)> = requests
                .iter()
                .zip(&targets)
                .map(|(r, target)| (r.session.as_str(), target.as_str()))
                .collect();
            let claimed = local.claim(&wanted)?;
            let moved = tail.moved_since(&requests, chrono::Utc::now());
            let mut answers = Vec::with_capacity(requests.len());
            let mut let_go = Vec::new();
            for ((request, claim), moved) in requests.iter().zip(claimed).zip(moved) {
                let elsewhere = |why| {
                    Claimed::Refused(Outcome::not_sent(FailureReason::InFlightElsewhere, why))
                };
                answers.push(match (claim, moved) {
                    (LocalClaim::Elsewhere(why), _) => elsewhere(why),
                    (LocalClaim::Ours, Some(why)) => {
                        let_go.push(request.session.as_str());
                        elsewhere(why)
                    }
                    (LocalClaim::Ours, None) => Claimed::Go,
                });
            }
            local.release(&let_go)?;
            Ok::<_, std::io::Error>(answers)
        })
        .await
        .unwrap_or_else(|| Err(std::io::Error::other("handoff was shutting down")));
        match answers {
            Ok(answers) => answers,
            Err(error) => {
                let why = format!(
                    "not sent: cannot claim it among the runs of {}: {error}",
                    self.data_dir().display()
                );
                batch
                    .iter()
                    .map(|_| Claimed::Refused(Outcome::failed_before_sending(why.clone())))
                    .collect()
            }
        }
    }

    /// Lets go of this run's local claims on `requests`: answered (their outcome written to the
    /// audit file first), or not going out after all.
    async fn release_locally(&self, requests: &[TransferRequest]) {
        if requests.is_empty() {
            return;
        }
        let sessions: Vec<String> = requests
            .iter()
            .map(|r| r.session.as_str().to_owned())
            .collect();
        let local = self.local.clone();
        let released = blocking::run(move || {
            let sessions: Vec<&str> = sessions.iter().map(String::as_str).collect();
            local.release(&sessions)
        })
        .await;
        if let Some(Err(error)) = released {
            // The claims stay until this run ends: other runs wait for them, never send twice.
            tracing::warn!(target: "handoff::claims", "cannot let go of local claims: {error}");
        }
    }

    /// The transfers of `settled` have their outcome, written to the audit file: this folder's
    /// other runs may claim the sessions (and read what became of them), and teammates are told
    /// who moved what if the platform accepted it or may have acted; a session that certainly
    /// did not move is free.
    pub(super) async fn settle_claims(&self, settled: &[(&TransferRequest, &Outcome)]) {
        let requests: Vec<TransferRequest> = settled.iter().map(|(r, _)| (*r).clone()).collect();
        self.release_locally(&requests).await;
        if let Some(team) = &self.claims {
            let targets: Vec<String> = settled.iter().map(|(r, _)| target_words(r)).collect();
            let answers: Vec<(&str, &str, bool)> = settled
                .iter()
                .zip(&targets)
                .map(|((request, outcome), target)| {
                    (
                        request.session.as_str(),
                        target.as_str(),
                        outcome.may_have_moved(),
                    )
                })
                .collect();
            team.settle(&answers).await;
        }
    }
}

/// Where a transfer goes, in words for teammates and other runs: "queue Billing".
pub(super) fn target_words(request: &TransferRequest) -> String {
    format!("{} {}", request.target.kind, request.target.name)
}
