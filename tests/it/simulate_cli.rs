//! `handoff simulate`: the simulator as a server, with a config for it that a second `handoff`
//! uses over real HTTP.

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_handoff");

#[tokio::test]
async fn a_second_handoff_transfers_through_the_served_simulator() {
    let mut server = Command::new(BIN)
        .args(["simulate", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let command_line = loop {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("the simulator prints how to use it");
        if line.trim_start().starts_with("handoff --config") && !line.contains("transfer") {
            break line;
        }
    };
    let words: Vec<&str> = command_line.split_whitespace().collect();
    let (config, data) = (words[2], words[4]);
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

    // Ctrl-c stops it cleanly and takes its files with it.
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &server.id().unwrap().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    assert_eq!(server.wait().await.unwrap().code(), Some(0));
    assert!(!std::path::Path::new(config).exists());
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
