//! The config file exactly as written, before any checking. Every table refuses unknown keys so
//! a typo (`hots = …`) is reported instead of silently ignored.

use serde::Deserialize;
use toml::Spanned;

use super::keys::RawKeys;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub platform: RawPlatform,
    pub auth: RawAuth,
    pub callback: RawCallback,
    #[serde(default)]
    pub roster: RawRoster,
    #[serde(default)]
    pub ui: RawUi,
    #[serde(default)]
    pub conversations: RawConversations,
    #[serde(default)]
    pub reads: RawReads,
    #[serde(default)]
    pub floor: super::floor::RawFloor,
    #[serde(default)]
    pub keys: RawKeys,
    pub team: Option<RawTeam>,
    /// `[relay]` is `handoff relay`'s (`RelayConfig`): one file may serve both.
    #[serde(rename = "relay")]
    pub _relay: Option<toml::Table>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPlatform {
    pub host: String,
    pub stream_id: String,
    pub org_id: String,
    pub account_id: String,
    pub rate_limit_per_minute: Option<u64>,
    pub rate_window_secs: Option<u64>,
    pub request_timeout_secs: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAuth {
    pub jwt: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub client_secret_env: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCallback {
    pub url: String,
    pub listen: Option<String>,
    pub via: Option<String>,
    pub confirm_within: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRoster {
    pub file: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUi {
    pub bell: Option<bool>,
    pub mouse: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConversations {
    pub statuses: Option<Vec<String>>,
    pub refresh_secs: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReads {
    pub share: Option<f64>,
}

/// `[team]`: spans kept, so a wrong value is reported with its line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTeam {
    pub redis_url: Spanned<String>,
    pub password_env: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    pub fallback_share: Option<Spanned<f64>>,
}
