//! The config file: where it is, what it says, and whether that makes sense before anything is
//! sent. Loading either yields a complete [`Config`] or a [`ConfigError`] that names the file, the
//! key and what is expected. `[keys]` alone is kept as written, with its lines: what its names
//! mean is the console's to say, which it does as any command starts.

mod error;
mod floor;
mod keys;
mod partial;
mod paths;
mod raw;
mod relay;
mod syntax;
mod team;

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

pub use error::ConfigError;
pub use floor::{DEFAULT_MAX_WAIT, DEFAULT_SLA_TARGET, FloorThresholds};
pub use keys::{KeyLine, KeyValue, KeysTable, Placed};
pub use partial::{ConsoleLook, confirm_within_setting, console_look, roster_file_setting};
pub use paths::{default_config_path, default_data_dir};
use raw::RawConfig;
pub use relay::{DEFAULT_RELAY_LISTEN, RelayConfig, TlsFiles};
pub use team::{DEFAULT_FALLBACK_SHARE, TeamConfig};

use crate::ids::{ConversationStatus, is_hex24};
use crate::secret::Secret;

/// The commented example config (`config.example.toml`), built in for `handoff config init`.
pub const EXAMPLE: &str = include_str!("../config.example.toml");

/// What the example holds in place of each id the supervisor must give: a value no platform
/// hands out, so a file written from the example stops handoff, naming the key, until it is
/// filled in.
pub const PLACEHOLDER: &str = "FILL-IN";

/// The ids the example leaves for the supervisor to fill in, with what each is, for the message.
const TO_FILL_IN: [(&str, &str); 4] = [
    (
        "platform.stream_id",
        "your app's stream id, from App Settings in the Kore.ai console",
    ),
    ("platform.org_id", "your organisation's id"),
    ("platform.account_id", "your account id"),
    (
        "auth.client_id",
        "your app's client id, from App Settings → Dev Tools → API Scope",
    ),
];

/// The shares `[reads] share` may name: below a twentieth the list could not be kept at all on
/// a floor of any size; above half, other tools of the account would be crowded out.
pub const READS_SHARE_RANGE: (f64, f64) = (0.05, 0.5);
/// A fifth of the budget: 12 of the platform's 60 a minute.
pub const DEFAULT_READS_SHARE: f64 = 0.2;

/// The platform's documented budget for contact-center APIs, per account.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 60;
/// How long the platform usually needs to post a transfer's outcome, with room to spare.
pub const DEFAULT_CONFIRM_WITHIN: Duration = Duration::from_secs(60);
/// Long enough for a slow platform over a VPN, short enough that a supervisor is not left waiting.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// The platform's rate-limit window.
pub const DEFAULT_RATE_WINDOW: Duration = Duration::from_secs(60);

/// The sane range of each number in the file: beyond these a value is a typo (an extra zero, a
/// value in milliseconds), and would make handoff wait for hours or overflow a clock.
const RATE_LIMIT_RANGE: (u64, u64) = (1, 10_000);
const RATE_WINDOW_RANGE: (u64, u64) = (1, 3_600);
const REQUEST_TIMEOUT_RANGE: (u64, u64) = (1, 600);
/// Up to the day a callback may still settle a transfer.
pub(crate) const CONFIRM_WITHIN_RANGE: (u64, u64) = (1, 86_400);
/// How often the console reads the conversation list again: waits tick on screen between
/// reads, so the list needs reading only to catch arrivals and moves.
pub const DEFAULT_CONVERSATIONS_REFRESH: Duration = Duration::from_secs(20);
/// Faster than 5 s would spend the background budget on little; slower than 10 minutes and the
/// list no longer shows the floor.
const CONVERSATIONS_REFRESH_RANGE: (u64, u64) = (5, 600);

#[derive(Debug, Clone)]
pub struct Config {
    pub platform: PlatformConfig,
    pub auth: AuthConfig,
    pub callback_url: Url,
    /// Where the app's own callback receiver listens, if it should run.
    pub callback_listen: Option<SocketAddr>,
    /// `[callback] via = "team"`: callbacks come from the team's relay through Redis, and the
    /// callback URL carries the team's token.
    pub callbacks_via_team: bool,
    /// How long a transfer may wait for its callback before it is flagged unconfirmed.
    pub confirm_within: Duration,
    /// `[roster] file`, resolved against the config file's folder; `None` means the default in
    /// the data dir.
    pub roster_file: Option<PathBuf>,
    /// The file itself holds a secret (`jwt` or `client_secret`), so who may read it matters.
    pub secret_in_file: bool,
    /// `[auth] client_secret_env`: the variable the client secret was read from.
    pub secret_env: Option<String>,
    /// `[ui] bell`: ring the terminal bell when a transfer fails or is left in doubt.
    pub bell: bool,
    /// `[ui] mouse`: clicks focus and select, the wheel scrolls.
    pub mouse: bool,
    /// `[conversations] refresh_secs`: how often the console reads the list again.
    pub conversations_refresh: Duration,
    /// `[conversations] statuses`: which conversations are listed unless asked otherwise.
    pub conversation_statuses: Vec<ConversationStatus>,
    /// `[reads] share`: the part of `rate_limit_per_minute` that background reads may spend,
    /// for every process of the account together.
    pub reads_share: f64,
    /// `[floor]`: when a queue needs a supervisor's eye.
    pub floor: FloorThresholds,
    /// `[keys]` as written: the console resolves it into its keys when any command starts.
    pub keys: KeysTable,
    /// `[team]`: the Redis shared with the account's other supervisors; `None` works alone.
    pub team: Option<TeamConfig>,
}

/// What the console and the commands take from the config beyond where to send and how to sign:
/// how long to wait, what to list, ring and take from the mouse.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long an accepted transfer waits for its callback.
    pub confirm_within: Duration,
    /// How long a request may take; a transfer in flight gets this long on the way out.
    pub request_timeout: Duration,
    /// Ring the terminal bell when a transfer fails or is left in doubt (`[ui] bell`).
    pub bell: bool,
    /// Take clicks and the wheel from the terminal (`[ui] mouse`).
    pub mouse: bool,
    /// Which conversations are listed unless asked otherwise (`[conversations] statuses`).
    pub conversation_statuses: Vec<ConversationStatus>,
    /// How often the console reads the list again (`[conversations] refresh_secs`).
    pub conversations_refresh: Duration,
    /// When a queue needs a supervisor's eye (`[floor]`).
    pub floor: FloorThresholds,
}

impl Config {
    pub fn settings(&self) -> Settings {
        Settings {
            confirm_within: self.confirm_within,
            request_timeout: self.platform.request_timeout,
            bell: self.bell,
            mouse: self.mouse,
            conversation_statuses: self.conversation_statuses.clone(),
            conversations_refresh: self.conversations_refresh,
            floor: self.floor.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct PlatformConfig {
    /// `scheme://host[:port]`, no path.
    pub host: Url,
    pub stream_id: String,
    pub org_id: String,
    pub account_id: String,
    pub rate_limit_per_minute: u32,
    /// The window the limit counts over: the platform's minute, shorter only for a test
    /// platform.
    pub rate_window: Duration,
    pub request_timeout: Duration,
}

/// How each request is authorised.
#[derive(Debug, Clone)]
pub enum AuthConfig {
    /// A ready-made token handed out by an admin, sent as is.
    Jwt(Secret),
    /// The app's API-scope credentials; a fresh token is signed for every request.
    Credentials {
        client_id: String,
        client_secret: Secret,
    },
}

impl Config {
    /// Reads and checks the config file at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = read_config(path)?;
        Self::parse(&text, path, |name| std::env::var(name).ok())
    }

    /// Checks config text; `path` is only used in messages and to resolve a relative roster
    /// path. `env` looks up environment variables, so tests need not touch the real environment.
    pub fn parse(
        text: &str,
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let raw: RawConfig =
            toml::from_str(text).map_err(|error| syntax::describe(&error, text, path))?;
        let invalid = |key: &'static str, expected: String| ConfigError::Invalid {
            path: path.to_owned(),
            key,
            expected,
        };

        let host = parse_host(&raw.platform.host).map_err(|e| invalid("platform.host", e))?;
        check_filled_in(
            &[
                Some(&raw.platform.stream_id),
                Some(&raw.platform.org_id),
                Some(&raw.platform.account_id),
                raw.auth.client_id.as_ref(),
            ],
            path,
        )?;
        let stream_id = required_word(&raw.platform.stream_id, "a stream id such as st-…")
            .map_err(|e| invalid("platform.stream_id", e))?;
        let org_id = required_word(&raw.platform.org_id, "an org id such as o-…")
            .map_err(|e| invalid("platform.org_id", e))?;
        check_account_id(&raw.platform.account_id)
            .map_err(|e| invalid("platform.account_id", e))?;
        let within =
            |key: &'static str, value: Option<u64>, (low, high): (u64, u64), default: u64| {
                match value {
                    None => Ok(default),
                    Some(n) if (low..=high).contains(&n) => Ok(n),
                    Some(n) => Err(invalid(
                        key,
                        format!("expected a number from {low} to {high}, found {n}"),
                    )),
                }
            };
        let rate_limit_per_minute = within(
            "platform.rate_limit_per_minute",
            raw.platform.rate_limit_per_minute,
            RATE_LIMIT_RANGE,
            u64::from(DEFAULT_RATE_LIMIT_PER_MINUTE),
        )?;
        let rate_window = Duration::from_secs(within(
            "platform.rate_window_secs",
            raw.platform.rate_window_secs,
            RATE_WINDOW_RANGE,
            DEFAULT_RATE_WINDOW.as_secs(),
        )?);
        let request_timeout = Duration::from_secs(within(
            "platform.request_timeout_secs",
            raw.platform.request_timeout_secs,
            REQUEST_TIMEOUT_RANGE,
            DEFAULT_REQUEST_TIMEOUT.as_secs(),
        )?);

        let secret_in_file = raw.auth.jwt.is_some() || raw.auth.client_secret.is_some();
        let secret_env = raw.auth.client_secret_env.clone();
        let auth = auth_from(raw.auth, &env).map_err(|(key, e)| invalid(key, e))?;
        let callback_url =
            parse_callback_url(&raw.callback.url).map_err(|e| invalid("callback.url", e))?;
        let callback_listen = match raw.callback.listen.as_deref() {
            None => None,
            Some(text) => Some(text.trim().parse::<SocketAddr>().map_err(|_| {
                invalid(
                    "callback.listen",
                    format!(
                        "expected an address and port such as \"127.0.0.1:8009\", found {text:?}"
                    ),
                )
            })?),
        };
        let callbacks_via_team = match raw.callback.via.as_deref().map(str::trim) {
            None | Some("listen") => false,
            Some("team") if callback_listen.is_some() => {
                return Err(invalid(
                    "callback.via",
                    "via = \"team\" takes callbacks from the team's relay: remove listen, or remove via to keep this console's own receiver".into(),
                ));
            }
            Some("team") if raw.team.is_none() => {
                return Err(invalid(
                    "callback.via",
                    "via = \"team\" reads callbacks from the team's Redis: add [team] (config.example.toml shows it)".into(),
                ));
            }
            Some("team") => true,
            Some(other) => {
                return Err(invalid(
                    "callback.via",
                    format!(
                        "expected \"team\" (callbacks through the team's relay) or \"listen\", found {other:?}"
                    ),
                ));
            }
        };
        let confirm_within = Duration::from_secs(within(
            "callback.confirm_within",
            raw.callback.confirm_within,
            CONFIRM_WITHIN_RANGE,
            DEFAULT_CONFIRM_WITHIN.as_secs(),
        )?);
        let conversations_refresh = Duration::from_secs(within(
            "conversations.refresh_secs",
            raw.conversations.refresh_secs,
            CONVERSATIONS_REFRESH_RANGE,
            DEFAULT_CONVERSATIONS_REFRESH.as_secs(),
        )?);
        let roster_file = match raw.roster.file {
            Some(file) if file.trim().is_empty() => {
                return Err(invalid(
                    "roster.file",
                    "expected a file path; leave the key out to use the default".into(),
                ));
            }
            Some(file) => Some(resolve_beside(path, &file)),
            None => None,
        };
        let conversation_statuses = match raw.conversations.statuses {
            None => ConversationStatus::MOVABLE.to_vec(),
            Some(names) => {
                conversation_statuses(&names).map_err(|e| invalid("conversations.statuses", e))?
            }
        };
        let reads_share = match raw.reads.share {
            None => DEFAULT_READS_SHARE,
            Some(share) if (READS_SHARE_RANGE.0..=READS_SHARE_RANGE.1).contains(&share) => share,
            Some(share) => {
                return Err(invalid(
                    "reads.share",
                    format!(
                        "expected a part of the request budget from {} to {} (such as 0.2 for 12 of 60 calls a minute), found {share}",
                        READS_SHARE_RANGE.0, READS_SHARE_RANGE.1
                    ),
                ));
            }
        };
        let floor = floor::floor_from(raw.floor).map_err(|(key, e)| invalid(key, e))?;
        let keys = raw.keys.placed(text, path);
        let team = match raw.team {
            Some(team) => Some(team::team_from(team, text, path, &env, None)?),
            None => None,
        };

        Ok(Self {
            platform: PlatformConfig {
                host,
                stream_id,
                org_id,
                account_id: raw.platform.account_id,
                rate_limit_per_minute: u32::try_from(rate_limit_per_minute).unwrap_or(u32::MAX),
                rate_window,
                request_timeout,
            },
            auth,
            callback_url,
            callback_listen,
            callbacks_via_team,
            confirm_within,
            roster_file,
            secret_in_file,
            secret_env,
            bell: raw.ui.bell.unwrap_or(true),
            mouse: raw.ui.mouse.unwrap_or(true),
            conversation_statuses,
            conversations_refresh,
            reads_share,
            floor,
            keys,
            team,
        })
    }
}

/// An error naming the first of the ids in [`TO_FILL_IN`] (`values`, in that order; `None`
/// for one the file leaves out) that still holds the example's placeholder, and the others that
/// do too: all of them are to be filled in before handoff can do anything.
fn check_filled_in(values: &[Option<&String>], path: &Path) -> Result<(), ConfigError> {
    let unfilled: Vec<_> = TO_FILL_IN
        .iter()
        .zip(values)
        .filter(|(_, value)| value.is_some_and(|v| v.contains(PLACEHOLDER)))
        .map(|((key, what), value)| (*key, *what, value.map_or("", String::as_str)))
        .collect();
    let Some(&(key, what, value)) = unfilled.first() else {
        return Ok(());
    };
    let others = match &unfilled[1..] {
        [] => String::new(),
        rest => format!(
            "; so do {}",
            rest.iter()
                .map(|(key, _, _)| *key)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Err(ConfigError::Invalid {
        path: path.to_owned(),
        key,
        expected: format!(
            "fill in {what} (it still holds the example's placeholder {value:?}){others}"
        ),
    })
}

/// `[platform] account_id`: the platform's ids of accounts are 24 lowercase hex characters.
fn check_account_id(id: &str) -> Result<(), String> {
    if is_hex24(id) {
        Ok(())
    } else {
        Err(format!(
            "expected 24 lowercase hex characters, found {id:?}"
        ))
    }
}

/// The text of the config file at `path`, or why it cannot be had.
fn read_config(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            ConfigError::NotFound {
                path: path.to_owned(),
            }
        } else {
            ConfigError::Unreadable {
                path: path.to_owned(),
                source,
            }
        }
    })
}

/// The statuses named in the config, each once, in the order given.
fn conversation_statuses(names: &[String]) -> Result<Vec<ConversationStatus>, String> {
    let expected = || {
        format!(
            "expected a list of some of {}",
            ConversationStatus::documented_names()
        )
    };
    if names.is_empty() {
        return Err(format!("{}, found an empty list", expected()));
    }
    let mut statuses = Vec::new();
    for name in names {
        let status = ConversationStatus::documented(name)
            .ok_or_else(|| format!("{}, found {name:?}", expected()))?;
        if !statuses.contains(&status) {
            statuses.push(status);
        }
    }
    Ok(statuses)
}

fn parse_host(value: &str) -> Result<Url, String> {
    let url = Url::parse(value.trim()).map_err(|e| {
        format!(
            "expected scheme://host[:port] such as https://platform.kore.ai, found {value:?} ({e})"
        )
    })?;
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "expected only scheme://host[:port], without a path, found {value:?}"
        ));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(format!(
            "http:// is accepted only for a loopback host (127.0.0.1, ::1, localhost); use https:// for {}",
            url.host_str().unwrap_or("this host")
        )),
        other => Err(format!("expected https://, found {other}://")),
    }
}

fn parse_callback_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value.trim()).map_err(|e| {
        format!("expected an absolute URL the platform can post to, found {value:?} ({e})")
    })?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        _ => Err(format!(
            "expected an http:// or https:// URL, found {value:?}"
        )),
    }
}

/// True for `localhost` and addresses in 127.0.0.0/8 or `::1`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

fn required_word(value: &str, expected: &str) -> Result<String, String> {
    if value.is_empty() || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err(format!(
            "expected {expected} without spaces, found {value:?}"
        ))
    } else {
        Ok(value.to_owned())
    }
}

fn auth_from(
    raw: raw::RawAuth,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<AuthConfig, (&'static str, String)> {
    let secret_env = raw.client_secret_env.as_deref();
    match (raw.jwt, raw.client_id) {
        (Some(_), Some(_)) => Err((
            "auth",
            "expected exactly one way to authenticate: either jwt, or client_id with a secret, not both".into(),
        )),
        (None, None) => Err((
            "auth",
            "expected either jwt = \"…\" or client_id = \"cs-…\" with client_secret or client_secret_env".into(),
        )),
        (Some(jwt), None) => {
            if raw.client_secret.is_some() || secret_env.is_some() {
                return Err((
                    "auth",
                    "a client secret is only used with client_id; with jwt remove client_secret and client_secret_env".into(),
                ));
            }
            if jwt.trim().is_empty() {
                return Err(("auth.jwt", "expected a token, found an empty string".into()));
            }
            Ok(AuthConfig::Jwt(Secret::new(jwt.trim())))
        }
        (None, Some(client_id)) => {
            let client_id = required_word(&client_id, "a client id such as cs-…")
                .map_err(|e| ("auth.client_id", e))?;
            let secret = match (raw.client_secret, secret_env) {
                (Some(_), Some(_)) => {
                    return Err((
                        "auth",
                        "expected client_secret or client_secret_env, not both".into(),
                    ));
                }
                (None, None) => {
                    return Err((
                        "auth",
                        "client_id needs a secret: add client_secret = \"…\" or client_secret_env = \"VARIABLE\"".into(),
                    ));
                }
                (Some(secret), None) => secret,
                (None, Some(name)) => env(name).filter(|v| !v.is_empty()).ok_or_else(|| {
                    (
                        "auth.client_secret_env",
                        format!("expected the environment variable {name} to hold the client secret, but it is not set"),
                    )
                })?,
            };
            if secret.trim().is_empty() {
                return Err(("auth.client_secret", "expected a secret, found an empty string".into()));
            }
            Ok(AuthConfig::Credentials {
                client_id,
                client_secret: Secret::new(secret.trim()),
            })
        }
    }
}

fn resolve_beside(config_path: &Path, file: &str) -> PathBuf {
    let file = Path::new(file);
    if file.is_absolute() {
        file.to_owned()
    } else {
        config_path
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join(file)
    }
}

/// The example with its placeholders filled in as a supervisor would: a complete file, its
/// secret from `HANDOFF_CLIENT_SECRET`.
#[cfg(test)]
pub(crate) fn example_filled_in() -> String {
    EXAMPLE
        .replace("st-FILL-IN", "st-1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d")
        .replace("o-FILL-IN", "o-fbfa482a-bf65-4386-963e-f00a8cc70a1b")
        .replace("cs-FILL-IN", "cs-7d4e8a2b-1c3f-4e5d-9a8b-7c6d5e4f3a2b")
        .replace("\"FILL-IN\"", "\"6538f8a3c9cf425ee5cf0a1b\"")
}

#[cfg(test)]
mod tests;
