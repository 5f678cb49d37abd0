//! `[team]`: the Redis that the supervisors of one account share, and who this one is. Every
//! problem names the file, the line and the key; the password is only ever named by the
//! variable that holds it.

use std::path::Path;

use toml::Spanned;
use url::Url;

use super::ConfigError;
use super::raw::RawTeam;
use super::syntax::line_of;
use crate::secret::Secret;

/// Each console's share of the account's budget while Redis cannot be reached: with three
/// consoles on one account, their shares add up to the whole.
pub const DEFAULT_FALLBACK_SHARE: f64 = 1.0 / 3.0;

/// A display name longer than this is a paste gone wrong, and would crowd the log.
const NAME_MAX_CHARS: usize = 40;

#[derive(Debug, Clone)]
pub struct TeamConfig {
    /// `redis://` or `rediss://`, never holding a password.
    pub redis_url: Url,
    /// From the variable `[team] password_env` names.
    pub password: Option<Secret>,
    /// The variable's name, for messages about a refused password.
    pub password_env: Option<String>,
    /// How the supervisor is named to teammates.
    pub name: String,
    /// The part of the account's budget this console may use alone, from above 0 to 1.
    pub fallback_share: f64,
}

pub(super) fn team_from(
    raw: RawTeam,
    text: &str,
    path: &Path,
    env: &impl Fn(&str) -> Option<String>,
    default_name: Option<&str>,
) -> Result<TeamConfig, ConfigError> {
    let invalid = |key: &'static str, span: std::ops::Range<usize>, expected: String| {
        ConfigError::InvalidAt {
            path: path.to_owned(),
            line: line_of(text, span.start),
            key,
            expected,
        }
    };
    let redis_url = redis_url(&raw.redis_url)
        .map_err(|e| invalid("team.redis_url", raw.redis_url.span(), e))?;
    let (password, password_env) = match raw.password_env {
        None => (None, None),
        Some(name) => {
            let value = env(name.get_ref()).filter(|v| !v.is_empty()).ok_or_else(|| {
                invalid(
                    "team.password_env",
                    name.span(),
                    format!(
                        "expected the environment variable {} to hold the Redis password, but it is not set",
                        name.get_ref()
                    ),
                )
            })?;
            (Some(Secret::new(value)), Some(name.into_inner()))
        }
    };
    let (name, name_span) = match (raw.name, default_name) {
        (Some(name), _) => {
            let span = name.span();
            (name.into_inner().trim().to_owned(), span)
        }
        (None, Some(default)) => (default.to_owned(), 0..0),
        (None, None) => {
            return Err(ConfigError::Invalid {
                path: path.to_owned(),
                key: "team.name",
                expected: "expected your name as teammates should see it, such as name = \"Priya\""
                    .into(),
            });
        }
    };
    if name.is_empty()
        || name.chars().count() > NAME_MAX_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(invalid(
            "team.name",
            name_span,
            format!(
                "expected your name as teammates should see it, 1 to {NAME_MAX_CHARS} characters without control characters"
            ),
        ));
    }
    let fallback_share = match raw.fallback_share {
        None => DEFAULT_FALLBACK_SHARE,
        Some(share) if *share.get_ref() > 0.0 && *share.get_ref() <= 1.0 => *share.get_ref(),
        Some(share) => {
            return Err(invalid(
                "team.fallback_share",
                share.span(),
                format!(
                    "expected a part of the budget above 0 and at most 1 (such as 0.33), found {}",
                    share.get_ref()
                ),
            ));
        }
    };
    Ok(TeamConfig {
        redis_url,
        password,
        password_env,
        name,
        fallback_share,
    })
}

fn redis_url(raw: &Spanned<String>) -> Result<Url, String> {
    let text = raw.get_ref().trim();
    let url = Url::parse(text).map_err(|_| {
        "expected redis://host:port or rediss://host:port, such as redis://127.0.0.1:6379"
            .to_owned()
    })?;
    if !matches!(url.scheme(), "redis" | "rediss") || url.host().is_none() {
        return Err(format!(
            "expected redis://host:port or rediss://host:port (rediss:// for TLS), found {}://",
            url.scheme()
        ));
    }
    // The URL is shown in messages; a password in it would be shown too.
    if url.password().is_some() {
        return Err(
            "the URL holds a password: take it out and name the environment variable that holds it in password_env".into(),
        );
    }
    Ok(url)
}
