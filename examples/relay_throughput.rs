//! How many callbacks a second the team's relay takes with none lost, and how long one takes
//! from its post to a console (issue 20's benchmark). A real redis-server on a free loopback
//! port, the relay (`handoff::relay::run`, on a runtime of its own) and a console's reader of
//! the stream (`relay::Follower`) in this process; CLIENTS clients post CALLBACKS callbacks as
//! the platform does, each on a new connection (no keep-alive), each for a transfer of its own.
//! At the end every callback answered 200 must be on the stream (XLEN, and XRANGE for each one)
//! and have reached the reader. Latency is from the post being sent to the reader having it.
//!
//!   cargo run --release --example relay_throughput -- [callbacks] [clients]
//!   (default 5000 callbacks, 16 clients)
//!
//! To set a client beside the relay (`benches/relay-curl.sh` does, for the API page's curl in a
//! loop): `serve DIR [seconds]` runs Redis and the relay until stopped (600 s at most) and writes
//! DIR/url (the callback URL with the token) and DIR/body.json; `post DIR [callbacks]
//! [clients]` posts to it, as above, and fails unless every post is answered 200.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use handoff::callback::CallbackEvent;
use handoff::config::RelayConfig;
use handoff::demo::ACCOUNT_ID;
use handoff::relay::{Follower, Start};
use serde_json::json;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |at: usize, default: usize| {
        args.get(at)
            .map(|a| a.parse().expect("a whole number"))
            .unwrap_or(default)
    };
    match args.first().map(String::as_str) {
        Some("serve") => serve(Path::new(&args[1]), number(2, 600) as u64).await,
        Some("post") => post_to(Path::new(&args[1]), number(2, 1000), number(3, 1)).await,
        _ => measure(number(0, 5000), number(1, 16)).await,
    }
}

/// The whole measurement, printed in one line.
async fn measure(callbacks: usize, clients: usize) -> std::process::ExitCode {
    let redis = RedisServer::start();
    let relay = RunningRelay::start(&redis.url());
    let (events, mut received) = tokio::sync::mpsc::channel(4096);
    let _follower = Follower::start(&relay.config.team, ACCOUNT_ID, Start::End, events)
        .await
        .expect("the follower starts");
    let run = uuid::Uuid::new_v4().to_string();
    let reader = {
        let run = run.clone();
        tokio::spawn(async move {
            let mut arrived: HashMap<usize, Instant> = HashMap::new();
            while let Some(event) = received.recv().await {
                let at = Instant::now();
                if let CallbackEvent::Received(callback) = event
                    && callback.payload["run"] == run.as_str()
                    && let Some(n) = callback.payload["n"].as_u64()
                {
                    arrived.entry(n as usize).or_insert(at);
                    if arrived.len() == callbacks {
                        break;
                    }
                }
            }
            arrived
        })
    };
    let started = Instant::now();
    let posts = post(&relay.callback_url(), callbacks, clients, &run).await;
    let took = started.elapsed();
    let answered: Vec<&Post> = posts.iter().filter(|p| p.status == Some(200)).collect();
    // Every post answered 200 reaches the reader soon after; 30 s is far past any of them.
    let arrived = match tokio::time::timeout(Duration::from_secs(30), reader).await {
        Ok(arrived) => arrived.expect("the reader ends"),
        Err(_) => HashMap::new(),
    };
    let on_stream = stream_entries(&redis.url(), &run).await;
    let xlen = xlen(&redis.url()).await;
    let spooled = relay.metric("handoff_relay_callbacks_spooled_total").await;

    let lost_on_stream = answered
        .iter()
        .filter(|p| !on_stream.contains(&p.n))
        .count();
    let mut latencies: Vec<Duration> = answered
        .iter()
        .filter_map(|p| arrived.get(&p.n).map(|at| at.duration_since(p.sent)))
        .collect();
    latencies.sort_unstable();
    let not_read = answered.len() - latencies.len();
    let at = |share: f64| {
        latencies
            .get(((latencies.len() as f64 * share).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or_default()
    };
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
    println!(
        "{callbacks} callbacks, {clients} clients: {} answered 200 in {:.2} s ({:.0} a second); \
         on the stream {} of them (XLEN {xlen}), {lost_on_stream} missing; {spooled} spooled; \
         post to reader: median {}, p99 {}, max {} ({not_read} not read)",
        answered.len(),
        took.as_secs_f64(),
        answered.len() as f64 / took.as_secs_f64(),
        answered.len() - lost_on_stream,
        ms(at(0.5)),
        ms(at(0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
    );
    let whole = answered.len() == callbacks
        && lost_on_stream == 0
        && not_read == 0
        && xlen == callbacks as u64;
    relay.stop();
    if whole {
        std::process::ExitCode::SUCCESS
    } else {
        eprintln!("some callbacks were refused, lost, or never read");
        std::process::ExitCode::FAILURE
    }
}

/// Redis and the relay for a client outside: until `seconds` pass or Ctrl-c.
async fn serve(dir: &Path, seconds: u64) -> std::process::ExitCode {
    let redis = RedisServer::start();
    let relay = RunningRelay::start(&redis.url());
    std::fs::create_dir_all(dir).expect("the folder");
    std::fs::write(dir.join("body.json"), body("curl", 0).to_string()).expect("body.json");
    std::fs::write(dir.join("url"), relay.callback_url()).expect("url");
    println!(
        "relay at {}; callback URL in {}",
        relay.addr,
        dir.join("url").display()
    );
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs(seconds)) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    println!("{} callbacks on the stream", xlen(&redis.url()).await);
    relay.stop();
    std::process::ExitCode::SUCCESS
}

/// Posts to the relay that `serve` runs, and fails unless each post is answered 200.
async fn post_to(dir: &Path, callbacks: usize, clients: usize) -> std::process::ExitCode {
    let url = std::fs::read_to_string(dir.join("url")).expect("DIR/url, written by serve");
    let started = Instant::now();
    let posts = post(
        url.trim(),
        callbacks,
        clients,
        &uuid::Uuid::new_v4().to_string(),
    )
    .await;
    let answered = posts.iter().filter(|p| p.status == Some(200)).count();
    println!(
        "{answered} of {callbacks} answered 200 in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    if answered == callbacks {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}

/// One callback posted: which, when it was sent, and the status it was answered.
struct Post {
    n: usize,
    sent: Instant,
    status: Option<u16>,
}

fn body(run: &str, n: usize) -> serde_json::Value {
    json!({
        "botSessionId": "6538f8a3c9cf425ee5cf0a1b",
        "status": "success",
        "message": "Conversation transferred to agent",
        "run": run,
        "n": n,
    })
}

/// `callbacks` posts to `url` from `clients` clients at once, each callback for a transfer of
/// its own, each on a new connection.
async fn post(url: &str, callbacks: usize, clients: usize, run: &str) -> Vec<Post> {
    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..clients.max(1))
        .map(|_| {
            let next = Arc::clone(&next);
            let (url, run) = (url.to_owned(), run.to_owned());
            tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .no_proxy()
                    .pool_max_idle_per_host(0)
                    .timeout(Duration::from_secs(30))
                    .build()
                    .expect("a client");
                let mut posts = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= callbacks {
                        return posts;
                    }
                    let request = http
                        .post(format!("{url}&handoff_transfer={}", uuid::Uuid::new_v4()))
                        .header("connection", "close")
                        .json(&body(&run, n));
                    let sent = Instant::now();
                    let status = match request.send().await {
                        Ok(answer) => Some(answer.status().as_u16()),
                        Err(_) => None,
                    };
                    posts.push(Post { n, sent, status });
                }
            })
        })
        .collect();
    let mut posts = Vec::with_capacity(callbacks);
    for task in tasks {
        posts.extend(task.await.expect("a client ends"));
    }
    posts
}

/// The `n` of every entry of this run on the account's stream.
async fn stream_entries(redis_url: &str, run: &str) -> HashSet<usize> {
    let mut connection = connect(redis_url).await;
    let entries: Vec<(String, HashMap<String, String>)> = redis::cmd("XRANGE")
        .arg(stream_key())
        .arg("-")
        .arg("+")
        .query_async(&mut connection)
        .await
        .expect("XRANGE");
    entries
        .iter()
        .filter_map(|(_, fields)| serde_json::from_str::<serde_json::Value>(&fields["body"]).ok())
        .filter(|body| body["run"] == run)
        .filter_map(|body| body["n"].as_u64().map(|n| n as usize))
        .collect()
}

async fn xlen(redis_url: &str) -> u64 {
    let mut connection = connect(redis_url).await;
    redis::cmd("XLEN")
        .arg(stream_key())
        .query_async(&mut connection)
        .await
        .expect("XLEN")
}

async fn connect(redis_url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis_url)
        .expect("a Redis URL")
        .get_multiplexed_async_connection()
        .await
        .expect("Redis answers")
}

fn stream_key() -> String {
    format!("handoff:{{{ACCOUNT_ID}}}:callbacks")
}

/// The relay on a runtime and thread of its own, as its own process would be, listening on a
/// free loopback port.
struct RunningRelay {
    addr: SocketAddr,
    token: String,
    config: RelayConfig,
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
    _data: tempfile::TempDir,
}

impl RunningRelay {
    fn start(redis_url: &str) -> Self {
        let data = tempfile::tempdir().expect("a temporary folder");
        let text = format!(
            "[platform]\naccount_id = \"{ACCOUNT_ID}\"\n\n[team]\nredis_url = \"{redis_url}\"\n\n[relay]\nlisten = \"127.0.0.1:0\"\n"
        );
        let config = RelayConfig::parse(&text, &data.path().join("relay.toml"), |_| None)
            .expect("the relay's config");
        let (listening, addr) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (relay_config, folder) = (config.clone(), data.path().to_owned());
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().expect("a runtime");
            let ran = runtime.block_on(handoff::relay::run(
                &relay_config,
                &folder,
                move |addr| {
                    let _ = listening.send(addr);
                },
                async {
                    let _ = stopped.await;
                },
            ));
            if let Err(error) = ran {
                eprintln!("relay: {error}");
            }
        });
        let addr = addr
            .recv_timeout(Duration::from_secs(20))
            .expect("the relay listens");
        let token = wait_for_token(data.path());
        Self {
            addr,
            token,
            config,
            stop,
            thread,
            _data: data,
        }
    }

    fn callback_url(&self) -> String {
        format!("http://{}/kore?handoff_token={}", self.addr, self.token)
    }

    async fn metric(&self, name: &str) -> u64 {
        let text = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("a client")
            .get(format!("http://{}/metrics", self.addr))
            .send()
            .await
            .expect("/metrics answers")
            .text()
            .await
            .expect("/metrics");
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("{name} ")))
            .and_then(|count| count.parse().ok())
            .unwrap_or_else(|| panic!("{name} not in /metrics"))
    }

    fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.thread.join();
    }
}

/// The team's token, once the relay has read it from Redis (made there on first use).
fn wait_for_token(data: &Path) -> String {
    let path: PathBuf = data.join("team-callback-token");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(token) = std::fs::read_to_string(&path)
            && !token.trim().is_empty()
        {
            return token.trim().to_owned();
        }
        assert!(Instant::now() < deadline, "the relay never had the token");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// redis-server on a free loopback port, nothing saved, killed at the end.
struct RedisServer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl RedisServer {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs (apt-get install redis-server)");
        let stdout = child.stdout.take().expect("its output");
        let (ready, is_ready) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("Ready to accept connections") {
                    let _ = ready.send(());
                }
            }
        });
        is_ready
            .recv_timeout(Duration::from_secs(20))
            .expect("redis-server is ready");
        Self {
            child,
            port,
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
