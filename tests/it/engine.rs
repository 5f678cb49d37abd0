//! The transfer engine against the simulator: steps reported in order, the audit file written
//! before and after, and the account's budget pacing calls.

use std::time::Duration;

use crate::support::{self, simulator_config, start_simulator};
use handoff::account::Account;
use handoff::config::{AuthConfig, Config};
use handoff::demo;
use handoff::ids::SessionId;
use handoff::secret::Secret;
use handoff::transfer::{Outcome, Progress, TransferId, TransferRequest, TransferUpdate, run_bulk};
use tokio::sync::mpsc;

fn request(session: &str, name: &str) -> TransferRequest {
    let target = demo::roster()
        .targets()
        .iter()
        .find(|t| t.name == name)
        .unwrap()
        .clone();
    TransferRequest {
        id: TransferId::new(),
        session: SessionId::parse(session).unwrap(),
        target,
        note: None,
        reroute_of: None,
        bulk: None,
        confirmed_recent: false,
    }
}

fn config_for(simulator: &handoff_simulator::Simulator, rate_limit_per_minute: u32) -> Config {
    let mut config = demo::config_for(simulator);
    config.platform.rate_limit_per_minute = rate_limit_per_minute;
    config.auth = AuthConfig::Credentials {
        client_id: demo::CLIENT_ID.into(),
        client_secret: Secret::new(support::SECRET),
    };
    config
}

async fn collect(mut rx: mpsc::Receiver<TransferUpdate>) -> Vec<Progress> {
    let mut steps = Vec::new();
    while let Some(update) = rx.recv().await {
        steps.push(update.progress);
    }
    steps
}

#[tokio::test]
async fn steps_are_reported_in_order_and_audited() {
    let simulator = start_simulator(simulator_config()).await;
    let data = tempfile::tempdir().unwrap();
    let engine = Account::open(&config_for(&simulator, 60), data.path())
        .unwrap()
        .engine;
    let (tx, rx) = mpsc::channel(8);
    let request = request("6538f8a3c9cf425ee5cf0a1b", "Sofia Marchetti");
    let outcome = engine.run(&request, &tx).await.unwrap();
    drop(tx);
    assert!(matches!(
        outcome,
        Outcome::Transferred {
            request_completed_at: Some(_)
        }
    ));
    let steps = collect(rx).await;
    assert_eq!(steps.len(), 2, "{steps:?}");
    let Progress::Sending { request: sent } = &steps[0] else {
        panic!("expected the request first, got {steps:?}");
    };
    // The request as shown: the real body, but never the callback token.
    assert!(
        sent.contains("\"botSessionId\": \"6538f8a3c9cf425ee5cf0a1b\""),
        "{sent}"
    );
    assert!(sent.contains("handoff_token=<token>"), "{sent}");
    let token = std::fs::read_to_string(data.path().join("callback-token")).unwrap();
    assert!(!sent.contains(token.trim()), "{sent}");
    assert_eq!(steps[1], Progress::Finished(outcome));

    // The token does go to the platform, in the callbackUrl, beside the transfer's own id.
    let body: serde_json::Value = serde_json::from_str(&simulator.requests()[0].body).unwrap();
    assert!(
        body["callbackUrl"].as_str().unwrap().ends_with(&format!(
            "?handoff_token={}&handoff_transfer={}",
            token.trim(),
            request.id
        )),
        "{body}"
    );

    let audit = std::fs::read_to_string(data.path().join("transfers.jsonl")).unwrap();
    assert!(
        !audit.contains(token.trim()),
        "the audit file never holds the token"
    );
    let lines: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let events: Vec<&str> = lines.iter().map(|l| l["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["intent", "sending", "outcome"]);
    assert!(lines[0].get("outcome").is_none());
    assert_eq!(lines[2]["outcome"], "transferred");
    assert_eq!(lines[2]["target_name"], "Sofia Marchetti");
}

#[tokio::test]
async fn the_budget_holds_a_call_past_the_accounts_limit() {
    let simulator = start_simulator(simulator_config()).await;
    let data = tempfile::tempdir().unwrap();
    let engine = Account::open(&config_for(&simulator, 2), data.path())
        .unwrap()
        .engine;
    let (tx, _rx) = mpsc::channel(64);
    for _ in 0..2 {
        let outcome = engine
            .run(&request("6538f8a3c9cf425ee5cf0a1b", "Grace Liu"), &tx)
            .await
            .unwrap();
        assert!(matches!(outcome, Outcome::Transferred { .. }));
    }

    let (tx, mut rx) = mpsc::channel(8);
    let third = request("6538f8a3c9cf425ee5cf0a1c", "Grace Liu");
    let waiting = tokio::spawn({
        let engine = engine.clone();
        async move { engine.run(&third, &tx).await }
    });
    let first_step = rx.recv().await.unwrap().progress;
    let Progress::WaitingForBudget(wait) = first_step else {
        panic!("expected to wait for the budget, got {first_step:?}");
    };
    // Calls count from the end of their 50 ms bucket of the budget: a minute, and a moment.
    assert!(
        wait > Duration::from_secs(55) && wait <= Duration::from_millis(60_050),
        "{wait:?}"
    );
    // The third call is held back, not sent and refused by the platform.
    assert_eq!(simulator.requests().len(), 2);
    waiting.abort();
}

/// If the intent cannot be recorded, the request must not go out: nothing the supervisor does
/// may be missing from the audit file. `/dev/full` fails every write, as a full disk would.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn an_unwritable_audit_file_sends_nothing() {
    let simulator = start_simulator(simulator_config()).await;
    let data = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/dev/full", data.path().join("transfers.jsonl")).unwrap();
    let engine = Account::open(&config_for(&simulator, 60), data.path())
        .unwrap()
        .engine;
    let (tx, _rx) = mpsc::channel(8);
    let error = engine
        .run(&request("6538f8a3c9cf425ee5cf0a1b", "Grace Liu"), &tx)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("transfers.jsonl"), "{error}");
    assert!(simulator.requests().is_empty());
}

#[tokio::test]
async fn an_audit_folder_that_cannot_be_created_is_an_error() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("not-a-folder");
    std::fs::write(&file, "").unwrap();
    let simulator = start_simulator(simulator_config()).await;
    let error = Account::open(&config_for(&simulator, 60), &file).unwrap_err();
    assert!(error.to_string().contains("not-a-folder"), "{error}");
}

fn bulk_requests(sessions: std::ops::Range<u32>) -> Vec<TransferRequest> {
    sessions
        .map(|n| request(&format!("c0ffee00aaaaaaaa{n:08x}"), "Grace Liu"))
        .collect()
}

/// The sessions that reached the simulator, in the order they arrived.
fn sessions_sent(simulator: &handoff_simulator::Simulator) -> Vec<String> {
    simulator
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("assign-conversation"))
        .map(|r| {
            let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            body["botSessionId"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// The transfer each assign call's callback URL names, by session, as the simulator got them.
fn transfers_named(simulator: &handoff_simulator::Simulator) -> Vec<(String, String)> {
    simulator
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("assign-conversation"))
        .map(|r| {
            let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            let url = url::Url::parse(body["callbackUrl"].as_str().unwrap()).unwrap();
            let named: Vec<String> = url
                .query_pairs()
                .filter(|(key, _)| key == "handoff_transfer")
                .map(|(_, value)| value.into_owned())
                .collect();
            assert_eq!(named.len(), 1, "{url}");
            let session = body["botSessionId"].as_str().unwrap().to_owned();
            (session, named[0].clone())
        })
        .collect()
}

/// A single transfer and each of a bulk run's (sent in one batch) tell the platform a callback
/// URL that names that very transfer, so its callback can be told from the session's others.
#[tokio::test]
async fn every_transfers_callback_url_names_it() {
    let simulator = start_simulator(simulator_config()).await;
    let data = tempfile::tempdir().unwrap();
    let engine = Account::open(&config_for(&simulator, 60), data.path())
        .unwrap()
        .engine;
    let single = request("6538f8a3c9cf425ee5cf0a1b", "Grace Liu");
    let (tx, _rx) = mpsc::channel(8);
    engine.run(&single, &tx).await.unwrap();
    let bulk = bulk_requests(0..3);
    let (tx, _rx) = mpsc::channel(64);
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    assert!(
        run_bulk(&engine, bulk.clone(), tx, stopped)
            .await
            .is_empty()
    );

    let mut expected: Vec<(String, String)> = std::iter::once(&single)
        .chain(&bulk)
        .map(|r| (r.session.as_str().to_owned(), r.id.to_string()))
        .collect();
    let mut named = transfers_named(&simulator);
    // A batch's calls go out together, in no set order.
    expected.sort();
    named.sort();
    assert_eq!(named, expected);
}

#[tokio::test]
async fn a_stopped_bulk_run_sends_nothing_more_and_says_so_for_each() {
    let simulator = start_simulator(simulator_config()).await;
    let data = tempfile::tempdir().unwrap();
    let engine = Account::open(&config_for(&simulator, 4), data.path())
        .unwrap()
        .engine;
    let requests = bulk_requests(0..10);
    let (tx, mut rx) = mpsc::channel(64);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let run = tokio::spawn({
        let engine = engine.clone();
        let requests = requests.clone();
        async move { run_bulk(&engine, requests, tx, stopped).await }
    });
    // The budget has room for four: they go out, the other six wait for the window.
    let (mut finished, mut waiting) = (Vec::new(), Vec::new());
    while finished.len() < 4 || waiting.len() < 6 {
        let update = rx.recv().await.unwrap();
        match update.progress {
            Progress::Finished(outcome) => finished.push((update.id, outcome)),
            Progress::WaitingForBudget(_) => waiting.push(update.id),
            Progress::Sending { .. } => {}
            Progress::AuditFailed(message) => panic!("{message}"),
            Progress::WaitingForClaim(why) => panic!("no team, no claim to wait for: {why}"),
        }
    }
    assert!(
        finished
            .iter()
            .all(|(_, outcome)| matches!(outcome, Outcome::Transferred { .. })),
        "{finished:?}"
    );
    stop.send_replace(true);
    let unsent = run.await.unwrap();
    let unsent_ids: Vec<TransferId> = unsent.iter().map(|r| r.id).collect();
    assert_eq!(unsent_ids, waiting, "the waiting ones, in order");
    assert_eq!(sessions_sent(&simulator).len(), 4);

    let audit = std::fs::read_to_string(data.path().join("transfers.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for request in &requests {
        let id = request.id.to_string();
        let events: Vec<&str> = lines
            .iter()
            .filter(|l| l["transfer"] == id.as_str())
            .map(|l| l["event"].as_str().unwrap())
            .collect();
        match unsent_ids.contains(&request.id) {
            true => assert_eq!(events, ["intent", "outcome"], "{id}"),
            false => assert_eq!(events, ["intent", "sending", "outcome"], "{id}"),
        }
    }
    let not_sent = lines
        .iter()
        .filter(|l| l["outcome"] == "not_sent" && l["reason"] == "stopped")
        .count();
    assert_eq!(not_sent, 6, "{audit}");
}

#[tokio::test]
async fn a_single_transfer_goes_before_the_next_of_a_bulk_run() {
    let simulator = start_simulator(simulator_config()).await;
    let data = tempfile::tempdir().unwrap();
    let mut config = config_for(&simulator, 2);
    config.platform.rate_window = Duration::from_secs(1);
    let engine = Account::open(&config, data.path()).unwrap().engine;
    let requests = bulk_requests(0..4);
    let (tx, mut rx) = mpsc::channel(64);
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let run = tokio::spawn({
        let engine = engine.clone();
        let requests = requests.clone();
        async move { run_bulk(&engine, requests, tx, stopped).await }
    });
    // Two go out; the other two wait for the window.
    let mut waiting = 0;
    while waiting < 2 {
        if let Progress::WaitingForBudget(_) = rx.recv().await.unwrap().progress {
            waiting += 1;
        }
    }
    let single = request("6538f8a3c9cf425ee5cf0a1b", "Grace Liu");
    let (single_tx, mut single_rx) = mpsc::channel(8);
    let single_run = tokio::spawn({
        let engine = engine.clone();
        async move { engine.run(&single, &single_tx).await }
    });
    let first = single_rx.recv().await.unwrap().progress;
    assert!(matches!(first, Progress::WaitingForBudget(_)), "{first:?}");
    assert!(run.await.unwrap().is_empty());
    assert!(matches!(
        single_run.await.unwrap().unwrap(),
        Outcome::Transferred { .. }
    ));
    let sent = sessions_sent(&simulator);
    assert_eq!(sent.len(), 5, "{sent:?}");
    assert_eq!(sent[2], "6538f8a3c9cf425ee5cf0a1b", "{sent:?}");
}
