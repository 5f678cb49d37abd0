//! `handoff relay`, the real process: the simulator posts callbacks to it, a real redis-server
//! holds the account's stream, and consoles' runs without a receiver (`[callback] via = "team"`)
//! read their own callbacks back. Redis is killed and restarted, the relay is killed with a
//! spool, hostile posts are counted and never reach the stream.

use std::time::Duration;

use handoff::demo;
use handoff_simulator::Simulator;
use serde_json::{Value, json};

use crate::redis_server::RedisServer;
use crate::support::{Runner, Watched, Workspace, free_port, simulator_config, start_simulator};

pub(crate) fn stream_key() -> String {
    format!("handoff:{{{}}}:callbacks", demo::ACCOUNT_ID)
}

/// A running relay, its workspace (config and data folder) and where it listens.
pub(crate) struct Relay {
    pub(crate) ws: Workspace,
    pub(crate) port: u16,
    pub(crate) process: Option<Watched>,
    /// `http`, or `https` when it serves TLS itself.
    scheme: &'static str,
    /// What posts to it: a client trusting the test CA when it serves TLS.
    client: reqwest::Client,
}

impl Relay {
    /// A relay for the demo account on `redis`, listening on a free port, over plain HTTP.
    pub(crate) async fn start(redis: &RedisServer) -> Self {
        Self::start_in(Workspace::new(), redis, "", "http", http()).await
    }

    /// A relay in `ws`, with `relay_lines` added to its `[relay]` (`tls_cert`, `tls_key`),
    /// serving `scheme`, posted to with `client`.
    pub(crate) async fn start_in(
        ws: Workspace,
        redis: &RedisServer,
        relay_lines: &str,
        scheme: &'static str,
        client: reqwest::Client,
    ) -> Self {
        let port = free_port();
        ws.write(
            "config.toml",
            &format!(
                "[platform]\naccount_id = \"{}\"\n\n[team]\nredis_url = \"{}\"\n\n[relay]\nlisten = \"127.0.0.1:{port}\"\n{relay_lines}",
                demo::ACCOUNT_ID,
                redis.url()
            ),
        );
        let mut relay = Self {
            ws,
            port,
            process: None,
            scheme,
            client,
        };
        relay.restart().await;
        relay
    }

    pub(crate) async fn restart(&mut self) {
        let process = Runner::for_workspace(&self.ws).watch(&["relay"]);
        let listening = format!(
            "relay: taking the account's callbacks on {}://",
            self.scheme
        );
        until("the relay listens", || {
            process.stderr().contains(&listening)
        })
        .await;
        self.process = Some(process);
    }

    pub(crate) fn url(&self) -> String {
        format!("{}://127.0.0.1:{}/kore", self.scheme, self.port)
    }

    /// The running process.
    pub(crate) fn process(&self) -> &Watched {
        self.process.as_ref().expect("the relay runs")
    }

    /// The team's token, once the relay has it from Redis.
    pub(crate) async fn known_token(&self) -> String {
        until("the relay knows the team's token", || {
            self.ws.data_dir().join("team-callback-token").exists()
        })
        .await;
        self.token()
    }

    /// `kill -9`.
    async fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.kill().await;
        }
    }

    pub(crate) async fn get(&self, path: &str) -> (u16, String) {
        let answer = self
            .client
            .get(format!("{}://127.0.0.1:{}{path}", self.scheme, self.port))
            .send()
            .await
            .unwrap();
        (answer.status().as_u16(), answer.text().await.unwrap())
    }

    /// The count `name` (with its labels) in `/metrics`.
    pub(crate) async fn metric(&self, name: &str) -> u64 {
        let (_, text) = self.get("/metrics").await;
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} not in:\n{text}"))
            .parse()
            .unwrap()
    }

    pub(crate) fn token(&self) -> String {
        std::fs::read_to_string(self.ws.data_dir().join("team-callback-token"))
            .unwrap()
            .trim()
            .to_owned()
    }

    /// Posts `body` as the platform would, for `transfer`, with `token`.
    pub(crate) async fn post(&self, token: &str, transfer: &str, body: &Value) -> (u16, String) {
        let answer = self
            .client
            .post(format!(
                "{}?handoff_token={token}&handoff_transfer={transfer}",
                self.url()
            ))
            .json(body)
            .send()
            .await
            .unwrap();
        (answer.status().as_u16(), answer.text().await.unwrap())
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

pub(crate) async fn until(what: &str, done: impl Fn() -> bool) {
    let waited = tokio::time::timeout(Duration::from_secs(20), async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "gave up waiting until {what}");
}

/// The stream's entries: (transfer, body).
pub(crate) async fn stream(redis: &RedisServer) -> Vec<(String, Value)> {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let entries: Vec<(String, std::collections::HashMap<String, String>)> = redis::cmd("XRANGE")
        .arg(stream_key())
        .arg("-")
        .arg("+")
        .query_async(&mut connection)
        .await
        .unwrap();
    entries
        .into_iter()
        .map(|(_, fields)| {
            (
                fields["transfer"].clone(),
                serde_json::from_str(&fields["body"]).unwrap(),
            )
        })
        .collect()
}

/// The stream once it holds `count` entries (or what it holds after 20 s, for the test to
/// name what is missing).
async fn stream_holding(redis: &RedisServer, count: usize) -> Vec<(String, Value)> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let kept = stream(redis).await;
        if kept.len() >= count || tokio::time::Instant::now() >= deadline {
            return kept;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A supervisor's workspace with no receiver: callbacks through the team's relay.
fn desk(simulator: &Simulator, redis: &RedisServer, relay: &Relay, name: &str) -> Workspace {
    desk_at(simulator, redis, &relay.url(), name)
}

/// The same, with `callback_url` the relay's public URL (a proxy's in front of it).
pub(crate) fn desk_at(
    simulator: &Simulator,
    redis: &RedisServer,
    callback_url: &str,
    name: &str,
) -> Workspace {
    let ws = Workspace::new();
    ws.write_config(&simulator.base_url(), callback_url, "");
    let config = std::fs::read_to_string(ws.config_path()).unwrap();
    ws.write(
        "config.toml",
        &format!(
            "{}\n[team]\nredis_url = \"{}\"\nname = \"{name}\"\n",
            config.replace("[callback]\n", "[callback]\nvia = \"team\"\n"),
            redis.url()
        ),
    );
    ws.write_demo_roster();
    ws
}

pub(crate) fn transfer_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub(crate) fn callback(session: &str, n: usize) -> Value {
    json!({"botSessionId": session, "status": "success", "n": n})
}

/// Three supervisors, none with a receiver, transfer at once through one relay: each run is
/// confirmed, and each audit file holds only its own callback.
#[tokio::test]
async fn three_desks_without_a_receiver_each_see_their_own_transfer_confirmed() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let simulator = start_simulator(simulator_config()).await;
    let relay = Relay::start(&redis).await;
    let sessions = [
        "6538f8a3c9cf425ee5cf0a01",
        "6538f8a3c9cf425ee5cf0a02",
        "6538f8a3c9cf425ee5cf0a03",
    ];
    let desks: Vec<Workspace> = ["Priya", "Marcus", "Dana"]
        .iter()
        .map(|name| desk(&simulator, &redis, &relay, name))
        .collect();
    let runs =
        futures::future::join_all(desks.iter().zip(sessions).map(|(ws, session)| async move {
            ws.run(&[
                "transfer",
                "--session",
                session,
                "--agent",
                "Grace Liu",
                "--wait",
                "15",
                "--json",
            ])
            .await
        }))
        .await;
    for ((ws, session), run) in desks.iter().zip(sessions).zip(&runs) {
        assert_eq!(run.code, 0, "{session}: {}", run.all());
        assert_eq!(run.json()["state"], "confirmed", "{}", run.all());
        assert_eq!(
            ws.sessions_with_a_callback(),
            [session],
            "only its own callback is recorded"
        );
        assert!(!run.all().contains(&relay.token()), "the token leaked");
    }
    assert_eq!(stream(&redis).await.len(), 3);
    assert_eq!(
        relay.metric("handoff_relay_callbacks_stored_total").await,
        3
    );
}

/// Redis is killed while callbacks arrive and started again: every callback the relay answered
/// reaches the stream, in the order it came.
#[tokio::test]
async fn redis_killed_while_callbacks_arrive_loses_none_and_keeps_their_order() {
    // Redis keeps what it took across its restart, so anything missing is the relay's loss.
    let Some(mut redis) =
        RedisServer::start_with(&["--appendonly", "yes", "--appendfsync", "always"])
    else {
        return;
    };
    let relay = Relay::start(&redis).await;
    let token = relay.token();
    let transfer = transfer_id();
    let session = "6538f8a3c9cf425ee5cf0a1b";
    for n in 0..20 {
        assert_eq!(
            relay.post(&token, &transfer, &callback(session, n)).await.0,
            200
        );
    }
    redis.kill();
    for n in 20..40 {
        let (status, said) = relay.post(&token, &transfer, &callback(session, n)).await;
        assert_eq!(status, 200, "{said}");
        assert!(said.contains("spool"), "{said}");
    }
    let (health, said) = relay.get("/healthz").await;
    assert_eq!(health, 503, "{said}");
    redis.restart();
    for n in 40..50 {
        assert_eq!(
            relay.post(&token, &transfer, &callback(session, n)).await.0,
            200
        );
    }
    let kept = stream_holding(&redis, 50).await;
    let order: Vec<u64> = kept
        .iter()
        .map(|(_, body)| body["n"].as_u64().unwrap())
        .collect();
    assert_eq!(order, (0..50).collect::<Vec<u64>>());
    assert!(kept.iter().all(|(t, _)| *t == transfer));
    assert_eq!(
        relay.metric("handoff_relay_callbacks_spooled_total").await,
        30
    );
    assert_eq!(
        relay
            .metric("handoff_relay_callbacks_forwarded_total")
            .await,
        30
    );
    assert_eq!(relay.get("/healthz").await.0, 200);
}

/// A relay killed with callbacks in its spool forwards them when it is started again, before
/// anything new.
#[tokio::test]
async fn a_relay_killed_with_a_spool_forwards_it_when_started_again() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let mut relay = Relay::start(&redis).await;
    let token = relay.token();
    redis.kill();
    let transfer = transfer_id();
    for n in 0..10 {
        let (status, said) = relay
            .post(&token, &transfer, &callback("6538f8a3c9cf425ee5cf0a1b", n))
            .await;
        assert_eq!((status, said.contains("spool")), (200, true), "{said}");
    }
    relay.kill().await;
    redis.restart();
    relay.restart().await;
    relay
        .post(&token, &transfer, &callback("6538f8a3c9cf425ee5cf0a1b", 10))
        .await;
    let kept = stream_holding(&redis, 11).await;
    let order: Vec<u64> = kept
        .iter()
        .map(|(_, body)| body["n"].as_u64().unwrap())
        .collect();
    assert_eq!(order, (0..11).collect::<Vec<u64>>());
}

/// Wrong and missing tokens, a GET, a body over the cap, one that is not JSON: each refused as
/// the console's receiver refuses it, counted by reason, and never on the stream. The same
/// callback twice is kept once.
#[tokio::test]
async fn hostile_posts_are_refused_counted_and_never_reach_the_stream() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let relay = Relay::start(&redis).await;
    let token = relay.token();
    let transfer = transfer_id();
    let body = callback("6538f8a3c9cf425ee5cf0a1b", 1);
    assert_eq!(relay.post(&"x".repeat(64), &transfer, &body).await.0, 403);
    let missing = http().post(relay.url()).json(&body).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 403);
    let url = format!("{}?handoff_token={token}", relay.url());
    assert_eq!(
        http().get(&url).send().await.unwrap().status().as_u16(),
        405
    );
    let huge = http()
        .post(&url)
        .body("x".repeat(handoff::callback::MAX_BODY_BYTES + 1))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status().as_u16(), 413);
    let not_json = http().post(&url).body("{nope").send().await.unwrap();
    assert_eq!(not_json.status().as_u16(), 400);
    assert!(stream(&redis).await.is_empty());
    // The same callback twice: kept once.
    assert_eq!(relay.post(&token, &transfer, &body).await.0, 200);
    let (status, said) = relay.post(&token, &transfer, &body).await;
    assert_eq!(status, 200);
    assert!(said.contains("received before"), "{said}");
    assert_eq!(stream(&redis).await.len(), 1);
    for (reason, count) in [
        ("wrong_token", 2),
        ("not_post", 1),
        ("too_large", 1),
        ("not_json", 1),
    ] {
        let name = format!("handoff_relay_callbacks_refused_total{{reason=\"{reason}\"}}");
        assert_eq!(relay.metric(&name).await, count, "{reason}");
    }
    assert_eq!(
        relay
            .metric("handoff_relay_callbacks_duplicate_total")
            .await,
        1
    );
    let process = relay.process.as_ref().unwrap();
    assert!(!process.stderr().contains(&token), "the token leaked");
}

/// After `rotate-token`, callbacks with the old token are still taken (for a day), and with
/// the new one too.
#[tokio::test]
async fn a_rotated_token_is_taken_beside_the_old_one() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let relay = Relay::start(&redis).await;
    let old = relay.token();
    let run = relay.ws.run(&["relay", "rotate-token"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!run.all().contains(&old));
    until("the relay takes the new token", || relay.token() != old).await;
    let new = relay.token();
    let body = callback("6538f8a3c9cf425ee5cf0a1b", 1);
    assert_eq!(relay.post(&old, &transfer_id(), &body).await.0, 200);
    assert_eq!(relay.post(&new, &transfer_id(), &body).await.0, 200);
    assert_eq!(
        relay.post(&"y".repeat(64), &transfer_id(), &body).await.0,
        403
    );
}

/// A relay's config problems are named, with exit code 2.
#[tokio::test]
async fn a_relay_without_a_team_is_refused_in_words() {
    let ws = Workspace::new();
    ws.write(
        "config.toml",
        &format!("[platform]\naccount_id = \"{}\"\n", demo::ACCOUNT_ID),
    );
    let run = ws.run(&["relay"]).await;
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr
            .contains("team: the relay keeps callbacks in the team's Redis"),
        "{}",
        run.stderr
    );
}

/// A console closed while callbacks came catches up when it opens again: it reads from the
/// entry it last read, remembered in its data folder, so nothing in between is missed and
/// nothing before is read again.
#[tokio::test]
async fn a_console_reopened_catches_up_from_the_entry_it_last_read() {
    use handoff::callback::CallbackEvent;
    use handoff::relay::stream::{Kept, append};
    use handoff::relay::{Follower, Start};

    let Some(redis) = RedisServer::start() else {
        return;
    };
    let team = handoff::config::TeamConfig {
        redis_url: url::Url::parse(&redis.url()).unwrap(),
        password: None,
        password_env: None,
        name: "Priya".into(),
        fallback_share: 1.0,
    };
    let link = handoff::team::Link::new(&team).unwrap();
    let account = demo::ACCOUNT_ID;
    let data = tempfile::tempdir().unwrap();
    let start = Start::remembered_in(data.path(), account);
    let kept = |n: i64| Kept {
        transfer: Some(transfer_id()),
        body: callback("6538f8a3c9cf425ee5cf0a1b", n as usize).to_string(),
        at_ms: chrono::Utc::now().timestamp_millis(),
    };
    append(&link, account, &kept(0)).await.unwrap();

    // Opened: it reads what comes from now on, not what was there before.
    let (tx, mut events) = tokio::sync::mpsc::channel(64);
    let console = Follower::start(&team, account, start.clone(), tx)
        .await
        .unwrap();
    append(&link, account, &kept(1)).await.unwrap();
    let first = tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .unwrap();
    let Some(CallbackEvent::Received(first)) = first else {
        panic!("expected a callback, got {first:?}");
    };
    assert_eq!(first.payload["n"], 1);
    until("the cursor is kept", || {
        std::fs::read_dir(data.path()).unwrap().any(|entry| {
            entry
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("relay-cursor")
        })
    })
    .await;
    drop(console);

    // Closed while three more come; opened again, it reads exactly those.
    for n in 2..5 {
        append(&link, account, &kept(n)).await.unwrap();
    }
    let (tx, mut events) = tokio::sync::mpsc::channel(64);
    let _console = Follower::start(&team, account, start, tx).await.unwrap();
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while seen.len() < 3 && tokio::time::Instant::now() < deadline {
        if let Ok(Some(CallbackEvent::Received(received))) =
            tokio::time::timeout(Duration::from_millis(200), events.recv()).await
        {
            seen.push(received.payload["n"].as_u64().unwrap());
        }
    }
    assert_eq!(seen, [2, 3, 4]);
}

/// `handoff callbacks check` on a desk with `via = "team"`: the test callback goes through the
/// relay and comes back on the team's stream; with Redis away, it says the relay cannot reach
/// it. The test callback is never recorded.
#[tokio::test]
async fn the_check_goes_through_the_relay_and_names_a_redis_that_is_away() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let simulator = start_simulator(simulator_config()).await;
    let relay = Relay::start(&redis).await;
    let ws = desk(&simulator, &redis, &relay, "Priya");
    let run = ws.run(&["callbacks", "check"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.starts_with("callbacks reach this console ("),
        "{}",
        run.stdout
    );
    assert!(
        ws.audit_lines().is_empty(),
        "a test callback is never recorded"
    );
    let token = std::fs::read_to_string(ws.data_dir().join("team-callback-token")).unwrap();
    assert!(!run.all().contains(token.trim()), "the token leaked");

    redis.kill();
    let run = ws.run(&["callbacks", "check", "--timeout", "5"]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr
            .contains("the team's relay took the post but cannot reach the team's Redis"),
        "{}",
        run.stderr
    );
}

/// Two relays behind one name, as a team that needs more runs them: a callback that reaches
/// both (the platform's post replayed to the other) is kept once on the one stream.
#[tokio::test]
async fn two_relays_on_one_stream_keep_a_callback_once() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let first = Relay::start(&redis).await;
    let second = Relay::start(&redis).await;
    assert_eq!(first.token(), second.token(), "one team, one token");
    let token = first.token();
    let transfer = transfer_id();
    let body = callback("6538f8a3c9cf425ee5cf0a1b", 1);
    let (a, b) = tokio::join!(
        first.post(&token, &transfer, &body),
        second.post(&token, &transfer, &body)
    );
    assert_eq!((a.0, b.0), (200, 200), "{a:?} {b:?}");
    assert_eq!(stream(&redis).await.len(), 1);
    let stored = first.metric("handoff_relay_callbacks_stored_total").await
        + second.metric("handoff_relay_callbacks_stored_total").await;
    let duplicates = first
        .metric("handoff_relay_callbacks_duplicate_total")
        .await
        + second
            .metric("handoff_relay_callbacks_duplicate_total")
            .await;
    assert_eq!((stored, duplicates), (1, 1));
}

/// SIGTERM (systemd's stop) ends the relay cleanly, with exit code 0 and its last word.
#[tokio::test]
async fn sigterm_stops_the_relay_cleanly() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let mut relay = Relay::start(&redis).await;
    let process = relay.process.take().unwrap();
    process.signal("TERM");
    let run = process.finish().await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stderr.contains("relay: stopped"), "{}", run.stderr);
}
