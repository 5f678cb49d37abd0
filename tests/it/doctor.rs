//! `handoff doctor`, the real binary against the simulator: every configured check passes and
//! it exits 0; a refused secret, a missing config, a skewed clock, a Redis that is away or
//! refuses its password, and a data folder that cannot be one each fail on their own line,
//! saying what to do, with no secret shown.

use handoff_simulator::SimulatorConfig;

use crate::redis_server::RedisServer;
use crate::support::{
    Run, Runner, SECRET, Workspace, demo_workspace, free_port, simulator_config, workspace_with,
};

/// The line of `check`, which must be there once.
fn line<'a>(run: &'a Run, check: &str) -> &'a str {
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| {
            line.split_once(' ')
                .is_some_and(|(_, rest)| rest.starts_with(&format!("{check}:")))
        })
        .collect();
    assert_eq!(lines.len(), 1, "one line for {check}:\n{}", run.all());
    lines[0]
}

fn adds_to_config(ws: &Workspace, section: &str, lines: &str) {
    let config = std::fs::read_to_string(ws.config_path()).unwrap();
    let config = if config.contains(&format!("[{section}]\n")) {
        config.replace(&format!("[{section}]\n"), &format!("[{section}]\n{lines}"))
    } else {
        format!("{config}\n[{section}]\n{lines}")
    };
    ws.write("config.toml", &config);
}

#[tokio::test]
async fn a_working_setup_passes_every_configured_check() {
    let (simulator, ws) = demo_workspace().await;
    let port = free_port();
    let config = std::fs::read_to_string(ws.config_path()).unwrap();
    ws.write(
        "config.toml",
        &config.replace(
            &format!("url = \"{}\"", simulator.callback_sink_url()),
            &format!("url = \"http://127.0.0.1:{port}/kore\"\nlisten = \"127.0.0.1:{port}\""),
        ),
    );
    let run = ws.run(&["doctor"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    let order: Vec<&str> = run
        .stdout
        .lines()
        .map(|line| line.split(':').next().unwrap_or_default())
        .collect();
    assert_eq!(
        order,
        [
            "✓ config",
            "✓ credentials",
            "✓ clock",
            "✓ scope for the conversation list",
            "✓ scope for queue performance",
            "– scope for transfers",
            "✓ callbacks",
            "– redis",
            "✓ data folder",
        ],
        "{}",
        run.all()
    );
    assert!(line(&run, "credentials").contains("HANDOFF_TEST_CLIENT_SECRET"));
    assert!(line(&run, "scope for transfers").contains("unchecked"));
    assert!(line(&run, "callbacks").contains("callbacks reach this console"));
    assert!(line(&run, "redis").contains("no [team]"));
    // One call each for the credentials and the two scopes, nothing else.
    assert_eq!(simulator.requests().len(), 3);
    run.assert_no_token_of(&simulator);
}

#[tokio::test]
async fn the_demo_shows_it_working_and_json_says_the_same() {
    let runner = Runner::for_workspace(&Workspace::new());
    let run = runner.run(&["doctor", "--demo", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 9, "{}", run.stdout);
    assert_eq!(lines[0]["check"], "config");
    assert_eq!(lines[1]["result"], "ok", "{}", run.stdout);
    assert!(
        lines
            .iter()
            .all(|line| matches!(line["result"].as_str(), Some("ok" | "skipped"))),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn a_wrong_secret_fails_the_credentials_naming_where_it_comes_from() {
    let (simulator, ws) = workspace_with(SimulatorConfig {
        client_secret: "the platform knows another secret".into(),
        ..simulator_config()
    })
    .await;
    let run = ws.run(&["doctor"]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    let credentials = line(&run, "credentials");
    assert!(
        credentials.starts_with("✗ credentials: ")
            && credentials.contains("HTTP 401")
            && credentials.contains("the environment variable HANDOFF_TEST_CLIENT_SECRET"),
        "{credentials}"
    );
    assert!(line(&run, "scope for the conversation list").starts_with("– "));
    assert!(!run.all().contains(SECRET));
    run.assert_no_token_of(&simulator);
}

#[tokio::test]
async fn a_missing_config_says_where_it_looked() {
    let ws = Workspace::new();
    let run = ws.run(&["doctor"]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    let first = run.stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("✗ config: no config file at ")
            && first.contains(&ws.config_path().display().to_string())
            && first.contains("handoff config init"),
        "{first}"
    );
    assert!(line(&run, "credentials").starts_with("– "));
}

#[tokio::test]
async fn a_clock_off_by_a_minute_is_a_warning_and_ten_minutes_a_failure() {
    let (_simulator, ws) = workspace_with(SimulatorConfig {
        clock_skew_secs: 60,
        ..simulator_config()
    })
    .await;
    let run = ws.run(&["doctor"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    let clock = line(&run, "clock");
    assert!(
        clock.starts_with("! clock: ") && clock.contains("behind the platform's"),
        "{clock}"
    );

    // Ten minutes ahead, the platform finds every token signed here expired.
    let (_simulator, ws) = workspace_with(SimulatorConfig {
        clock_skew_secs: 600,
        ..simulator_config()
    })
    .await;
    let run = ws.run(&["doctor"]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    let clock = line(&run, "clock");
    assert!(
        clock.starts_with("✗ clock: ") && clock.contains("behind the platform's"),
        "{clock}"
    );
    let credentials = line(&run, "credentials");
    assert!(
        credentials.contains("HTTP 401") && credentials.contains("clock is off"),
        "{credentials}"
    );
}

#[tokio::test]
async fn redis_is_checked_when_the_team_is_set() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (_simulator, ws) = demo_workspace().await;
    adds_to_config(
        &ws,
        "team",
        &format!("redis_url = \"{}\"\nname = \"Dana\"\n", redis.url()),
    );
    let run = ws.run(&["doctor"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        line(&run, "redis").starts_with("✓ redis: the team's Redis at "),
        "{}",
        run.all()
    );

    // Nothing listens where the URL leads.
    let (_simulator, ws) = demo_workspace().await;
    let closed = free_port();
    adds_to_config(
        &ws,
        "team",
        &format!("redis_url = \"redis://127.0.0.1:{closed}\"\nname = \"Dana\"\n"),
    );
    let run = ws.run(&["doctor"]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    let words = line(&run, "redis");
    assert!(
        words.starts_with("✗ redis: ") && words.contains("unreachable"),
        "{words}"
    );
}

#[tokio::test]
async fn a_refused_redis_password_names_its_variable() {
    let Some(redis) = RedisServer::start_with(&["--requirepass", "the-team-password"]) else {
        return;
    };
    let (_simulator, ws) = demo_workspace().await;
    adds_to_config(
        &ws,
        "team",
        &format!(
            "redis_url = \"{}\"\nname = \"Dana\"\npassword_env = \"HANDOFF_TEST_REDIS_PASSWORD\"\n",
            redis.url()
        ),
    );
    let output = Runner::for_workspace(&ws)
        .command(&["doctor"])
        .env("HANDOFF_TEST_REDIS_PASSWORD", "not-the-password")
        .output()
        .await
        .unwrap();
    let run = Run::from(output);
    assert_eq!(run.code, 1, "{}", run.all());
    let words = line(&run, "redis");
    assert!(
        words.contains("password was refused") && words.contains("HANDOFF_TEST_REDIS_PASSWORD"),
        "{words}"
    );
    assert!(!run.all().contains("not-the-password"), "{}", run.all());
}

#[tokio::test]
async fn a_file_where_the_data_folder_should_be_fails_it() {
    let (_simulator, ws) = demo_workspace().await;
    std::fs::remove_dir_all(ws.data_dir()).unwrap();
    ws.write("data", "not a folder");
    let run = ws.run(&["doctor"]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    let words = line(&run, "data folder");
    assert!(
        words.starts_with("✗ data folder: ") && words.contains("is a file, not a folder"),
        "{words}"
    );
    assert!(
        run.stdout
            .lines()
            .last()
            .unwrap_or_default()
            .contains("data folder")
    );
}
