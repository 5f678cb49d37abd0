//! The conversation list end to end: the real binary and the real client against the simulator
//! over real HTTP.

use std::collections::{BTreeMap, HashSet};

use crate::support::{
    self, Workspace, config_for, platform_client, simulator_config, start_simulator, workspace_with,
};
use handoff::account::Account;
use handoff::demo;
use handoff::ids::ConversationStatus;
use handoff::platform::MoveTarget;
use handoff_simulator::{ConversationsConfig, Replies, Simulator, SimulatorConfig};
use serde_json::Value;

/// The demo platform with `open` conversations and none ended.
fn floor_of(open: usize) -> SimulatorConfig {
    let base = simulator_config();
    SimulatorConfig {
        conversations: ConversationsConfig {
            open,
            ended: 0,
            ..base.conversations.clone()
        },
        ..base
    }
}

fn lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
        .collect()
}

/// The conversation-list requests the simulator received, as (query, status).
fn list_calls(simulator: &Simulator) -> Vec<(String, u16)> {
    simulator
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/conversations"))
        .map(|r| (r.query, r.status))
        .collect()
}

#[tokio::test]
async fn every_page_is_read_and_the_longest_wait_comes_first() {
    let (simulator, ws) = workspace_with(floor_of(130)).await;
    let run = ws.run(&["conversations", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    let listed = lines(&run.stdout);
    assert_eq!(listed.len(), 130);
    let sessions: HashSet<&str> = listed
        .iter()
        .filter_map(|c| c["session"].as_str())
        .collect();
    assert_eq!(sessions.len(), 130, "each conversation once");
    assert_eq!(
        list_calls(&simulator),
        [0, 100].map(|skip| (
            format!("skip={skip}&limit=100&status=OPEN,OVERDUE,ACTIVE"),
            200
        )),
        "two pages of 100, the statuses comma-separated"
    );
    // Those waiting for an agent first, then those with one, each longest wait first.
    let order: Vec<(bool, u64)> = listed
        .iter()
        .map(|c| {
            let waiting = c["status"] != "ACTIVE";
            let wait = c["wait_secs"]
                .as_u64()
                .expect("every simulated record has a wait");
            (waiting, wait)
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] >= w[1]), "{order:?}");
    assert!(order[0].0 && !order[order.len() - 1].0, "{order:?}");
    run.assert_no_token_of(&simulator);
}

#[tokio::test]
async fn json_lines_carry_every_field_under_stable_names() {
    let (_simulator, ws) = support::demo_workspace().await;
    let run = ws.run(&["conversations", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    let listed = lines(&run.stdout);
    assert_eq!(listed.len(), 32, "the demo floor's open conversations");
    let keys = [
        "session",
        "conversation_id",
        "status",
        "wait_secs",
        "priority",
        "intent",
        "sentiment",
        "sentiment_emoji",
        "language",
        "channel",
        "queue_id",
        "queue_name",
        "agent",
        "moves",
    ];
    for conversation in &listed {
        let object = conversation.as_object().unwrap();
        assert_eq!(object.len(), keys.len(), "{conversation}");
        for key in keys {
            assert!(object.contains_key(key), "{key} in {conversation}");
        }
        assert!(
            conversation["conversation_id"]
                .as_str()
                .unwrap()
                .starts_with("c-")
        );
    }
    let roster = demo::roster();
    let with_agent: Vec<&Value> = listed.iter().filter(|c| c["agent"].is_object()).collect();
    assert!(!with_agent.is_empty());
    for conversation in with_agent {
        assert_eq!(conversation["status"], "ACTIVE");
        let agent = &conversation["agent"];
        assert!(agent["user_id"].as_str().unwrap().starts_with("u-"));
        let agent_id = agent["agent_id"]
            .as_str()
            .expect("mapped through the agent list");
        if let Some(target) = roster.find(agent_id) {
            assert_eq!(agent["name"], target.name.as_str(), "the roster's name");
        }
    }
    let moved = listed
        .iter()
        .find(|c| !c["moves"].as_array().unwrap().is_empty())
        .expect("some were moved a minute before the start");
    let last = moved["moves"].as_array().unwrap().last().unwrap();
    assert_eq!(last["to_kind"], "queue");
    assert_eq!(last["to_name"], moved["queue_name"]);
    assert!(last["by"]["name"].is_string(), "{last}");
}

#[tokio::test]
async fn ids_of_one_second_are_printed_whole() {
    let (_simulator, ws) = support::demo_workspace().await;
    let json = ws.run(&["conversations", "--json"]).await;
    let mut by_second: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for conversation in lines(&json.stdout) {
        let session = conversation["session"].as_str().unwrap().to_owned();
        by_second
            .entry(session[..8].to_owned())
            .or_default()
            .push(session);
    }
    let shared: Vec<&Vec<String>> = by_second.values().filter(|ids| ids.len() > 1).collect();
    assert!(!shared.is_empty(), "{by_second:?}");
    assert!(
        shared
            .iter()
            .any(|ids| ids.iter().all(|id| id[..18] == ids[0][..18])),
        "some differ only in their last characters: {shared:?}"
    );

    let table = ws.run(&["conversations"]).await;
    assert_eq!(table.code, 0, "{}", table.all());
    assert!(table.stdout.starts_with("SESSION "), "{}", table.stdout);
    for ids in shared {
        for id in ids {
            assert!(
                table.stdout.contains(id.as_str()),
                "{id} whole in:\n{}",
                table.stdout
            );
        }
    }
}

#[tokio::test]
async fn the_status_filter_goes_to_the_platform_and_is_checked() {
    let (simulator, ws) = support::demo_workspace().await;
    let active = ws
        .run(&["conversations", "--status", "active", "--json"])
        .await;
    assert_eq!(active.code, 0, "{}", active.all());
    let active = lines(&active.stdout);
    assert!(!active.is_empty());
    assert!(active.iter().all(|c| c["status"] == "ACTIVE"));

    let ended = ws
        .run(&["conversations", "--status", "CLOSED,TERMINATED", "--json"])
        .await;
    assert_eq!(lines(&ended.stdout).len(), 6, "{}", ended.all());
    let everything = ws
        .run(&[
            "conversations",
            "--status",
            "ACTIVE,CLOSED,IDLE,OPEN,OVERDUE,TERMINATED",
            "--json",
        ])
        .await;
    // The demo's 32 open, 6 over and 3 gone quiet.
    assert_eq!(lines(&everything.stdout).len(), 41);

    let calls = list_calls(&simulator);
    assert!(calls[0].0.ends_with("&status=ACTIVE"), "{calls:?}");
    assert!(
        calls[1].0.ends_with("&status=CLOSED,TERMINATED"),
        "{calls:?}"
    );

    let unknown = ws.run(&["conversations", "--status", "OPEN,WAITING"]).await;
    assert_eq!(unknown.code, 2);
    assert!(
        unknown
            .stderr
            .contains("--status: unknown state \"WAITING\"")
            && unknown
                .stderr
                .contains("ACTIVE, CLOSED, IDLE, OPEN, OVERDUE, TERMINATED"),
        "{}",
        unknown.stderr
    );
    assert_eq!(
        list_calls(&simulator).len(),
        3,
        "nothing asked after bad input"
    );
}

/// A platform that gives fewer a page than were asked for: each page starts after what the
/// last one held, so none is lost or listed twice.
#[tokio::test]
async fn a_platform_that_pages_by_fewer_than_asked_loses_none() {
    let mut config = floor_of(70);
    config.conversations.page_limit = 30;
    let (simulator, ws) = workspace_with(config).await;
    let run = ws.run(&["conversations", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    let listed = lines(&run.stdout);
    let sessions: HashSet<&str> = listed
        .iter()
        .filter_map(|c| c["session"].as_str())
        .collect();
    assert_eq!((listed.len(), sessions.len()), (70, 70), "{}", run.all());
    assert_eq!(
        list_calls(&simulator),
        [0, 30, 60].map(|skip| (
            format!("skip={skip}&limit=100&status=OPEN,OVERDUE,ACTIVE"),
            200
        )),
        "each page starts after what the last one held"
    );
}

/// A platform that reads only repeated `status=` parameters refuses the comma form once; the
/// client says so, asks again, and keeps to the form that worked for the pages after.
#[tokio::test]
async fn statuses_are_repeated_where_commas_are_refused() {
    let mut config = floor_of(170);
    config.conversations.comma_separated_statuses = false;
    let (simulator, ws) = workspace_with(config).await;
    let run = ws.run(&["conversations", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(lines(&run.stdout).len(), 170);
    assert!(
        run.stderr
            .contains("the platform refused statuses separated by commas (HTTP 400"),
        "{}",
        run.stderr
    );
    let repeated = "status=OPEN&status=OVERDUE&status=ACTIVE";
    assert_eq!(
        list_calls(&simulator),
        [
            (
                "skip=0&limit=100&status=OPEN,OVERDUE,ACTIVE".to_owned(),
                400
            ),
            (format!("skip=0&limit=100&{repeated}"), 200),
            (format!("skip=100&limit=100&{repeated}"), 200),
        ]
    );
}

#[tokio::test]
async fn without_the_analytics_scope_the_refusal_says_what_is_missing() {
    let mut config = simulator_config();
    config.conversations.analytics_scope = false;
    let (simulator, ws) = workspace_with(config).await;
    let run = ws.run(&["conversations"]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.is_empty());
    for words in [
        "HTTP 401",
        "lack the \"SmartAssist Analytics\" API scope",
        "Transfers need only the \"Routing\" scope and still work",
    ] {
        assert!(run.stderr.contains(words), "{words} in {}", run.stderr);
    }
    let transfer = ws
        .run(&[
            "transfer",
            "--session",
            "6538f8a3c9cf425ee5cf0a1b",
            "--queue",
            "Billing",
        ])
        .await;
    assert_eq!(transfer.code, 0, "transfers still work: {}", transfer.all());
    run.assert_no_token_of(&simulator);
}

#[tokio::test]
async fn a_transfer_moves_the_conversation_in_the_list() {
    let (_simulator, ws) = support::demo_workspace().await;
    let before = lines(&ws.run(&["conversations", "--json"]).await.stdout);
    let waiting = before
        .iter()
        .find(|c| c["status"] != "ACTIVE" && c["queue_name"] != "Escalations")
        .expect("someone waits outside Escalations");
    let session = waiting["session"].as_str().unwrap();
    let moves_before = waiting["moves"].as_array().unwrap().len();

    let transfer = ws
        .run(&["transfer", "--session", session, "--queue", "escalations"])
        .await;
    assert_eq!(transfer.code, 0, "{}", transfer.all());
    let after = lines(&ws.run(&["conversations", "--json"]).await.stdout);
    let moved = after.iter().find(|c| c["session"] == session).unwrap();
    assert_eq!(moved["queue_name"], "Escalations");
    let moves = moved["moves"].as_array().unwrap();
    assert_eq!(moves.len(), moves_before + 1);
    assert_eq!(moves.last().unwrap()["to_kind"], "queue");
    assert_eq!(moves.last().unwrap()["to_name"], "Escalations");
    assert!(
        moved["wait_secs"].as_u64().unwrap() < 5,
        "waiting afresh: {moved}"
    );

    let escalations = ws
        .run(&["conversations", "--queue", "Escalations", "--json"])
        .await;
    assert!(
        lines(&escalations.stdout)
            .iter()
            .any(|c| c["session"] == session)
    );
    assert!(
        lines(&escalations.stdout)
            .iter()
            .all(|c| c["queue_name"] == "Escalations")
    );

    // Moved again a moment later, on purpose.
    let to_agent = ws
        .run(&[
            "transfer",
            "--session",
            session,
            "--agent",
            "Dana Whitfield",
            "--include-recent",
        ])
        .await;
    assert_eq!(to_agent.code, 0, "{}", to_agent.all());
    let table = ws.run(&["conversations"]).await;
    let row = table
        .stdout
        .lines()
        .find(|l| l.starts_with(session))
        .unwrap();
    assert!(row.contains("ACTIVE"), "{row}");
    assert!(row.contains("Dana Whitfield"), "{row}");
    assert!(row.contains("ago to Dana Whitfield"), "{row}");
}

#[tokio::test]
async fn an_ended_conversation_is_refused_by_the_platform() {
    let (_simulator, ws) = support::demo_workspace().await;
    let ended = lines(
        &ws.run(&["conversations", "--status", "CLOSED,TERMINATED", "--json"])
            .await
            .stdout,
    );
    let conversation = &ended[0];
    let session = conversation["session"].as_str().unwrap();
    let run = ws
        .run(&["transfer", "--session", session, "--queue", "Billing"])
        .await;
    assert_eq!(run.code, 1, "certainly not transferred: {}", run.all());
    let status = conversation["status"].as_str().unwrap();
    assert!(
        run.all()
            .contains(&format!("is {status} and cannot be transferred")),
        "{}",
        run.all()
    );
}

#[tokio::test]
async fn an_unknown_queue_is_named() {
    let (_simulator, ws) = support::demo_workspace().await;
    let run = ws.run(&["conversations", "--queue", "Nowhere"]).await;
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("--queue: no queue named \"Nowhere\""),
        "{}",
        run.stderr
    );
}

/// The docs' own sample reply through the real client: nine of ten session ids are masked, the
/// one left is CLOSED, its queue is named after a person, and its priority is a number.
#[tokio::test]
async fn the_documentations_sample_reply_is_read() {
    let simulator = start_simulator(SimulatorConfig {
        replies: Replies::DocumentedSamples,
        ..simulator_config()
    })
    .await;
    let data = tempfile::tempdir().unwrap();
    let client = platform_client(&simulator, data.path());
    let list = client
        .list_conversations(&[ConversationStatus::Closed])
        .await
        .unwrap();
    assert_eq!(list.conversations.len(), 1);
    assert_eq!(
        list.notes,
        [
            "left out 9 listed conversation(s) without a botSessionId of 24 hex characters: they cannot be named to a transfer"
        ]
    );
    let only = &list.conversations[0];
    assert_eq!(only.session.as_str(), "646efef54fd9612a21fffbc8");
    assert_eq!(
        only.conversation_id.as_deref(),
        Some("c-7e66963-2291-44c0-96a8-c0b40e2exxxx")
    );
    assert_eq!(only.status, Some(ConversationStatus::Closed));
    assert_eq!(only.wait, Some(std::time::Duration::from_millis(65063)));
    assert_eq!(only.priority.as_deref(), Some("7"));
    assert_eq!(only.intent.as_deref(), Some("TalkToAgent"));
    assert_eq!(only.sentiment, None, "chat records carry none");
    assert_eq!(
        (only.language.as_deref(), only.channel.as_deref()),
        (Some("en"), Some("rtm"))
    );
    let queue = only.queue.as_ref().unwrap();
    assert_eq!(
        queue.id.as_deref(),
        Some("qu-241a4d7-e5d0-45a9-8032-82384505xxxx")
    );
    assert_eq!(
        queue.name.as_deref(),
        Some("John Doe"),
        "a person's name, as given"
    );
    let agent = only.agent.as_ref().unwrap();
    assert_eq!(
        agent.user_id.as_deref(),
        Some("u-b19cd89e-6533-59af-b491-eec9bf8fxxxx")
    );
    assert!(only.moves.is_empty());

    // The filter asked for is kept even when a platform ignores it.
    let movable = client
        .list_conversations(&ConversationStatus::MOVABLE)
        .await
        .unwrap();
    assert!(movable.conversations.is_empty());
    assert!(
        movable.notes.iter().any(|n| n
            == "the platform also listed 1 conversation(s) in states not asked for (CLOSED); left out"),
        "{:?}",
        movable.notes
    );

    // Through the binary, with the agent list (also the docs' sample) read to name agents.
    let ws = Workspace::new();
    ws.write_config_for(&simulator, "");
    let run = ws.run(&["conversations", "--status", "CLOSED"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    let row = run.stdout.lines().nth(1).unwrap();
    assert!(row.starts_with("646efef54fd9612a21fffbc8  CLOSED"), "{row}");
    for cell in ["1m05s", "John Doe", "TalkToAgent"] {
        assert!(row.contains(cell), "{cell} in {row}");
    }
}

#[tokio::test]
async fn moves_read_through_the_client_name_their_targets() {
    let simulator = start_simulator(simulator_config()).await;
    let data = tempfile::tempdir().unwrap();
    let reads = Account::open(&config_for(&simulator), data.path())
        .unwrap()
        .reads;
    let list = reads.conversations(&demo::roster(), &[]).await.unwrap();
    assert_eq!(list.conversations.len(), 41, "{:?}", list.notes);
    assert!(list.notes.is_empty(), "{:?}", list.notes);
    let moved = list
        .conversations
        .iter()
        .find(|c| !c.moves.is_empty())
        .unwrap();
    let last = moved.last_move().unwrap();
    assert!(matches!(last.to, Some(MoveTarget::Queue(_))));
    assert_eq!(
        last.to.as_ref().unwrap().label(),
        moved.queue.as_ref().unwrap().label()
    );
    assert!(
        last.by.as_ref().unwrap().agent_id.is_some(),
        "mapped from the user id"
    );
    assert!(last.at.is_some());
}

/// `transfer --from-queue`: every conversation waiting in a queue goes to another target, once,
/// except those someone moved a moment ago, which are said; the same command again sends
/// nothing twice; with `--include-recent` the rest go too.
#[tokio::test]
async fn a_queue_is_drained_into_another_and_a_rerun_sends_nothing_twice() {
    // Several listings (each reads the agent list too) would wait out the minute at 60.
    let (simulator, ws) = workspace_with(SimulatorConfig {
        rate_limit_per_minute: 1_000,
        ..floor_of(60)
    })
    .await;
    ws.write_config_for(&simulator, "rate_limit_per_minute = 1000");
    let waiting_in = |listed: &[Value], queue: &str| -> HashSet<String> {
        listed
            .iter()
            .filter(|c| c["queue_name"] == queue && c["status"] != "ACTIVE")
            .map(|c| c["session"].as_str().unwrap().to_owned())
            .collect()
    };
    let sessions_in = |stdout: &str, state: &str| -> HashSet<String> {
        lines(stdout)
            .iter()
            .filter(|l| l["state"] == state)
            .map(|l| l["session"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = lines(&ws.run(&["conversations", "--json"]).await.stdout);
    let billing = waiting_in(&before, "Billing");
    assert!(
        !billing.is_empty(),
        "the demo floor has someone waiting in Billing"
    );

    let drain = [
        "transfer",
        "--from-queue",
        "Billing",
        "--queue",
        "Tech Support",
        "--json",
    ];
    let run = ws.run(&drain).await;
    assert_eq!(run.code, 0, "{}", run.all());
    let moved = sessions_in(&run.stdout, "accepted");
    let skipped = sessions_in(&run.stdout, "skipped");
    assert!(!moved.is_empty(), "{}", run.stdout);
    assert_eq!(&moved | &skipped, billing, "{}", run.stdout);
    assert!(
        lines(&run.stdout)
            .iter()
            .filter(|l| l["state"] == "skipped")
            .all(|l| l["reason"].as_str().unwrap().contains("ago to Billing by")),
        "only those moved a moment ago are left: {}",
        run.stdout
    );
    let after = lines(&ws.run(&["conversations", "--json"]).await.stdout);
    assert_eq!(waiting_in(&after, "Billing"), skipped);
    assert!(moved.is_subset(&waiting_in(&after, "Tech Support")));

    let assigns = |simulator: &Simulator| {
        simulator
            .requests()
            .iter()
            .filter(|r| r.path.ends_with("/assign-conversation"))
            .count()
    };
    let sent = assigns(&simulator);
    let again = ws.run(&drain).await;
    assert_eq!(again.code, 0, "{}", again.all());
    assert_eq!(assigns(&simulator), sent, "nothing sent twice");

    let mut all = drain.to_vec();
    all.push("--include-recent");
    let rest = ws.run(&all).await;
    assert_eq!(
        sessions_in(&rest.stdout, "accepted"),
        skipped,
        "{}",
        rest.all()
    );
    let drained = lines(&ws.run(&["conversations", "--json"]).await.stdout);
    assert!(waiting_in(&drained, "Billing").is_empty());

    let unknown = ws
        .run(&[
            "transfer",
            "--from-queue",
            "No Such Queue",
            "--queue",
            "Billing",
        ])
        .await;
    assert_eq!(unknown.code, 2, "{}", unknown.all());
    assert!(
        unknown
            .stderr
            .contains("--from-queue: no queue named \"No Such Queue\""),
        "{}",
        unknown.stderr
    );
}

/// `transfer --from-queue … --limit N`: the N longest waiting of the queue go, the rest stay
/// and are said; a limit of 0 or a word is refused in words before anything is read.
#[tokio::test]
async fn a_limit_takes_the_longest_waiting_of_a_queue_only() {
    let (simulator, ws) = workspace_with(SimulatorConfig {
        rate_limit_per_minute: 1_000,
        ..floor_of(60)
    })
    .await;
    ws.write_config_for(&simulator, "rate_limit_per_minute = 1000");
    let before = lines(&ws.run(&["conversations", "--json"]).await.stdout);
    let mut billing: Vec<(u64, String)> = before
        .iter()
        .filter(|c| c["queue_name"] == "Billing" && c["status"] != "ACTIVE")
        .map(|c| {
            (
                c["wait_secs"].as_u64().unwrap(),
                c["session"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(billing.len() > 3, "the demo floor has a queue: {billing:?}");
    billing.sort_by_key(|(wait, _)| std::cmp::Reverse(*wait));
    let longest: HashSet<String> = billing.iter().take(3).map(|(_, s)| s.clone()).collect();

    let run = ws
        .run(&[
            "transfer",
            "--from-queue",
            "Billing",
            "--limit",
            "3",
            "--queue",
            "Tech Support",
            "--include-recent",
            "--json",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    let moved: HashSet<String> = lines(&run.stdout)
        .iter()
        .filter(|l| l["state"] == "accepted")
        .map(|l| l["session"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(moved, longest, "{}", run.all());
    let left = billing.len() - 3;
    assert!(
        run.stderr
            .contains("moving the 3 longest waiting (--limit 3)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("{left} left for another run (--limit 3)")),
        "{}",
        run.stderr
    );

    for (bad, words) in [
        ("0", "0 would move nothing"),
        ("many", "\"many\" is not a number of conversations"),
    ] {
        let refused = ws
            .run(&[
                "transfer",
                "--from-queue",
                "Billing",
                "--limit",
                bad,
                "--queue",
                "Tech Support",
            ])
            .await;
        assert_eq!(refused.code, 2, "{}", refused.all());
        assert!(refused.stderr.contains(words), "{}", refused.stderr);
    }
}

/// A drain while someone else keeps taking the newest waiting conversations between the reads
/// of the list's pages (the simulator's `picked_up_between_pages`): the pages shift, and a
/// single pass misses some. The drain reads the queue again after each pass and sends what
/// waited there since before it started, each once; it ends saying nothing is left, and the
/// queue is empty.
#[tokio::test]
async fn a_drain_while_pages_shift_leaves_nothing_behind_in_silence() {
    let base = floor_of(200);
    let (simulator, ws) = workspace_with(SimulatorConfig {
        rate_limit_per_minute: 1_000,
        conversations: ConversationsConfig {
            page_limit: 10,
            picked_up_between_pages: 2,
            ..base.conversations.clone()
        },
        ..base
    })
    .await;
    ws.write_config_for(&simulator, "rate_limit_per_minute = 1000");
    let waiting_in_billing = || async {
        let listed = lines(&ws.run(&["conversations", "--json"]).await.stdout);
        listed
            .iter()
            .filter(|c| c["queue_name"] == "Billing" && c["status"] != "ACTIVE")
            .map(|c| c["session"].as_str().unwrap().to_owned())
            .collect::<HashSet<String>>()
    };
    let before = waiting_in_billing().await;
    assert!(before.len() >= 10, "a busy queue: {before:?}");

    let run = ws
        .run(&[
            "transfer",
            "--from-queue",
            "Billing",
            "--queue",
            "Tech Support",
            "--json",
            // Some of the floor's conversations moved a minute ago: all of them go.
            "--include-recent",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stderr
            .contains("note: no conversation waits in Billing any more"),
        "{}",
        run.stderr
    );
    assert!(
        waiting_in_billing().await.is_empty(),
        "none left waiting: {}",
        run.all()
    );
    let mut sent: BTreeMap<String, usize> = BTreeMap::new();
    for request in simulator.requests() {
        if request.path.ends_with("/assign-conversation") {
            let body: Value = serde_json::from_str(&request.body).unwrap();
            *sent
                .entry(body["botSessionId"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    assert!(sent.values().all(|&n| n == 1), "each sent once: {sent:?}");
}

/// A queue name of 200,000 characters from the platform is cut in the table and in `--json`,
/// each saying how much was cut; the JSON stays JSON, and the table stays a table.
#[tokio::test]
async fn a_huge_name_from_the_platform_is_cut_and_counted() {
    let huge = format!("Billing {}", "x".repeat(200_000));
    let mut config = floor_of(1);
    for queue in &mut config.queues {
        queue.name = huge.clone();
    }
    let (_simulator, ws) = workspace_with(config).await;
    // A roster without queues: the platform's own names show.
    ws.write("data/roster.toml", "");
    let table = ws.run(&["conversations"]).await;
    assert_eq!(table.code, 0, "{}", table.all());
    assert!(table.stdout.len() < 1_000, "{}", table.stdout);
    let row = table.stdout.lines().nth(1).unwrap();
    let kept = row.find("Billing x").unwrap();
    let marker = row[kept..].find('…').unwrap();
    let counted = format!(
        "…(+{} characters)",
        handoff::terminal_safe::grouped(huge.len() - marker)
    );
    assert!(row.contains(&counted), "{counted}: {row}");

    let json = ws.run(&["conversations", "--json"]).await;
    assert_eq!(json.code, 0, "{}", json.all());
    let listed = lines(&json.stdout);
    let name = listed[0]["queue_name"].as_str().unwrap();
    assert!(name.starts_with("Billing x"), "{name}");
    assert!(
        name.chars().count() <= handoff::terminal_safe::JSON_STRING_CHARS,
        "{name}"
    );
    let marker = name.find('…').unwrap();
    assert!(
        name.ends_with(&format!(
            "…(+{} characters)",
            handoff::terminal_safe::grouped(huge.len() - marker)
        )),
        "{name}"
    );
}
