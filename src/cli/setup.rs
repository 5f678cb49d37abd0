//! What every command needs before it can transfer: the config, the data folder, the roster and
//! the engine; or, in demo mode, the simulator standing in for all of them.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::mpsc;
use url::Url;

use super::GlobalArgs;
use crate::account::{Account, AccountError};
use crate::budget::RateBudget;
use crate::callback::{CallbackEvent, Receiver, load_or_create};
use crate::config::{
    Config, ConfigError, DEFAULT_CONFIRM_WITHIN, DEFAULT_FALLBACK_SHARE, RelayConfig, Settings,
    TeamConfig, confirm_within_setting, console_look, default_config_path, default_data_dir,
    is_loopback, roster_file_setting,
};
use crate::demo;
use crate::directory::Reads;
use crate::relay::{Follower, Start, team_token};
use crate::roster::{Roster, RosterError, RosterStore};
use crate::team::Team;
use crate::transfer::{RECENT_CAPACITY, TransferEngine, recent_target_ids};
use crate::tui::keys::{self, KeyMap};
use handoff_simulator::Simulator;

pub struct Setup {
    pub roster: Roster,
    pub store: RosterStore,
    /// Target ids of the latest transfers, most recent first.
    pub recent: Vec<String>,
    pub engine: TransferEngine,
    /// What is read from the platform besides transfers.
    pub reads: Reads,
    /// The account's budget, to report on.
    pub budget: RateBudget,
    /// In team mode, this run's place in the team.
    pub team: Option<Team>,
    /// Where transfers go, for the title bar.
    pub banner: String,
    /// Who this console is, for the title bar: kept when it is short of room.
    pub who: String,
    /// Things worth knowing at the start.
    pub notes: Vec<String>,
    /// Things that look odd but do not stop anything.
    pub warnings: Vec<String>,
    /// Posts to the callback receiver, when one was asked for and configured.
    pub callbacks: Option<mpsc::Receiver<CallbackEvent>>,
    /// Waits, what to list and ring, and the mouse, from the config.
    pub settings: Settings,
    /// The console's keys: the defaults with the config's `[keys]` applied.
    pub keys: KeyMap,
    /// Kept alive for as long as the command runs.
    _callbacks: Option<CallbackSource>,
    _demo: Option<DemoGuard>,
}

/// Whether the command listens for the platform's callbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callbacks {
    /// The console: through the team's relay, it catches up on what came while it was closed.
    Receive,
    /// A command's run: through the team's relay, it reads what comes from its start.
    ReceiveFromNow,
    Ignore,
}

/// Room for a burst of callbacks while the console is busy drawing.
const CALLBACK_CHANNEL_CAPACITY: usize = 64;

struct DemoGuard {
    _simulator: Simulator,
    _data_dir: tempfile::TempDir,
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Roster(#[from] RosterError),
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error("no data folder: set --data-dir or HANDOFF_DATA_DIR (no home directory found)")]
    NoDataDir,
    #[error("cannot start the demo: {0}")]
    Demo(std::io::Error),
    /// `--redis`/`--name` or `[team]` do not allow what was asked.
    #[error("{0}")]
    Team(String),
    #[error("--demo has a throwaway roster; the roster commands work on your own roster file")]
    DemoRoster,
    #[error(
        "--demo has a throwaway roster, removed on exit: a sync into it keeps nothing (in the demo console, Ctrl-s in the picker shows one); `handoff roster sync` fills your own roster file"
    )]
    DemoSync,
    #[error("--demo keeps no history; `handoff log` reads your own audit file")]
    DemoHistory,
    #[error("cannot listen for callbacks on {address} ([callback] listen): {source}")]
    Listen {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error(
        "--demo takes callbacks from the built-in simulator, not over the network: there is no path to check"
    )]
    DemoCallbacks,
    #[error(
        "--demo has no team to relay for: `handoff relay` reads [platform] account_id, [team] and [relay] from your config"
    )]
    DemoRelay,
}

/// What `handoff callbacks check` needs: where the platform posts (with the token this
/// console's transfers carry), and where callbacks come back: the receiver started where
/// `[callback] listen` says, or the team's stream.
pub struct CallbackPath {
    /// `[callback] url` with the token: secret, never printed.
    pub url: url::Url,
    /// `[callback] url` as it may be shown.
    pub shown: String,
    /// Callbacks come through the team's relay (`[callback] via = "team"`).
    pub via_team: bool,
    /// What comes back, when this console has a way to hear it.
    pub events: Option<mpsc::Receiver<CallbackEvent>>,
    _source: Option<CallbackSource>,
}

impl CallbackPath {
    pub async fn prepare(global: &GlobalArgs) -> Result<Self, SetupError> {
        if global.demo {
            return Err(SetupError::DemoCallbacks);
        }
        let (config, _, _) = load_config(global)?;
        let data_dir = data_dir(global)?;
        let (token, source, events) = if config.callbacks_via_team {
            learn_team_token(&config, &data_dir).await?;
            let token = team_token::copy_in(&data_dir).ok_or(AccountError::NoTeamToken)?;
            let (follower, events) = follow_team_callbacks(&config, Start::End).await?;
            (
                token,
                Some(CallbackSource::Team {
                    _follower: follower,
                }),
                Some(events),
            )
        } else {
            let token = load_or_create(&data_dir).map_err(AccountError::from)?;
            match config.callback_listen {
                Some(listen) => {
                    let (receiver, events) = listen_for_callbacks(listen, &data_dir).await?;
                    (
                        token,
                        Some(CallbackSource::Receiver {
                            _receiver: receiver,
                        }),
                        Some(events),
                    )
                }
                None => (token, None, None),
            }
        };
        Ok(Self {
            url: crate::callback::with_token(&config.callback_url, &token),
            shown: config.callback_url.to_string(),
            via_team: config.callbacks_via_team,
            events,
            _source: source,
        })
    }
}

/// What `handoff relay` needs: its part of the config, and its data folder (the spool).
pub struct RelaySetup {
    pub config: RelayConfig,
    pub config_path: PathBuf,
    pub data_dir: PathBuf,
}

impl RelaySetup {
    pub fn prepare(global: &GlobalArgs) -> Result<Self, SetupError> {
        if global.demo {
            return Err(SetupError::DemoRelay);
        }
        let config_path = config_path(global)?;
        Ok(Self {
            config: RelayConfig::load(&config_path)?,
            config_path,
            data_dir: data_dir(global)?,
        })
    }
}

pub(super) const ROSTER_FILE_NAME: &str = "roster.toml";

pub(super) fn config_path(global: &GlobalArgs) -> Result<PathBuf, SetupError> {
    Ok(global
        .config
        .clone()
        .or_else(default_config_path)
        .ok_or(ConfigError::NoLocation)?)
}

/// The key map `[keys]` asks for, and the warnings to show about it at start.
type WarnedKeys = (KeyMap, Vec<String>);

/// The config file `--config` (or `HANDOFF_CONFIG`, or the default place) names, read and
/// checked, the keys its `[keys]` asks for (with warnings for old default keys bound back), and
/// where it is. The keys are resolved here, for every command that reads the whole file, so a
/// bad `[keys]` stops all of them alike.
pub(super) fn load_config(
    global: &GlobalArgs,
) -> Result<(Config, WarnedKeys, PathBuf), SetupError> {
    let path = config_path(global)?;
    let config = Config::load(&path)?;
    let keys = keys::resolve(&config.keys)?;
    Ok((config, keys, path))
}

/// What demo mode takes from the supervisor's own config file, if there is one: its `[keys]`
/// and `[ui]`, so the demo answers to the keys they will use; nothing else of it is read. The
/// keys, `[ui]` applied to `config`, and what to say at start: a note that they apply, or a
/// warning why they do not (the demo then starts on the defaults).
fn demo_look(global: &GlobalArgs, config: &mut Config) -> (KeyMap, Vec<String>, Vec<String>) {
    let Some(path) = global.config.clone().or_else(default_config_path) else {
        return (KeyMap::default(), Vec::new(), Vec::new());
    };
    let look = console_look(&path).and_then(|look| {
        look.map(|look| keys::resolve(&look.keys).map(|keys| (look, keys)))
            .transpose()
    });
    match look {
        Ok(None) => (KeyMap::default(), Vec::new(), Vec::new()),
        Ok(Some((look, (keys, warnings)))) => {
            config.bell = look.bell.unwrap_or(config.bell);
            config.mouse = look.mouse.unwrap_or(config.mouse);
            let note = format!(
                "demo mode: your [keys] and [ui] from {} are applied; nothing else of that file is read",
                path.display()
            );
            (keys, vec![note], warnings)
        }
        Err(error) => {
            let warning = format!(
                "demo mode: your [keys] and [ui] from {} are not applied, the defaults are: {error}",
                path.display()
            );
            (KeyMap::default(), Vec::new(), vec![warning])
        }
    }
}

pub(super) fn data_dir(global: &GlobalArgs) -> Result<PathBuf, SetupError> {
    global
        .data_dir
        .clone()
        .or_else(default_data_dir)
        .ok_or(SetupError::NoDataDir)
}

/// What a console through the team's relay says as it starts: where its callbacks come from.
/// A command's run hears them too, with `--wait`, but says nothing of it.
fn relay_note(config: &Config, callbacks: Callbacks) -> Vec<String> {
    if !config.callbacks_via_team || callbacks != Callbacks::Receive {
        return Vec::new();
    }
    vec![format!(
        "callbacks come through the team's relay at {}, read back from the team's Redis: this console needs no receiver",
        config.callback_url
    )]
}

/// Where callbacks come from, kept alive for as long as the command runs.
enum CallbackSource {
    /// This console's own receiver (`[callback] listen`).
    Receiver { _receiver: Receiver },
    /// The team's relay, through the stream (`[callback] via = "team"`).
    Team { _follower: Follower },
}

/// The team's callback token, fetched from the team's Redis into the data folder (or the copy
/// there, while Redis is away), for `Account::open` to put in every transfer's callback URL.
pub(super) async fn learn_team_token(config: &Config, data_dir: &Path) -> Result<(), SetupError> {
    let team = config
        .team
        .as_ref()
        .ok_or_else(|| SetupError::Team("[callback] via = \"team\" needs [team]".into()))?;
    let link = crate::team::Link::new(team).map_err(SetupError::Team)?;
    team_token::for_console(&link, &config.platform.account_id, data_dir)
        .await
        .map(|_| ())
        .map_err(|error| SetupError::Team(error.to_string()))
}

/// Follows the team's callback stream from `start`.
async fn follow_team_callbacks(
    config: &Config,
    start: Start,
) -> Result<(Follower, mpsc::Receiver<CallbackEvent>), SetupError> {
    let team = config
        .team
        .as_ref()
        .ok_or_else(|| SetupError::Team("[callback] via = \"team\" needs [team]".into()))?;
    let (events_tx, events) = mpsc::channel(CALLBACK_CHANNEL_CAPACITY);
    let follower = Follower::start(team, &config.platform.account_id, start, events_tx)
        .await
        .map_err(SetupError::Team)?;
    Ok((follower, events))
}

/// Starts the receiver with this install's token.
async fn listen_for_callbacks(
    listen: SocketAddr,
    data_dir: &Path,
) -> Result<(Receiver, mpsc::Receiver<CallbackEvent>), SetupError> {
    let token = load_or_create(data_dir).map_err(AccountError::from)?;
    let (events_tx, events) = mpsc::channel(CALLBACK_CHANNEL_CAPACITY);
    let receiver = Receiver::start(listen, token, events_tx)
        .await
        .map_err(|source| SetupError::Listen {
            address: listen,
            source,
        })?;
    Ok((receiver, events))
}

impl Setup {
    pub async fn prepare(global: &GlobalArgs, callbacks: Callbacks) -> Result<Self, SetupError> {
        if global.demo {
            return Self::demo(callbacks, global).await;
        }
        let (config, (keys, key_warnings), config_path) = load_config(global)?;
        let data_dir = data_dir(global)?;
        let roster_path = config
            .roster_file
            .clone()
            .unwrap_or_else(|| data_dir.join(ROSTER_FILE_NAME));
        let (store, loaded) = RosterStore::open(&roster_path)?;
        if config.callbacks_via_team {
            learn_team_token(&config, &data_dir).await?;
        }
        let account = Account::open(&config, &data_dir)?;
        let mut warnings = loaded.warnings;
        warnings.extend(key_warnings);
        warnings.extend(readable_secret_warning(&config, &config_path));
        warnings.extend(unencrypted_callback_warning(&config.callback_url));
        let (receiver, events) = match (callbacks, config.callback_listen) {
            (Callbacks::Receive | Callbacks::ReceiveFromNow, Some(listen)) => {
                if !listen.ip().is_loopback() {
                    warnings.push(format!(
                        "the callback receiver listens on {listen}, beyond this machine; only posts with this install's token are accepted"
                    ));
                }
                let (receiver, events) = listen_for_callbacks(listen, &data_dir).await?;
                (
                    Some(CallbackSource::Receiver {
                        _receiver: receiver,
                    }),
                    Some(events),
                )
            }
            (Callbacks::Receive | Callbacks::ReceiveFromNow, None) if config.callbacks_via_team => {
                let start = match callbacks {
                    Callbacks::Receive => {
                        Start::remembered_in(&data_dir, &config.platform.account_id)
                    }
                    _ => Start::End,
                };
                let (follower, events) = follow_team_callbacks(&config, start).await?;
                (
                    Some(CallbackSource::Team {
                        _follower: follower,
                    }),
                    Some(events),
                )
            }
            _ => (None, None),
        };
        Ok(Self {
            roster: loaded.roster,
            store,
            recent: recent_target_ids(&data_dir, RECENT_CAPACITY),
            engine: account.engine.awaiting_callbacks(receiver.is_some()),
            reads: account.reads,
            budget: account.budget,
            team: account.team,
            banner: format!(
                "{} · stream {}{}",
                config.platform.host.host_str().unwrap_or("platform"),
                config.platform.stream_id,
                team_banner(config.team.as_ref())
            ),
            who: config
                .team
                .as_ref()
                .map_or_else(String::new, |team| format!("you: {}", team.name)),
            notes: relay_note(&config, callbacks),
            warnings,
            callbacks: events,
            settings: config.settings(),
            keys,
            _callbacks: receiver,
            _demo: None,
        })
    }

    /// The data folder whose audit file `handoff log` reads, and how long a transfer waits for
    /// its callback; no complete config needed.
    pub fn for_history(global: &GlobalArgs) -> Result<(PathBuf, Duration), SetupError> {
        if global.demo {
            return Err(SetupError::DemoHistory);
        }
        let confirm_within = match global.config.clone().or_else(default_config_path) {
            Some(path) => confirm_within_setting(&path)?,
            None => DEFAULT_CONFIRM_WITHIN,
        };
        Ok((data_dir(global)?, confirm_within))
    }

    /// The team's Redis and the account, for `handoff log --team`: from `[team]` in the config,
    /// or with `--demo`, from `--redis` and `--name` on the demo's account.
    pub fn for_team_history(global: &GlobalArgs) -> Result<(TeamConfig, String), SetupError> {
        if global.demo {
            let Some(url) = &global.redis else {
                return Err(SetupError::Team(
                    "--demo keeps no history; with --redis redis://…, `handoff log --team` reads the demo team's activity".into(),
                ));
            };
            return Ok((
                demo_team(url, global.name.as_deref())?,
                demo::ACCOUNT_ID.to_owned(),
            ));
        }
        let (config, _, config_path) = load_config(global)?;
        let team = config.team.ok_or_else(|| {
            SetupError::Team(format!(
                "log --team reads the team's activity from Redis: add [team] to {} (config.example.toml shows it)",
                config_path.display()
            ))
        })?;
        Ok((team, config.platform.account_id))
    }

    /// Where the roster file is, from `[roster] file` or the data folder, without needing the
    /// rest of the config to be complete.
    pub fn roster_path(global: &GlobalArgs) -> Result<PathBuf, SetupError> {
        if global.demo {
            return Err(SetupError::DemoRoster);
        }
        let from_config = match global.config.clone().or_else(default_config_path) {
            Some(path) => roster_file_setting(&path)?,
            None => None,
        };
        match from_config {
            Some(path) => Ok(path),
            None => Ok(data_dir(global)?.join(ROSTER_FILE_NAME)),
        }
    }

    /// The simulator on a free loopback port, the demo roster, and a data folder that is removed
    /// on exit, so nothing of the user's is read or written.
    async fn demo(callbacks: Callbacks, global: &GlobalArgs) -> Result<Self, SetupError> {
        let simulator = demo::start_simulator().await.map_err(SetupError::Demo)?;
        let data_dir = tempfile::Builder::new()
            .prefix("handoff-demo-")
            .tempdir()
            .map_err(SetupError::Demo)?;
        let mut config = demo::config_for(&simulator);
        if let Some(url) = &global.redis {
            config.team = Some(demo_team(url, global.name.as_deref())?);
        }
        let (receiver, events) = match callbacks {
            Callbacks::Receive | Callbacks::ReceiveFromNow => {
                let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
                let (receiver, events) = listen_for_callbacks(loopback, data_dir.path()).await?;
                config.callback_url = Url::parse(&format!("http://{}/callbacks", receiver.addr()))
                    .expect("a socket address makes a URL");
                (
                    Some(CallbackSource::Receiver {
                        _receiver: receiver,
                    }),
                    Some(events),
                )
            }
            Callbacks::Ignore => (None, None),
        };
        let (keys, look_notes, warnings) = demo_look(global, &mut config);
        let account = Account::open(&config, data_dir.path())?;
        let roster_path = data_dir.path().join(ROSTER_FILE_NAME);
        std::fs::write(&roster_path, demo::roster().to_toml()).map_err(SetupError::Demo)?;
        let (store, loaded) = RosterStore::open(&roster_path)?;
        Ok(Self {
            roster: loaded.roster,
            store,
            recent: Vec::new(),
            engine: account.engine.awaiting_callbacks(receiver.is_some()),
            reads: account.reads,
            budget: account.budget,
            team: account.team,
            banner: format!(
                "simulator at {}{}",
                simulator.base_url(),
                team_banner(config.team.as_ref())
            ),
            who: match &config.team {
                Some(team) => format!("DEMO · you: {}", team.name),
                None => "DEMO".into(),
            },
            notes: [
                "demo mode: transfers go to the built-in simulator; session ids starting dead, 5000, 5040, d409, 0077, fa11, b1ac, c0c0 or 1a7e show failures (docs/demo.md lists them all)".into(),
            ]
            .into_iter()
            .chain(look_notes)
            .collect(),
            warnings,
            callbacks: events,
            settings: config.settings(),
            keys,
            _callbacks: receiver,
            _demo: Some(DemoGuard {
                _simulator: simulator,
                _data_dir: data_dir,
            }),
        })
    }
}

/// " · team on redis://…" for the title bar: where the team's Redis is (its URL never holds
/// the password).
fn team_banner(team: Option<&TeamConfig>) -> String {
    team.map(|team| format!(" · team on {}", team.redis_url))
        .unwrap_or_default()
}

/// `[team]` for a demo console from `--redis` and `--name`.
pub(super) fn demo_team(url: &str, name: Option<&str>) -> Result<TeamConfig, SetupError> {
    let redis_url = Url::parse(url)
        .ok()
        .filter(|url| matches!(url.scheme(), "redis" | "rediss") && url.password().is_none())
        .ok_or_else(|| {
            SetupError::Team(
                "--redis: expected redis://host:port or rediss://host:port, without a password"
                    .into(),
            )
        })?;
    let name = name.unwrap_or("demo").trim();
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err(SetupError::Team(
            "--name: expected your name as teammates should see it".into(),
        ));
    }
    Ok(TeamConfig {
        redis_url,
        password: None,
        password_env: None,
        name: name.to_owned(),
        fallback_share: DEFAULT_FALLBACK_SHARE,
    })
}

/// A warning when the platform is to post callbacks over plain http:// to a host beyond this
/// machine: anyone on the way can read them, and the token in the URL with them (then forge
/// callbacks).
pub(super) fn unencrypted_callback_warning(url: &Url) -> Option<String> {
    (url.scheme() == "http" && !is_loopback(url)).then(|| {
        format!(
            "[callback] url is plain http:// to {}: callbacks, and the callback token in the URL, travel unencrypted; put an HTTPS proxy or tunnel in front of the receiver and give its https:// address",
            url.host_str().unwrap_or("a host beyond this machine")
        )
    })
}

/// A warning when the config file holds a secret and others on this machine may read it.
pub(super) fn readable_secret_warning(config: &Config, path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (config.secret_in_file && mode & 0o077 != 0).then(|| {
            format!(
                "{} holds a secret and others on this machine can read it (mode {mode:o}): run chmod 600 on it, or move the secret to an environment variable (client_secret_env)",
                path.display()
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = (config, path);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_beyond_this_machine_is_warned_about() {
        let warning = |url: &str| unencrypted_callback_warning(&Url::parse(url).unwrap());
        let public = warning("http://hooks.example.com/kore").expect("warned");
        assert!(
            public.contains("hooks.example.com")
                && public.contains("unencrypted")
                && public.contains("HTTPS proxy or tunnel"),
            "{public}"
        );
        assert!(warning("http://203.0.113.7:8009/kore").is_some());
        for quiet in [
            "https://hooks.example.com/kore",
            "http://127.0.0.1:8009/kore",
            "http://localhost:8009/kore",
            "http://[::1]:8009/kore",
        ] {
            assert_eq!(warning(quiet), None, "{quiet}");
        }
    }
}
