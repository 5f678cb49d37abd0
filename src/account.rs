//! The one place an account is wired from the config and the data folder: the platform client,
//! the budget every call draws from, the audit file, this run among the runs of the folder, and
//! in team mode the team (claims, activity, shared reads). The console and every command start
//! here; the transfer engine then gets only what a transfer needs, and the reads their own owner.

use std::path::Path;

use crate::budget::{RateBudget, ReadCeiling};
use crate::callback::{TokenError, load_or_create, with_token};
use crate::config::{AuthConfig, Config};
use crate::directory::Reads;
use crate::platform::PlatformClient;
use crate::relay::team_token;
use crate::secret::Redactor;
use crate::team::Team;
use crate::transfer::{AuditError, AuditLog, EngineParts, LocalClaims, TransferEngine};

/// An account, wired: each part cheap to clone into the tasks that use it.
#[derive(Debug)]
pub struct Account {
    /// Runs transfers, and nothing else.
    pub engine: TransferEngine,
    /// Everything read from the platform besides transfers.
    pub reads: Reads,
    /// The account's request budget, to watch and to report on.
    pub budget: RateBudget,
    /// In team mode: the team's Redis, its claims, activity stream and shared reads.
    pub team: Option<Team>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("cannot set up the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("{0}")]
    Team(String),
    #[error(
        "[callback] via = \"team\": the team's callback token is not in the data folder yet; start once while the team's Redis answers"
    )]
    NoTeamToken,
    #[error("cannot keep claims in the data folder {path}: {source}")]
    Claims {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

impl Account {
    /// The account in `config`, keeping its audit file and callback token in `data_dir`, and
    /// sharing its budget with every handoff that uses that folder, or, with `[team]`, with the
    /// whole team through Redis.
    pub fn open(config: &Config, data_dir: &Path) -> Result<Self, AccountError> {
        let platform = &config.platform;
        let callback_token = if config.callbacks_via_team {
            // Refreshed from the team's Redis as the command started
            // (`relay::team_token::for_console`); the copy is what the relay accepts.
            team_token::copy_in(data_dir).ok_or(AccountError::NoTeamToken)?
        } else {
            load_or_create(data_dir)?
        };
        let team = config
            .team
            .as_ref()
            .map(|team| Team::join(team, platform.host.as_str(), &platform.account_id))
            .transpose()
            .map_err(AccountError::Team)?;
        // The budget and the reads' ceiling are kept alike: in the team's Redis, or in files
        // of the data folder.
        let (limit, window, unanswered) = (
            platform.rate_limit_per_minute,
            platform.rate_window,
            platform.request_timeout,
        );
        let account = &platform.account_id;
        let (budget, ceiling) = match (&team, &config.team) {
            (Some(team), Some(settings)) => {
                let (link, share) = (team.link.clone(), settings.fallback_share);
                (
                    RateBudget::team(limit, window, unanswered, link.clone(), account, share),
                    ReadCeiling::team(
                        config.reads_share,
                        limit,
                        window,
                        unanswered,
                        link,
                        account,
                        share,
                    ),
                )
            }
            _ => (
                RateBudget::shared(limit, window, unanswered, data_dir, account),
                ReadCeiling::shared(
                    config.reads_share,
                    limit,
                    window,
                    unanswered,
                    data_dir,
                    account,
                ),
            ),
        };
        let mut secrets = vec![callback_token.clone()];
        match &config.auth {
            AuthConfig::Jwt(token) => secrets.push(token.clone()),
            AuthConfig::Credentials { client_secret, .. } => secrets.push(client_secret.clone()),
        }
        secrets.extend(config.team.iter().filter_map(|team| team.password.clone()));
        let client = PlatformClient::new(config, budget.clone(), Redactor::new(secrets))?;
        let runs = LocalClaims::open(data_dir, &platform.account_id).map_err(|source| {
            AccountError::Claims {
                path: data_dir.to_owned(),
                source,
            }
        })?;
        let engine = TransferEngine::new(EngineParts {
            client: client.clone(),
            budget: budget.clone(),
            audit: AuditLog::open(data_dir)?,
            runs,
            callback_url: with_token(&config.callback_url, &callback_token),
            callback_token,
            team: team
                .as_ref()
                .map(|team| (team.claims.clone(), team.activity.clone())),
            claim_patience: platform.rate_window,
        });
        let reads = Reads::new(
            client,
            team.as_ref().map(|team| team.shared_reads.clone()),
            ceiling,
        );
        Ok(Self {
            engine,
            reads,
            budget,
            team,
        })
    }
}
