//! Callbacks over real HTTP: the receiver refuses what it must and hands on the rest; the
//! simulator's callbacks drive `handoff transfer --wait` to its exit codes; the audit file and
//! `handoff log` keep every state change.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use crate::support::{
    self, Run, Runner, Workspace, demo_workspace, free_port, simulator_config, start_simulator,
};
use handoff::account::Account;
use handoff::callback::{CallbackEvent, MAX_BODY_BYTES, Receiver, Verdict};
use handoff::ids::SessionId;
use handoff::secret::Secret;
use handoff::transfer::{TransferId, TransferRequest};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

async fn receiver() -> (Receiver, mpsc::Receiver<CallbackEvent>) {
    let (tx, rx) = mpsc::channel(16);
    let loopback: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let receiver = Receiver::start(loopback, Secret::new(TOKEN), tx)
        .await
        .unwrap();
    (receiver, rx)
}

async fn post(url: String, body: impl Into<reqwest::Body>, content_type: &str) -> StatusCode {
    reqwest::Client::new()
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_real_callback_is_handed_on_with_its_session_and_verdict() {
    let (receiver, mut events) = receiver().await;
    let url = format!("http://{}/kore?handoff_token={TOKEN}", receiver.addr());
    let payload = json!({"data": {"botSessionId": "6538f8a3c9cf425ee5cf0a1b"}, "status": "failure", "message": "Agent rejected the conversation"});
    assert_eq!(
        post(url, payload.to_string(), "application/json").await,
        StatusCode::OK
    );
    let Some(CallbackEvent::Received(handoff::callback::Received {
        session,
        verdict,
        payload: kept,
        transfer,
        relayed,
        ..
    })) = events.recv().await
    else {
        panic!("expected the callback");
    };
    assert_eq!(session.unwrap().as_str(), "6538f8a3c9cf425ee5cf0a1b");
    assert_eq!(transfer, None, "its URL names no transfer");
    assert!(!relayed, "this receiver's own");
    assert_eq!(
        verdict,
        Verdict::Failed {
            message: Some("Agent rejected the conversation".into())
        }
    );
    assert_eq!(kept, payload, "kept verbatim");
    // A payload that echoes the callback URL does not carry the token any further.
    let echo = json!({"botSessionId": "6538f8a3c9cf425ee5cf0a1b", "callbackUrl": format!("https://x/kore?handoff_token={TOKEN}")});
    let url = format!("http://{}/kore?handoff_token={TOKEN}", receiver.addr());
    assert_eq!(
        post(url, echo.to_string(), "application/json").await,
        StatusCode::OK
    );
    let Some(CallbackEvent::Received(handoff::callback::Received { payload, .. })) =
        events.recv().await
    else {
        panic!("expected the callback");
    };
    assert_eq!(
        payload["callbackUrl"],
        "https://x/kore?handoff_token=<token>"
    );
    // The token may also be the last path segment, for proxies that rewrite queries.
    let url = format!("http://{}/kore/{TOKEN}", receiver.addr());
    assert_eq!(post(url, "{}", "application/json").await, StatusCode::OK);
    assert!(matches!(
        events.recv().await,
        Some(CallbackEvent::Received(_))
    ));
    receiver.shutdown().await;
}

/// The transfer a callback's URL names is handed on with it; a name that is not an id names
/// none, and the callback is still taken.
#[tokio::test]
async fn the_transfer_a_callback_url_names_is_handed_on() {
    let (receiver, mut events) = receiver().await;
    let transfer = "7d1f5c7e-8a3e-4f7a-9a52-2a0c2f0b6d11";
    let base = format!("http://{}/kore?handoff_token={TOKEN}", receiver.addr());
    let body = json!({"botSessionId": "6538f8a3c9cf425ee5cf0a1b", "status": "success"});
    for (query, named) in [
        (format!("&handoff_transfer={transfer}"), Some(transfer)),
        ("&handoff_transfer=not-an-id".to_owned(), None),
        ("&handoff_transfer=".to_owned(), None),
    ] {
        assert_eq!(
            post(
                format!("{base}{query}"),
                body.to_string(),
                "application/json"
            )
            .await,
            StatusCode::OK,
            "{query}"
        );
        let Some(CallbackEvent::Received(received)) = events.recv().await else {
            panic!("expected the callback: {query}");
        };
        assert_eq!(
            received.transfer.map(|id| id.to_string()),
            named.map(str::to_owned),
            "{query}"
        );
        assert_eq!(received.payload, body, "{query}");
        assert!(!received.relayed);
    }
    receiver.shutdown().await;
}

/// The engine tells the platform a callback URL naming the transfer, and the simulator posts to
/// it as given, query and all: the receiver learns which transfer the callback is about.
#[tokio::test]
async fn a_transfers_callback_comes_back_naming_it() {
    let simulator = start_simulator(simulator_config()).await;
    let data = tempfile::tempdir().unwrap();
    let token = handoff::callback::load_or_create(data.path()).unwrap();
    let (tx, mut events) = mpsc::channel(16);
    let loopback: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let receiver = Receiver::start(loopback, token, tx).await.unwrap();
    let mut config = support::config_for(&simulator);
    config.callback_url = format!("http://{}/kore", receiver.addr()).parse().unwrap();
    let engine = Account::open(&config, data.path()).unwrap().engine;
    let request = TransferRequest {
        id: TransferId::new(),
        session: SessionId::parse("6538f8a3c9cf425ee5cf0a1b").unwrap(),
        target: handoff::demo::roster()
            .targets()
            .iter()
            .find(|t| t.name == "Grace Liu")
            .unwrap()
            .clone(),
        note: None,
        reroute_of: None,
        bulk: None,
        confirmed_recent: false,
    };
    let (updates, _) = mpsc::channel(8);
    engine.run(&request, &updates).await.unwrap();
    let event = tokio::time::timeout(Duration::from_secs(20), events.recv()).await;
    let Ok(Some(CallbackEvent::Received(callback))) = event else {
        panic!("expected the simulator's callback, got {event:?}");
    };
    assert_eq!(callback.transfer.as_ref(), Some(request.id.as_uuid()));
    assert_eq!(callback.session, Some(request.session));
    assert_eq!(callback.verdict, Verdict::Succeeded);
    receiver.shutdown().await;
}

/// Forged or broken posts: refused with the right status, reported, never applied.
#[tokio::test]
async fn forged_and_broken_callbacks_are_refused_and_reported() {
    let (receiver, mut events) = receiver().await;
    let base = format!("http://{}/kore", receiver.addr());
    let good = format!("{base}?handoff_token={TOKEN}");
    let session =
        json!({"botSessionId": "6538f8a3c9cf425ee5cf0a1b", "status": "success"}).to_string();
    let cases = [
        (
            format!("{base}?handoff_token=guess"),
            session.clone(),
            StatusCode::FORBIDDEN,
            "without the right token",
        ),
        (
            base.clone(),
            session.clone(),
            StatusCode::FORBIDDEN,
            "without the right token",
        ),
        (
            good.clone(),
            "x".repeat(MAX_BODY_BYTES + 1),
            StatusCode::PAYLOAD_TOO_LARGE,
            "over 64 KiB",
        ),
        (
            good.clone(),
            "<html>not json</html>".into(),
            StatusCode::BAD_REQUEST,
            "body not JSON",
        ),
    ];
    for (url, body, status, reason) in cases {
        assert_eq!(
            post(url, body, "application/json").await,
            status,
            "{reason}"
        );
        match events.recv().await {
            Some(CallbackEvent::Refused { refusal, .. }) => {
                assert!(refusal.words().contains(reason), "{}", refusal.words())
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    let get = reqwest::get(&good).await.unwrap();
    assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(matches!(
        events.recv().await,
        Some(CallbackEvent::Refused { .. })
    ));
    // Still serving after all that.
    assert_eq!(
        post(good, session, "application/json").await,
        StatusCode::OK
    );
    assert!(matches!(
        events.recv().await,
        Some(CallbackEvent::Received(_))
    ));
    receiver.shutdown().await;
}

/// A request head over 16 KiB is refused, even with the right token: hyper's buffers, and so
/// what each connection holds, stay that small.
#[tokio::test]
async fn an_oversized_request_head_is_refused() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (receiver, mut events) = receiver().await;
    let mut stream = TcpStream::connect(receiver.addr()).await.unwrap();
    let request = format!(
        "POST /kore?handoff_token={TOKEN} HTTP/1.1\r\nHost: receiver\r\nContent-Type: application/json\r\nContent-Length: 2\r\nX-Padding: {}\r\n\r\n{{}}",
        "a".repeat(20 * 1024)
    );
    // The receiver stops reading partway, so the write may fail, and its answer may be lost to
    // the reset that closing with unread bytes sends.
    let _ = stream.write_all(request.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer))
        .await
        .expect("the connection is closed");
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 431"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    assert!(events.try_recv().is_err(), "nothing was handed on");
    receiver.shutdown().await;
}

fn waiting_workspace(simulator: &handoff_simulator::Simulator) -> Workspace {
    let ws = Workspace::new();
    let port = free_port();
    ws.write_config(
        &simulator.base_url(),
        &format!("http://127.0.0.1:{port}/kore"),
        "",
    );
    let config = std::fs::read_to_string(ws.config_path()).unwrap();
    ws.write(
        "config.toml",
        &config.replace(
            "[callback]\n",
            &format!("[callback]\nlisten = \"127.0.0.1:{port}\"\nconfirm_within = 30\n"),
        ),
    );
    ws.write_demo_roster();
    ws
}

#[tokio::test]
async fn wait_exits_0_when_confirmed_1_when_failed_3_when_unconfirmed() {
    let simulator = start_simulator(simulator_config()).await;
    let ws = waiting_workspace(&simulator);
    let cases = [
        ("6538f8a3c9cf425ee5cf0a1b", &["--wait"][..], 0, "confirmed"),
        (
            "fa11f8a3c9cf425ee5cf0a1b",
            &["--wait", "10"][..],
            1,
            "failed",
        ),
        (
            "b1acf8a3c9cf425ee5cf0a1b",
            &["--wait", "1"][..],
            3,
            "unconfirmed",
        ),
    ];
    for (session, wait, code, state) in cases {
        let mut args = vec![
            "transfer",
            "--session",
            session,
            "--agent",
            "Grace Liu",
            "--json",
        ];
        args.extend_from_slice(wait);
        args.extend_from_slice(&["--note", "handover test"]);
        let run = ws.run(&args).await;
        assert_eq!(run.code, code, "{session}: {}", run.all());
        let out = run.json();
        assert_eq!(out["state"], state, "{out}");
        assert_eq!(out["exit_code"], code);
        assert_eq!(out["note"], "handover test");
        if state == "failed" {
            assert_eq!(out["reason"], "target_unavailable");
            assert_eq!(
                out["callback"]["status"], "failure",
                "the payload, verbatim"
            );
        }
    }

    // The audit file tells each story in order, and `handoff log` reads it back.
    let steps: Vec<(String, String)> = ws
        .audit_lines()
        .iter()
        .map(|line| {
            let detail = line
                .get("confirmation")
                .or_else(|| line.get("outcome"))
                .and_then(Value::as_str)
                .unwrap_or("");
            (
                line["session"].as_str().unwrap()[..4].to_owned(),
                format!("{} {detail}", line["event"].as_str().unwrap())
                    .trim()
                    .to_owned(),
            )
        })
        .collect();
    let expected = [
        ("6538", "intent"),
        ("6538", "sending"),
        ("6538", "outcome transferred"),
        ("6538", "callback confirmed"),
        ("fa11", "intent"),
        ("fa11", "sending"),
        ("fa11", "outcome transferred"),
        ("fa11", "callback failed"),
        ("b1ac", "intent"),
        ("b1ac", "sending"),
        ("b1ac", "outcome transferred"),
        ("b1ac", "unconfirmed unconfirmed"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(steps, expected);

    let log = ws.run(&["log", "--json"]).await;
    assert_eq!(log.code, 0, "{}", log.all());
    let history: Vec<Value> = serde_json::from_str(&log.stdout).unwrap();
    let states: Vec<&str> = history
        .iter()
        .map(|h| h["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["confirmed", "failed", "unconfirmed"]);
    assert_eq!(history[1]["reason"], "target_unavailable");
    assert!(history[0]["time_to_confirm_ms"].as_i64().unwrap() >= 0);

    let csv = ws.run(&["log", "--csv", "--since", "1h"]).await;
    let rows: Vec<&str> = csv.stdout.lines().collect();
    assert!(
        rows[0].starts_with("started_at,transfer,session,target_kind"),
        "{}",
        rows[0]
    );
    assert_eq!(rows.len(), 4);
    assert!(
        rows[2].contains(",failed,target unavailable or at capacity,"),
        "{}",
        rows[2]
    );
    assert!(rows[3].ends_with(",handover test,0"), "{}", rows[3]);
}

#[tokio::test]
async fn wait_needs_a_receiver_and_log_needs_a_good_duration() {
    let (simulator, ws) = demo_workspace().await;
    let run = ws
        .run(&[
            "transfer",
            "--session",
            "6538f8a3c9cf425ee5cf0a1b",
            "--agent",
            "Grace Liu",
            "--wait",
        ])
        .await;
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("[callback] listen"), "{}", run.stderr);
    assert!(simulator.requests().is_empty());
    let log = ws.run(&["log", "--since", "8 hours"]).await;
    assert_eq!(log.code, 2);
    assert!(log.stderr.contains("unknown unit"), "{}", log.stderr);
}

/// The receiver's port from a waiting workspace's config.
fn listen_port(ws: &Workspace) -> u16 {
    let config = std::fs::read_to_string(ws.config_path()).unwrap();
    let at = config.find("listen = \"127.0.0.1:").unwrap() + "listen = \"127.0.0.1:".len();
    config[at..].split('"').next().unwrap().parse().unwrap()
}

/// Waits until something accepts connections on `port`: the receiver of a `--wait` run is up.
async fn until_listening(port: u16) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the receiver never listened"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_callback_after_an_unknown_answer_settles_it() {
    let simulator = start_simulator(simulator_config()).await;
    let ws = waiting_workspace(&simulator);
    // A gateway's 504, and a connection dropped after the request: the platform acted both
    // times, and its callback says so.
    for session in ["5040f8a3c9cf425ee5cf0a1b", "d409f8a3c9cf425ee5cf0a1b"] {
        let run = ws
            .run(&[
                "transfer",
                "--session",
                session,
                "--agent",
                "Grace Liu",
                "--wait",
                "20",
                "--json",
            ])
            .await;
        assert_eq!(run.code, 0, "{session}: {}", run.all());
        let out = run.json();
        assert_eq!(out["state"], "confirmed", "{out}");
        assert_eq!(out["outcome"], "unknown", "the answer itself stays unknown");
        assert!(
            out["detail"]
                .as_str()
                .unwrap()
                .contains("settled by the platform's callback"),
            "{out}"
        );
    }
    let log = ws.run(&["log"]).await;
    assert_eq!(log.code, 0, "{}", log.all());
    assert_eq!(
        log.stdout
            .matches("settled by the platform's callback")
            .count(),
        2,
        "{}",
        log.stdout
    );
}

/// Session `session` (one the simulator never calls back about) goes to Dana, then to Grace
/// in a `--wait` run whose receiver is up: Dana's transfer as `--json` told it, Grace's run
/// under way, and the URL its receiver takes callbacks at.
async fn dana_then_grace_waiting(
    ws: &Workspace,
    session: &'static str,
) -> (Value, tokio::task::JoinHandle<Run>, String) {
    let dana = ws
        .run(&[
            "transfer",
            "--session",
            session,
            "--agent",
            "Dana Whitfield",
            "--json",
        ])
        .await;
    assert_eq!(dana.code, 0, "{}", dana.all());
    let grace = tokio::spawn({
        let runner = Runner::for_workspace(ws);
        async move {
            runner
                .run(&[
                    "transfer",
                    "--session",
                    session,
                    "--agent",
                    "Grace Liu",
                    "--wait",
                    "30",
                    "--json",
                    "--include-recent",
                ])
                .await
        }
    });
    let port = listen_port(ws);
    until_listening(port).await;
    let token = std::fs::read_to_string(ws.data_dir().join("callback-token")).unwrap();
    let url = format!(
        "http://127.0.0.1:{port}/kore?handoff_token={}",
        token.trim()
    );
    (dana.json(), grace, url)
}

/// Session S goes to Dana, then to Grace. A failure callback naming Dana's agent id arrives while
/// Grace's transfer waits: it settles Dana's transfer (read back from the audit file), not
/// Grace's; Grace's own callback then confirms hers.
#[tokio::test]
async fn a_callback_settles_the_transfer_of_the_target_it_names() {
    let simulator = start_simulator(simulator_config()).await;
    let ws = waiting_workspace(&simulator);
    let session = "b1ac08a3c9cf425ee5cf0a1b"; // the simulator itself never calls back
    let (dana, grace, url) = dana_then_grace_waiting(&ws, session).await;
    let named = |agent: &Value, status: &str| {
        json!({"botSessionId": session, "agentId": agent["id"], "status": status, "message": "Agent rejected the conversation"})
            .to_string()
    };
    assert_eq!(
        post(
            url.clone(),
            named(&dana["target"], "failure"),
            "application/json"
        )
        .await,
        StatusCode::OK
    );
    let grace_target = json!({"id": roster_id("Grace Liu")});
    assert_eq!(
        post(url, named(&grace_target, "success"), "application/json").await,
        StatusCode::OK
    );
    let grace = grace.await.unwrap();
    assert_eq!(grace.code, 0, "{}", grace.all());
    assert_eq!(grace.json()["state"], "confirmed");
    assert!(
        grace.stderr.contains("an earlier transfer of session") && grace.stderr.contains("failed"),
        "{}",
        grace.stderr
    );

    let log = ws.run(&["log", "--json"]).await;
    let history: Vec<Value> = serde_json::from_str(&log.stdout).unwrap();
    let states: Vec<(&str, &str)> = history
        .iter()
        .map(|h| {
            (
                h["target"]["name"].as_str().unwrap(),
                h["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [("Dana Whitfield", "failed"), ("Grace Liu", "confirmed")]
    );
}

/// Session S goes to Dana, then to Grace. A failure callback whose URL names Dana's transfer,
/// its payload naming no target, arrives while Grace's transfer waits: by its session alone it
/// would be Grace's, the latest waiting; the audit file records it against Dana's transfer
/// alone, and Grace's own callback then confirms hers.
#[tokio::test]
async fn a_callback_settles_the_transfer_its_url_names() {
    let simulator = start_simulator(simulator_config()).await;
    let ws = waiting_workspace(&simulator);
    let session = "b1ac09a3c9cf425ee5cf0a1b"; // the simulator itself never calls back
    let (dana, grace, url) = dana_then_grace_waiting(&ws, session).await;
    let dana_id = dana["transfer_id"].as_str().unwrap().to_owned();
    let failure = json!({"botSessionId": session, "status": "failure", "message": "Agent rejected the conversation"});
    assert_eq!(
        post(
            format!("{url}&handoff_transfer={dana_id}"),
            failure.to_string(),
            "application/json"
        )
        .await,
        StatusCode::OK
    );
    let success =
        json!({"botSessionId": session, "agentId": roster_id("Grace Liu"), "status": "success"});
    assert_eq!(
        post(url, success.to_string(), "application/json").await,
        StatusCode::OK
    );
    let grace = grace.await.unwrap();
    assert_eq!(grace.code, 0, "{}", grace.all());
    let grace_id = grace.json()["transfer_id"].as_str().unwrap().to_owned();
    assert_eq!(grace.json()["state"], "confirmed");

    let callbacks: Vec<(String, String)> = ws
        .audit_lines()
        .iter()
        .filter(|line| line["event"] == "callback")
        .map(|line| {
            (
                line["transfer"].as_str().unwrap().to_owned(),
                line["confirmation"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        callbacks,
        [
            (dana_id, "failed".to_owned()),
            (grace_id, "confirmed".to_owned())
        ]
    );
}

fn roster_id(name: &str) -> String {
    handoff::demo::roster()
        .targets()
        .iter()
        .find(|t| t.name == name)
        .unwrap()
        .id
        .clone()
}

/// After a restart, a transfer accepted longer ago than `confirm_within` whose callback nobody
/// was there to hear is unconfirmed, and says why.
#[tokio::test]
async fn an_accepted_transfer_nobody_heard_back_about_is_unconfirmed_after_a_restart() {
    let ws = Workspace::new();
    ws.write_config(
        "https://platform.example.com",
        "https://hooks.example.com/kore",
        "",
    );
    let at = |seconds_ago: i64| {
        (chrono::Utc::now() - chrono::Duration::seconds(seconds_ago))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    let line = |at: String, event: &str, extra: &str| {
        format!(
            r#"{{"at":"{at}","transfer":"7d1f5c7e-8a3e-4f7a-9a52-2a0c2f0b6d11","event":"{event}","session":"6538f8a3c9cf425ee5cf0a1b","target_kind":"agent","target_id":"a-1","target_name":"Dana"{extra}}}"#
        )
    };
    ws.write(
        "data/transfers.jsonl",
        &[
            line(at(600), "intent", r#","awaits_callback":true"#),
            line(at(600), "sending", ""),
            line(at(599), "outcome", r#","outcome":"transferred""#),
        ]
        .join("\n"),
    );
    let log = ws.run(&["log", "--json"]).await;
    assert_eq!(log.code, 0, "{}", log.all());
    let history: Vec<Value> = serde_json::from_str(&log.stdout).unwrap();
    assert_eq!(history[0]["state"], "unconfirmed");
    assert!(
        history[0]["detail"]
            .as_str()
            .unwrap()
            .contains("handoff was not running to receive it"),
        "{}",
        history[0]
    );
}

/// When the receiver is full, the connections that have waited longest for their request head
/// give way, in the order they came, and are reported; the rest are cut off at the header
/// deadline; a real callback after them all is received. (The first to connect are still
/// waiting when the last connects: their deadline is 5 s, and opening them all took 0.3 s on a
/// loaded 2-core machine.)
#[tokio::test]
async fn when_full_the_connections_waiting_longest_make_room() {
    use handoff::callback::Refusal;
    use tokio::io::AsyncReadExt;
    const PAST_THE_CAP: usize = 8;
    let (receiver, mut events) = receiver().await;
    let mut idle = Vec::new();
    for _ in 0..receiver.max_connections() + PAST_THE_CAP {
        idle.push(TcpStream::connect(receiver.addr()).await.unwrap());
    }
    let first: Vec<SocketAddr> = idle[..PAST_THE_CAP]
        .iter()
        .map(|stream| stream.local_addr().unwrap())
        .collect();
    let mut dropped = Vec::new();
    while dropped.len() < PAST_THE_CAP {
        match tokio::time::timeout(Duration::from_secs(20), events.recv()).await {
            Ok(Some(CallbackEvent::Refused {
                from,
                refusal: Refusal::TooManyConnections,
            })) => dropped.push(from),
            other => panic!("expected a connection dropped to make room, got {other:?}"),
        }
    }
    assert_eq!(dropped, first);
    // Every connection ends: the first at once, the rest at the header deadline.
    for stream in &mut idle {
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut byte))
            .await
            .expect("an idle connection is cut off");
        assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    }
    let url = format!("http://{}/kore?handoff_token={TOKEN}", receiver.addr());
    let body = json!({"botSessionId": "6538f8a3c9cf425ee5cf0a1b", "status": "success"});
    assert_eq!(
        post(url, body.to_string(), "application/json").await,
        StatusCode::OK
    );
    assert!(matches!(
        events.recv().await,
        Some(CallbackEvent::Received(_))
    ));
    receiver.shutdown().await;
}

/// A slowloris client: its request head a byte at a time, never finished, until it is cut off.
async fn trickle(mut stream: TcpStream) {
    use tokio::io::AsyncWriteExt;
    let head = b"POST /kore?handoff_token=guess HTTP/1.1\r\nHost: receiver\r\nX-Padding: ";
    for byte in head.iter().chain(std::iter::repeat(&b'a')) {
        if stream.write_all(&[*byte]).await.is_err() {
            return;
        }
        // The client's own pace, as an attacker's would be: not a wait for the receiver.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// 200 clients hold connections, half sending nothing after they connect and half trickling a
/// request head: real callbacks posted meanwhile all arrive.
#[tokio::test]
async fn slow_and_idle_clients_never_keep_real_callbacks_out() {
    const SLOW_CLIENTS: usize = 200;
    const CALLBACKS: usize = 20;
    let (receiver, mut events) = receiver().await;
    let addr = receiver.addr();
    let mut idle = Vec::new();
    let mut trickling = tokio::task::JoinSet::new();
    for n in 0..SLOW_CLIENTS {
        let stream = TcpStream::connect(addr).await.unwrap();
        if n % 2 == 0 {
            idle.push(stream);
        } else {
            trickling.spawn(trickle(stream));
        }
    }
    let sessions: BTreeSet<String> = (0..CALLBACKS).map(|n| format!("5104{n:020x}")).collect();
    // Posted from a task of their own: each is answered only once its event has room on the
    // channel, which the loop below empties.
    let posting = tokio::spawn({
        let sessions = sessions.clone();
        async move {
            let url = format!("http://{addr}/kore?handoff_token={TOKEN}");
            let mut statuses = Vec::new();
            for session in sessions {
                let body = json!({"botSessionId": session, "status": "success"});
                statuses.push(post(url.clone(), body.to_string(), "application/json").await);
            }
            statuses
        }
    });
    let mut received = BTreeSet::new();
    tokio::time::timeout(Duration::from_secs(60), async {
        while received.len() < CALLBACKS {
            match events.recv().await {
                Some(CallbackEvent::Received(callback)) => {
                    received.insert(
                        callback
                            .session
                            .expect("names its session")
                            .as_str()
                            .to_owned(),
                    );
                }
                Some(CallbackEvent::Refused { .. }) => {}
                None => panic!("the receiver stopped"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{} of {CALLBACKS} callbacks arrived", received.len()));
    assert_eq!(received, sessions);
    assert!(
        posting.await.unwrap().iter().all(|s| *s == StatusCode::OK),
        "every post answered 200"
    );
    drop(idle);
    trickling.abort_all();
    receiver.shutdown().await;
}

/// `--wait` takes any number without overflowing a clock: a day at most.
#[tokio::test]
async fn wait_takes_any_number() {
    let simulator = start_simulator(simulator_config()).await;
    let ws = waiting_workspace(&simulator);
    let run = ws
        .run(&[
            "transfer",
            "--session",
            "6538f8a3c9cf425ee5cf0a1b",
            "--agent",
            "Grace Liu",
            "--wait",
            "18446744073709551615",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("confirmed"), "{}", run.stdout);
}

/// A failure callback whose reason carries escape sequences: `--wait` shows it escaped, in
/// words and in JSON, and `handoff log` too.
#[tokio::test]
async fn a_hostile_callback_reason_never_reaches_the_terminal_raw() {
    let simulator = start_simulator(simulator_config()).await;
    let ws = waiting_workspace(&simulator);
    let session = "fa1ef8a3c9cf425ee5cf0a1b";
    let words = ws
        .run(&[
            "transfer",
            "--session",
            session,
            "--agent",
            "Grace Liu",
            "--wait",
            "10",
        ])
        .await;
    assert_eq!(words.code, 1, "{}", words.all());
    assert!(
        words
            .stdout
            .contains("Agent \\x1b]0;pwned\\x07\\x1b[2J\\u{202e}unavailable"),
        "{}",
        words.stdout
    );
    let json = ws
        .run(&[
            "transfer",
            "--session",
            session,
            "--agent",
            "Grace Liu",
            "--wait",
            "10",
            "--json",
        ])
        .await;
    let log = ws.run(&["log"]).await;
    for text in [words.all(), json.all(), log.all()] {
        assert!(
            !text
                .chars()
                .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
            "{text}"
        );
    }
    assert_eq!(json.json()["state"], "failed");
}

/// A callback URL in plain http:// to a host beyond this machine is warned about on stderr; an
/// https:// one is not.
#[tokio::test]
async fn a_public_plain_http_callback_url_is_warned_about() {
    let (simulator, ws) = demo_workspace().await;
    let warned = "callbacks, and the callback token in the URL, travel unencrypted";
    for (callback_url, warns) in [
        ("http://hooks.example.com/kore", true),
        ("https://hooks.example.com/kore", false),
    ] {
        ws.write_config(&simulator.base_url(), callback_url, "");
        let run = ws.run(&["conversations"]).await;
        assert_eq!(run.code, 0, "{}", run.all());
        assert_eq!(
            run.stderr.contains(warned),
            warns,
            "{callback_url}: {}",
            run.stderr
        );
        assert!(
            !warns || run.stderr.contains("HTTPS proxy or tunnel"),
            "{}",
            run.stderr
        );
    }
}
