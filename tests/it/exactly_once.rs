//! Exactly once where runs meet: several `handoff transfer` runs of one data folder at once or a
//! moment apart, a console's engine beside a command, a run killed with replies in flight and
//! run again, refusals with 429 sent again by a rerun, a disk that fills mid-run. Counted at the
//! simulator, with the real binary.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::support::{self, Runner, Workspace, simulator_config, start_simulator};
use handoff::demo;
use handoff_simulator::{Simulator, SimulatorConfig};

/// The platform's minute scaled down to 2 s.
const WINDOW_SECS: u64 = 2;

/// A simulator allowing `limit` calls per scaled window, and a workspace whose config says the
/// same, with a request timeout of `timeout_secs`.
async fn scaled(limit: u32, timeout_secs: u64) -> (Simulator, Workspace) {
    let simulator = start_simulator(SimulatorConfig {
        rate_limit_per_minute: limit,
        rate_window: Duration::from_secs(WINDOW_SECS),
        ..simulator_config()
    })
    .await;
    let ws = Workspace::new();
    ws.write_config_for(
        &simulator,
        &format!(
            "rate_limit_per_minute = {limit}\nrate_window_secs = {WINDOW_SECS}\nrequest_timeout_secs = {timeout_secs}"
        ),
    );
    ws.write_demo_roster();
    (simulator, ws)
}

/// `count` session ids starting with `prefix` (a simulator trigger such as `0077`, or
/// `c0ffee00` for a plain success), in a sessions file of the workspace; and its path.
fn sessions_file(ws: &Workspace, prefix: &str, count: usize) -> (Vec<String>, String) {
    let filler = "a".repeat(18 - prefix.len());
    let ids: Vec<String> = (0..count)
        .map(|n| format!("{prefix}{filler}{n:06}"))
        .collect();
    ws.write("sessions.txt", &ids.join("\n"));
    let path = ws.dir.path().join("sessions.txt");
    (ids, path.to_str().unwrap().to_owned())
}

/// How many times each session reached the platform's transfer call, and with what statuses.
fn assigned(simulator: &Simulator) -> BTreeMap<String, Vec<u16>> {
    let mut sent: BTreeMap<String, Vec<u16>> = BTreeMap::new();
    for request in simulator.requests() {
        if request.path.ends_with("/assign-conversation") {
            let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
            sent.entry(body["botSessionId"].as_str().unwrap().to_owned())
                .or_default()
                .push(request.status);
        }
    }
    sent
}

fn to_billing(file: &str) -> [&str; 5] {
    ["transfer", "--sessions-file", file, "--queue", "Billing"]
}

/// Waits for `done`, looking every 20 ms, for at most 30 s: what is awaited (a line in a file
/// another process writes) sends no signal.
async fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "waited 30 s for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Two runs of one sessions file on one data folder, started at the same instant: each session
/// reaches the platform once; what one run sends, the other says another run has (not sent, not
/// failed), and both exit 0.
#[tokio::test]
async fn two_runs_of_one_file_at_once_send_each_session_once() {
    let (simulator, ws) = scaled(1_000, 20).await;
    let (ids, file) = sessions_file(&ws, "c0ffee00", 40);
    let args = to_billing(&file);
    let (first, second) = tokio::join!(ws.run(&args), ws.run(&args));
    for run in [&first, &second] {
        assert_eq!(run.code, 0, "{}", run.all());
        assert!(!run.all().contains("interrupted"), "{}", run.all());
        assert!(!run.all().contains("✗"), "{}", run.all());
    }
    let sent = assigned(&simulator);
    assert_eq!(sent.len(), ids.len(), "{sent:?}");
    assert!(sent.values().all(|s| s == &[200]), "each once: {sent:?}");
    let accepted = |run: &support::Run| run.stdout.matches("✓ accepted").count();
    assert_eq!(accepted(&first) + accepted(&second), ids.len());
    // Each session the other run sent is said to be that run's: in flight there, moved by it,
    // or (read once it was done) sent by an earlier run of the same command.
    let both = format!("{}{}", first.all(), second.all());
    let said = both
        .lines()
        .filter(|l| {
            l.starts_with("  another run has it: ")
                || (l.starts_with("skipped ")
                    && (l.contains("another run")
                        || l.contains("by an earlier run of this command")))
        })
        .count();
    assert_eq!(
        said + accepted(&first) + accepted(&second),
        2 * ids.len(),
        "{both}"
    );
    // The history says "not sent" of those, in every form: not "failed".
    let not_sent = both.lines().filter(|l| l.starts_with("↷ not sent")).count();
    let log = ws.run(&["log", "--json"]).await;
    let states: Vec<serde_json::Value> = log
        .json()
        .as_array()
        .expect("the log as one JSON array")
        .iter()
        .map(|entry| entry["state"].clone())
        .collect();
    assert_eq!(
        states.iter().filter(|s| *s == "not sent").count(),
        not_sent,
        "{}",
        log.stdout
    );
    assert!(states.iter().all(|s| s != "failed"), "{}", log.stdout);
    let csv = ws.run(&["log", "--csv"]).await;
    assert_eq!(
        csv.stdout.matches(",not sent,").count(),
        not_sent,
        "{}",
        csv.stdout
    );
}

/// The second run starts while the first waits on slow answers (5 s, the `0077` trigger): it
/// says each session is in flight in another run, since when and where, never "interrupted";
/// nothing reaches the platform twice; both exit 0.
#[tokio::test]
async fn a_run_started_while_another_waits_on_slow_answers_leaves_them_to_it() {
    let (simulator, ws) = scaled(1_000, 20).await;
    let (ids, file) = sessions_file(&ws, "0077", 6);
    let args = to_billing(&file);
    let first = tokio::spawn({
        let runner = Runner::for_workspace(&ws);
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            runner.run(&args).await
        }
    });
    until("the first run's requests to go out", || {
        ws.audit_lines()
            .iter()
            .filter(|l| l["event"] == "sending")
            .count()
            == ids.len()
    })
    .await;
    let second = ws.run(&args).await;
    assert_eq!(second.code, 0, "{}", second.all());
    assert_eq!(
        second
            .stderr
            .matches("in flight in another run since ")
            .count(),
        ids.len(),
        "{}",
        second.all()
    );
    assert!(!second.all().contains("interrupted"), "{}", second.all());
    let first = first.await.unwrap();
    assert_eq!(first.code, 0, "{}", first.all());
    let sent = assigned(&simulator);
    assert!(sent.values().all(|s| s.len() == 1), "{sent:?}");
    assert_eq!(sent.len(), ids.len());
}

/// A console's run of many (its engine, with the run's destination, key and targets as the
/// console makes them) and a command with the same sessions overlap: each session once. Then the
/// command run again is the same run, from the other side: it skips them all as already sent by
/// this command.
#[tokio::test]
async fn a_consoles_run_and_a_commands_overlap_and_are_one_run() {
    use handoff::account::Account;
    use handoff::transfer::{BulkDestination, TransferId, TransferRequest, run_bulk};
    let (simulator, ws) = scaled(1_000, 20).await;
    let (ids, file) = sessions_file(&ws, "c0ffee00", 30);
    // The console's engine, as it is set up for this workspace's account.
    let mut config = demo::config_for(&simulator);
    config.platform.rate_limit_per_minute = 1_000;
    config.platform.rate_window = Duration::from_secs(WINDOW_SECS);
    config.auth = handoff::config::AuthConfig::Credentials {
        client_id: demo::CLIENT_ID.into(),
        client_secret: handoff::secret::Secret::new(support::SECRET),
    };
    let engine = Account::open(&config, &ws.data_dir()).unwrap().engine;
    let billing = demo::roster()
        .targets()
        .iter()
        .find(|t| t.name == "Billing")
        .unwrap()
        .clone();
    // The highlighted queue, as the console's confirmation keeps it.
    let destination = BulkDestination::one(billing, None);
    let key = destination.key(ids.iter().map(String::as_str));
    let mut assignment = destination.assignment(true);
    let requests: Vec<TransferRequest> = ids
        .iter()
        .map(|id| TransferRequest {
            id: TransferId::new(),
            session: handoff::ids::SessionId::parse(id).unwrap(),
            target: assignment.next_target().unwrap(),
            note: None,
            reroute_of: None,
            bulk: Some(key.clone()),
            confirmed_recent: false,
        })
        .collect();
    let (updates, mut seen) = tokio::sync::mpsc::channel(1_024);
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let console = tokio::spawn(async move { run_bulk(&engine, requests, updates, stopped).await });
    let command = ws.run(&to_billing(&file)).await;
    console.await.unwrap();
    while seen.try_recv().is_ok() {}
    assert_eq!(command.code, 0, "{}", command.all());
    let sent = assigned(&simulator);
    assert_eq!(sent.len(), ids.len());
    assert!(sent.values().all(|s| s == &[200]), "each once: {sent:?}");

    let again = ws.run(&to_billing(&file)).await;
    assert_eq!(again.code, 0, "{}", again.all());
    assert_eq!(
        again
            .stderr
            .matches("already sent by an earlier run of this command")
            .count(),
        ids.len(),
        "{}",
        again.all()
    );
    assert_eq!(assigned(&simulator).len(), ids.len(), "nothing sent again");
}

/// A command's run spread over agents, then the console's confirmation of the same run: the
/// same agents, marked in the other order with their rooms as the console last read them, and
/// the same sessions. It is the same run, from the other side: the console's plan leaves every
/// session out as already sent by it.
#[tokio::test]
async fn a_commands_spread_over_agents_is_the_consoles_run_too() {
    use handoff::ids::{SessionId, TargetKind};
    use handoff::transfer::{BulkDestination, BulkPlan, Ledger, Room, read_since};
    let (simulator, ws) = scaled(1_000, 20).await;
    let (ids, file) = sessions_file(&ws, "c0ffee00", 6);
    let roster = demo::roster();
    let agents: Vec<_> = roster
        .targets()
        .iter()
        .filter(|t| t.kind == TargetKind::Agent)
        .take(2)
        .cloned()
        .collect();
    let names: Vec<&str> = agents.iter().map(|a| a.name.as_str()).collect();
    let names = names.join(",");
    let command = ws
        .run(&[
            "transfer",
            "--sessions-file",
            &file,
            "--agents",
            &names,
            "--beyond-capacity",
        ])
        .await;
    assert_eq!(assigned(&simulator).len(), ids.len(), "{}", command.all());

    let marked = agents.into_iter().rev().map(|agent| (agent, Room::Free(1)));
    let console = BulkDestination::Spread(marked.collect());
    let key = console.key(ids.iter().map(String::as_str));
    let mut ledger = Ledger::default();
    let day = chrono::Utc::now() - chrono::Duration::hours(24);
    ledger.merge_new(read_since(&ws.data_dir(), day).unwrap().records);
    let sessions = ids.iter().map(|id| SessionId::parse(id).unwrap());
    // Recent moves included, as after the console's second confirmation: only the run's key
    // leaves them out.
    let plan = BulkPlan::new(sessions, &key, &ledger, true, chrono::Utc::now());
    assert!(plan.send.is_empty(), "{plan:?}");
    assert_eq!(plan.skipped.len(), ids.len());
    assert!(
        plan.skipped.iter().all(|s| s
            .why
            .starts_with("already sent by an earlier run of this command")),
        "{plan:?}"
    );
}

/// `kill -9` of a run whose requests are out (slow answers), against a platform allowing 5
/// calls per window: the reruns draw no 429, since the killed run's slots count until their
/// requests could no longer arrive. The first rerun sends what was certainly never sent, and
/// leaves those sent without an answer to be checked (exit 3); the second sends nothing.
#[tokio::test]
async fn reruns_after_kill_9_with_replies_in_flight_draw_no_429() {
    const LIMIT: u32 = 5;
    let (simulator, ws) = scaled(LIMIT, 7).await;
    let (ids, file) = sessions_file(&ws, "0077", 8);
    let args = to_billing(&file);
    let mut first = Runner::for_workspace(&ws)
        .command(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    until("a window's worth of requests to reach the platform", || {
        simulator.arrived() == u64::from(LIMIT)
    })
    .await;
    first.start_kill().unwrap();
    first.wait().await.unwrap();
    let killed_with_replies_out = LIMIT as usize;

    let rerun = ws.run(&args).await;
    assert_eq!(rerun.code, 3, "{}", rerun.all());
    assert_eq!(
        rerun.stderr.matches("outcome unknown; check").count(),
        killed_with_replies_out,
        "{}",
        rerun.all()
    );
    let again = ws.run(&args).await;
    assert_eq!(again.code, 3, "still to be checked: {}", again.all());
    assert!(again.stderr.contains("nothing to send"), "{}", again.all());

    // The killed run's requests were answered to nobody; the others once each.
    assert_eq!(simulator.arrived(), ids.len() as u64, "each session once");
    let answered = assigned(&simulator);
    assert!(
        answered.values().all(|s| s == &[200]),
        "none refused for the rate: {answered:?}"
    );
}

/// A run whose budget says more than the platform allows: the platform refuses some with 429.
/// Those certainly did not move: the run exits 1, and a rerun sends exactly them, and exits 0.
#[tokio::test]
async fn a_rerun_sends_again_what_was_refused_with_429_and_only_that() {
    let simulator = start_simulator(SimulatorConfig {
        rate_limit_per_minute: 4,
        rate_window: Duration::from_secs(WINDOW_SECS),
        ..simulator_config()
    })
    .await;
    let ws = Workspace::new();
    // Another tool's share of the account, unknown to this one's budget.
    ws.write_config_for(
        &simulator,
        &format!("rate_limit_per_minute = 10\nrate_window_secs = {WINDOW_SECS}"),
    );
    ws.write_demo_roster();
    let (ids, file) = sessions_file(&ws, "c0ffee00", 10);
    let args = to_billing(&file);
    let run = ws.run(&args).await;
    assert_eq!(run.code, 1, "{}", run.all());
    let refused: Vec<String> = assigned(&simulator)
        .into_iter()
        .filter(|(_, statuses)| statuses == &[429])
        .map(|(session, _)| session)
        .collect();
    assert!(!refused.is_empty(), "{}", run.all());

    // Run again, with the budget the platform really allows.
    ws.write_config_for(
        &simulator,
        &format!("rate_limit_per_minute = 4\nrate_window_secs = {WINDOW_SECS}"),
    );
    let rerun = ws.run(&args).await;
    assert_eq!(rerun.code, 0, "{}", rerun.all());
    let sent = assigned(&simulator);
    for id in &ids {
        let statuses = &sent[id];
        let expected: &[u16] = if refused.contains(id) {
            &[429, 200]
        } else {
            &[200]
        };
        assert_eq!(statuses, expected, "{id}: {}", rerun.all());
    }
}

/// The disk fills mid-run (a file-size limit on the process, `RLIMIT_FSIZE`, with the signal
/// it sends ignored, as a full disk sends none): the transfers still go out, but the run says
/// which ones the audit file does not show whole, and exits 3, never 0.
#[tokio::test]
async fn a_run_whose_audit_file_fills_up_says_which_and_exits_non_zero() {
    let (simulator, ws) = scaled(1_000, 20).await;
    let (ids, file) = sessions_file(&ws, "c0ffee00", 40);
    let mut command = Runner::for_workspace(&ws).command(&to_billing(&file));
    // Room for the intents (written first, together) and a few of the later lines.
    support::limit_file_size(&mut command, 24 * 1024);
    let run = support::Run::from(command.output().await.unwrap());
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stderr
            .contains("error: the audit file could not record every step of "),
        "{}",
        run.stderr
    );
    let audit = std::fs::metadata(ws.data_dir().join("transfers.jsonl"))
        .unwrap()
        .len();
    assert!(audit <= 24 * 1024, "the limit held: {audit}");
    assert_eq!(assigned(&simulator).len(), ids.len(), "all went out");
}

/// One transfer whose steps the audit file cannot take after its intent (the disk filled):
/// it goes out, and the command says the file does not show what became of it, exit 3.
#[tokio::test]
async fn a_transfer_whose_outcome_the_audit_file_cannot_take_exits_3() {
    let (simulator, ws) = scaled(1_000, 20).await;
    let mut command = Runner::for_workspace(&ws).command(&[
        "transfer",
        "--session",
        "c0ffee00aaaaaaaaaa000001",
        "--queue",
        "Billing",
        "--json",
    ]);
    // Room for the intent line, not for the lines after it.
    support::limit_file_size(&mut command, 450);
    let run = support::Run::from(command.output().await.unwrap());
    assert_eq!(run.code, 3, "{}", run.all());
    let json = run.json();
    assert_eq!(json["state"], "accepted", "{json}");
    assert_eq!(json["exit_code"], 3, "{json}");
    assert!(
        json["audit_error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot write the audit log")),
        "{json}"
    );
    assert_eq!(assigned(&simulator).len(), 1);
}
