//! `handoff simulate`: the simulator as a server, with a config for it that a second `handoff`
//! uses over real HTTP.

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_handoff");

/// `handoff simulate` served with `global` arguments before the command, and the first `count`
/// `handoff --config CONFIG --data-dir DATA` lines it prints (its example commands with more
/// words are skipped), as `(CONFIG, DATA)`.
async fn serve(global: &[&str], count: usize) -> (Child, Vec<(String, String)>) {
    let mut server = Command::new(BIN)
        .args(global)
        .args(["simulate", "--listen", "127.0.0.1:0"])
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
    (server, consoles)
}

/// Ctrl-c stops the server cleanly, and it takes the config at `config` with it.
async fn interrupt(mut server: Child, config: &str) {
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &server.id().unwrap().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    assert_eq!(server.wait().await.unwrap().code(), Some(0));
    assert!(!std::path::Path::new(config).exists());
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
