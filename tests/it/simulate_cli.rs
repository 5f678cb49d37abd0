//! `handoff simulate`: the simulator as a server, with a config for it that a second `handoff`
//! uses over real HTTP.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

const BIN: &str = env!("CARGO_BIN_EXE_handoff");
/// How long the report may take to say what was spent before the test gives up: far more than
/// its lines a second need.
const REPORTED: Duration = Duration::from_secs(60);

/// `handoff simulate` served with `global` arguments before the command, and the first `count`
/// `handoff --config CONFIG --data-dir DATA` lines it prints (its example commands with more
/// words are skipped), as `(CONFIG, DATA)`.
async fn serve(global: &[&str], count: usize) -> (Child, Vec<(String, String)>) {
    let (server, consoles, _) = serve_with(global, &[], count).await;
    (server, consoles)
}

/// [`serve`] with `args` after `simulate`, and the rest of what it prints, to read on.
async fn serve_with(
    global: &[&str],
    args: &[&str],
    count: usize,
) -> (Child, Vec<(String, String)>, Lines<BufReader<ChildStdout>>) {
    let mut server = Command::new(BIN)
        .args(global)
        .args(["simulate", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let mut consoles = Vec::new();
    while consoles.len() < count {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("the simulator prints how to use it");
        let words: Vec<&str> = line.split_whitespace().collect();
        if let ["handoff", "--config", config, "--data-dir", data] = words[..] {
            consoles.push((config.to_owned(), data.to_owned()));
        }
    }
    (server, consoles, lines)
}

/// Ctrl-c stops the server cleanly, and it takes the config at `config` with it.
async fn interrupt(server: Child, config: &str) {
    stop_with("INT", server, config).await;
}

/// `signal` stops the server cleanly (exit 0), and it takes the config at `config`, which holds
/// its secret, with it.
async fn stop_with(signal: &str, mut server: Child, config: &str) {
    let sent = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &server.id().unwrap().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    assert_eq!(
        server.wait().await.unwrap().code(),
        Some(0),
        "after SIG{signal}"
    );
    assert!(
        !std::path::Path::new(config).exists(),
        "SIG{signal} left {config} behind"
    );
}

#[tokio::test]
async fn a_kill_or_a_hang_up_stops_the_simulator_as_ctrl_c_does() {
    for signal in ["TERM", "HUP"] {
        let (server, consoles) = serve(&[], 1).await;
        stop_with(signal, server, &consoles[0].0).await;
    }
}

#[tokio::test]
async fn a_second_handoff_transfers_through_the_served_simulator() {
    let (server, consoles) = serve(&[], 1).await;
    let (config, data) = (consoles[0].0.as_str(), consoles[0].1.as_str());
    let config_text = std::fs::read_to_string(config).unwrap();
    assert!(config_text.contains("client_secret"));

    let run = Command::new(BIN)
        .args(["--config", config, "--data-dir", data])
        .args(["transfer", "--session", "6538f8a3c9cf425ee5cf0a1b"])
        .args(["--queue", "Tech Support", "--json"])
        .env_remove("HANDOFF_CONFIG")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("\"outcome\":\"transferred\""), "{stdout}");
    let secret_line = config_text
        .lines()
        .find(|l| l.starts_with("client_secret"))
        .unwrap();
    let secret = secret_line.split('"').nth(1).unwrap();
    assert!(!stdout.contains(secret));
    interrupt(server, config).await;
}

#[tokio::test]
async fn the_simulator_refuses_to_listen_beyond_loopback() {
    let run = Command::new(BIN)
        .args(["simulate", "--listen", "0.0.0.0:0"])
        .output()
        .await
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("loopback only"));
}

/// `--open`, `--agents` and `--queues` size the floor, and the roster written names every agent
/// and queue the platform lists, so a sync adds nothing. `--report-calls` then says what each
/// command cost the account, by kind.
#[tokio::test]
async fn a_sized_floor_is_all_in_the_roster_and_its_calls_are_reported_by_kind() {
    let sizes = ["--open", "250", "--agents", "30", "--queues", "8"];
    let report = ["--report-calls", "--report-every", "1"];
    let (server, consoles, mut lines) = serve_with(&[], &[&sizes[..], &report].concat(), 1).await;
    let (config, data) = (consoles[0].0.as_str(), consoles[0].1.as_str());
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(["--config", config, "--data-dir", data])
            .args(args)
            .env_remove("HANDOFF_CONFIG")
            .output()
    };

    let listed = run(&["roster", "list", "--json"]).await.unwrap();
    let roster: Vec<Value> = serde_json::from_slice(&listed.stdout).unwrap();
    let kinds = |kind: &str| roster.iter().filter(|t| t["kind"] == kind).count();
    assert_eq!((kinds("agent"), kinds("queue")), (30, 8), "{roster:?}");
    assert!(roster.iter().any(|t| t["name"] == "Priority Care"));
    // One page of the agent list and one of the queues would hold these; the sync reads them all.
    let synced = run(&["roster", "sync"]).await.unwrap();
    let said = String::from_utf8_lossy(&synced.stdout);
    assert!(said.contains("0 added, 0 updated, 0 stale"), "{synced:?}");
    let listed = run(&["conversations", "--json"]).await.unwrap();
    assert_eq!(listed.status.code(), Some(0), "{listed:?}");
    // 250 open, and any that arrived since it started.
    assert!(String::from_utf8_lossy(&listed.stdout).lines().count() >= 250);

    // The sync: two pages of 25 agents and one of queues. The listing: three pages of 100
    // conversations, and the two pages of agents that name who has them.
    let expected = BTreeMap::from([
        ("conversation list pages", 3),
        ("agent list pages", 4),
        ("availability", 0),
        ("queue stats", 0),
        ("queue list pages", 1),
        ("queue performance pages", 0),
        ("assign", 0),
        ("other", 0),
    ]);
    let mut reported: BTreeMap<&str, u64> = expected.keys().map(|kind| (*kind, 0)).collect();
    let mut total = 0;
    let read = async {
        while total < 8 {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("a report every second");
            let Some(counts) = line.split_once(" calls in the last 1s: ") else {
                continue;
            };
            total += leading_number(counts.1);
            for (kind, sum) in &mut reported {
                let after = counts.1.split_once(&format!("{kind} ")).unwrap().1;
                *sum += leading_number(after);
            }
        }
    };
    tokio::time::timeout(REPORTED, read)
        .await
        .expect("the calls are reported");
    assert_eq!((total, reported), (8, expected));
    interrupt(server, config).await;
}

/// The number `text` starts with.
fn leading_number(text: &str) -> u64 {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap()
}

/// Sizes out of bounds are refused in words, naming the flag and what it takes, with the exit
/// code of bad input, as `--rate-limit` is.
#[tokio::test]
async fn sizes_out_of_bounds_are_refused_in_words() {
    for (args, words) in [
        (&["--open", "20001"][..], "20001 is not in 0..=20000"),
        (&["--open", "many"], "invalid value 'many' for '--open <N>'"),
        (&["--agents", "0"], "0 is not in 1..=2000"),
        (&["--queues", "101"], "101 is not in 1..=100"),
        (&["--rate-limit", "0"], "0 is not in 1..=10000"),
        (&["--report-every", "5"], "--report-calls"),
        (
            &["--relay"],
            "--relay relays a team's callbacks through its Redis",
        ),
    ] {
        let run = Command::new(BIN)
            .args(["simulate", "--listen", "127.0.0.1:0"])
            .args(args)
            .output()
            .await
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "{args:?}: {run:?}");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(stderr.contains(words), "{args:?}: {stderr}");
    }
}

/// `handoff --redis URL simulate`: one simulated account for a team of two, each supervisor with
/// a config of their own sharing the Redis; what one moves, the other's team log shows.
#[tokio::test]
async fn a_simulated_account_for_a_team_of_two() {
    let Some(redis) = crate::redis_server::RedisServer::start() else {
        return;
    };
    let (server, consoles) = serve(&["--redis", &redis.url()], 2).await;
    let run = |(config, data): &(String, String), args: &[&str]| {
        Command::new(BIN)
            .args(["--config", config, "--data-dir", data])
            .args(args)
            .env_remove("HANDOFF_CONFIG")
            .output()
    };
    for ((config, _), name) in consoles.iter().zip(["Priya", "Marcus"]) {
        let text = std::fs::read_to_string(config).unwrap();
        assert!(
            text.contains(&format!("[team]\nredis_url = \"{}", redis.url()))
                && text.contains(&format!("name = \"{name}\"")),
            "{text}"
        );
    }
    let moved = run(
        &consoles[0],
        &[
            "transfer",
            "--session",
            "6538f8a3c9cf425ee5cf0a1b",
            "--queue",
            "Billing",
        ],
    )
    .await
    .unwrap();
    assert_eq!(moved.status.code(), Some(0), "{moved:?}");
    let team_log = run(&consoles[1], &["log", "--team"]).await.unwrap();
    let stdout = String::from_utf8_lossy(&team_log.stdout);
    assert!(stdout.contains("Priya: ✓ accepted"), "{team_log:?}");
    interrupt(server, &consoles[0].0).await;
}

#[tokio::test]
async fn redis_on_the_command_line_is_only_for_the_demo_and_the_simulator() {
    let run = Command::new(BIN)
        .args(["--redis", "redis://127.0.0.1:6379", "log"])
        .output()
        .await
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("--redis works with --demo or `simulate`"),
        "{run:?}"
    );
}

/// `handoff --redis URL simulate --relay`: a team of three with no receiver of their own, and a
/// relay config to start first; each supervisor's transfer is confirmed through the relay.
#[tokio::test]
async fn a_simulated_team_of_three_takes_its_callbacks_through_the_relay() {
    let Some(redis) = crate::redis_server::RedisServer::start() else {
        return;
    };
    let (server, consoles, _printed) =
        serve_with(&["--redis", &redis.url()], &["--relay"], 3).await;
    assert_eq!(consoles.len(), 3);
    for (config, _) in &consoles {
        let text = std::fs::read_to_string(config).unwrap();
        assert!(text.contains("via = \"team\""), "{text}");
    }
    let folder = std::path::Path::new(&consoles[0].0).parent().unwrap();
    let relay_config = folder.join("relay.toml");
    let relay_text = std::fs::read_to_string(&relay_config).unwrap();
    assert!(!relay_text.contains("[auth]"), "{relay_text}");
    let mut relay = Command::new(BIN)
        .arg("--config")
        .arg(&relay_config)
        .arg("--data-dir")
        .arg(folder.join("data-relay"))
        .arg("relay")
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut said = BufReader::new(relay.stderr.take().unwrap()).lines();
    let listening = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        while let Some(line) = said.next_line().await.unwrap() {
            if line.contains("taking the account's callbacks") {
                return;
            }
        }
        panic!("the relay stopped");
    });
    listening.await.expect("the relay listens");
    let sessions = [
        "6538f8a3c9cf425ee5cf0a11",
        "6538f8a3c9cf425ee5cf0a12",
        "6538f8a3c9cf425ee5cf0a13",
    ];
    let runs = futures::future::join_all(consoles.iter().zip(sessions).map(
        |((config, data), session)| async move {
            Command::new(BIN)
                .args(["--config", config, "--data-dir", data])
                .args([
                    "transfer",
                    "--session",
                    session,
                    "--queue",
                    "Billing",
                    "--wait",
                    "15",
                ])
                .env_remove("HANDOFF_CONFIG")
                .output()
                .await
                .unwrap()
        },
    ))
    .await;
    for run in runs {
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert_eq!(run.status.code(), Some(0), "{run:?}");
        assert!(stdout.contains("confirmed"), "{stdout}");
    }
    relay.kill().await.unwrap();
    interrupt(server, &consoles[0].0).await;
}
