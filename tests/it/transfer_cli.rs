//! `handoff transfer` from a script: the real binary against the simulator over real HTTP.

use crate::support::{
    self, Workspace, demo_workspace, path_str, simulator_config, start_simulator, workspace_with,
};
use handoff::demo;
use handoff::ids::TargetKind;
use serde_json::{Value, json};

const SESSION: &str = "6538f8a3c9cf425ee5cf0a1b";

fn demo_id(kind: TargetKind, name: &str) -> String {
    demo::roster()
        .targets()
        .iter()
        .find(|t| t.kind == kind && t.name == name)
        .unwrap()
        .id
        .clone()
}

#[tokio::test]
async fn an_agent_by_name_is_transferred_with_the_documented_request() {
    let (simulator, ws) = demo_workspace().await;

    let run = ws
        .run(&[
            "transfer",
            "--session",
            SESSION,
            "--agent",
            "dana WHITFIELD",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.starts_with("✓ accepted"), "{}", run.stdout);
    assert!(
        run.stdout.contains("agent Dana Whitfield"),
        "{}",
        run.stdout
    );
    run.assert_no_token_of(&simulator);

    let requests = simulator.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        request.path,
        format!(
            "/agentassist/api/v1/public/{}/assign-conversation",
            demo::STREAM_ID
        )
    );
    assert_eq!(request.headers["accountid"], demo::ACCOUNT_ID);
    assert_eq!(request.headers["content-type"], "application/json");
    assert!(!request.headers["auth"].starts_with("Bearer"));
    let body: Value = serde_json::from_str(&request.body).unwrap();
    let transfer = ws.audit_lines()[0]["transfer"].as_str().unwrap().to_owned();
    assert_eq!(
        body,
        json!({
            "callbackUrl": ws.callback_url_sent(&simulator, &transfer),
            "orgId": demo::ORG_ID,
            "aId": demo_id(TargetKind::Agent, "Dana Whitfield"),
            "botSessionId": SESSION,
        })
    );
}

#[tokio::test]
async fn a_queue_by_id_with_json_output_and_its_audit_lines() {
    let (simulator, ws) = demo_workspace().await;
    let queue = demo_id(TargetKind::Queue, "Billing");

    let run = ws
        .run(&[
            "transfer",
            "--session",
            SESSION,
            "--queue",
            &queue,
            "--json",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    let out = run.json();
    assert_eq!(out["outcome"], "transferred");
    assert_eq!(out["exit_code"], 0);
    assert_eq!(
        out["target"],
        json!({"kind": "queue", "id": queue, "name": "Billing"})
    );
    assert!(out["request_completed_at"].as_i64().unwrap() > 1_600_000_000_000);

    let body: Value = serde_json::from_str(&simulator.requests()[0].body).unwrap();
    assert_eq!(
        body,
        json!({
            "callbackUrl": ws.callback_url_sent(&simulator, out["transfer_id"].as_str().unwrap()),
            "orgId": demo::ORG_ID,
            "transferredType": "QUEUE",
            "queueId": queue,
            "botSessionId": SESSION,
        })
    );

    let audit = ws.audit_lines();
    let events: Vec<&str> = audit.iter().map(|l| l["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["intent", "sending", "outcome"]);
    assert_eq!(audit[2]["outcome"], "transferred");
    assert_eq!(audit[0]["transfer"], audit[2]["transfer"]);
    assert_eq!(audit[0]["transfer"], out["transfer_id"]);
    assert_eq!(audit[0]["session"], SESSION);
    assert_eq!(audit[0]["target_id"], queue);
}

/// The fault matrix: every way the platform, or something in front of it, can answer. "Failed"
/// (exit 1) only where the answer proves nothing was transferred; everything else is "unknown"
/// (exit 3). The reason in words fits the cause, the platform's words are shown safely, and no
/// secret it echoes is kept or shown.
#[tokio::test]
async fn every_kind_of_answer_gets_its_honest_exit_code_state_and_reason() {
    let (simulator, ws) = demo_workspace().await;
    struct Case {
        session: &'static str,
        code: i32,
        state: &'static str,
        reason: &'static str,
        says: &'static str,
    }
    let cases = [
        Case {
            session: "dead00000000000000000001",
            code: 1,
            state: "failed",
            reason: "session already ended",
            says: "HTTP 404: Conversation not found or already closed",
        },
        Case {
            session: "500000000000000000000002",
            code: 3,
            state: "unknown",
            reason: "platform error",
            says: "HTTP 500: 500 Internal Server Error (an HTML page",
        },
        Case {
            session: "502000000000000000000003",
            code: 3,
            state: "unknown",
            reason: "platform error",
            says: "HTTP 502: Bad Gateway (empty reply)",
        },
        Case {
            session: "503000000000000000000004",
            code: 3,
            state: "unknown",
            reason: "platform unavailable",
            says: "HTTP 503: Service temporarily unavailable",
        },
        Case {
            session: "504000000000000000000005",
            code: 3,
            state: "unknown",
            reason: "gateway timed out",
            says: "HTTP 504: 504 Gateway Time-out (an HTML page",
        },
        Case {
            session: "d40900000000000000000006",
            code: 3,
            state: "unknown",
            reason: "connection dropped after sending",
            says: "the connection broke after the request was sent",
        },
        Case {
            session: "d1ff00000000000000000007",
            code: 3,
            state: "unknown",
            reason: "unexpected reply",
            says: "accepted a transfer of session 0123456789abcdef01234567, not d1ff00000000000000000007",
        },
        Case {
            session: "d1f700000000000000000008",
            code: 3,
            state: "unknown",
            reason: "unexpected reply",
            says: "accepted a transfer to queue qu-0000000-0000-4000-8000-000000000000, not to agent",
        },
        Case {
            session: "b16b00000000000000000009",
            code: 3,
            state: "unknown",
            reason: "platform error",
            says: "(reply cut at 1024 KiB)",
        },
        Case {
            session: "e5c00000000000000000000a",
            code: 1,
            state: "failed",
            reason: "target unavailable or at capacity",
            says: "Agent \\x1b]0;pwned\\x07\\x1b[2J\\u{202e}unavailable",
        },
        Case {
            session: "ec400000000000000000000b",
            code: 1,
            state: "failed",
            reason: "refused by the platform",
            says: "auth <redacted>; key <redacted>;",
        },
    ];
    for case in &cases {
        let run = ws
            .run(&[
                "transfer",
                "--session",
                case.session,
                "--agent",
                "Grace Liu",
            ])
            .await;
        let session = case.session;
        assert_eq!(run.code, case.code, "{session}: {}", run.all());
        assert!(
            run.stdout
                .contains(&format!(" {}: session {session}", case.state)),
            "{session}: {}",
            run.stdout
        );
        assert!(
            run.stdout.contains(&format!("{}: ", case.reason)),
            "{session}: {}",
            run.stdout
        );
        assert!(run.stdout.contains(case.says), "{session}: {}", run.stdout);
        if case.code == 3 {
            assert!(
                run.stdout
                    .contains("check the conversation before retrying")
            );
        }
        assert_terminal_safe(&run.all());
        // The same session again, knowing it was sent a moment ago.
        let json = ws
            .run(&[
                "transfer",
                "--session",
                session,
                "--agent",
                "Grace Liu",
                "--json",
                "--include-recent",
            ])
            .await;
        let out = json.json();
        assert_eq!(
            (out["exit_code"].as_i64(), out["state"].as_str()),
            (Some(i64::from(case.code)), Some(case.state)),
            "{out}"
        );
        assert_terminal_safe(&json.stdout);
    }
    // The history of all that, read back, is as safe to print.
    for format in [&[][..], &["--csv"][..], &["--json"][..]] {
        let mut args = vec!["log"];
        args.extend_from_slice(format);
        let log = ws.run(&args).await;
        assert_eq!(log.code, 0, "{}", log.all());
        assert_terminal_safe(&log.all());
    }
    let audit_text = std::fs::read_to_string(ws.data_dir().join("transfers.jsonl")).unwrap();
    let token = std::fs::read_to_string(ws.data_dir().join("callback-token")).unwrap();
    assert!(
        !audit_text.contains(token.trim()),
        "the callback token was kept"
    );
    assert!(
        !audit_text.contains(support::SECRET),
        "the client secret was kept"
    );
    for request in simulator.requests() {
        assert!(
            !audit_text.contains(&request.headers["auth"]),
            "a request's token was kept"
        );
    }
    let outcomes: Vec<String> = ws
        .audit_lines()
        .iter()
        .filter(|line| line["event"] == "outcome")
        .map(|line| line["outcome"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<&str> = cases
        .iter()
        .flat_map(|c| {
            let word = if c.code == 1 { "failed" } else { "unknown" };
            [word, word]
        })
        .collect();
    assert_eq!(outcomes, expected);
}

/// Nothing a terminal would act on: no control character but line breaks, no bidi override.
fn assert_terminal_safe(text: &str) {
    let unsafe_char = text
        .chars()
        .find(|&c| (c.is_control() && c != '\n') || ('\u{202a}'..='\u{202e}').contains(&c));
    assert!(
        unsafe_char.is_none(),
        "{unsafe_char:?} reached the output:\n{text}"
    );
}

#[tokio::test]
async fn an_agent_the_platform_does_not_know_is_refused_in_json() {
    let simulator = start_simulator(simulator_config()).await;
    let ws = Workspace::new();
    ws.write_config_for(&simulator, "");
    let run = ws
        .run(&[
            "transfer",
            "--session",
            SESSION,
            "--agent",
            "a-0000000-0000-4000-8000-000000000000",
            "--json",
        ])
        .await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("not in the roster"), "{}", run.stderr);
    let out = run.json();
    assert_eq!(out["outcome"], "failed");
    assert_eq!(out["http_status"], 404);
    assert!(
        out["message"].as_str().unwrap().contains("not found"),
        "{out}"
    );
}

#[tokio::test]
async fn a_timeout_after_sending_is_outcome_unknown() {
    let simulator = start_simulator(simulator_config()).await;
    let ws = Workspace::new();
    ws.write_config_for(&simulator, "request_timeout_secs = 1");
    ws.write_demo_roster();
    let run = ws
        .run(&[
            "transfer",
            "--session",
            "007700000000000000000005",
            "--queue",
            "retention",
            "--json",
        ])
        .await;
    assert_eq!(run.code, 3, "{}", run.all());
    let out = run.json();
    assert_eq!(out["outcome"], "unknown");
    assert!(
        out["message"].as_str().unwrap().contains("no answer"),
        "{out}"
    );
    assert_eq!(ws.audit_lines()[2]["outcome"], "unknown");
}

#[tokio::test]
async fn an_unreachable_platform_is_a_failure_that_sent_nothing() {
    let ws = Workspace::new();
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    ws.write_config(
        &format!("http://127.0.0.1:{port}"),
        "https://hooks.example.com/cb",
        "",
    );
    ws.write_demo_roster();
    let run = ws
        .run(&["transfer", "--session", SESSION, "--agent", "Grace Liu"])
        .await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.contains("could not reach the platform"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn a_wrong_secret_is_refused_without_showing_it() {
    let (simulator, ws) = workspace_with(handoff_simulator::SimulatorConfig {
        client_secret: "the-platform-expects-another-secret".into(),
        ..simulator_config()
    })
    .await;
    let run = ws
        .run(&["transfer", "--session", SESSION, "--agent", "Grace Liu"])
        .await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.contains("HTTP 401"), "{}", run.stdout);
    run.assert_no_token_of(&simulator);
}

#[tokio::test]
async fn over_the_platforms_limit_is_a_rate_limited_failure() {
    let (simulator, ws) = workspace_with(handoff_simulator::SimulatorConfig {
        rate_limit_per_minute: 1,
        ..simulator_config()
    })
    .await;
    let first = ws
        .run(&["transfer", "--session", SESSION, "--agent", "Grace Liu"])
        .await;
    assert_eq!(first.code, 0, "{}", first.all());
    // The same session again, a moment after it moved: said and confirmed.
    let second = ws
        .run(&[
            "transfer",
            "--session",
            SESSION,
            "--agent",
            "Grace Liu",
            "--include-recent",
        ])
        .await;
    assert_eq!(second.code, 1, "{}", second.all());
    assert!(second.stdout.contains("HTTP 429"), "{}", second.stdout);
    assert!(
        second.stdout.contains("per-minute rate limit"),
        "{}",
        second.stdout
    );
    let statuses: Vec<u16> = simulator.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 429]);
}

/// Bad input: exit 2, a message naming what is wrong, and not one request sent.
#[tokio::test]
async fn bad_input_exits_2_and_sends_nothing() {
    let (simulator, ws) = demo_workspace().await;
    let cases: [(&[&str], &str); 5] = [
        (
            &["--session", "6538f8a3", "--agent", "Grace Liu"],
            "--session: a session id is 24 hex characters; this one has 8",
        ),
        (
            &[
                "--session",
                "6538f8a3c9cf425ee5cfxxxx",
                "--agent",
                "Grace Liu",
            ],
            "is not",
        ),
        (
            &["--session", SESSION, "--agent", "Grace"],
            "no agent named \"Grace\" in the roster; did you mean: Grace Liu",
        ),
        (&["--session", SESSION, "--agent", "billing"], "other kind"),
        (
            &["--session", SESSION, "--queue", "qu-bad\u{7}id"],
            "control character",
        ),
    ];
    for (args, expected) in cases {
        let mut all = vec!["transfer"];
        all.extend_from_slice(args);
        let run = ws.run(&all).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.all());
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("nothing was sent"), "{}", run.stderr);
    }
    let json_run = ws
        .run(&["transfer", "--session", "nope", "--agent", "x", "--json"])
        .await;
    assert_eq!(json_run.code, 2);
    assert_eq!(json_run.json()["outcome"], "not_sent");
    assert!(simulator.requests().is_empty());
    assert!(ws.audit_lines().is_empty());
}

#[tokio::test]
async fn an_ambiguous_name_lists_the_candidates() {
    let simulator = start_simulator(simulator_config()).await;
    let ws = Workspace::new();
    ws.write_config_for(&simulator, "");
    ws.write(
        "data/roster.toml",
        "[[agents]]\nid = \"a-1111111-0000-4000-8000-000000000001\"\nname = \"Sam Ortiz\"\n\
         [[agents]]\nid = \"a-1111111-0000-4000-8000-000000000002\"\nname = \"sam ortiz\"\n",
    );
    let run = ws
        .run(&["transfer", "--session", SESSION, "--agent", "Sam Ortiz"])
        .await;
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("matches 2 agents"), "{}", run.stderr);
    assert!(run.stderr.contains("000000000001") && run.stderr.contains("000000000002"));
    assert!(simulator.requests().is_empty());
}

/// Config problems: exit 2, the file and the key named, nothing sent.
#[tokio::test]
async fn config_problems_exit_2_naming_file_and_key() {
    let simulator = start_simulator(simulator_config()).await;
    let ws = Workspace::new();
    ws.write_demo_roster();
    let transfer = ["transfer", "--session", SESSION, "--agent", "Grace Liu"];

    let missing = ws.run(&transfer).await;
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no config file at"),
        "{}",
        missing.stderr
    );

    ws.write_config_for(&simulator, "");
    let good = std::fs::read_to_string(ws.config_path()).unwrap();
    let cases = [
        (good.replace("host =", "hots ="), "unknown field `hots`"),
        (good.replace("org_id", "# org_id"), "missing field `org_id`"),
        (
            good.replace("http://127.0.0.1", "http://example.com"),
            "platform.host: http:// is accepted only for a loopback host",
        ),
        (
            good.replace(
                SECRET_ENV_LINE,
                "client_secret_env = \"HANDOFF_UNSET_VARIABLE_FOR_TEST\"",
            ),
            "HANDOFF_UNSET_VARIABLE_FOR_TEST",
        ),
        (good.replace("[auth]", "[auth]\njwt = \"abc\""), "not both"),
        (
            good.replace("[platform]", "[platform]\nrate_limit_per_minute = \"lots\""),
            "invalid type",
        ),
        ("not toml at all".to_owned(), "line 1"),
    ];
    for (text, expected) in cases {
        ws.write("config.toml", &text);
        let run = ws.run(&transfer).await;
        assert_eq!(run.code, 2, "{expected}: {}", run.all());
        assert!(run.stderr.contains("config.toml"), "{}", run.stderr);
        assert!(run.stderr.contains(expected), "{expected}: {}", run.stderr);
    }
    assert!(simulator.requests().is_empty());
}

/// A `[keys]` that cannot work stops the console, and every other command, before anything
/// starts: exit 2, with the file, the line and the key.
#[tokio::test]
async fn a_bad_key_in_the_config_stops_every_command_naming_file_line_and_key() {
    let (simulator, ws) = demo_workspace().await;
    let good = std::fs::read_to_string(ws.config_path()).unwrap();
    let cases = [
        (
            "[keys]\nre-route = \"Ctlr-x\"\n",
            "re-route",
            "\"Ctlr-x\" is not a key name",
        ),
        (
            "[keys.picker]\nadd = \"F4\"\n",
            "add",
            "\"F4\" would be both \"add\" and \"edit\"",
        ),
        (
            "[keys.picker]\nadd = \"Ctrl-e\"\n",
            "add",
            "\"Ctrl-e\" would do two things in \"Target picker\"",
        ),
        (
            "[keys]\nreroute = \"x\"\n",
            "reroute",
            "\"reroute\" is not an action",
        ),
    ];
    for (keys, setting, expected) in cases {
        let text = format!("{good}\n{keys}");
        let line = text.lines().position(|l| l.starts_with(setting)).unwrap() + 1;
        ws.write("config.toml", &text);
        // No subcommand: the console, which reads its keys before it takes the terminal; and a
        // command that never shows them, which checks them all the same.
        for args in [&[][..], &["conversations"][..]] {
            let run = ws.run(args).await;
            assert_eq!(run.code, 2, "{args:?} {keys}: {}", run.all());
            let config = ws.config_path();
            assert!(run.stderr.contains(path_str(&config)), "{}", run.stderr);
            assert!(
                run.stderr.contains(&format!("line {line}:")),
                "{line}: {}",
                run.stderr
            );
            assert!(run.stderr.contains(expected), "{expected}: {}", run.stderr);
            assert!(run.stdout.is_empty(), "{}", run.stdout);
        }
    }
    assert!(simulator.requests().is_empty());
}

const SECRET_ENV_LINE: &str = "client_secret_env = \"HANDOFF_TEST_CLIENT_SECRET\"";

#[tokio::test]
async fn a_malformed_roster_is_reported_with_its_line_and_left_alone() {
    let simulator = start_simulator(simulator_config()).await;
    let ws = Workspace::new();
    ws.write_config_for(&simulator, "");
    let broken =
        "[[agents]]\nid = \"a-1\"\nname = \"Dana\"\n\n[[agents]]\nid = \"a-1\"\nname = \"Dup\"\n";
    ws.write("data/roster.toml", broken);
    let run = ws
        .run(&["transfer", "--session", SESSION, "--agent", "Dana"])
        .await;
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("roster.toml, line 6"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(ws.data_dir().join("roster.toml")).unwrap(),
        broken
    );
    assert!(simulator.requests().is_empty());
}

/// A platform and a config allowing `limit` calls per 2-second window: the platform's minute,
/// scaled down so tests of the budget take seconds.
async fn budget_of(limit: u32) -> (handoff_simulator::Simulator, support::Workspace) {
    let (simulator, ws) = workspace_with(handoff_simulator::SimulatorConfig {
        rate_limit_per_minute: limit,
        rate_window: std::time::Duration::from_secs(2),
        ..simulator_config()
    })
    .await;
    ws.write_config_for(
        &simulator,
        &format!("rate_limit_per_minute = {limit}\nrate_window_secs = 2"),
    );
    (simulator, ws)
}

/// Many `handoff transfer` runs at once against a platform allowing 5 calls per 2-second window
/// (the platform's minute, scaled down): they share the account's budget through the data
/// folder, so the platform refuses none, and those that must wait say so on stderr.
#[tokio::test]
async fn concurrent_runs_share_the_accounts_budget() {
    const LIMIT: u32 = 5;
    const RUNS: usize = 16;
    let (simulator, ws) = budget_of(LIMIT).await;
    let runner = support::Runner::for_workspace(&ws);
    let runs = futures::future::join_all((0..RUNS).map(|n| {
        let runner = runner.clone();
        let session = format!("6538f8a3c9cf425ee5cf{n:04x}");
        async move {
            runner
                .run(&["transfer", "--session", &session, "--agent", "Grace Liu"])
                .await
        }
    }))
    .await;
    for run in &runs {
        assert_eq!(run.code, 0, "{}", run.all());
    }
    let statuses: Vec<u16> = simulator.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![200; RUNS], "no call was refused");
    // Runs that started after the first ones' window had passed need not wait; on a quiet
    // machine most do, and each that does says so.
    let waited = runs
        .iter()
        .filter(|run| run.stderr.contains("waiting") && run.stderr.contains(" s: the account's"))
        .count();
    assert!(waited > 0, "no run said it waited");
}

/// A crash mid-write leaves a torn last line; a disk error leaves a line that is not UTF-8.
/// Neither hides the transfers after it, and `handoff log` names the damage and goes on.
#[tokio::test]
async fn a_damaged_audit_file_loses_nothing_after_the_damage() {
    use std::io::Write;
    let (_simulator, ws) = demo_workspace().await;
    ws.write(
        "data/transfers.jsonl",
        r#"{"at":"2026-11-25T10:00:00.000Z","transfer":"7d1f5c7e-8a3e-4f7a-9a52-2a0c2f0b6d11","event":"inte"#,
    );
    let first = ws
        .run(&["transfer", "--session", SESSION, "--agent", "Grace Liu"])
        .await;
    assert_eq!(first.code, 0, "{}", first.all());
    std::fs::OpenOptions::new()
        .append(true)
        .open(ws.data_dir().join("transfers.jsonl"))
        .unwrap()
        .write_all(b"\xff\xfe not text\n")
        .unwrap();
    let second = ws
        .run(&[
            "transfer",
            "--session",
            "66c2f6939489bfffc7911a2b",
            "--queue",
            "billing",
        ])
        .await;
    assert_eq!(second.code, 0, "{}", second.all());

    let log = ws.run(&["log", "--since", "1h"]).await;
    assert_eq!(log.code, 0, "{}", log.all());
    assert!(log.stdout.contains(SESSION), "{}", log.stdout);
    assert!(
        log.stdout.contains("66c2f6939489bfffc7911a2b"),
        "{}",
        log.stdout
    );
    assert!(
        log.stderr.contains("skipped lines 1, 5: damaged"),
        "{}",
        log.stderr
    );
    let json = ws.run(&["log", "--json", "--since", "1h"]).await;
    let history: Vec<Value> = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(history.len(), 2);
}

/// A config file that holds the secret itself and that others may read: handoff says so once,
/// naming the file and what to do, and never the secret.
#[tokio::test]
async fn a_secret_others_can_read_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let (_simulator, ws) = demo_workspace().await;
    let config = std::fs::read_to_string(ws.config_path()).unwrap().replace(
        &format!("client_secret_env = \"{}\"", support::SECRET_ENV),
        &format!("client_secret = \"{}\"", support::SECRET),
    );
    ws.write("config.toml", &config);
    std::fs::set_permissions(ws.config_path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = ws
        .run(&["transfer", "--session", SESSION, "--agent", "Grace Liu"])
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        run.stderr
            .matches("others on this machine can read it")
            .count(),
        1,
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("chmod 600"), "{}", run.stderr);
    std::fs::set_permissions(ws.config_path(), std::fs::Permissions::from_mode(0o600)).unwrap();
    let quiet = ws
        .run(&["transfer", "--session", SESSION, "--agent", "Grace Liu"])
        .await;
    assert!(
        !quiet.stderr.contains("others on this machine"),
        "{}",
        quiet.stderr
    );
}

/// How many times each session reached the simulator's assign-conversation endpoint.
fn assigned(simulator: &handoff_simulator::Simulator) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for request in simulator.requests() {
        if request.path.ends_with("/assign-conversation") {
            let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
            let session = body["botSessionId"].as_str().unwrap().to_owned();
            *counts.entry(session).or_default() += 1;
        }
    }
    counts
}

/// A file of sessions: each goes once, the repeat is said, every result is one JSON line, the
/// exit code is the most cautious of them; the same command again sends nothing twice.
#[tokio::test]
async fn many_sessions_go_once_each_and_a_rerun_sends_none_of_them_again() {
    let (simulator, ws) = demo_workspace().await;
    let sessions = [
        "c0ffee00aaaaaaaaaa111111",
        "c0ffee00aaaaaaaaaa222222",
        "dead0000aaaaaaaaaa333333",
        "50300000aaaaaaaaaa444444",
        "c0ffee00aaaaaaaaaa111111",
    ];
    ws.write(
        "sessions.txt",
        &format!(
            "{}\n{}, {}\n\"{}\"  {}\n",
            sessions[0], sessions[1], sessions[2], sessions[3], sessions[4]
        ),
    );
    let file = ws.dir.path().join("sessions.txt");
    let file = file.to_str().unwrap();
    let args = [
        "transfer",
        "--sessions-file",
        file,
        "--queue",
        "Billing",
        "--json",
    ];
    let run = ws.run(&args).await;
    assert_eq!(
        run.code,
        3,
        "one unknown makes the run's exit 3: {}",
        run.all()
    );
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let state_of = |session: &str| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l["session"] == session)
            .map(|l| l["state"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        state_of(sessions[0]),
        ["skipped", "accepted"],
        "{}",
        run.stdout
    );
    assert_eq!(state_of(sessions[1]), ["accepted"]);
    assert_eq!(state_of(sessions[2]), ["failed"]);
    assert_eq!(state_of(sessions[3]), ["unknown"]);
    let once: std::collections::BTreeMap<String, usize> =
        sessions[..4].iter().map(|s| (s.to_string(), 1)).collect();
    assert_eq!(assigned(&simulator), once);
    // The run's intents are written first, together, before any of them goes out.
    let events: Vec<String> = ws
        .audit_lines()
        .iter()
        .map(|line| line["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(events[..4], ["intent"; 4], "{events:?}");
    assert_eq!(events.iter().filter(|e| *e == "intent").count(), 4);
    assert!(
        run.stderr.contains("2 of 4 accepted, 1 failed, 1 unknown"),
        "{}",
        run.stderr
    );

    // The rerun sends none again: two moved, one refused for good (the conversation
    // ended), one whose outcome is unknown (to check first, so the run still exits 3).
    let again = ws.run(&args).await;
    assert_eq!(again.code, 3, "{}", again.all());
    assert_eq!(assigned(&simulator), once, "nothing was sent twice");
    let said = |words: &str| again.stdout.lines().filter(|l| l.contains(words)).count();
    assert_eq!(
        said("already sent by an earlier run of this command"),
        2,
        "{}",
        again.stdout
    );
    assert_eq!(
        said("failed for an earlier run of this command"),
        1,
        "{}",
        again.stdout
    );
    assert_eq!(
        said("outcome unknown; check the conversation first"),
        1,
        "{}",
        again.stdout
    );
}

/// `kill -9` in the middle of a run held back by the budget (5 calls per 2 s, the platform's
/// minute scaled down), then the same command again: every session reaches the platform
/// exactly once.
#[tokio::test]
async fn a_bulk_run_killed_midway_and_rerun_sends_each_session_exactly_once() {
    const LIMIT: u32 = 5;
    let (simulator, ws) = budget_of(LIMIT).await;
    let sessions: Vec<String> = (0..14)
        .map(|n| format!("c0ffee00aaaaaaaaaa{n:06}"))
        .collect();
    ws.write("sessions.txt", &sessions.join("\n"));
    let file = ws.dir.path().join("sessions.txt");
    let args = [
        "transfer",
        "--sessions-file",
        file.to_str().unwrap(),
        "--queue",
        "Billing",
    ];
    let runner = support::Runner::for_workspace(&ws);
    let mut first = runner
        .command(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The first window's calls are out; the rest wait for the budget.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while assigned(&simulator).len() < LIMIT as usize {
        assert!(
            std::time::Instant::now() < deadline,
            "the run never started sending"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    first.start_kill().unwrap();
    first.wait().await.unwrap();
    let before = assigned(&simulator).len();
    assert!(
        before < sessions.len(),
        "killed before it finished: {before}"
    );

    let rerun = runner.run(&args).await;
    assert!(rerun.code == 0 || rerun.code == 3, "{}", rerun.all());
    let counts = assigned(&simulator);
    assert_eq!(
        counts.len(),
        sessions.len(),
        "every session went out: {counts:?}"
    );
    assert!(counts.values().all(|&n| n == 1), "none twice: {counts:?}");
    // Each is skipped in words: accepted, or sent with no answer before the kill.
    let skipped = rerun
        .stderr
        .matches("by an earlier run of this command")
        .count();
    assert_eq!(skipped, before, "{}", rerun.stderr);
    let statuses: Vec<u16> = simulator
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/assign-conversation"))
        .map(|r| r.status)
        .collect();
    assert!(
        statuses.iter().all(|&s| s == 200),
        "never refused for the rate: {statuses:?}"
    );
}

#[tokio::test]
async fn a_bad_sessions_file_exits_2_naming_each_bad_word_and_sends_nothing() {
    let (simulator, ws) = demo_workspace().await;
    ws.write(
        "sessions.txt",
        "c0ffee00aaaaaaaaaa111111\nc0ffee00aaaaaaaaaa22222\nnot-an-id\n",
    );
    let file = ws.dir.path().join("sessions.txt");
    let file = file.to_str().unwrap();
    let run = ws
        .run(&["transfer", "--sessions-file", file, "--queue", "Billing"])
        .await;
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("2 word(s) are not session ids"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("line 2: \"c0ffee00aaaaaaaaaa22222\": a session id is 24 hex characters; this one has 23"), "{}", run.stderr);
    assert!(
        run.stderr.contains("line 3: \"not-an-id\""),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nothing was sent"));

    ws.write("empty.txt", "\n \n");
    let empty = ws.dir.path().join("empty.txt");
    let run = ws
        .run(&[
            "transfer",
            "--sessions-file",
            empty.to_str().unwrap(),
            "--queue",
            "Billing",
        ])
        .await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no session ids in it"),
        "{}",
        run.stderr
    );

    let run = ws
        .run(&[
            "transfer",
            "--sessions-file",
            "/nonexistent/sessions.txt",
            "--queue",
            "Billing",
        ])
        .await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("--sessions-file /nonexistent/sessions.txt: cannot read it"),
        "{}",
        run.stderr
    );

    let run = ws
        .run(&[
            "transfer",
            "--sessions-file",
            file,
            "--agents",
            "Dana Whitfield,Billing",
        ])
        .await;
    assert_eq!(run.code, 2, "a queue is not an agent: {}", run.all());
    assert!(assigned(&simulator).is_empty());
}

/// Spread over agents: each conversation to the one with the most free chats; none beyond
/// capacity unless asked.
#[tokio::test]
async fn a_spread_follows_free_chat_capacity_and_never_goes_beyond_unasked() {
    use handoff_simulator::{Presence, agent_presence};
    // Presence holds still for a day, so the test reads the same floor the run sees.
    let config = handoff_simulator::SimulatorConfig {
        state_period: std::time::Duration::from_secs(86_400),
        ..simulator_config()
    };
    let (_simulator, ws) = workspace_with(config.clone()).await;
    let roster = handoff::demo::roster();
    let agents: Vec<&str> = roster
        .targets()
        .iter()
        .filter(|t| t.kind == TargetKind::Agent)
        .map(|t| t.name.as_str())
        .collect();
    let free = |name: &str| -> u64 {
        let id = demo_id(TargetKind::Agent, name);
        match agent_presence(&config, &id, std::time::SystemTime::now()) {
            Some((Presence::Available, used, total)) => u64::from(total - used),
            _ => 0,
        }
    };
    let room: u64 = agents.iter().map(|name| free(name)).sum();
    assert!(room > 0, "the demo floor has someone free among {agents:?}");
    let sessions: Vec<String> = (0..room + 2)
        .map(|n| format!("c0ffee00aaaaaaaaaa{n:06}"))
        .collect();
    ws.write("sessions.txt", &sessions.join("\n"));
    let file = ws.dir.path().join("sessions.txt");
    let file = file.to_str().unwrap();
    let spread = [
        "transfer",
        "--sessions-file",
        file,
        "--agents",
        &agents.join(","),
        "--json",
    ];
    let run = ws.run(&spread).await;
    assert_eq!(
        run.code,
        1,
        "two left waiting, for the supervisor to see to: {}",
        run.all()
    );
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for &name in &agents {
        let sent = lines.iter().filter(|l| l["target"]["name"] == name).count() as u64;
        assert_eq!(
            sent,
            free(name),
            "{name} gets what it has room for: {}",
            run.stdout
        );
    }
    let skipped = lines.iter().filter(|l| l["state"] == "skipped").count();
    assert_eq!(skipped, 2, "{}", run.stdout);
    assert!(
        run.stderr
            .contains(&format!("have {room} chats free between them")),
        "{}",
        run.stderr
    );
}

/// `HANDOFF_LOG=debug` writes the run's platform calls and budget waits to `handoff.log` in the
/// data folder, with no secret in it and nothing of it on the terminal.
#[tokio::test]
async fn diagnostics_go_to_a_file_without_secrets() {
    let (simulator, ws) = budget_of(2).await;
    let sessions: String = (0..3)
        .map(|n| format!("6538f8a3c9cf425ee5cf{n:04x}\n"))
        .collect();
    ws.write("data/sessions.txt", &sessions);
    let file = ws.data_dir().join("sessions.txt");
    let args = [
        "transfer",
        "--sessions-file",
        path_str(&file),
        "--queue",
        "Billing",
    ];
    let output = support::Runner::for_workspace(&ws)
        .command(&args)
        .env(handoff::diagnostics::LOG_ENV, "debug")
        .output()
        .await
        .unwrap();
    let run = support::Run::from(output);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!run.all().contains("DEBUG"), "{}", run.all());
    let log = std::fs::read_to_string(ws.data_dir().join("handoff.log")).unwrap();
    let assign = format!(
        "POST /agentassist/api/v1/public/{}/assign-conversation: HTTP 200 in",
        demo::STREAM_ID
    );
    assert_eq!(log.matches(&assign).count(), 3, "{log}");
    assert!(log.contains("Bulk call waits"), "{log}");
    let callback_token = std::fs::read_to_string(ws.data_dir().join("callback-token")).unwrap();
    assert!(!log.contains(callback_token.trim()), "{log}");
    assert!(!log.contains(support::SECRET), "{log}");
    for request in simulator.requests() {
        assert!(
            !log.contains(&request.headers["auth"]),
            "a token leaked: {log}"
        );
    }

    let output = support::Runner::for_workspace(&ws)
        .command(&["log"])
        .env(handoff::diagnostics::LOG_ENV, "loud")
        .output()
        .await
        .unwrap();
    let run = support::Run::from(output);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("HANDOFF_LOG=\"loud\" is not a level"),
        "{}",
        run.stderr
    );
}

/// `handoff transfer` of a session it moved a moment ago asks first, as the console does: exit 2
/// naming when and where, nothing sent, no platform call made to find out; `--include-recent`
/// sends it.
#[tokio::test]
async fn a_session_moved_a_moment_ago_is_asked_about_and_sent_on_include_recent() {
    let (simulator, ws) = demo_workspace().await;
    let args = ["transfer", "--session", SESSION, "--agent", "Grace Liu"];
    assert_eq!(ws.run(&args).await.code, 0);
    let calls = simulator.requests().len();
    let again = ws.run(&args).await;
    assert_eq!(again.code, 2, "{}", again.all());
    assert!(
        again
            .stderr
            .contains("was sent less than a minute ago to agent Grace Liu")
            && again.stderr.contains("run again with --include-recent")
            && again.stderr.contains("nothing was sent"),
        "{}",
        again.stderr
    );
    assert_eq!(simulator.requests().len(), calls, "no call at all");
    let confirmed = ws.run(&[&args[..], &["--include-recent"]].concat()).await;
    assert_eq!(confirmed.code, 0, "{}", confirmed.all());
}

/// With the demo platform's own shares of random failures (not the tests' quiet settings), the
/// longest-waiting conversations of its floor go to an available agent and are confirmed: a
/// new user's first transfers show the product, not bad luck.
#[tokio::test]
async fn the_demo_floors_first_conversations_transfer_and_are_confirmed() {
    use handoff_simulator::{Presence, agent_presence};
    let config = handoff_simulator::SimulatorConfig {
        // Presence holds still, so the agent picked is available when the transfers go.
        state_period: std::time::Duration::from_secs(86_400),
        callback_delay: std::time::Duration::from_millis(20),
        callback_failure_percent: demo::CALLBACK_FAILURE_PERCENT,
        callback_silence_percent: demo::CALLBACK_SILENCE_PERCENT,
        random_faults_after: demo::RANDOM_FAULTS_AFTER,
        ..simulator_config()
    };
    let (simulator, ws) = workspace_with(config.clone()).await;
    let listed = ws.run(&["conversations", "--json"]).await;
    assert_eq!(listed.code, 0, "{}", listed.all());
    let sessions: Vec<String> = listed
        .stdout
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("one JSON object a line"))
        .filter_map(|c| c["session"].as_str().map(str::to_owned))
        .take(5)
        .collect();
    assert_eq!(sessions.len(), 5, "{}", listed.stdout);
    let roster = demo::roster();
    let available = roster
        .targets()
        .iter()
        .filter(|t| t.kind == TargetKind::Agent)
        .find(|t| {
            matches!(
                agent_presence(&config, &t.id, std::time::SystemTime::now()),
                Some((Presence::Available, used, total)) if used < total
            )
        })
        .expect("someone in the demo roster is free");
    for session in &sessions {
        let run = ws
            .run(&["transfer", "--session", session, "--agent", &available.name])
            .await;
        assert_eq!(run.code, 0, "{session}: {}", run.all());
    }
    assert!(
        simulator
            .wait_for_callbacks(sessions.len(), std::time::Duration::from_secs(10))
            .await,
        "every transfer is called back: {:?}",
        simulator.received_callbacks()
    );
    for callback in simulator.received_callbacks() {
        assert_eq!(callback["status"], "success", "{callback}");
        assert_eq!(callback["agentId"], available.id.as_str(), "{callback}");
    }
}

/// Under `--demo`, a command with nothing to show (no history, a throwaway roster, no path for
/// callbacks, no team) exits 2 saying why, and prints nothing on stdout.
#[tokio::test]
async fn demo_commands_with_nothing_to_show_exit_2_saying_why() {
    let ws = Workspace::new();
    let cases: [(&[&str], &str); 9] = [
        (&["log"], "keeps no history"),
        (&["log", "--csv"], "keeps no history"),
        (&["log", "--json"], "keeps no history"),
        (&["log", "--team"], "with --redis"),
        (&["roster", "list"], "throwaway roster"),
        (&["roster", "export"], "throwaway roster"),
        (&["roster", "sync"], "a sync into it keeps nothing"),
        (&["callbacks", "check"], "no path to check"),
        (&["relay"], "no team to relay for"),
    ];
    for (command, why) in cases {
        let args: Vec<&str> = std::iter::once("--demo")
            .chain(command.iter().copied())
            .collect();
        let run = ws.run(&args).await;
        assert_eq!(run.code, 2, "{command:?}: {}", run.all());
        assert!(run.stdout.is_empty(), "{command:?}: {}", run.stdout);
        assert!(run.stderr.contains(why), "{command:?}: {}", run.stderr);
    }
}
