//! `handoff doctor`: what stands between this machine and a working console, checked in order,
//! one line each with what to do: the config, the credentials, the clock, the API scopes each
//! feature needs, the callback path, the team's Redis and the data folder. What is not
//! configured is skipped, not failed. Every call to the platform goes through the account's
//! budget, as any read does.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::json;

use super::callbacks;
use super::output::{out, out_json};
use super::setup::{
    config_path, data_dir, demo_team, learn_team_token, load_config, readable_secret_warning,
    unencrypted_callback_warning,
};
use super::{EXIT_BAD_INPUT, GlobalArgs};
use crate::account::Account;
use crate::config::{AuthConfig, Config, ConfigError};
use crate::demo;
use crate::platform::{ClockReading, PlatformError, Probe, Probed};
use crate::team::{Health, Link};
use crate::words::short_duration;

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// One JSON object a line: {"check", "result" (ok, warning, failed, skipped), "words"}
    #[arg(long)]
    json: bool,
}

/// Exit code when a check failed.
const EXIT_FAILED: u8 = 1;
/// A clock this far from the platform's is worth a word: tokens are signed for five minutes.
const CLOCK_WARN_SECS: u64 = 30;
/// Past this, a signed token has expired (or is not valid yet) when the platform reads it.
const CLOCK_FAIL_SECS: u64 = 300;
/// Under this much free space the audit file may soon stop being written.
const LOW_DISK_BYTES: u64 = 100 * 1024 * 1024;
/// How long the callback check waits for its post to come back.
const CALLBACK_TIMEOUT: Duration = Duration::from_secs(10);

/// The scope checks' names, as their lines start.
const SCOPE_CHECKS: [&str; 3] = [
    "scope for the conversation list",
    "scope for queue performance",
    "scope for transfers",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Ok,
    Warning,
    Failed,
    Skipped,
}

impl Mark {
    fn sign(self) -> &'static str {
        match self {
            Self::Ok => "✓",
            Self::Warning => "!",
            Self::Failed => "✗",
            Self::Skipped => "–",
        }
    }

    fn word(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warning => "warning",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }
}

/// Prints each check's line as it comes, and remembers whether one failed.
struct Report {
    json: bool,
    failed: bool,
}

impl Report {
    fn say(&mut self, check: &str, mark: Mark, words: impl Into<String>) {
        let words = words.into();
        self.failed |= mark == Mark::Failed;
        if self.json {
            out_json!(json!({ "check": check, "result": mark.word(), "words": words }));
        } else {
            out!("{} {check}: {words}", mark.sign());
        }
    }
}

/// The config as this run has it: the user's file, or the demo's with its simulator.
struct Loaded {
    config: Config,
    data_dir: Option<PathBuf>,
    /// Kept alive while the checks run.
    _demo: Option<(handoff_simulator::Simulator, tempfile::TempDir)>,
}

pub async fn run(global: &GlobalArgs, args: DoctorArgs) -> ExitCode {
    let mut report = Report {
        json: args.json,
        failed: false,
    };
    let loaded = match check_config(global, &mut report).await {
        Ok(loaded) => loaded,
        Err(code) => return ExitCode::from(code),
    };
    // The data folder is looked at before the account opens (which creates it), and said last.
    let folder = match &loaded {
        Some(loaded) => loaded.data_dir.clone(),
        None => data_dir(global).ok(),
    };
    let folder_check = check_data_folder(folder.as_deref(), global.demo);
    match &loaded {
        Some(loaded) => {
            // Redis is asked first too: a budget that cannot reach the team's Redis as it starts
            // counts a whole window as spent, so while it is away the platform's calls go
            // through this data folder's budget instead, as a console's do once it counts alone.
            let redis = check_redis(&loaded.config).await;
            let redis_away = redis.0 == Mark::Failed;
            check_platform(global, loaded, redis_away, &mut report).await;
            check_callbacks(global, &loaded.config, &mut report).await;
            report.say("redis", redis.0, redis.1);
        }
        None => {
            for check in ["credentials", "clock"]
                .into_iter()
                .chain(SCOPE_CHECKS)
                .chain(["callbacks", "redis"])
            {
                report.say(
                    check,
                    Mark::Skipped,
                    "not checked: the config is needed first",
                );
            }
        }
    }
    let (mark, words) = folder_check;
    report.say("data folder", mark, words);
    if report.failed {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}

/// The first line: the config found, read and checked, and who may read it. `None` when it
/// failed (said); `Err` with an exit code when the demo cannot even start.
async fn check_config(global: &GlobalArgs, report: &mut Report) -> Result<Option<Loaded>, u8> {
    if global.demo {
        let simulator = demo::start_simulator().await.map_err(|error| {
            report.say(
                "config",
                Mark::Failed,
                format!("cannot start the built-in simulator: {error}"),
            );
            EXIT_FAILED
        })?;
        let folder = tempfile::Builder::new()
            .prefix("handoff-demo-")
            .tempdir()
            .map_err(|error| {
                report.say(
                    "config",
                    Mark::Failed,
                    format!("cannot make the demo's throwaway data folder: {error}"),
                );
                EXIT_FAILED
            })?;
        let mut config = demo::config_for(&simulator);
        if let Some(url) = &global.redis {
            config.team = Some(demo_team(url, global.name.as_deref()).map_err(|error| {
                report.say("config", Mark::Failed, error.to_string());
                EXIT_BAD_INPUT
            })?);
        }
        report.say(
            "config",
            Mark::Ok,
            format!(
                "demo mode: the built-in simulator at {} stands in for the platform; no file of yours is read",
                simulator.base_url()
            ),
        );
        return Ok(Some(Loaded {
            config,
            data_dir: Some(folder.path().to_owned()),
            _demo: Some((simulator, folder)),
        }));
    }
    let path = match config_path(global) {
        Ok(path) => path,
        Err(error) => {
            report.say("config", Mark::Failed, error.to_string());
            return Ok(None);
        }
    };
    let config = match load_config(global) {
        Ok((config, _, _)) => config,
        Err(error) => {
            let words = match &error {
                super::setup::SetupError::Config(ConfigError::NotFound { .. }) => format!(
                    "no config file at {} (from {}): write one there with `handoff config init`, or point --config (HANDOFF_CONFIG) at yours; `handoff --demo` works without one",
                    path.display(),
                    where_from(global)
                ),
                other => other.to_string(),
            };
            report.say("config", Mark::Failed, words);
            return Ok(None);
        }
    };
    let warnings: Vec<String> = readable_secret_warning(&config, &path)
        .into_iter()
        .chain(unencrypted_callback_warning(&config.callback_url))
        .collect();
    if warnings.is_empty() {
        report.say(
            "config",
            Mark::Ok,
            format!("{} is read and complete", path.display()),
        );
    } else {
        report.say("config", Mark::Warning, warnings.join("; "));
    }
    Ok(Some(Loaded {
        config,
        data_dir: data_dir(global).ok(),
        _demo: None,
    }))
}

/// Where the config's path came from, in words.
fn where_from(global: &GlobalArgs) -> &'static str {
    if global.config.is_some() {
        "--config or HANDOFF_CONFIG"
    } else {
        "the default place; `handoff config path` lists where handoff looks"
    }
}

/// The credentials, the clock and the API scopes: one call each, through the account.
async fn check_platform(
    global: &GlobalArgs,
    loaded: &Loaded,
    redis_away: bool,
    report: &mut Report,
) {
    let mut config = loaded.config.clone();
    if redis_away {
        config.team = None;
    }
    let config = &config;
    let not_checked = |report: &mut Report, why: &str| {
        report.say("credentials", Mark::Failed, why);
        for check in ["clock"].into_iter().chain(SCOPE_CHECKS) {
            report.say(
                check,
                Mark::Skipped,
                "not checked: the credentials are needed first",
            );
        }
    };
    let Some(data_dir) = &loaded.data_dir else {
        not_checked(
            report,
            "not checked: no data folder for the account's budget (set --data-dir or HANDOFF_DATA_DIR)",
        );
        return;
    };
    if config.callbacks_via_team && !global.demo {
        // As every command starts: the team's callback token into the data folder.
        if let Err(error) = learn_team_token(config, data_dir).await {
            not_checked(report, &format!("not checked: {error}"));
            return;
        }
    }
    let account = match Account::open(config, data_dir) {
        Ok(account) => account,
        Err(error) => {
            not_checked(
                report,
                &format!("not checked: cannot open the account: {error}"),
            );
            return;
        }
    };
    let host = config.platform.host.as_str().trim_end_matches('/');
    let credentials = account.reads.probe(Probe::Credentials).await;
    let skew = credentials.clock.map(|reading| reading.ahead_secs());
    let accepted = credentials.result.is_ok();
    let (mark, words) = credentials_words(config, host, &credentials, skew);
    report.say("credentials", mark, words);
    let (mark, words) = clock_words(credentials.clock, &credentials.result);
    report.say("clock", mark, words);
    if !accepted {
        for check in &SCOPE_CHECKS[..2] {
            report.say(
                check,
                Mark::Skipped,
                "not checked: the credentials were not taken",
            );
        }
    } else {
        let probes = [
            (
                Probe::Conversations,
                "SmartAssist Analytics",
                "the conversation list (the console's pane, `handoff conversations`)",
                "sessions can still be typed or pasted",
            ),
            (
                Probe::QueuePerformance,
                "Configuration",
                "queue performance (the floor strip, `handoff floor`)",
                "each queue's stats are read one call a queue instead",
            ),
        ];
        for (check, (probe, scope, feature, meanwhile)) in SCOPE_CHECKS.into_iter().zip(probes) {
            let probed = account.reads.probe(probe).await;
            let (mark, words) = scope_words(&probed.result, scope, feature, meanwhile);
            report.say(check, mark, words);
        }
    }
    report.say(
        SCOPE_CHECKS[2],
        Mark::Skipped,
        "unchecked: the \"Routing\" scope shows only in a transfer; `handoff transfer` tells (a 401 or 403 names it)",
    );
}

/// Where the secret comes from, for a refusal to name it without showing it.
fn secret_named(config: &Config) -> String {
    match (&config.auth, &config.secret_env) {
        (AuthConfig::Jwt(_), _) => "[auth] jwt (a ready-made token: it may have expired)".into(),
        (AuthConfig::Credentials { client_id, .. }, Some(variable)) => format!(
            "[auth] client_id {client_id} and the client secret in the environment variable {variable}"
        ),
        (AuthConfig::Credentials { client_id, .. }, None) => {
            format!("[auth] client_id {client_id} and [auth] client_secret")
        }
    }
}

fn credentials_words(
    config: &Config,
    host: &str,
    probed: &Probed,
    skew: Option<i64>,
) -> (Mark, String) {
    let clock_hint = match skew {
        Some(ahead) if ahead.unsigned_abs() > CLOCK_FAIL_SECS => {
            "; this machine's clock is off (below), which alone makes the platform refuse signed tokens"
        }
        _ => "",
    };
    match &probed.result {
        Ok(()) => (
            Mark::Ok,
            format!(
                "the platform at {host} took {} (one read of the queue list)",
                secret_named(config)
            ),
        ),
        Err(PlatformError::Refused {
            status: 401,
            message,
            ..
        }) => (
            Mark::Failed,
            format!(
                "the platform at {host} refused the credentials (HTTP 401: {message}): check {}{clock_hint}",
                secret_named(config)
            ),
        ),
        Err(PlatformError::Refused {
            status: 403,
            message,
            ..
        }) => (
            Mark::Failed,
            format!(
                "the platform at {host} took the credentials but refused this account (HTTP 403: {message}): check [platform] account_id, and that the app may read the stream's queues{clock_hint}"
            ),
        ),
        Err(PlatformError::Refused {
            status: 404,
            message,
            ..
        }) => (
            Mark::Failed,
            format!(
                "the platform at {host} does not know this stream (HTTP 404: {message}): check [platform] stream_id and host"
            ),
        ),
        Err(PlatformError::Unreachable(detail)) => (
            Mark::Failed,
            format!(
                "cannot reach the platform at {host} ({detail}): check [platform] host, the network, and a proxy (HTTPS_PROXY)"
            ),
        ),
        Err(error) => (
            Mark::Failed,
            format!("the platform at {host} did not answer as expected: {error}"),
        ),
    }
}

fn clock_words(
    reading: Option<ClockReading>,
    result: &Result<(), PlatformError>,
) -> (Mark, String) {
    let Some(reading) = reading else {
        let why = match result {
            Err(
                PlatformError::Unreachable(_)
                | PlatformError::NotSent(_)
                | PlatformError::Timeout(_)
                | PlatformError::Interrupted(_),
            ) => "not checked: the platform did not answer",
            _ => "not checked: the platform's reply carried no Date header",
        };
        return (Mark::Skipped, why.into());
    };
    let ahead = reading.ahead_secs();
    let off = ahead.unsigned_abs();
    let way = if ahead > 0 { "ahead of" } else { "behind" };
    let fix = "set the clock, or turn on time sync (timedatectl set-ntp true; on macOS, Date & Time settings)";
    if off > CLOCK_FAIL_SECS {
        (
            Mark::Failed,
            format!(
                "this machine's clock is {} {way} the platform's: tokens signed here are refused (they live {}): {fix}",
                short_duration(off),
                short_duration(CLOCK_FAIL_SECS)
            ),
        )
    } else if off > CLOCK_WARN_SECS {
        (
            Mark::Warning,
            format!(
                "this machine's clock is {} {way} the platform's; past {} signed tokens are refused: {fix}",
                short_duration(off),
                short_duration(CLOCK_FAIL_SECS)
            ),
        )
    } else {
        (
            Mark::Ok,
            format!(
                "this machine's clock agrees with the platform's ({off} s apart; the platform's Date header counts whole seconds)"
            ),
        )
    }
}

fn scope_words(
    result: &Result<(), PlatformError>,
    scope: &str,
    feature: &str,
    meanwhile: &str,
) -> (Mark, String) {
    match result {
        Ok(()) => (
            Mark::Ok,
            format!("the \"{scope}\" scope is there: {feature} works"),
        ),
        Err(
            PlatformError::Refused {
                status: status @ (401 | 403),
                ..
            }
            | PlatformError::MissingScope { status, .. },
        ) => (
            Mark::Warning,
            format!(
                "missing scope (HTTP {status}): {feature} will not work until the app has \"{scope}\" (App Settings → Dev Tools → API Scope); {meanwhile}"
            ),
        ),
        Err(error) => (
            Mark::Failed,
            format!("cannot tell: the call for {feature} failed: {error}"),
        ),
    }
}

/// The callback path, as `handoff callbacks check` tests it.
async fn check_callbacks(global: &GlobalArgs, config: &Config, report: &mut Report) {
    if global.demo {
        report.say(
            "callbacks",
            Mark::Skipped,
            "demo mode: the simulator posts its callbacks to the console on this machine",
        );
        return;
    }
    if config.callback_listen.is_none() && !config.callbacks_via_team {
        report.say(
            "callbacks",
            Mark::Skipped,
            "no way to hear them: set [callback] listen (or via = \"team\") to see the platform confirm each transfer",
        );
        return;
    }
    match callbacks::check_path(global, CALLBACK_TIMEOUT).await {
        Ok(words) => report.say("callbacks", Mark::Ok, words),
        Err((_, words)) => report.say(
            "callbacks",
            Mark::Failed,
            words.trim_start_matches("error: ").to_owned(),
        ),
    }
}

/// The team's Redis, when `[team]` is set: one PING, with the console's own deadline.
async fn check_redis(config: &Config) -> (Mark, String) {
    let Some(team) = &config.team else {
        return (Mark::Skipped, "no [team]: this console works alone".into());
    };
    let link = match Link::new(team) {
        Ok(link) => link,
        Err(error) => return (Mark::Failed, error),
    };
    let started = Instant::now();
    if link.ping().await {
        return (
            Mark::Ok,
            format!(
                "the team's Redis at {} answers (PING in {} ms)",
                team.redis_url,
                started.elapsed().as_millis()
            ),
        );
    }
    let why = match link.health() {
        Health::Away(why) => why,
        _ => format!("Redis at {} did not answer", team.redis_url),
    };
    (
        Mark::Failed,
        format!("{why}; until it answers each console works alone on its share of the budget"),
    )
}

/// The data folder: there or made, written to, and with room. Said last, looked at first.
fn check_data_folder(folder: Option<&Path>, demo: bool) -> (Mark, String) {
    let Some(folder) = folder else {
        return (
            Mark::Failed,
            "no data folder: set --data-dir or HANDOFF_DATA_DIR (no home directory found)".into(),
        );
    };
    let shown = folder.display();
    if folder.exists() && !folder.is_dir() {
        return (
            Mark::Failed,
            format!(
                "{shown} is a file, not a folder: move it away, or set --data-dir (HANDOFF_DATA_DIR) to a folder"
            ),
        );
    }
    let created = !folder.exists();
    if let Err(error) = std::fs::create_dir_all(folder) {
        return (
            Mark::Failed,
            format!(
                "cannot create {shown}: {error}: set --data-dir (HANDOFF_DATA_DIR) to a folder you can write"
            ),
        );
    }
    let probe = folder.join(format!(".handoff-doctor-{}", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .and_then(|mut file| std::io::Write::write_all(&mut file, b"handoff doctor\n"));
    let removed = std::fs::remove_file(&probe);
    if let Err(error) = written.and(removed) {
        return (
            Mark::Failed,
            format!(
                "cannot write in {shown}: {error}: fix its permissions, or set --data-dir (HANDOFF_DATA_DIR)"
            ),
        );
    }
    let what = if demo {
        format!("{shown} (the demo's, removed on exit)")
    } else if created {
        format!("{shown} (created)")
    } else {
        shown.to_string()
    };
    match free_bytes(folder) {
        Some(free) if free < LOW_DISK_BYTES => (
            Mark::Warning,
            format!(
                "{what} is writable, but only {} MiB are free: the audit file stops being written when the disk is full; make room",
                free / (1024 * 1024)
            ),
        ),
        Some(free) => (
            Mark::Ok,
            format!("{what} is writable, {} free", size_in_words(free)),
        ),
        None => (Mark::Ok, format!("{what} is writable")),
    }
}

/// The bytes an unprivileged user may still write on the folder's file system.
#[cfg(unix)]
fn free_bytes(folder: &Path) -> Option<u64> {
    let stats = rustix::fs::statvfs(folder).ok()?;
    Some(stats.f_bavail.saturating_mul(stats.f_frsize))
}

#[cfg(not(unix))]
fn free_bytes(_folder: &Path) -> Option<u64> {
    None
}

fn size_in_words(bytes: u64) -> String {
    const GIB: u64 = 1024 * 1024 * 1024;
    if bytes >= GIB {
        format!("{:.1} GiB", bytes as f64 / GIB as f64)
    } else {
        format!("{} MiB", bytes / (1024 * 1024))
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;

    fn reading(ahead: i64) -> ClockReading {
        let platform = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        let here = if ahead >= 0 {
            platform + Duration::from_secs(ahead.unsigned_abs())
        } else {
            platform - Duration::from_secs(ahead.unsigned_abs())
        };
        ClockReading { platform, here }
    }

    #[test]
    fn the_clock_is_judged_by_how_far_off_it_is() {
        let mark = |ahead| clock_words(Some(reading(ahead)), &Ok(())).0;
        assert_eq!(mark(0), Mark::Ok);
        assert_eq!(mark(-30), Mark::Ok);
        assert_eq!(mark(31), Mark::Warning);
        assert_eq!(mark(-300), Mark::Warning);
        assert_eq!(mark(301), Mark::Failed);
        let (_, words) = clock_words(Some(reading(-600)), &Ok(()));
        assert!(words.contains("10m00s behind the platform's"), "{words}");
        let (_, words) = clock_words(Some(reading(45)), &Ok(()));
        assert!(words.contains("45s ahead of"), "{words}");
    }

    #[test]
    fn no_date_is_skipped_with_the_reason() {
        let (mark, words) = clock_words(None, &Err(PlatformError::Unreachable("refused".into())));
        assert_eq!(mark, Mark::Skipped);
        assert!(words.contains("did not answer"), "{words}");
    }

    #[test]
    fn a_refused_scope_is_named_with_the_feature() {
        let refused = Err(PlatformError::Refused {
            status: 403,
            message: "no".into(),
            retry_after: None,
        });
        let (mark, words) =
            scope_words(&refused, "Configuration", "queue performance", "meanwhile");
        assert_eq!(mark, Mark::Warning);
        assert!(
            words.contains("missing scope (HTTP 403)")
                && words.contains("queue performance will not work")
                && words.contains("\"Configuration\""),
            "{words}"
        );
    }
}
