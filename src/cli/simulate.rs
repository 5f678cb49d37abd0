//! `handoff simulate`: the built-in simulator as a server, to try the console or a script against
//! by hand. It writes a ready config and roster for itself into a temporary folder, so the
//! secret it accepts is never printed. With `--redis`, it writes one config for each of two
//! supervisors of a team instead, so two consoles share one simulated account and one Redis.
//! `--open`, `--agents` and `--queues` size the floor, and `--report-calls` says every minute
//! what the account received, so what a console spends can be measured (issue 19).

mod call_report;

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use tokio::signal::unix::{Signal, SignalKind, signal};

use super::EXIT_BAD_INPUT;
use super::output::{err, out};
use super::setup::demo_team;
use crate::demo::{self, FloorSize};
use crate::ids::TargetKind;
use crate::roster::Roster;
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
    /// Conversations open on the floor when it starts, waiting or with an agent (the demo's:
    /// 32); a new one still arrives every 10 to 20 seconds
    #[arg(long, value_name = "N", value_parser = counted(0..=20_000))]
    open: Option<usize>,
    /// Agents the platform knows, every one in the roster written: the demo roster's 20 first,
    /// then generated ones (the demo's: its 20 in the roster, 100 more only a sync brings in)
    #[arg(long, value_name = "N", value_parser = counted(1..=2_000))]
    agents: Option<usize>,
    /// Queues, every one in the roster written: the demo's six first (the sixth inactive), then
    /// generated active ones
    #[arg(long, value_name = "N", value_parser = counted(1..=100))]
    queues: Option<usize>,
    /// With --redis: a team of three whose callbacks come through the team's relay (`handoff
    /// relay`, started from the config written for it) instead of each console's receiver
    #[arg(long)]
    relay: bool,
    /// Every minute, print the calls the account received in it, in all and by kind
    #[arg(long)]
    report_calls: bool,
    /// Seconds between the lines of --report-calls; a test cannot wait a minute
    #[arg(long, value_name = "SECS", default_value_t = 60, hide = true, requires = "report_calls", value_parser = clap::value_parser!(u64).range(1..=3_600))]
    report_every: u64,
}

/// A number of things within `range`, refused by clap in words otherwise ("3000 is not in
/// 1..=2000"), as `--rate-limit` is.
fn counted(range: std::ops::RangeInclusive<u64>) -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::new().range(range)
}

/// The supervisors a team's try-out has: their names, and the file names of their configs. The
/// try-out through a relay has the third too, as a floor's team would.
const TEAM: [(&str, &str); 3] = [("Priya", "priya"), ("Marcus", "marcus"), ("Dana", "dana")];

pub async fn run(args: SimulateArgs, redis: Option<&str>) -> ExitCode {
    let team = match redis.map(|url| demo_team(url, None)).transpose() {
        Ok(team) => team.map(|team| team.redis_url),
        Err(error) => {
            err!("error: {error}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let relay = match (&team, args.relay) {
        (Some(_), true) => match std::net::TcpListener::bind((args.listen.ip(), 0))
            .and_then(|listener| listener.local_addr())
        {
            Ok(addr) => Some(addr),
            Err(error) => {
                err!("error: cannot find a free port for the relay: {error}");
                return ExitCode::from(EXIT_BAD_INPUT);
            }
        },
        (None, true) => {
            err!(
                "error: --relay relays a team's callbacks through its Redis: give --redis redis://… too"
            );
            return ExitCode::from(EXIT_BAD_INPUT);
        }
        (_, false) => None,
    };
    if !args.listen.ip().is_loopback() {
        err!(
            "error: --listen {}: the simulator serves loopback only (127.0.0.1 or [::1])",
            args.listen
        );
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    // Listening before the simulator says it is up: a stop sent as soon as it says so is heard.
    let mut stop = match StopSignals::listen() {
        Ok(stop) => stop,
        Err(error) => {
            err!("error: cannot listen for Ctrl-c: {error}");
            return ExitCode::FAILURE;
        }
    };
    // A secret of this run's own: whoever can read the config file below can use it.
    let secret = uuid::Uuid::new_v4().simple().to_string();
    let (roster, tenant) = demo::sized(FloorSize {
        open: args.open,
        agents: args.agents,
        queues: args.queues,
    });
    let config = SimulatorConfig {
        client_secret: secret.clone(),
        rate_limit_per_minute: args.rate_limit,
        ..tenant
    };
    let floor = floor_words(&config, &roster);
    let simulator = match Simulator::start(config, args.listen).await {
        Ok(simulator) => simulator,
        Err(error) => {
            err!("error: cannot listen on {}: {error}", args.listen);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let team_files = team
        .as_ref()
        .map(|redis_url| TeamFiles { redis_url, relay });
    let folder = match write_files(
        &simulator,
        &secret,
        args.rate_limit,
        &roster,
        team_files.as_ref(),
    ) {
        Ok(folder) => folder,
        Err(error) => {
            err!("error: cannot write the simulator's config: {error}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let path = folder.path();
    match &team_files {
        None => out!(
            "handoff simulator listening on {}; Ctrl-c stops it.\n\
             It knows {floor}. In another terminal:\n\n  \
             handoff --config {config} --data-dir {data}\n  \
             handoff --config {config} --data-dir {data} conversations\n  \
             handoff --config {config} --data-dir {data} transfer --session 6538f8a3c9cf425ee5cf0a1b --agent \"Dana Whitfield\"\n\n\
             (the config and data folder are removed when the simulator stops)",
            simulator.base_url(),
            config = path.join("config.toml").display(),
            data = path.join("data").display(),
        ),
        Some(files) => {
            let redis_url = files.redis_url;
            let mut consoles: Vec<String> = files
                .supervisors()
                .iter()
                .map(|(_, file)| {
                    format!(
                        "  handoff --config {} --data-dir {}",
                        path.join(format!("{file}.toml")).display(),
                        path.join(format!("data-{file}")).display()
                    )
                })
                .collect();
            let who = match files.relay {
                None => format!(
                    "Two supervisors of the account share the team's Redis at {redis_url}; in two other terminals"
                ),
                Some(relay) => {
                    consoles.insert(
                        0,
                        format!(
                            "  handoff --config {} --data-dir {} relay",
                            path.join("relay.toml").display(),
                            path.join("data-relay").display()
                        ),
                    );
                    format!(
                        "Three supervisors of the account share the team's Redis at {redis_url}, and take their callbacks through the team's relay on {relay}, with no receiver of their own; the relay first, then each console, in four other terminals"
                    )
                }
            };
            out!(
                "handoff simulator listening on {}; Ctrl-c stops it.\n\
                 It knows {floor}. {who}:\n\n{}\n\n\
                 (the configs and data folders are removed when the simulator stops)",
                simulator.base_url(),
                consoles.join("\n"),
            );
        }
    }
    if args.report_calls {
        let every = Duration::from_secs(args.report_every);
        tokio::select! {
            () = stop.recv() => {}
            never = call_report::report(&simulator, every) => match never {},
        }
    } else {
        stop.recv().await;
    }
    simulator.shutdown().await;
    ExitCode::SUCCESS
}

/// Ctrl-c, SIGTERM and a hang-up, each of which stops the simulator the same way, so the folder
/// holding its secret is removed however it is told to stop (a script's `kill` sends SIGTERM, a
/// closed terminal SIGHUP).
struct StopSignals {
    interrupt: Signal,
    terminate: Signal,
    hangup: Signal,
}

impl StopSignals {
    /// Heard from now on: a signal that comes before this would end the process unheard.
    fn listen() -> std::io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
        })
    }

    /// Until one of them comes.
    async fn recv(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
            _ = self.hangup.recv() => {}
        }
    }
}

/// What the simulated platform knows, in words: "120 agents (20 of them in the roster), 6 queues
/// and 32 open conversations".
fn floor_words(config: &SimulatorConfig, roster: &Roster) -> String {
    let agents = config.agents.len();
    let in_roster = roster.count(TargetKind::Agent);
    let roster_part = if in_roster == agents {
        String::from("all in the roster")
    } else {
        format!("{in_roster} of them in the roster")
    };
    format!(
        "{agents} agents ({roster_part}), {} queues and {} open conversations, more arriving",
        config.queues.len(),
        config.conversations.open
    )
}

/// A team's try-out: its Redis, and where its relay listens, if it has one.
struct TeamFiles<'a> {
    redis_url: &'a url::Url,
    relay: Option<SocketAddr>,
}

impl TeamFiles<'_> {
    /// Through a relay, the three of [`TEAM`]; without, the first two.
    fn supervisors(&self) -> &'static [(&'static str, &'static str)] {
        if self.relay.is_some() {
            &TEAM
        } else {
            &TEAM[..2]
        }
    }
}

/// A temporary folder with `config.toml` (readable by this user only, as it holds the secret)
/// and `roster.toml` for the running simulator.
/// With a team's Redis, one config for each supervisor of [`TEAM`] instead, with `[team]`; with
/// a relay too, `relay.toml` for it, and the consoles' callbacks through it.
fn write_files(
    simulator: &Simulator,
    secret: &str,
    rate_limit: u32,
    roster: &Roster,
    team: Option<&TeamFiles>,
) -> std::io::Result<tempfile::TempDir> {
    let folder = tempfile::Builder::new()
        .prefix("handoff-simulate-")
        .tempdir()?;
    let callback = match team.and_then(|team| team.relay) {
        None => format!("url = \"{}\"", simulator.callback_sink_url()),
        Some(relay) => format!("url = \"http://{relay}/kore\"\nvia = \"team\""),
    };
    let config = format!(
        "[platform]\nhost = \"{base}\"\nstream_id = \"{stream}\"\norg_id = \"{org}\"\naccount_id = \"{account}\"\nrate_limit_per_minute = {rate_limit}\n\n\
         [auth]\nclient_id = \"{client}\"\nclient_secret = \"{secret}\"\n\n\
         [callback]\n{callback}\n\n\
         [roster]\nfile = \"roster.toml\"\n",
        base = simulator.base_url(),
        stream = demo::STREAM_ID,
        org = demo::ORG_ID,
        account = demo::ACCOUNT_ID,
        client = demo::CLIENT_ID,
    );
    match team {
        None => write_private(&folder.path().join("config.toml"), &config)?,
        Some(files) => {
            let redis_url = files.redis_url;
            for (name, file) in files.supervisors() {
                let with_team =
                    format!("{config}\n[team]\nredis_url = \"{redis_url}\"\nname = \"{name}\"\n");
                write_private(&folder.path().join(format!("{file}.toml")), &with_team)?;
            }
            if let Some(relay) = files.relay {
                // The relay's own: the account and the team's Redis, no [auth].
                let relay_config = format!(
                    "[platform]\naccount_id = \"{}\"\n\n[team]\nredis_url = \"{redis_url}\"\n\n[relay]\nlisten = \"{relay}\"\n",
                    demo::ACCOUNT_ID
                );
                write_private(&folder.path().join("relay.toml"), &relay_config)?;
            }
        }
    }
    std::fs::write(folder.path().join("roster.toml"), roster.to_toml())?;
    Ok(folder)
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}
