//! The transfer engine: one transfer from intent to outcome. It records the intent, waits for the
//! account's rate budget, calls the platform, and records the outcome, reporting each step to
//! whoever is watching (the TUI's log pane, or the one-shot command).

mod audit;
mod budget;
mod confirmation;
mod history;
mod outcome;
mod reason;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Local, Utc};
use serde::Serialize;
use tokio::sync::mpsc;
use url::Url;

pub use audit::{AUDIT_FILE_NAME, AuditError, AuditLog, recent_target_ids};
pub use budget::{Priority, RateBudget};
pub use confirmation::Confirmation;
pub use history::{TransferRecord, read_since};
pub use outcome::Outcome;
pub use reason::FailureReason;

use crate::callback::{TokenError, load_or_create, with_token};
use crate::config::Config;
use crate::ids::{SessionId, TargetKind};
use crate::platform::{AssignRequest, PlatformClient, PlatformError};
use crate::roster::Target;
use crate::secret::Secret;
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

    /// Reads an id back from the audit file.
    pub fn parse(text: &str) -> Option<Self> {
        uuid::Uuid::parse_str(text).ok().map(Self)
    }
}

impl Default for TransferId {
    fn default() -> Self {
        Self::new()
    }
}

/// What the supervisor asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferRequest {
    pub id: TransferId,
    pub session: SessionId,
    pub target: Target,
    /// Words the supervisor attached, kept in the audit file.
    pub note: Option<String>,
}

/// What an audit line adds to the transfer's identity.
#[derive(Default)]
struct Record<'a> {
    outcome: Option<&'a Outcome>,
    confirmation: Option<&'a Confirmation>,
    reason: Option<FailureReason>,
}

/// A step of one transfer, as it happens.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// The account's per-minute budget is spent; the request goes out after this wait.
    WaitingForBudget(Duration),
    /// Going out now; `request` is what is sent, secrets replaced.
    Sending {
        request: String,
    },
    Finished(Outcome),
    /// The outcome could not be written to the audit file (it is still shown).
    AuditFailed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TransferUpdate {
    pub id: TransferId,
    pub progress: Progress,
    /// When the step happened, stamped where it happened: the console may apply several
    /// steps in one go, and its timings must not depend on when it got to them.
    pub at: DateTime<Local>,
}

impl TransferUpdate {
    pub fn now(id: TransferId, progress: Progress) -> Self {
        Self {
            id,
            progress,
            at: Local::now(),
        }
    }
}

/// Shared by every transfer of a run; cheap to clone into background tasks.
#[derive(Debug, Clone)]
pub struct TransferEngine {
    client: PlatformClient,
    budget: Arc<RateBudget>,
    audit: AuditLog,
    /// `[callback] url` with this install's token added.
    callback_url: Url,
    callback_token: Secret,
    org_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("cannot set up the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error(transparent)]
    Token(#[from] TokenError),
}

impl TransferEngine {
    pub fn new(config: &Config, data_dir: &Path) -> Result<Self, EngineError> {
        let callback_token = load_or_create(data_dir)?;
        Ok(Self {
            client: PlatformClient::new(config)?,
            budget: Arc::new(RateBudget::per_minute(
                config.platform.rate_limit_per_minute,
            )),
            audit: AuditLog::open(data_dir)?,
            callback_url: with_token(&config.callback_url, &callback_token),
            callback_token,
            org_id: config.platform.org_id.clone(),
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
                .send(TransferUpdate::now(request.id, progress))
                .await;
        };
        let audit_failed = |error: AuditError| Progress::AuditFailed(error.to_string());

        self.record(request, AuditEvent::Intent, Record::default())
            .await?;
        if let Err(wait) = self.budget.try_spend().await {
            report(Progress::WaitingForBudget(wait)).await;
            self.budget.spend().await;
        }
        if let Err(error) = self
            .record(request, AuditEvent::Sending, Record::default())
            .await
        {
            report(audit_failed(error)).await;
        }
        report(Progress::Sending {
            request: self.request_view(request),
        })
        .await;
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
        // The answer's time, before the audit line's sync to disk adds its own.
        let answered_at = Local::now();
        let record = Record {
            outcome: Some(&outcome),
            reason: outcome.reason(),
            ..Record::default()
        };
        if let Err(error) = self.record(request, AuditEvent::Outcome, record).await {
            report(audit_failed(error)).await;
        }
        let answered = TransferUpdate {
            id: request.id,
            progress: Progress::Finished(outcome.clone()),
            at: answered_at,
        };
        // A watcher that went away (the UI closed) does not change the outcome.
        let _ = updates.send(answered).await;
        Ok(outcome)
    }

    /// Records what the callback said, or that none came, for a transfer the platform accepted.
    pub async fn record_confirmation(
        &self,
        request: &TransferRequest,
        confirmation: &Confirmation,
    ) -> Result<(), AuditError> {
        let event = match confirmation {
            Confirmation::Unconfirmed => AuditEvent::Unconfirmed,
            _ => AuditEvent::Callback,
        };
        // A failed confirmation carries its own reason.
        let record = Record {
            confirmation: Some(confirmation),
            ..Record::default()
        };
        self.record(request, event, record).await
    }

    /// The request as sent, for the supervisor to inspect: the body, with the callback token
    /// replaced so it never reaches the screen.
    fn request_view(&self, request: &TransferRequest) -> String {
        let callback = self
            .callback_url
            .as_str()
            .replace(self.callback_token.expose(), "<token>");
        let mut body = serde_json::json!({
            "callbackUrl": callback,
            "orgId": self.org_id,
            "botSessionId": request.session.as_str(),
        });
        match request.target.kind {
            TargetKind::Agent => body["aId"] = request.target.id.clone().into(),
            TargetKind::Queue => {
                body["transferredType"] = "QUEUE".into();
                body["queueId"] = request.target.id.clone().into();
            }
        }
        format!(
            "POST {}\n{}",
            self.client.assign_url(),
            serde_json::to_string_pretty(&body).expect("JSON values serialize")
        )
    }

    /// Appends to the audit file on a blocking thread, since each line is synced to disk.
    async fn record(
        &self,
        request: &TransferRequest,
        event: AuditEvent,
        record: Record<'_>,
    ) -> Result<(), AuditError> {
        let entry = serde_json::to_vec(&AuditEntry {
            at: timestamp(Utc::now()),
            transfer: request.id,
            event,
            session: request.session.as_str(),
            target_kind: request.target.kind,
            target_id: &request.target.id,
            target_name: &request.target.name,
            note: request.note.as_deref(),
            outcome: record.outcome,
            confirmation: record.confirmation,
            reason: record.reason,
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
