//! What the integration tests share: a simulator on a free loopback port, a config file and data
//! folder in a temp dir, and the real `handoff` binary run against them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use handoff::demo;
use handoff_simulator::{ConversationsConfig, Simulator, SimulatorConfig};

/// A secret only these tests use; every test checks that it never shows in any output.
pub const SECRET: &str = "t3st-secret-never-printed-7f3a";
pub const SECRET_ENV: &str = "HANDOFF_TEST_CLIENT_SECRET";

/// The demo's config for `simulator`, signing with the test's client secret.
pub fn config_for(simulator: &Simulator) -> handoff::config::Config {
    let mut config = demo::config_for(simulator);
    config.auth = handoff::config::AuthConfig::Credentials {
        client_id: demo::CLIENT_ID.into(),
        client_secret: handoff::secret::Secret::new(SECRET),
    };
    config
}

/// The platform client alone, on a budget of its own in `data`, for what it reads as it is.
pub fn platform_client(simulator: &Simulator, data: &Path) -> handoff::platform::PlatformClient {
    let config = config_for(simulator);
    let platform = &config.platform;
    let budget = handoff::budget::RateBudget::shared(
        platform.rate_limit_per_minute,
        platform.rate_window,
        platform.request_timeout,
        data,
        &platform.account_id,
    );
    let redactor = handoff::secret::Redactor::new([]);
    handoff::platform::PlatformClient::new(&config, budget, redactor).unwrap()
}

pub fn simulator_config() -> SimulatorConfig {
    let demo = demo::simulator_config();
    SimulatorConfig {
        client_secret: SECRET.into(),
        callback_delay: Duration::from_millis(20),
        // Tests pick their failures by trigger prefix, never by chance.
        callback_failure_percent: 0,
        callback_silence_percent: 0,
        random_faults_after: 0,
        // The demo's floor, without new conversations arriving while a test looks.
        conversations: ConversationsConfig {
            arrivals: None,
            ..demo.conversations.clone()
        },
        ..demo
    }
}

pub async fn start_simulator(config: SimulatorConfig) -> Simulator {
    let loopback: SocketAddr = "127.0.0.1:0".parse().unwrap();
    Simulator::start(config, loopback)
        .await
        .expect("simulator starts")
}

/// The usual start of a test: the simulator, and a workspace whose config points at it and
/// whose roster is the demo roster.
pub async fn demo_workspace() -> (Simulator, Workspace) {
    workspace_with(simulator_config()).await
}

/// The same, on a simulator configured differently (a wrong secret, a low limit).
pub async fn workspace_with(config: SimulatorConfig) -> (Simulator, Workspace) {
    let simulator = start_simulator(config).await;
    let ws = Workspace::new();
    ws.write_config_for(&simulator, "");
    ws.write_demo_roster();
    (simulator, ws)
}

/// A temp folder holding `config.toml` and the data folder.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A config for the platform at `host`, with callbacks to `callback` and `platform_extra`
    /// lines added to `[platform]`.
    pub fn write_config(&self, host: &str, callback: &str, platform_extra: &str) {
        let text = format!(
            r#"[platform]
host = "{host}"
stream_id = "{stream}"
org_id = "{org}"
account_id = "{account}"
{platform_extra}

[auth]
client_id = "{client}"
client_secret_env = "{SECRET_ENV}"

[callback]
url = "{callback}"
"#,
            stream = demo::STREAM_ID,
            org = demo::ORG_ID,
            account = demo::ACCOUNT_ID,
            client = demo::CLIENT_ID,
        );
        self.write("config.toml", &text);
    }

    pub fn write_config_for(&self, simulator: &Simulator, platform_extra: &str) {
        self.write_config(
            &simulator.base_url(),
            &simulator.callback_sink_url(),
            platform_extra,
        );
    }

    pub fn write(&self, relative: &str, text: &str) {
        let path = self.dir.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// The demo roster as a roster file in the data folder.
    pub fn write_demo_roster(&self) {
        let mut text = String::new();
        for target in demo::roster().targets() {
            let table = match target.kind {
                handoff::ids::TargetKind::Agent => "agents",
                handoff::ids::TargetKind::Queue => "queues",
            };
            text.push_str(&format!(
                "[[{table}]]\nid = \"{}\"\nname = \"{}\"\n",
                target.id, target.name
            ));
            if let Some(team) = &target.team {
                text.push_str(&format!("team = \"{team}\"\n"));
            }
            text.push('\n');
        }
        self.write("data/roster.toml", &text);
    }

    /// The callback URL the platform is told for `transfer`, with this install's token.
    pub fn callback_url_sent(&self, simulator: &Simulator, transfer: &str) -> String {
        let token = std::fs::read_to_string(self.data_dir().join("callback-token")).unwrap();
        format!(
            "{}?handoff_token={}&handoff_transfer={transfer}",
            simulator.callback_sink_url(),
            token.trim()
        )
    }

    pub fn audit_lines(&self) -> Vec<serde_json::Value> {
        let path = self.data_dir().join("transfers.jsonl");
        match std::fs::read_to_string(path) {
            Ok(text) => text
                .lines()
                .map(|l| serde_json::from_str(l).expect("each audit line is JSON"))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The sessions the audit file records a callback for, in order.
    pub fn sessions_with_a_callback(&self) -> Vec<String> {
        self.audit_lines()
            .iter()
            .filter(|line| line["event"] == "callback")
            .map(|line| line["session"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Runs `handoff` with this workspace's config and data folder.
    pub async fn run(&self, args: &[&str]) -> Run {
        Runner::for_workspace(self).run(args).await
    }
}

/// What it takes to run the binary for a workspace, free to move into another task.
#[derive(Debug, Clone)]
pub struct Runner {
    config: PathBuf,
    data: PathBuf,
}

impl Runner {
    pub fn for_workspace(ws: &Workspace) -> Self {
        Self {
            config: ws.config_path(),
            data: ws.data_dir(),
        }
    }

    /// Runs `handoff` with the workspace's config and data folder, the secret in the
    /// environment, and nothing else of the developer's environment that could leak in.
    pub async fn run(&self, args: &[&str]) -> Run {
        let output = self.command(args).output().await.expect("the binary runs");
        Run::from(output)
    }

    /// The command `run` runs, to start it and stop it by hand.
    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_handoff"));
        command
            .arg("--config")
            .arg(&self.config)
            .arg("--data-dir")
            .arg(&self.data)
            .args(args)
            .env_remove("HANDOFF_CONFIG")
            .env_remove("HANDOFF_DATA_DIR")
            .env_remove(handoff::diagnostics::LOG_ENV)
            .env(SECRET_ENV, SECRET);
        command
    }
}

/// A run started in the background whose stderr can be read while it runs, to wait for what it
/// says.
pub struct Watched {
    child: tokio::process::Child,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
    /// Ends when stderr does.
    stderr_read: tokio::task::JoinHandle<()>,
    stdout: tokio::task::JoinHandle<String>,
}

impl Runner {
    /// Starts `handoff` with `args` in the background.
    pub fn watch(&self, args: &[&str]) -> Watched {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt};
        let mut child = self
            .command(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the binary runs");
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let said = std::sync::Arc::clone(&stderr);
        let stderr_read = tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let mut said = said.lock().unwrap();
                said.push_str(&line);
                said.push('\n');
            }
        });
        let mut out = child.stdout.take().unwrap();
        let stdout = tokio::spawn(async move {
            let mut text = String::new();
            let _ = out.read_to_string(&mut text).await;
            text
        });
        Watched {
            child,
            stderr,
            stderr_read,
            stdout,
        }
    }
}

impl Watched {
    /// What it said on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Its process id, while it runs: to send it a signal (`kill -HUP`).
    pub fn pid(&self) -> u32 {
        self.child.id().expect("the process is still running")
    }

    /// Sends it `signal` (`"HUP"`, `"TERM"`) with `kill`, as an operator would.
    pub fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -{signal} {}", self.pid());
    }

    /// `kill -9`, and waits for it to end.
    pub async fn kill(&mut self) {
        let _ = self.child.kill().await;
    }

    /// Waits for it to end.
    pub async fn finish(mut self) -> Run {
        let status = self.child.wait().await.unwrap();
        let stdout = self.stdout.await.unwrap();
        self.stderr_read.await.unwrap();
        let run = Run {
            code: status.code().expect("exited, not killed"),
            stdout,
            stderr: self.stderr.lock().unwrap().clone(),
        };
        assert!(!run.all().contains(SECRET), "the client secret leaked");
        run
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        let run = Self {
            code: output.status.code().expect("exited, not killed"),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        assert!(
            !run.all().contains(SECRET),
            "the client secret leaked into the output:\n{}",
            run.all()
        );
        run
    }
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is one JSON object ({e}):\n{}", self.stdout))
    }

    /// Asserts that no token sent to the platform shows in the output.
    pub fn assert_no_token_of(&self, simulator: &Simulator) {
        for request in simulator.requests() {
            if let Some(token) = request.headers.get("auth") {
                assert!(!self.all().contains(token.as_str()), "a token leaked");
            }
        }
    }
}

/// A free loopback port, for a receiver in a test config.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Limits `command`'s data (`RLIMIT_DATA`: its heap and every private writable mapping, which
/// is where any allocation goes) to `bytes`, and its runtime to two worker threads, whose
/// stacks count too: the same room is then enough on a machine of any size. Past the limit an
/// allocation fails: the binary aborts, or a read says "out of memory". Set stdio afterwards.
pub fn limit_memory(command: &mut tokio::process::Command, bytes: u64) {
    command.env("TOKIO_WORKER_THREADS", "2");
    *command = under_limits(command, &format!("--data={bytes}:{bytes}"), "");
}

/// Limits the files `command` writes to `bytes` each (`RLIMIT_FSIZE`), as a disk that fills up:
/// a write past it fails. The signal the kernel sends then (`SIGXFSZ`, which would end the
/// process) is ignored, as a full disk sends none. Set stdio afterwards.
pub fn limit_file_size(command: &mut tokio::process::Command, bytes: u64) {
    *command = under_limits(
        command,
        &format!("--fsize={bytes}:{bytes}"),
        "trap '' XFSZ; ",
    );
}

/// `command` started through util-linux's `prlimit`, which sets `limit` on itself and then
/// becomes the program (each step an `exec`: one process, whose exit is the program's), after a
/// shell that runs `before` (an ignored signal stays ignored across `exec`). The program, its
/// arguments, environment and folder carry over.
fn under_limits(
    command: &tokio::process::Command,
    limit: &str,
    before: &str,
) -> tokio::process::Command {
    let original = command.as_std();
    let mut limited = tokio::process::Command::new("sh");
    limited
        .arg("-c")
        .arg(format!("{before}exec prlimit {limit} -- \"$@\""))
        .arg("sh")
        .arg(original.get_program())
        .args(original.get_args());
    for (key, value) in original.get_envs() {
        match value {
            Some(value) => limited.env(key, value),
            None => limited.env_remove(key),
        };
    }
    if let Some(folder) = original.get_current_dir() {
        limited.current_dir(folder);
    }
    limited
}

/// Whether `CI` is set, read as insta reads it: empty, `0` and `false` mean no. Tests that need
/// an outside program (tmux, redis-server) skip without it, except under CI, where they fail.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|ci| !matches!(ci.as_str(), "" | "0" | "false"))
}

/// Whether `program` is installed (`program ARGS` runs and succeeds). A test that needs it skips
/// without it (saying so on stderr), except under CI, where it fails, naming `package`.
pub fn installed(program: &str, args: &[&str], package: &str) -> bool {
    let runs = std::process::Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|out| out.status.success());
    if !runs {
        let thread = std::thread::current();
        let test = thread.name().unwrap_or("a test");
        assert!(
            !under_ci(),
            "{test}: {program} is not installed, and CI is set: apt-get install {package}"
        );
        // Straight to stderr: the test harness keeps what `eprintln!` writes from a passing test.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!(
                "skipping {test}: {program} is not installed (set CI=1 to make this a failure)\n"
            )
            .as_bytes(),
        );
    }
    runs
}
