//! Team mode against a real redis-server and the simulator over real HTTP: several processes
//! of one account, each with its own data folder (as on separate machines), share one budget
//! through Redis, and keep working when Redis goes away.

use std::time::{Duration, Instant};

use crate::redis_server::RedisServer;
use crate::support::{self, Runner, Workspace, simulator_config, start_simulator};
use handoff_simulator::{Simulator, SimulatorConfig};

/// The platform's minute scaled down to 2 s, so a test of several windows takes seconds.
const WINDOW_SECS: u64 = 2;
/// The request timeout scaled down with it: an unanswered call counts until then (a console
/// that loses Redis counts its teammates' calls still out from then on), and the simulator
/// answers in milliseconds (or 5 s for the sessions that test a slow answer).
const REQUEST_TIMEOUT_SECS: u64 = 8;

async fn simulator_allowing(limit: u32) -> Simulator {
    start_simulator(SimulatorConfig {
        rate_limit_per_minute: limit,
        rate_window: Duration::from_secs(WINDOW_SECS),
        ..simulator_config()
    })
    .await
}

/// A workspace of its own (config, data folder, roster) for one supervisor of the account,
/// with `team` as its `[team]` table (none if empty).
fn supervisor(simulator: &Simulator, limit: u32, team: &str) -> Workspace {
    supervisor_with_window(simulator, limit, WINDOW_SECS, team)
}

/// `supervisor`, with a window of `window_secs` (how long a transfer waits for Redis to take
/// its claim, too).
fn supervisor_with_window(
    simulator: &Simulator,
    limit: u32,
    window_secs: u64,
    team: &str,
) -> Workspace {
    let ws = Workspace::new();
    ws.write_config_for(
        simulator,
        &format!(
            "rate_limit_per_minute = {limit}\nrate_window_secs = {window_secs}\nrequest_timeout_secs = {REQUEST_TIMEOUT_SECS}"
        ),
    );
    let config = std::fs::read_to_string(ws.config_path()).unwrap();
    ws.write("config.toml", &format!("{config}\n{team}\n"));
    ws.write_demo_roster();
    ws
}

fn team_table(redis: &RedisServer, name: &str) -> String {
    format!(
        "[team]\nredis_url = \"{}\"\nname = \"{name}\"\n",
        redis.url()
    )
}

/// `runs` supervisors of one team (`sup0`, `sup1`, …), each with `each` sessions of its own in
/// a sessions file, on a window of `window_secs`.
fn team_runs(
    simulator: &Simulator,
    redis: &RedisServer,
    limit: u32,
    window_secs: u64,
    runs: usize,
    each: usize,
) -> Vec<(Workspace, String)> {
    (0..runs)
        .map(|n| {
            let team = team_table(redis, &format!("sup{n}"));
            let ws = supervisor_with_window(simulator, limit, window_secs, &team);
            let file = sessions_file(&ws, n, each);
            (ws, file)
        })
        .collect()
}

/// `count` sessions of their own for supervisor `n`, in a sessions file in its workspace.
fn sessions_file(ws: &Workspace, n: usize, count: usize) -> String {
    let ids: Vec<String> = (0..count)
        .map(|i| format!("6538f8a3c9cf425e{n:04x}{i:04x}"))
        .collect();
    ws.write("sessions.txt", &ids.join("\n"));
    ws.dir
        .path()
        .join("sessions.txt")
        .to_str()
        .unwrap()
        .to_owned()
}

fn bulk_run(ws: &Workspace, file: &str) -> impl Future<Output = support::Run> + use<> {
    bulk_run_with(ws, file, &[])
}

/// `bulk_run` with more arguments.
fn bulk_run_with(
    ws: &Workspace,
    file: &str,
    more: &[&str],
) -> impl Future<Output = support::Run> + use<> {
    let runner = Runner::for_workspace(ws);
    let mut args: Vec<String> = ["transfer", "--sessions-file", file, "--queue", "Billing"]
        .map(str::to_owned)
        .to_vec();
    args.extend(more.iter().map(|a| a.to_string()));
    async move {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        runner.run(&args).await
    }
}

fn assigns(simulator: &Simulator) -> Vec<u16> {
    simulator
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/assign-conversation"))
        .map(|r| r.status)
        .collect()
}

/// Three supervisors each move 10 conversations at once, on separate data folders, against a
/// platform allowing 10 per window: Redis holds them to one budget, so none is refused and
/// the 30 go in three windows.
#[tokio::test]
async fn three_bulk_runs_of_a_team_share_one_budget_and_none_is_refused() {
    const LIMIT: u32 = 10;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let simulator = simulator_allowing(LIMIT).await;
    let runs = team_runs(&simulator, &redis, LIMIT, WINDOW_SECS, 3, LIMIT as usize);
    let started = Instant::now();
    let results = futures::future::join_all(runs.iter().map(|(ws, file)| bulk_run(ws, file))).await;
    let elapsed = started.elapsed();
    for run in &results {
        assert_eq!(run.code, 0, "{}", run.all());
        assert!(
            !run.all().contains("team:"),
            "Redis stayed up: {}",
            run.all()
        );
    }
    let statuses = assigns(&simulator);
    assert_eq!(statuses.len(), 30);
    assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
    assert!(simulator.requests().iter().all(|r| r.status != 429));
    // 30 calls at 10 per window: the last ten wait two whole windows for the first twenty.
    assert!(
        elapsed >= Duration::from_secs(2 * WINDOW_SECS),
        "done in {elapsed:?}: the budget let more than 10 per window through"
    );
}

/// The same three runs without `[team]`: each process counts only its own calls, so the
/// platform refuses some. What the test above shows is Redis's doing.
#[tokio::test]
async fn without_a_team_separate_machines_overrun_the_account() {
    const LIMIT: u32 = 10;
    let simulator = simulator_allowing(LIMIT).await;
    let runs: Vec<_> = (0..3)
        .map(|n| {
            let ws = supervisor(&simulator, LIMIT, "");
            let file = sessions_file(&ws, n, LIMIT as usize);
            (ws, file)
        })
        .collect();
    futures::future::join_all(runs.iter().map(|(ws, file)| bulk_run(ws, file))).await;
    assert!(
        simulator.requests().iter().any(|r| r.status == 429),
        "three lone budgets of 10 against one account of 10"
    );
}

/// Redis is killed (losing every key) while two bulk runs told to send without claims
/// (`--unclaimed`) are under way, and started again a little later: the runs go on alone on
/// their shares, rejoin by themselves, say both on stderr, and finish every transfer with none
/// refused. (It failed 1 run in 6 once: a run that had not yet heard from Redis when it was
/// killed counted alone from its own start, not from the loss; and when Redis came back empty,
/// such a run took a whole window before putting back its calls made alone.)
#[tokio::test]
async fn unclaimed_bulk_runs_survive_redis_killed_and_restarted_midway() {
    const LIMIT: u32 = 10;
    const EACH: usize = 20;
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let simulator = simulator_allowing(LIMIT).await;
    let runs = team_runs(&simulator, &redis, LIMIT, WINDOW_SECS, 2, EACH);
    let running = tokio::spawn(futures::future::join_all(
        runs.iter()
            .map(|(ws, file)| bulk_run_with(ws, file, &["--unclaimed"])),
    ));
    until(|| assigns(&simulator).len() >= LIMIT as usize).await;
    redis.kill();
    let before = assigns(&simulator).len();
    // Some go out alone, on each run's share, before Redis is back.
    until(|| assigns(&simulator).len() > before).await;
    redis.restart();
    let results = running.await.unwrap();
    for run in &results {
        assert_eq!(
            run.code,
            0,
            "{}\n{:?} killed after {before}",
            run.all(),
            assigns(&simulator)
        );
        assert!(
            run.stderr
                .contains("counting alone on a share of 3 calls per 2 s"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("Redis answers again"), "{}", run.stderr);
    }
    let statuses = assigns(&simulator);
    assert_eq!(statuses.len(), 2 * EACH, "each transfer sent once");
    assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
    for (ws, _) in &runs {
        let accepted = ws
            .audit_lines()
            .iter()
            .filter(|l| l["event"] == "outcome" && l["outcome"] == "transferred")
            .count();
        assert_eq!(
            accepted, EACH,
            "every transfer's outcome is in its audit file"
        );
    }
}

/// Redis is killed (losing every key) while two bulk runs are under way, and started again:
/// claims cannot be taken meanwhile, so both runs pause and say so, sending nothing, then go on
/// when Redis is back; every transfer goes out once, none refused. (Before, they went on
/// unclaimed.)
#[tokio::test]
async fn bulk_runs_pause_while_redis_is_killed_and_go_on_when_it_is_back() {
    const LIMIT: u32 = 10;
    const EACH: usize = 12;
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let simulator = simulator_allowing(LIMIT).await;
    // A window long enough that the runs wait for Redis through its restart on a busy machine.
    let runs = team_runs(&simulator, &redis, LIMIT, 4, 2, EACH);
    let watched: Vec<support::Watched> = runs
        .iter()
        .map(|(ws, file)| {
            Runner::for_workspace(ws).watch(&[
                "transfer",
                "--sessions-file",
                file,
                "--queue",
                "Billing",
            ])
        })
        .collect();
    until(|| assigns(&simulator).len() >= LIMIT as usize / 2).await;
    redis.kill();
    // A run finds Redis gone when it next claims (one may be waiting for the budget first).
    until(|| watched.iter().any(|run| run.stderr().contains("paused: "))).await;
    let arrived_when_paused = simulator.arrived();
    redis.restart();
    let mut results = Vec::new();
    for run in watched {
        results.push(run.finish().await);
    }
    for run in &results {
        assert_eq!(run.code, 0, "{}", run.all());
    }
    assert!(arrived_when_paused < 2 * EACH as u64, "paused midway");
    let statuses = assigns(&simulator);
    assert_eq!(statuses.len(), 2 * EACH, "each transfer sent once");
    assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
}

/// Waits until `done` holds, looking every 20 ms: the simulator's request log has no signal to
/// await, and the condition is what the test is about.
async fn until(done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "waited 30 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The budget a console of the team keeps, on `redis`, allowing `limit` calls per (scaled)
/// minute.
fn team_budget(redis: &RedisServer, limit: u32) -> handoff::budget::RateBudget {
    let config = handoff::config::TeamConfig {
        redis_url: url::Url::parse(&redis.url()).unwrap(),
        password: None,
        password_env: None,
        name: "Priya".into(),
        fallback_share: handoff::config::DEFAULT_FALLBACK_SHARE,
    };
    let link = handoff::team::Link::new(&config).unwrap();
    handoff::budget::RateBudget::team(
        limit,
        Duration::from_secs(WINDOW_SECS),
        Duration::ZERO,
        link,
        handoff::demo::ACCOUNT_ID,
        config.fallback_share,
    )
}

/// The console's header while Redis is away: the team's state in words and the local share;
/// the log says why, and says again when Redis is back. Two consoles' calls count in one window.
#[tokio::test]
async fn the_header_says_when_a_console_counts_alone_and_when_it_rejoins() {
    use handoff::team::Health;
    use handoff::tui::clock::Clock;
    use handoff::tui::model::Model;
    use handoff::tui::theme::Theme;
    use handoff::tui::update::{Msg, step};
    use handoff::tui::view::view;
    use ratatui::{Terminal, backend::TestBackend};

    // As the event loop hands a message in: at the wall clock's time, which the calls counted in
    // Redis go by too.
    let update = |model: &mut Model, msg: Msg| {
        step(model, chrono::Utc::now(), msg, || None);
    };

    let screen = |model: &Model| {
        let mut terminal = Terminal::new(TestBackend::new(160, 60)).unwrap();
        terminal
            .draw(|frame| view(model, &Theme::monochrome(), frame))
            .unwrap();
        terminal.backend().to_string()
    };
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let this = team_budget(&redis, 60);
    let other = team_budget(&redis, 60);
    // Each console's calls count in the other's window.
    let clock = Clock::utc(chrono::Utc::now());
    let mut model = Model::new(handoff::demo::roster(), "team".into(), Vec::new(), clock);
    for budget in [&this, &other, &this] {
        let slot = budget.try_spend().await.unwrap();
        budget.done(slot).await;
    }
    update(&mut model, Msg::Budget(this.watch().borrow().clone()));
    assert!(
        screen(&model).contains("handoff · team API 3/60 ·"),
        "{}",
        screen(&model)
    );

    redis.kill();
    // Teammates may have spent the rest of the window since this console last heard from
    // Redis: the share waits a whole window before its first call alone.
    let wait = this
        .try_spend()
        .await
        .expect_err("the window counts as full when Redis goes away");
    assert!(
        // Calls count from the end of their 50 ms bucket.
        wait > Duration::from_millis(WINDOW_SECS * 1000 - 100)
            && wait <= Duration::from_millis(WINDOW_SECS * 1000 + 50),
        "{wait:?}"
    );
    let snapshot = this.watch().borrow().clone();
    assert!(
        matches!(snapshot.team(), Some(Health::Away(_))),
        "{:?}",
        snapshot.team()
    );
    update(&mut model, Msg::Budget(snapshot));
    let away = screen(&model);
    assert!(
        away.contains("team: Redis away, on a local share · API 20/20 · next slot"),
        "{away}"
    );
    assert!(away.contains("unreachable"), "the log says why: {away}");
    let slot = this.spend_as(handoff::budget::Priority::Transfer).await;
    this.done(slot).await;
    update(&mut model, Msg::Budget(this.watch().borrow().clone()));
    let alone = screen(&model);
    assert!(
        alone.contains("team: Redis away, on a local share · API 1/20"),
        "{alone}"
    );

    redis.restart();
    // The console looks every 2 s; Redis is left alone for a second after a failure; having
    // lost its data, it is joined again a whole window later.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut said = Vec::new();
    while this.watch().borrow().team() != Some(&Health::Joined) {
        assert!(Instant::now() < deadline, "not rejoined within 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
        this.look().await;
        said.extend(this.watch().borrow().team().cloned());
    }
    assert!(
        said.iter()
            .any(|h| matches!(h, Health::Away(why) if why.contains("lost the team's count"))),
        "{said:?}"
    );
    update(&mut model, Msg::Budget(this.watch().borrow().clone()));
    let back = screen(&model);
    assert!(back.contains("Redis answers again"), "{back}");
    assert!(back.contains("handoff · team API"), "{back}");
}

/// A refused password is said naming the setting, never showing the password. The session
/// cannot be claimed, so the transfer is not sent (exit 1) unless the supervisor says to send
/// it unclaimed; then it goes out on the console's share.
#[tokio::test]
async fn a_wrong_redis_password_is_named_by_its_setting_and_never_shown() {
    const WRONG: &str = "not-the-redis-password-5e1f";
    let Some(redis) = RedisServer::start_with(&["--requirepass", "the-right-one-9a7c"]) else {
        return;
    };
    let simulator = simulator_allowing(60).await;
    let team = format!(
        "{}password_env = \"HANDOFF_TEST_REDIS_PASSWORD\"\n",
        team_table(&redis, "Priya")
    );
    let ws = supervisor(&simulator, 60, &team);
    let transfer = |more: &'static [&'static str]| {
        let runner = Runner::for_workspace(&ws);
        async move {
            let mut args = vec![
                "transfer",
                "--session",
                "6538f8a3c9cf425ee5cf0a1b",
                "--queue",
                "Billing",
            ];
            args.extend(more);
            let output = runner
                .command(&args)
                .env("HANDOFF_TEST_REDIS_PASSWORD", WRONG)
                .output()
                .await
                .unwrap();
            support::Run::from(output)
        }
    };
    let refused = "the password was refused: check the variable HANDOFF_TEST_REDIS_PASSWORD that [team] password_env names";
    let unclaimed = transfer(&[]).await;
    assert_eq!(unclaimed.code, 1, "{}", unclaimed.all());
    assert!(
        unclaimed.stdout.contains("↷ not sent")
            && unclaimed.stdout.contains("could not claim: ")
            && unclaimed.stdout.contains(refused),
        "{}",
        unclaimed.all()
    );
    assert!(assigns(&simulator).is_empty(), "never sent unclaimed");
    assert!(!unclaimed.all().contains(WRONG), "{}", unclaimed.all());

    let run = transfer(&["--unclaimed"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stderr.contains(refused), "{}", run.stderr);
    assert!(
        run.stderr.contains("counting alone on a share of 20 calls"),
        "{}",
        run.stderr
    );
    assert!(!run.all().contains(WRONG), "{}", run.all());
    assert_eq!(assigns(&simulator), [200]);
}

/// One console of the team, named `name`, on a data folder of its own.
pub(crate) fn team_account(
    simulator: &Simulator,
    redis: &RedisServer,
    name: &str,
    data: &std::path::Path,
) -> handoff::account::Account {
    let mut config = handoff::demo::config_for(simulator);
    config.platform.rate_limit_per_minute = 10_000;
    // The scaled-down minute: with Redis gone, the window counts as full for one of them.
    config.platform.rate_window = Duration::from_secs(WINDOW_SECS);
    config.auth = handoff::config::AuthConfig::Credentials {
        client_id: handoff::demo::CLIENT_ID.into(),
        client_secret: handoff::secret::Secret::new(support::SECRET),
    };
    config.team = Some(handoff::config::TeamConfig {
        redis_url: url::Url::parse(&redis.url()).unwrap(),
        password: None,
        password_env: None,
        name: name.into(),
        fallback_share: handoff::config::DEFAULT_FALLBACK_SHARE,
    });
    handoff::account::Account::open(&config, data).unwrap()
}

/// `handoff transfer` of `session` to the Billing queue.
fn to_billing_args(session: &str) -> [&str; 5] {
    ["transfer", "--session", session, "--queue", "Billing"]
}

fn to_billing(session: &str) -> handoff::transfer::TransferRequest {
    let target = handoff::demo::roster()
        .targets()
        .iter()
        .find(|t| t.name == "Billing")
        .unwrap()
        .clone();
    handoff::transfer::TransferRequest {
        id: handoff::transfer::TransferId::new(),
        session: handoff::ids::SessionId::parse(session).unwrap(),
        target,
        note: None,
        reroute_of: None,
        bulk: None,
        confirmed_recent: false,
    }
}

/// Two consoles send the same session at the same instant, 100 times: each time exactly one
/// request reaches the platform, and the other console is told who moved it and where.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_session_sent_from_two_consoles_at_once_goes_out_once() {
    const SESSIONS: usize = 100;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let simulator = start_simulator(SimulatorConfig {
        rate_limit_per_minute: 10_000,
        ..simulator_config()
    })
    .await;
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let priya = team_account(&simulator, &redis, "Priya", dirs[0].path()).engine;
    let marcus = team_account(&simulator, &redis, "Marcus", dirs[1].path()).engine;
    let mut refusals = Vec::new();
    for n in 0..SESSIONS {
        let session = format!("6538f8a3c9cf425ee5c0{n:04x}");
        let (updates, _) = tokio::sync::mpsc::channel(64);
        let (first, second) = (to_billing(&session), to_billing(&session));
        let (a, b) = tokio::join!(priya.run(&first, &updates), marcus.run(&second, &updates));
        for outcome in [a.unwrap(), b.unwrap()] {
            if let handoff::transfer::Outcome::NotSent { message, reason } = outcome {
                assert_eq!(reason, handoff::transfer::FailureReason::HeldByTeammate);
                refusals.push(message);
            }
        }
    }
    assert_eq!(
        assigns(&simulator).len(),
        SESSIONS,
        "each session sent once"
    );
    assert_eq!(refusals.len(), SESSIONS, "{refusals:?}");
    for message in &refusals {
        assert!(
            (message.contains("Priya") || message.contains("Marcus"))
                && message.contains("queue Billing"),
            "{message}"
        );
    }
}

/// A console killed (`kill -9`) while its transfer waits on the platform leaves its claim
/// behind, with the real expiry of 3 minutes: a teammate is told who is moving it meanwhile, and
/// once the claim has expired (here brought forward, as 3 minutes would pass), it is free.
#[tokio::test]
async fn a_claim_left_by_a_killed_console_expires() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let simulator = simulator_allowing(60).await;
    let priya = supervisor(&simulator, 60, &team_table(&redis, "Priya"));
    let marcus = supervisor(&simulator, 60, &team_table(&redis, "Marcus"));
    // The simulator answers sessions starting 0077 after 5 s: the transfer is under way when
    // its console is killed.
    let session = "0077f8a3c9cf425ee5cf0a1b";
    let args = to_billing_args(session);
    let key = format!("handoff:{{{}}}:claim:{session}", handoff::demo::ACCOUNT_ID);
    let redis_cli = |args: &[&str]| {
        let out = std::process::Command::new("redis-cli")
            .args(["-p", &redis.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let mut sending = Runner::for_workspace(&priya)
        .command(&args)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // "sending" is written once the session is claimed and its slot taken, just before the
    // request goes out.
    until(|| priya.audit_lines().iter().any(|l| l["event"] == "sending")).await;
    sending.start_kill().unwrap();
    sending.wait().await.unwrap();

    let ttl: u64 = redis_cli(&["PTTL", &key]).parse().unwrap();
    assert!(
        (170_000..=180_000).contains(&ttl),
        "claim expires in {ttl} ms"
    );
    let held = marcus.run(&args).await;
    assert_eq!(held.code, 1, "{}", held.all());
    assert!(
        held.stdout
            .contains("Priya is moving it to queue Billing (since "),
        "{}",
        held.all()
    );

    assert_eq!(redis_cli(&["PEXPIRE", &key, "100"]), "1");
    until(|| redis_cli(&["EXISTS", &key]) == "0").await;
    let sent = marcus.run(&args).await;
    assert_eq!(sent.code, 0, "{}", sent.all());
}

/// A session a teammate moved a moment ago is asked about as a recent move is (exit 2), with
/// words naming who, where and when, and nothing sent; `--include-recent` or `--take-over`,
/// after reading that, sends it.
#[tokio::test]
async fn a_teammates_move_is_named_and_only_taken_over_on_request() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let simulator = simulator_allowing(60).await;
    let priya = supervisor(&simulator, 60, &team_table(&redis, "Priya"));
    let marcus = supervisor(&simulator, 60, &team_table(&redis, "Marcus"));
    let session = "6538f8a3c9cf425ee5cf0a1b";
    let args = to_billing_args(session);
    let first = priya.run(&args).await;
    assert_eq!(first.code, 0, "{}", first.all());
    let second = marcus.run(&args).await;
    assert_eq!(second.code, 2, "{}", second.all());
    assert!(
        second.all().contains("Priya moved it to queue Billing at ")
            && second.all().contains("--include-recent")
            && second.all().contains("nothing was sent"),
        "{}",
        second.all()
    );
    assert_eq!(assigns(&simulator).len(), 1);
    let confirmed = marcus
        .run(&[&args[..], &["--include-recent"]].concat())
        .await;
    assert_eq!(confirmed.code, 0, "{}", confirmed.all());
    assert_eq!(assigns(&simulator).len(), 2);
    // Priya again, on Marcus's move, with the other word for it.
    let taken = priya.run(&[&args[..], &["--take-over"]].concat()).await;
    assert_eq!(taken.code, 0, "{}", taken.all());
    assert_eq!(assigns(&simulator).len(), 3);
}

/// The team's activity stream of the demo account, as handoff names it.
const ACTIVITY_KEY: &str = "handoff:{65a1f0c2d3e4b5a697887766}:activity";

/// Each supervisor's transfers reach the team's stream after their own audit file: the team's
/// log lists both, each with who moved it, while each one's own log keeps only their own.
#[tokio::test]
async fn the_team_log_lists_every_supervisors_transfers_with_their_name() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    assert_eq!(
        ACTIVITY_KEY,
        format!("handoff:{{{}}}:activity", handoff::demo::ACCOUNT_ID)
    );
    let simulator = simulator_allowing(60).await;
    let priya = supervisor(&simulator, 60, &team_table(&redis, "Priya"));
    let marcus = supervisor(&simulator, 60, &team_table(&redis, "Marcus"));
    let hers = priya
        .run(&to_billing_args("6538f8a3c9cf425ee5cf0a1b"))
        .await;
    assert_eq!(hers.code, 0, "{}", hers.all());
    let his = marcus
        .run(&to_billing_args("6538f8a3c9cf425ee5cf0a1c"))
        .await;
    assert_eq!(his.code, 0, "{}", his.all());

    let team = marcus.run(&["log", "--team", "--json"]).await;
    assert_eq!(team.code, 0, "{}", team.all());
    let rows = team.json();
    let rows = rows.as_array().expect("an array of transfers");
    let seen: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|row| {
            (
                row["by"].as_str().unwrap(),
                row["session"].as_str().unwrap(),
                row["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("Priya", "6538f8a3c9cf425ee5cf0a1b", "accepted"),
            ("Marcus", "6538f8a3c9cf425ee5cf0a1c", "accepted"),
        ]
    );
    let text = priya.run(&["log", "--team"]).await;
    assert!(text.stdout.contains("Priya: ✓ accepted"), "{}", text.all());
    assert!(text.stdout.contains("Marcus: ✓ accepted"), "{}", text.all());
    let own = marcus.run(&["log", "--json"]).await;
    assert_eq!(own.json().as_array().unwrap().len(), 1, "{}", own.all());
}

/// Writes `entries` (each an entry's fields) onto the team's activity stream, as anyone who
/// can reach the team's Redis can.
async fn add_to_stream(
    redis: &RedisServer,
    entries: impl IntoIterator<Item = Vec<(&str, String)>>,
) {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    for fields in entries {
        let _: String = redis::cmd("XADD")
            .arg(ACTIVITY_KEY)
            .arg("*")
            .arg(&fields)
            .query_async(&mut connection)
            .await
            .unwrap();
    }
}

/// The stream is anyone's who can reach Redis: entries that are not handoff's, or that carry
/// escape sequences, are skipped or shown harmless, never a crash.
#[tokio::test]
async fn hostile_entries_on_the_stream_are_skipped_or_shown_harmless() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let simulator = simulator_allowing(60).await;
    let marcus = supervisor(&simulator, 60, &team_table(&redis, "Marcus"));
    let intent = |name: &str| {
        serde_json::json!({
            "at": chrono::Utc::now().to_rfc3339(), "transfer": uuid::Uuid::new_v4().to_string(),
            "event": "intent", "session": "6538f8a3c9cf425ee5cf0a1b", "target_kind": "queue",
            "target_id": "q-1", "target_name": name
        })
        .to_string()
    };
    let entries: Vec<Vec<(&str, String)>> = vec![
        vec![
            ("by", "Eve\x1b]0;owned\x07".into()),
            ("console", "x".into()),
            ("line", intent("Billing\x1b[2J")),
        ],
        vec![("by", "Mallory".into()), ("line", intent("no console"))],
        vec![
            ("by", "Mallory".into()),
            ("console", "x".into()),
            ("line", "{not json".into()),
        ],
        vec![("console", "x".into()), ("line", intent("nobody"))],
        vec![
            ("by", "Trent".into()),
            ("console", "x".into()),
            ("line", "[1,2,3]".into()),
        ],
    ];
    add_to_stream(&redis, entries).await;
    let log = marcus.run(&["log", "--team"]).await;
    assert_eq!(log.code, 0, "{}", log.all());
    assert!(!log.all().contains('\x1b'), "{:?}", log.all());
    assert_eq!(
        log.stdout.lines().filter(|l| l.contains("→")).count(),
        1,
        "{}",
        log.all()
    );
    assert!(log.stdout.contains("Eve]0;owned: "), "{}", log.all());
    assert!(log.stdout.contains("Billing[2J"), "{}", log.all());
}

/// Words of hundreds of thousands of characters on the stream (a name, a target, a note, the
/// platform's message) are cut in every form of the team's log, each saying how much was cut,
/// and the JSON stays JSON.
#[tokio::test]
async fn huge_words_on_the_stream_are_cut_and_counted() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let simulator = simulator_allowing(60).await;
    let marcus = supervisor(&simulator, 60, &team_table(&redis, "Marcus"));
    let huge = |word: &str| format!("{word} {}", "x".repeat(300_000));
    let transfer = uuid::Uuid::new_v4().to_string();
    let now = chrono::Utc::now().to_rfc3339();
    let steps = [
        serde_json::json!({
            "at": now, "transfer": transfer, "event": "intent",
            "session": "6538f8a3c9cf425ee5cf0a1b", "target_kind": "queue",
            "target_id": "q-1", "target_name": huge("Billing"), "note": huge("VIP")
        }),
        serde_json::json!({
            "at": now, "transfer": transfer, "event": "outcome", "outcome": "failed",
            "http_status": 400, "message": huge("Agent not found")
        }),
    ];
    let entries = steps.map(|step| {
        vec![
            ("by", huge("Eve")),
            ("console", "x".into()),
            ("line", step.to_string()),
        ]
    });
    add_to_stream(&redis, entries).await;
    for format in [&[][..], &["--csv"], &["--json"]] {
        let args = [&["log", "--team"][..], format].concat();
        let log = marcus.run(&args).await;
        assert_eq!(log.code, 0, "{}", log.all());
        // Four words of 300,000 characters, each cut to a few hundred at most.
        assert!(log.stdout.len() < 4_000, "{format:?}: {}", log.stdout);
        for word in ["Eve x", "Billing x", "VIP x", "Agent not found x"] {
            assert!(
                log.stdout.contains(word),
                "{format:?}: {word}: {}",
                log.stdout
            );
        }
        assert!(
            log.stdout.matches(" characters)").count() >= 4,
            "{format:?}: {}",
            log.stdout
        );
        if format == ["--json"] {
            let report: serde_json::Value = serde_json::from_str(&log.stdout).unwrap();
            let by = report[0]["by"].as_str().unwrap();
            let kept = by.find('…').unwrap();
            assert_eq!(
                by[kept..],
                format!(
                    "…(+{} characters)",
                    handoff::terminal_safe::grouped(300_004 - kept)
                )
            );
        }
    }
}

/// A transfer while Redis is away waits a window for its claim, then is not sent (exit 1),
/// saying so; told to go unclaimed, it transfers, and says its steps did not reach the team's
/// stream (they are in its audit file).
#[tokio::test]
async fn a_run_while_redis_is_away_says_its_steps_did_not_reach_the_team() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let simulator = simulator_allowing(60).await;
    let priya = supervisor(&simulator, 60, &team_table(&redis, "Priya"));
    redis.kill();
    let args = to_billing_args("6538f8a3c9cf425ee5cf0a1b");
    let waited = priya.run(&args).await;
    assert_eq!(waited.code, 1, "{}", waited.all());
    assert!(
        waited
            .stderr
            .contains("waiting for the team's Redis to claim the session")
            && waited.stdout.contains("could not claim: Redis at "),
        "{}",
        waited.all()
    );
    assert!(assigns(&simulator).is_empty(), "never sent unclaimed");
    let outcomes: Vec<serde_json::Value> = priya
        .audit_lines()
        .into_iter()
        .filter(|l| l["event"] == "outcome")
        .collect();
    assert_eq!(outcomes.len(), 1);
    assert_eq!(
        (&outcomes[0]["outcome"], &outcomes[0]["reason"]),
        (&"not_sent".into(), &"could_not_claim".into())
    );

    let run = priya.run(&[&args[..], &["--unclaimed"]].concat()).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stderr
            .contains("did not reach the team's activity stream"),
        "{}",
        run.all()
    );
    assert_eq!(
        priya.audit_lines().len(),
        2 + 3,
        "intent and outcome of the first; intent, sending, outcome of the second"
    );
}

/// Two consoles (on two machines) send the same conversation while Redis stalls for 2 s, six
/// times over. Neither may send unclaimed: both wait for Redis, one claims it when it answers
/// again, and the conversation reaches the platform once; the other is told a teammate has it.
#[tokio::test]
async fn a_redis_stall_during_two_consoles_sends_moves_each_conversation_once() {
    let Some(redis) = RedisServer::start_with(&["--enable-debug-command", "yes"]) else {
        return;
    };
    let simulator = simulator_allowing(60).await;
    // A window longer than the stall: what a transfer waits for Redis to claim it.
    let priya = supervisor_with_window(&simulator, 60, 10, &team_table(&redis, "Priya"));
    let marcus = supervisor_with_window(&simulator, 60, 10, &team_table(&redis, "Marcus"));
    for round in 0..6 {
        let session = format!("6538f8a3c9cf425ee5c1{round:04x}");
        let args = to_billing_args(&session);
        let stall = redis.stall(Duration::from_secs(2)).await;
        let (first, second) = tokio::join!(priya.run(&args), marcus.run(&args));
        stall.await.unwrap();
        let sent = simulator
            .requests()
            .iter()
            .filter(|r| r.path.ends_with("/assign-conversation") && r.body.contains(&session))
            .count();
        assert_eq!(sent, 1, "round {round}:\n{}\n{}", first.all(), second.all());
        let mut codes = [first.code, second.code];
        codes.sort_unstable();
        assert_eq!(codes, [0, 1], "{}\n{}", first.all(), second.all());
        let held = if first.code == 1 { &first } else { &second };
        assert!(
            held.stdout.contains("↷ not sent") && held.stdout.contains("a teammate has it: "),
            "{}",
            held.all()
        );
        for run in [&first, &second] {
            assert!(
                run.stderr
                    .contains("waiting for the team's Redis to claim the session"),
                "the stall was felt: {}",
                run.all()
            );
        }
    }
}

/// A Redis back within the window rejoins with no wait: a console's budget that counted alone
/// through a 3 s stall (the window as full from the loss: a minute) takes its next slot from
/// the team's count at once when Redis answers again; and a transfer sent during the stall
/// goes out once Redis is back, without waiting out the minute.
#[tokio::test]
async fn a_redis_back_within_the_window_rejoins_with_no_wait() {
    let Some(redis) = RedisServer::start_with(&["--enable-debug-command", "yes"]) else {
        return;
    };
    let config = handoff::config::TeamConfig {
        redis_url: url::Url::parse(&redis.url()).unwrap(),
        password: None,
        password_env: None,
        name: "Priya".into(),
        fallback_share: handoff::config::DEFAULT_FALLBACK_SHARE,
    };
    let minute = Duration::from_secs(60);
    let budget = handoff::budget::RateBudget::team(
        60,
        minute,
        Duration::from_secs(REQUEST_TIMEOUT_SECS),
        handoff::team::Link::new(&config).unwrap(),
        handoff::demo::ACCOUNT_ID,
        config.fallback_share,
    );
    let slot = budget.try_spend().await.expect("Redis answers: room");
    budget.done(slot).await;
    let stall = redis.stall(Duration::from_secs(3)).await;
    let alone = budget.try_spend().await;
    assert!(
        alone.is_err_and(|wait| wait > minute / 2),
        "alone, the window counts as full from the loss: {alone:?}"
    );
    stall.await.unwrap();
    assert!(
        budget.try_spend().await.is_ok(),
        "back on the team's count at once"
    );

    // The same through a transfer: with a minute's window, it goes out when Redis is back.
    let simulator = simulator_allowing(60).await;
    let priya = supervisor_with_window(&simulator, 60, 60, &team_table(&redis, "Priya"));
    let stall = redis.stall(Duration::from_secs(3)).await;
    let run = tokio::time::timeout(
        minute / 2,
        priya.run(&to_billing_args("6538f8a3c9cf425ee5cf0a1b")),
    )
    .await
    .expect("not held for the window");
    stall.await.unwrap();
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        !run.stderr.contains("request budget is spent"),
        "no wait for the budget: {}",
        run.all()
    );
}

/// Redis is anyone's: a claim that is not one of handoff's (a value that does not decode, or a
/// key of another type under a claim's name) is held by someone unknown. Nothing is sent, in
/// those words; it is never taken for a Redis that is away.
#[tokio::test]
async fn a_claim_that_is_not_handoffs_is_held_by_someone_unknown() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let simulator = simulator_allowing(60).await;
    let priya = supervisor(&simulator, 60, &team_table(&redis, "Priya"));
    let client = redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let key = |session: &str| format!("handoff:{{{}}}:claim:{session}", handoff::demo::ACCOUNT_ID);
    let garbled = "6538f8a3c9cf425ee5cf0a01";
    let hashed = "6538f8a3c9cf425ee5cf0a02";
    let _: () = redis::cmd("SET")
        .arg(key(garbled))
        .arg("\u{1b}]0;not json")
        .query_async(&mut connection)
        .await
        .unwrap();
    let _: () = redis::cmd("HSET")
        .arg(key(hashed))
        .arg("by")
        .arg("Eve")
        .query_async(&mut connection)
        .await
        .unwrap();
    for (session, says) in [
        (
            garbled,
            "its claim in Redis cannot be read: \\x1b]0;not json",
        ),
        (hashed, "a Redis hash under the claim key"),
    ] {
        let run = priya.run(&to_billing_args(session)).await;
        assert_eq!(run.code, 1, "{}", run.all());
        assert!(
            run.stdout
                .contains("a teammate has it: someone unknown holds it")
                && run.stdout.contains(says),
            "{}",
            run.all()
        );
        assert!(
            !run.all().contains("Redis at"),
            "Redis answered: {}",
            run.all()
        );
    }
    assert!(assigns(&simulator).is_empty(), "nothing sent");
}

/// A Redis that restarts without its data while a console has a transfer in flight gets the
/// claim back from that console as soon as it reconnects: a teammate sending the same
/// conversation meanwhile is told who is moving it, and nothing goes out twice.
#[tokio::test]
async fn a_redis_back_empty_gets_a_live_claim_back() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let simulator = simulator_allowing(60).await;
    let data = tempfile::tempdir().unwrap();
    let priya = team_account(&simulator, &redis, "Priya", data.path()).engine;
    // The simulator answers sessions starting 0077 after 5 s: in flight through the restart.
    let session = "0077f8a3c9cf425ee5cf0a1b";
    let sending = tokio::spawn({
        let request = to_billing(session);
        async move {
            let (updates, _seen) = tokio::sync::mpsc::channel(64);
            priya.run(&request, &updates).await.unwrap()
        }
    });
    until(|| simulator.arrived() == 1).await;
    redis.kill();
    redis.restart();
    let key = format!("handoff:{{{}}}:claim:{session}", handoff::demo::ACCOUNT_ID);
    let client = redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(4);
    loop {
        let held: Option<String> = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut connection)
            .await
            .unwrap();
        if held.is_some_and(|h| h.contains("\"by\":\"Priya\"")) {
            break;
        }
        assert!(Instant::now() < deadline, "the claim never came back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let marcus = supervisor(&simulator, 60, &team_table(&redis, "Marcus"));
    let held = marcus.run(&to_billing_args(session)).await;
    assert_eq!(held.code, 1, "{}", held.all());
    assert!(
        held.stdout.contains("Priya is moving it to queue Billing"),
        "{}",
        held.all()
    );
    assert!(matches!(
        sending.await.unwrap(),
        handoff::transfer::Outcome::Transferred { .. }
    ));
    assert_eq!(simulator.arrived(), 1, "sent once");
}
