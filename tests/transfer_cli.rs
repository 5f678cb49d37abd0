//! `handoff transfer` from a script: the real binary against the simulator over real HTTP.

mod common;

use common::{Workspace, demo_workspace, simulator_config, start_simulator, workspace_with};
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
    assert!(run.stdout.starts_with("transferred"), "{}", run.stdout);
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
    assert_eq!(
        body,
        json!({
            "callbackUrl": ws.callback_url_sent(&simulator),
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
            "callbackUrl": ws.callback_url_sent(&simulator),
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

/// Each way the platform can refuse: exit 1, the HTTP status and the platform's own words.
#[tokio::test]
async fn refusals_exit_1_with_the_status_and_the_platforms_message() {
    let (_simulator, ws) = demo_workspace().await;
    let cases = [
        (
            "dead00000000000000000001",
            "HTTP 404: Conversation not found or already closed",
        ),
        (
            "500000000000000000000002",
            "HTTP 500: 500 Internal Server Error (an HTML page",
        ),
        (
            "502000000000000000000003",
            "HTTP 502: Bad Gateway (empty reply)",
        ),
        (
            "503000000000000000000004",
            "HTTP 503: Service temporarily unavailable",
        ),
    ];
    for (session, expected) in cases {
        let run = ws
            .run(&["transfer", "--session", session, "--agent", "Grace Liu"])
            .await;
        assert_eq!(run.code, 1, "{session}: {}", run.all());
        assert!(run.stdout.contains(expected), "{session}: {}", run.stdout);
    }
    let audit = ws.audit_lines();
    assert_eq!(audit.len(), 3 * cases.len());
    assert!(
        audit
            .iter()
            .skip(2)
            .step_by(3)
            .all(|line| line["outcome"] == "failed")
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
    let (simulator, ws) = workspace_with(handoff::simulator::SimulatorConfig {
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
    let (simulator, ws) = workspace_with(handoff::simulator::SimulatorConfig {
        rate_limit_per_minute: 1,
        ..simulator_config()
    })
    .await;
    let first = ws
        .run(&["transfer", "--session", SESSION, "--agent", "Grace Liu"])
        .await;
    assert_eq!(first.code, 0, "{}", first.all());
    let second = ws
        .run(&["transfer", "--session", SESSION, "--agent", "Grace Liu"])
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
