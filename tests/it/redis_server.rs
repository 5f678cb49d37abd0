//! A real redis-server for a test: on a free loopback port, with nothing saved to disk, killed
//! when the test is done with it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

use crate::support::under_ci;

pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    extra: Vec<String>,
    dir: tempfile::TempDir,
}

impl RedisServer {
    /// A server, or `None` (said on stderr) when redis-server is not installed and `CI` is not
    /// set; under CI a missing redis-server fails the test.
    pub fn start() -> Option<Self> {
        Self::start_with(&[])
    }

    /// With more `redis-server` options, such as `["--requirepass", "…"]`.
    pub fn start_with(extra: &[&str]) -> Option<Self> {
        let installed = Command::new("redis-server")
            .arg("--version")
            .output()
            .is_ok_and(|out| out.status.success());
        if !installed {
            let thread = std::thread::current();
            let test = thread.name().unwrap_or("a team test");
            assert!(
                !under_ci(),
                "{test}: redis-server is not installed, and CI is set: apt-get install redis-server"
            );
            // Straight to stderr: the test harness keeps what `eprintln!` writes from a passing test.
            let _ = writeln!(
                std::io::stderr(),
                "skipping {test}: redis-server is not installed (set CI=1 to make this a failure)"
            );
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free loopback port")
            .port();
        let mut server = Self {
            child: None,
            port,
            extra: extra.iter().map(|s| s.to_string()).collect(),
            dir: tempfile::tempdir().unwrap(),
        };
        server.restart();
        Some(server)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server (again, on the same port) and returns once it accepts connections,
    /// as it says on its standard output.
    pub fn restart(&mut self) {
        let mut child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .args(&self.extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs (apt-get install redis-server; .ci/run does)");
        // Read on a thread to the end, so the server never writes into a closed pipe.
        let stdout = child.stdout.take().unwrap();
        let (ready, is_ready) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut said = String::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("Ready to accept connections") {
                    let _ = ready.send(Ok(()));
                }
                said.push_str(&line);
                said.push('\n');
            }
            let _ = ready.send(Err(said));
        });
        match is_ready.recv() {
            Ok(Ok(())) => self.child = Some(child),
            other => {
                let _ = child.kill();
                panic!(
                    "redis-server did not start on port {}: {other:?}",
                    self.port
                );
            }
        }
    }

    /// Stalls the server for `duration` (`DEBUG SLEEP`; the server must be started with
    /// `--enable-debug-command yes`): it answers nobody meanwhile. Returns once the stall has
    /// begun (a ping of its own goes unanswered); the task it gives ends when the stall does.
    pub async fn stall(&self, duration: std::time::Duration) -> tokio::task::JoinHandle<()> {
        let client = redis::Client::open(self.url()).unwrap();
        // Its answer comes when the stall is over, long after a default deadline.
        let patient = redis::AsyncConnectionConfig::new()
            .set_response_timeout(Some(duration + std::time::Duration::from_secs(30)));
        let mut sleeper = client
            .get_multiplexed_async_connection_with_config(&patient)
            .await
            .unwrap();
        let mut pinger = client.get_multiplexed_async_connection().await.unwrap();
        let seconds = duration.as_secs_f64().to_string();
        let stall = tokio::spawn(async move {
            let _: String = redis::cmd("DEBUG")
                .arg("SLEEP")
                .arg(seconds)
                .query_async(&mut sleeper)
                .await
                .expect("DEBUG SLEEP (is --enable-debug-command yes set?)");
        });
        loop {
            let ping = redis::cmd("PING");
            let ping = ping.query_async::<String>(&mut pinger);
            if tokio::time::timeout(std::time::Duration::from_millis(50), ping)
                .await
                .is_err()
            {
                return stall;
            }
        }
    }

    /// `kill -9`: no goodbye to the clients, and (with nothing saved) every key lost.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}
