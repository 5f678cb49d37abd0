//! The relay's config: `handoff relay` reads the same kind of file as a console, but takes only
//! the account (`[platform] account_id`), the team's Redis (`[team]`) and where to listen
//! (`[relay]`). It needs no `[auth]`, so no client secret has to sit on a public host; one that
//! is there anyway is said, never used.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::raw::RawTeam;
use super::{ConfigError, TeamConfig, check_account_id, resolve_beside, syntax, team};

/// Behind a proxy on the same host: only the proxy reaches it.
pub const DEFAULT_RELAY_LISTEN: &str = "127.0.0.1:8790";
/// The relay's name among the team, when `[team] name` is left out.
const RELAY_NAME: &str = "relay";

#[derive(Debug, Clone)]
pub struct RelayConfig {
    pub account_id: String,
    pub team: TeamConfig,
    /// `[relay] listen`.
    pub listen: SocketAddr,
    /// `[relay] tls_cert` and `tls_key`, resolved beside the file: the relay serves HTTPS
    /// itself. Without them it serves plain HTTP, for a proxy in front.
    pub tls: Option<TlsFiles>,
    /// The file holds `[auth]`, which the relay never uses.
    pub holds_auth: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The file as far as the relay reads it: the other tables of a console's file are let be.
#[derive(Debug, Deserialize)]
struct RawRelayFile {
    platform: RawRelayPlatform,
    team: Option<RawTeam>,
    #[serde(default)]
    relay: RawRelay,
    auth: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
struct RawRelayPlatform {
    account_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRelay {
    listen: Option<String>,
    tls_cert: Option<String>,
    tls_key: Option<String>,
}

impl RelayConfig {
    /// Reads and checks the relay's config file at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = super::read_config(path)?;
        Self::parse(&text, path, |name| std::env::var(name).ok())
    }

    /// Checks config text; `env` looks up environment variables (the Redis password).
    pub fn parse(
        text: &str,
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let raw: RawRelayFile =
            toml::from_str(text).map_err(|error| syntax::describe(&error, text, path))?;
        let invalid = |key: &'static str, expected: String| ConfigError::Invalid {
            path: path.to_owned(),
            key,
            expected,
        };
        super::check_filled_in(&[None, None, Some(&raw.platform.account_id), None], path)?;
        check_account_id(&raw.platform.account_id)
            .map_err(|e| invalid("platform.account_id", e))?;
        let Some(raw_team) = raw.team else {
            return Err(invalid(
                "team",
                "the relay keeps callbacks in the team's Redis: add [team] with redis_url (config.example.toml shows it)".into(),
            ));
        };
        let team = team::team_from(raw_team, text, path, &env, Some(RELAY_NAME))?;
        let listen_text = raw.relay.listen.as_deref().unwrap_or(DEFAULT_RELAY_LISTEN);
        let listen = listen_text.trim().parse::<SocketAddr>().map_err(|_| {
            invalid(
                "relay.listen",
                format!(
                    "expected an address and port such as \"127.0.0.1:8790\", found {listen_text:?}"
                ),
            )
        })?;
        let file = |key: &'static str, value: String| {
            if value.trim().is_empty() {
                Err(invalid(key, "expected a file path in quotes".into()))
            } else {
                Ok(resolve_beside(path, value.trim()))
            }
        };
        let tls = match (raw.relay.tls_cert, raw.relay.tls_key) {
            (None, None) => None,
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: file("relay.tls_cert", cert)?,
                key: file("relay.tls_key", key)?,
            }),
            (Some(_), None) | (None, Some(_)) => {
                return Err(invalid(
                    "relay",
                    "expected both tls_cert and tls_key (to serve HTTPS), or neither (plain HTTP behind a proxy)".into(),
                ));
            }
        };
        Ok(Self {
            account_id: raw.platform.account_id,
            team,
            listen,
            tls,
            holds_auth: raw.auth.is_some(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "6538f8a3c9cf425ee5cf0a1b";

    fn parse(text: &str) -> Result<RelayConfig, ConfigError> {
        RelayConfig::parse(text, Path::new("/etc/handoff/relay.toml"), |name| {
            (name == "REDIS_PASSWORD").then(|| "s3cret".to_owned())
        })
    }

    #[test]
    fn a_relay_needs_the_account_and_the_team_but_no_auth() {
        let config = parse(&format!(
            "[platform]\naccount_id = \"{ACCOUNT}\"\n[team]\nredis_url = \"redis://10.0.0.5:6379\"\npassword_env = \"REDIS_PASSWORD\"\n"
        ))
        .unwrap();
        assert_eq!(config.account_id, ACCOUNT);
        assert_eq!(config.team.name, "relay");
        assert_eq!(config.listen.to_string(), DEFAULT_RELAY_LISTEN);
        assert_eq!(config.tls, None);
        assert!(!config.holds_auth);
    }

    #[test]
    fn a_consoles_whole_file_serves_too_and_its_auth_is_noted() {
        let config = parse(&format!(
            "[platform]\nhost = \"https://platform.kore.ai\"\nstream_id = \"st-1\"\norg_id = \"o-1\"\naccount_id = \"{ACCOUNT}\"\n[auth]\njwt = \"x\"\n[callback]\nurl = \"https://hooks.example.com/kore\"\nvia = \"team\"\n[team]\nredis_url = \"redis://127.0.0.1:6379\"\nname = \"Priya\"\n[relay]\nlisten = \"0.0.0.0:8443\"\ntls_cert = \"tls/cert.pem\"\ntls_key = \"/etc/tls/key.pem\"\n"
        ))
        .unwrap();
        assert!(config.holds_auth);
        assert_eq!(config.listen.to_string(), "0.0.0.0:8443");
        assert_eq!(
            config.tls,
            Some(TlsFiles {
                cert: PathBuf::from("/etc/handoff/tls/cert.pem"),
                key: PathBuf::from("/etc/tls/key.pem"),
            })
        );
    }

    #[test]
    fn what_is_wrong_is_named() {
        let account = format!("[platform]\naccount_id = \"{ACCOUNT}\"\n");
        let team = "[team]\nredis_url = \"redis://127.0.0.1:6379\"\n";
        let cases = [
            (account.clone(), "team"),
            (
                format!("[platform]\naccount_id = \"nope\"\n{team}"),
                "platform.account_id",
            ),
            (
                format!("{account}{team}[relay]\nlisten = \"everywhere\"\n"),
                "relay.listen",
            ),
            (
                format!("{account}{team}[relay]\ntls_cert = \"c.pem\"\n"),
                "relay",
            ),
            (
                format!("{account}{team}[relay]\ntls_cert = \" \"\ntls_key = \"k.pem\"\n"),
                "relay.tls_cert",
            ),
        ];
        for (text, key) in cases {
            let error = parse(&text).unwrap_err().to_string();
            assert!(error.contains(&format!(": {key}: ")), "{key}: {error}");
        }
        let typo = parse(&format!(
            "{account}{team}[relay]\nlsiten = \"127.0.0.1:1\"\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(typo.contains("lsiten"), "{typo}");
    }
}
