//! `handoff callbacks check`: whether a callback posted to `[callback] url` reaches this
//! console's receiver, timed, or which hop stopped it (the name, the connection, TLS, a refused
//! token, something else answering). It posts from this machine, so it tests the path from
//! here, not from the platform's cloud; it says so.
//!
//! The test callback carries a marker (`handoffTest`): a console that receives it (one holding
//! the receiver's port) leaves it out of its ledger and its history.

use std::error::Error as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use serde_json::json;
use tokio::sync::mpsc;

use super::output::{err, out};
use super::setup::CallbackPath;
use super::{EXIT_BAD_INPUT, GlobalArgs};
use crate::callback::{CallbackEvent, TEST_MARKER};
use crate::config::is_loopback;
use crate::relay::serve::SPOOLED_WORDS;

#[derive(Debug, Args)]
pub struct CallbacksArgs {
    #[command(subcommand)]
    command: CallbacksCommand,
}

#[derive(Debug, Subcommand)]
enum CallbacksCommand {
    /// Post a test callback to [callback] url and wait for it at this console's receiver
    ///
    /// Exit codes: 0 it arrived; 1 a hop stopped it (said which); 2 bad input or config.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// How long to wait for the post's answer and for the callback to arrive (1 to 120)
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    timeout: u64,
}

/// Exit code when the callback did not come through.
const EXIT_NOT_THROUGH: u8 = 1;

pub async fn run(global: &GlobalArgs, args: CallbacksArgs) -> ExitCode {
    let CallbacksCommand::Check(check) = args.command;
    if !(1..=120).contains(&check.timeout) {
        err!(
            "error: --timeout: expected seconds from 1 to 120, found {}",
            check.timeout
        );
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    match check_path(global, Duration::from_secs(check.timeout)).await {
        Ok(words) => {
            out!("{words}");
            ExitCode::SUCCESS
        }
        Err((code, words)) => {
            err!("{words}");
            ExitCode::from(code)
        }
    }
}

/// Posts a test callback to `[callback] url` and waits up to `timeout` for it where this
/// console hears callbacks: the words to print when it came, else the exit code and the words
/// (bad config: [`EXIT_BAD_INPUT`]; a hop stopped it: 1). `handoff doctor` makes the same check.
pub(super) async fn check_path(
    global: &GlobalArgs,
    timeout: Duration,
) -> Result<String, (u8, String)> {
    let path = CallbackPath::prepare(global)
        .await
        .map_err(|e| (EXIT_BAD_INPUT, format!("error: {e}")))?;
    let Some(mut events) = path.events else {
        return Err((
            EXIT_BAD_INPUT,
            "error: this console has no way to hear callbacks: set [callback] via = \"team\" (the team's relay) or [callback] listen (the address the tunnel or proxy behind [callback] url forwards to), and run the check again".into(),
        ));
    };
    // Where the callback should come back, for the words of a failure.
    let arrives_at = if path.via_team {
        "the team's stream"
    } else {
        "this console's receiver"
    };
    let marker = uuid::Uuid::new_v4().simple().to_string();
    let shown = &path.shown;
    let mut http = reqwest::Client::builder().timeout(timeout);
    if is_loopback(&path.url) {
        http = http.no_proxy();
    }
    let http = http
        .build()
        .map_err(|e| (EXIT_BAD_INPUT, format!("error: cannot set up HTTP: {e}")))?;
    let started = Instant::now();
    let posted = http
        .post(path.url.clone())
        .json(&json!({ (TEST_MARKER): marker, "status": "test" }))
        .send()
        .await;
    let from_here = "(tested from this machine, not from the platform's cloud)";
    let answer = match posted {
        Ok(answer) => answer,
        Err(error) => {
            return Err((
                EXIT_NOT_THROUGH,
                format!(
                    "callbacks do not reach this console: {} {from_here}",
                    hop(&error, shown)
                ),
            ));
        }
    };
    let status = answer.status();
    if status == reqwest::StatusCode::FORBIDDEN && path.via_team {
        return Err((
            EXIT_NOT_THROUGH,
            format!(
                "callbacks do not reach this console: the receiver behind {shown} refused the team's token (HTTP 403): it is not this team's relay, or the token was rotated over a day ago and this data folder's copy is older {from_here}"
            ),
        ));
    }
    if status == reqwest::StatusCode::FORBIDDEN {
        return Err((
            EXIT_NOT_THROUGH,
            format!(
                "callbacks do not reach this console: the receiver behind {shown} refused this install's token (HTTP 403): it is another console's receiver, or one with another data folder {from_here}"
            ),
        ));
    }
    if !status.is_success() {
        return Err((
            EXIT_NOT_THROUGH,
            format!(
                "callbacks do not reach this console: {shown} answered HTTP {status}: something other than a handoff receiver (a proxy or tunnel with nowhere to forward to?) {from_here}"
            ),
        ));
    }
    let said = answer.text().await.unwrap_or_default();
    if path.via_team && said.contains(SPOOLED_WORDS) {
        return Err((
            EXIT_NOT_THROUGH,
            format!(
                "callbacks do not reach this console yet: the team's relay took the post but cannot reach the team's Redis; it keeps callbacks in its spool and passes them on when Redis answers (check the relay's /healthz) {from_here}"
            ),
        ));
    }
    let arrived = until_arrived(
        &mut events,
        &marker,
        timeout.saturating_sub(started.elapsed()),
    )
    .await;
    let took = started.elapsed();
    if arrived {
        Ok(format!(
            "callbacks reach this console ({} ms) {from_here}",
            took.as_millis()
        ))
    } else {
        Err((
            EXIT_NOT_THROUGH,
            format!(
                "callbacks do not reach this console: {shown} took the post, but it never came to {arrives_at}: the URL leads elsewhere, or the relay uses another Redis or account {from_here}"
            ),
        ))
    }
}

/// Waits up to `within` for the test callback marked `marker`.
async fn until_arrived(
    events: &mut mpsc::Receiver<CallbackEvent>,
    marker: &str,
    within: Duration,
) -> bool {
    let arrived = async {
        while let Some(event) = events.recv().await {
            if let CallbackEvent::Received(received) = event
                && received.payload.get(TEST_MARKER).and_then(|m| m.as_str()) == Some(marker)
            {
                return true;
            }
        }
        false
    };
    tokio::time::timeout(within, arrived).await.unwrap_or(false)
}

/// Which hop a failed post stopped at, in words.
fn hop(error: &reqwest::Error, shown: &str) -> String {
    let mut causes = String::new();
    let mut source = error.source();
    while let Some(cause) = source {
        causes.push_str(&cause.to_string().to_lowercase());
        causes.push(' ');
        source = cause.source();
    }
    if error.is_timeout() {
        format!("the post to {shown} got no answer in time")
    } else if causes.contains("dns") || causes.contains("lookup") || causes.contains("resolve") {
        format!("the name in {shown} could not be found (DNS)")
    } else if causes.contains("certificate") || causes.contains("tls") || causes.contains("ssl") {
        format!("the TLS handshake with {shown} failed: {}", causes.trim())
    } else if causes.contains("refused") {
        format!("the connection to {shown} was refused: nothing listens there")
    } else if error.is_connect() {
        format!("no connection to {shown}: {}", causes.trim())
    } else {
        format!("the post to {shown} failed: {}", causes.trim())
    }
}
