//! `handoff simulate`: the built-in simulator as a server, to try the console or a script against
//! by hand. It writes a ready config and roster for itself into a temporary folder, so the
//! secret it accepts is never printed. With `--redis`, it writes one config for each of two
//! supervisors of a team instead, so two consoles share one simulated account and one Redis.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use super::EXIT_BAD_INPUT;
use super::output::{err, out};
use super::setup::demo_team;
use crate::demo;
use handoff_simulator::{Simulator, SimulatorConfig};

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Address to listen on; loopback only
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// Calls the simulated account allows per minute (the platform's is 60); the config it
    /// writes uses the same, for trying bulk runs at another scale
    #[arg(long, value_name = "N", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    rate_limit: u32,
}

/// The two supervisors a team's try-out has: their names, and the file names of their configs.
const TEAM: [(&str, &str); 2] = [("Priya", "priya"), ("Marcus", "marcus")];

pub async fn run(args: SimulateArgs, redis: Option<&str>) -> ExitCode {
    let team = match redis.map(|url| demo_team(url, None)).transpose() {
        Ok(team) => team.map(|team| team.redis_url),
        Err(error) => {
            err!("error: {error}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    if !args.listen.ip().is_loopback() {
        err!(
            "error: --listen {}: the simulator serves loopback only (127.0.0.1 or [::1])",
            args.listen
        );
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    // A secret of this run's own: whoever can read the config file below can use it.
    let secret = uuid::Uuid::new_v4().simple().to_string();
    let config = SimulatorConfig {
        client_secret: secret.clone(),
        rate_limit_per_minute: args.rate_limit,
        ..demo::simulator_config()
    };
    let simulator = match Simulator::start(config, args.listen).await {
        Ok(simulator) => simulator,
        Err(error) => {
            err!("error: cannot listen on {}: {error}", args.listen);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let folder = match write_files(&simulator, &secret, args.rate_limit, team.as_ref()) {
        Ok(folder) => folder,
        Err(error) => {
            err!("error: cannot write the simulator's config: {error}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let path = folder.path();
    match &team {
        None => out!(
            "handoff simulator listening on {}; Ctrl-c stops it.\n\
             It knows the demo roster and a floor of conversations. In another terminal:\n\n  \
             handoff --config {config} --data-dir {data}\n  \
             handoff --config {config} --data-dir {data} conversations\n  \
             handoff --config {config} --data-dir {data} transfer --session 6538f8a3c9cf425ee5cf0a1b --agent \"Dana Whitfield\"\n\n\
             (the config and data folder are removed when the simulator stops)",
            simulator.base_url(),
            config = path.join("config.toml").display(),
            data = path.join("data").display(),
        ),
        Some(redis_url) => {
            let consoles: Vec<String> = TEAM
                .iter()
                .map(|(_, file)| {
                    format!(
                        "  handoff --config {} --data-dir {}",
                        path.join(format!("{file}.toml")).display(),
                        path.join(format!("data-{file}")).display()
                    )
                })
                .collect();
            out!(
                "handoff simulator listening on {}; Ctrl-c stops it.\n\
                 It knows the demo roster and a floor of conversations. Two supervisors of the account \
                 share the team's Redis at {redis_url}; in two other terminals:\n\n{}\n\n\
                 (the configs and data folders are removed when the simulator stops)",
                simulator.base_url(),
                consoles.join("\n"),
            );
        }
    }
    if let Err(error) = tokio::signal::ctrl_c().await {
        err!("error: cannot wait for Ctrl-c: {error}");
    }
    simulator.shutdown().await;
    ExitCode::SUCCESS
}

/// A temporary folder with `config.toml` (readable by this user only, as it holds the secret)
/// and `roster.toml` for the running simulator.
/// With a team's Redis, one config for each supervisor of [`TEAM`] instead, with `[team]`.
fn write_files(
    simulator: &Simulator,
    secret: &str,
    rate_limit: u32,
    team: Option<&url::Url>,
) -> std::io::Result<tempfile::TempDir> {
    let folder = tempfile::Builder::new()
        .prefix("handoff-simulate-")
        .tempdir()?;
    let config = format!(
        "[platform]\nhost = \"{base}\"\nstream_id = \"{stream}\"\norg_id = \"{org}\"\naccount_id = \"{account}\"\nrate_limit_per_minute = {rate_limit}\n\n\
         [auth]\nclient_id = \"{client}\"\nclient_secret = \"{secret}\"\n\n\
         [callback]\nurl = \"{sink}\"\n\n\
         [roster]\nfile = \"roster.toml\"\n",
        base = simulator.base_url(),
        stream = demo::STREAM_ID,
        org = demo::ORG_ID,
        account = demo::ACCOUNT_ID,
        client = demo::CLIENT_ID,
        sink = simulator.callback_sink_url(),
    );
    match team {
        None => write_private(&folder.path().join("config.toml"), &config)?,
        Some(redis_url) => {
            for (name, file) in TEAM {
                let with_team =
                    format!("{config}\n[team]\nredis_url = \"{redis_url}\"\nname = \"{name}\"\n");
                write_private(&folder.path().join(format!("{file}.toml")), &with_team)?;
            }
        }
    }
    std::fs::write(folder.path().join("roster.toml"), demo::roster().to_toml())?;
    Ok(folder)
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}
