//! The transfer engine: one transfer from intent to outcome. It records the intent, waits for the
//! account's rate budget, calls the platform, and records the outcome, reporting each step to
//! whoever is watching (the TUI's log pane, or the one-shot command).

mod audit;
mod budget;
mod outcome;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde::Serialize;
use tokio::sync::mpsc;
use url::Url;

pub use audit::{AUDIT_FILE_NAME, AuditError, AuditLog, recent_target_ids};
pub use budget::{Priority, RateBudget};
pub use outcome::Outcome;

use crate::config::Config;
use crate::ids::SessionId;
use crate::platform::{AssignRequest, PlatformClient, PlatformError};
use crate::roster::Target;
use audit::{AuditEntry, AuditEvent, timestamp};

/// How long to hold every call after the platform says the account is over its limit without
/// saying for how long: the platform's window is one minute.
const DEFAULT_BACK_OFF: Duration = Duration::from_secs(60);

/// Names one transfer in the audit file and in the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct TransferId(uuid::Uuid);

impl TransferId {
    pub fn new() -> Self {
        Self(uuid::Uuid::new_v4())
    }
}

impl Default for TransferId {
    fn default() -> Self {
        Self::new()
    }
}

/// What the supervisor asked for.
#[derive(Debug, Clone)]
pub struct TransferRequest {
    pub id: TransferId,
    pub session: SessionId,
    pub target: Target,
}

/// A step of one transfer, as it happens.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// The account's per-minute budget is spent; the request goes out after this wait.
    WaitingForBudget(Duration),
    Sending,
    Finished(Outcome),
    /// The outcome could not be written to the audit file (it is still shown).
    AuditFailed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TransferUpdate {
    pub id: TransferId,
    pub progress: Progress,
}

/// Shared by every transfer of a run; cheap to clone into background tasks.
#[derive(Debug, Clone)]
pub struct TransferEngine {
    client: PlatformClient,
    budget: Arc<RateBudget>,
    audit: AuditLog,
    callback_url: Url,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("cannot set up the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl TransferEngine {
    pub fn new(config: &Config, data_dir: &Path) -> Result<Self, EngineError> {
        Ok(Self {
            client: PlatformClient::new(config)?,
            budget: Arc::new(RateBudget::per_minute(
                config.platform.rate_limit_per_minute,
            )),
            audit: AuditLog::open(data_dir)?,
            callback_url: config.callback_url.clone(),
        })
    }

    pub fn audit_path(&self) -> &Path {
        self.audit.path()
    }

    /// The platform client, for the calls around transfers (roster sync, availability).
    pub fn client(&self) -> &PlatformClient {
        &self.client
    }

    /// The account's one budget, which those calls share with transfers.
    pub fn budget(&self) -> &Arc<RateBudget> {
        &self.budget
    }

    /// Runs one transfer to its outcome, sending each step to `updates`. Fails only when the
    /// intent cannot be recorded, in which case nothing is sent.
    pub async fn run(
        &self,
        request: &TransferRequest,
        updates: &mpsc::Sender<TransferUpdate>,
    ) -> Result<Outcome, AuditError> {
        let report = |progress| async move {
            // A watcher that went away (the UI closed) does not stop the transfer.
            let _ = updates
                .send(TransferUpdate {
                    id: request.id,
                    progress,
                })
                .await;
        };

        self.record(request, AuditEvent::Intent, None).await?;
        if let Err(wait) = self.budget.try_spend().await {
            report(Progress::WaitingForBudget(wait)).await;
            self.budget.spend().await;
        }
        report(Progress::Sending).await;
        let result = self
            .client
            .assign(AssignRequest {
                session: &request.session,
                kind: request.target.kind,
                target_id: &request.target.id,
                callback_url: &self.callback_url,
            })
            .await;
        if let Err(PlatformError::Refused {
            status: 429,
            retry_after,
            ..
        }) = &result
        {
            self.budget
                .back_off(retry_after.unwrap_or(DEFAULT_BACK_OFF))
                .await;
        }
        let outcome = Outcome::from_result(result);
        if let Err(error) = self
            .record(request, AuditEvent::Outcome, Some(&outcome))
            .await
        {
            report(Progress::AuditFailed(error.to_string())).await;
        }
        report(Progress::Finished(outcome.clone())).await;
        Ok(outcome)
    }

    /// Appends to the audit file on a blocking thread, since each line is synced to disk.
    async fn record(
        &self,
        request: &TransferRequest,
        event: AuditEvent,
        outcome: Option<&Outcome>,
    ) -> Result<(), AuditError> {
        let entry = serde_json::to_vec(&AuditEntry {
            at: timestamp(Utc::now()),
            transfer: request.id,
            event,
            session: request.session.as_str(),
            target_kind: request.target.kind,
            target_id: &request.target.id,
            target_name: &request.target.name,
            outcome,
        })
        .expect("audit entries always serialize");
        let audit = self.audit.clone();
        tokio::task::spawn_blocking(move || audit.append_line(entry))
            .await
            .unwrap_or_else(|join_error| {
                Err(AuditError {
                    path: self.audit.path().to_owned(),
                    source: std::io::Error::other(join_error.to_string()),
                })
            })
    }
}
