//! `handoff relay` over TLS, the real process either way it is deployed: serving HTTPS itself on
//! a certificate that is renewed under it (SIGHUP), and behind Caddy, made from
//! `deploy/Caddyfile`, which holds the certificate while the relay speaks plain HTTP. The
//! certificates come from a test CA made with openssl; the clients trust that CA and nothing
//! else.

use std::path::{Path, PathBuf};
use std::time::Duration;

use handoff_simulator::SimulatorConfig;

use crate::pki::{Pki, der_of};
use crate::redis_server::RedisServer;
use crate::relay::{Relay, callback, desk_at, stream, transfer_id, until};
use crate::support::{Workspace, free_port, installed, simulator_config, start_simulator};

const SESSION: &str = "6538f8a3c9cf425ee5cf0a1b";

/// Puts `from`'s contents at `to` as a renewal does: written beside it, then moved over it, so
/// the relay never reads a file half-written.
fn renew(from: &Path, to: &Path) {
    let beside = to.with_extension("new");
    std::fs::copy(from, &beside).unwrap();
    std::fs::rename(&beside, to).unwrap();
}

/// How many times the relay has said `words` on stderr.
fn said(relay: &Relay, words: &str) -> usize {
    relay.process().stderr().matches(words).count()
}

/// The relay serves HTTPS on its own certificate; a renewal moved into place and a SIGHUP give
/// new handshakes the new certificate; a broken key and a SIGHUP are refused in words, and the
/// certificate in use stays. Callbacks are taken throughout.
#[tokio::test]
async fn a_relay_on_its_own_tls_takes_a_renewed_certificate_on_sighup() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let Some(pki) = Pki::new() else {
        return;
    };
    let (first_cert, first_key) = pki.issue("first", 1);
    let (second_cert, second_key) = pki.issue("second", 2);
    let ws = Workspace::new();
    let cert = ws.dir.path().join("tls/cert.pem");
    let key = ws.dir.path().join("tls/key.pem");
    std::fs::create_dir_all(cert.parent().unwrap()).unwrap();
    std::fs::copy(&first_cert, &cert).unwrap();
    std::fs::copy(&first_key, &key).unwrap();
    let relay = Relay::start_in(
        ws,
        &redis,
        "tls_cert = \"tls/cert.pem\"\ntls_key = \"tls/key.pem\"\n",
        "https",
        pki.client(),
    )
    .await;
    let token = relay.known_token().await;

    // A callback over HTTPS, from a client that trusts the test CA only.
    let transfer = transfer_id();
    let (status, answer) = relay.post(&token, &transfer, &callback(SESSION, 1)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        stream(&redis).await,
        [(transfer.clone(), callback(SESSION, 1))]
    );
    assert_eq!(
        pki.served_certificate(relay.port).await,
        der_of(&first_cert)
    );
    // Plain HTTP to the HTTPS port is no callback.
    let plain = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(format!(
            "http://127.0.0.1:{}/kore?handoff_token={token}&handoff_transfer={}",
            relay.port,
            transfer_id()
        ))
        .json(&callback(SESSION, 99))
        .send()
        .await;
    assert!(
        !plain.is_ok_and(|answer| answer.status().is_success()),
        "plain HTTP was taken"
    );

    // Renewed: both files moved into place, then SIGHUP.
    renew(&second_cert, &cert);
    renew(&second_key, &key);
    relay.process().signal("HUP");
    until("the relay says it reloaded", || {
        said(&relay, "relay: certificate reloaded") == 1
    })
    .await;
    let renewed = pki.served_certificate(relay.port).await;
    assert_ne!(renewed, der_of(&first_cert));
    assert_eq!(renewed, der_of(&second_cert));
    let (status, answer) = relay.post(&token, &transfer, &callback(SESSION, 2)).await;
    assert_eq!(status, 200, "{answer}");

    // A key cut short (a copy interrupted), then SIGHUP: refused in words, nothing quoted from
    // the file, and the renewed certificate still served.
    let pem = std::fs::read_to_string(&key).unwrap();
    std::fs::write(&key, &pem[..pem.len() / 2]).unwrap();
    relay.process().signal("HUP");
    until("the relay says it kept its certificate", || {
        said(&relay, "relay: kept the certificate in use") == 1
    })
    .await;
    let stderr = relay.process().stderr();
    let refusal = stderr
        .lines()
        .find(|line| line.contains("kept the certificate in use"))
        .unwrap();
    assert!(refusal.contains(&key.display().to_string()), "{refusal}");
    assert!(refusal.contains("cut short"), "{refusal}");
    for line in pem
        .lines()
        .filter(|line| line.len() >= 16 && !line.starts_with("-----"))
    {
        assert!(!stderr.contains(line), "key material in the log:\n{stderr}");
    }
    assert_eq!(said(&relay, "relay: certificate reloaded"), 1);
    assert_eq!(pki.served_certificate(relay.port).await, renewed);
    let (status, answer) = relay.post(&token, &transfer, &callback(SESSION, 3)).await;
    assert_eq!(status, 200, "{answer}");
    let kept: Vec<u64> = stream(&redis)
        .await
        .iter()
        .map(|(_, body)| body["n"].as_u64().unwrap())
        .collect();
    assert_eq!(kept, [1, 2, 3]);
    assert!(!stderr.contains(&token), "the token leaked");
}

/// Caddy on a high free port, run from `deploy/Caddyfile` as an operator would deploy it, but
/// on the test CA's certificate instead of one from ACME, with no admin endpoint, and its logs
/// in a file of its own.
struct Caddy {
    child: tokio::process::Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Caddy {
    /// Caddy in front of the relay at `127.0.0.1:relay_port`, serving `cert` and `key`; `None`
    /// (said on stderr) when caddy is not installed and `CI` is not set.
    async fn start(
        relay_port: u16,
        cert: &Path,
        key: &Path,
        client: &reqwest::Client,
    ) -> Option<Self> {
        if !installed("caddy", &["version"], "caddy") {
            return None;
        }
        let deployed =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/Caddyfile"))
                .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let caddyfile = [
            // The global options: no admin endpoint, no certificate to obtain, no redirects
            // from port 80, and the plain-HTTP port a free one, never 80. The site: on
            // loopback only, on the test's certificate.
            (
                "{\n\tlog default {",
                format!(
                    "{{\n\tadmin off\n\tauto_https off\n\thttp_port {}\n\tlog default {{",
                    free_port()
                ),
            ),
            (
                "hooks.example.com {",
                format!(
                    "https://127.0.0.1:{port} {{\n\tbind 127.0.0.1\n\ttls {} {}",
                    cert.display(),
                    key.display()
                ),
            ),
            // TCP only: HTTP/3 would take the port over UDP too, which free_port never checked.
            ("\tservers {", "\tservers {\n\t\tprotocols h1 h2".to_owned()),
            (
                "reverse_proxy 127.0.0.1:8790",
                format!("reverse_proxy 127.0.0.1:{relay_port}"),
            ),
        ]
        .iter()
        .fold(deployed, |text, (from, to)| {
            assert_eq!(text.matches(from).count(), 1, "deploy/Caddyfile: {from:?}");
            text.replace(from, to)
        });
        let path = dir.path().join("Caddyfile");
        std::fs::write(&path, caddyfile).unwrap();
        let log = std::fs::File::create(dir.path().join("caddy.log")).unwrap();
        let child = tokio::process::Command::new("caddy")
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(&path)
            // Caddy keeps its state (autosaved config, certificates) here, not in a home.
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env("HOME", dir.path())
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("caddy runs");
        let mut caddy = Self { child, dir, port };
        // Up once a request through it reaches the relay: `/healthz`, which carries no token.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let health = client
                .get(format!("https://127.0.0.1:{port}/healthz"))
                .send()
                .await;
            if health.is_ok_and(|answer| answer.status().is_success()) {
                return Some(caddy);
            }
            if let Some(status) = caddy.child.try_wait().unwrap() {
                panic!("caddy ended ({status}):\n{}", caddy.log());
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "caddy did not pass a request to the relay in 30 s:\n{}",
                caddy.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}/kore", self.port)
    }

    /// Everything Caddy wrote, its access log and error log both.
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("caddy.log")).unwrap_or_default()
    }
}

/// A desk with no receiver, whose callback URL is Caddy's: the platform posts over HTTPS to
/// Caddy, Caddy to the relay over plain HTTP, the relay to the team's Redis, and the desk's
/// `transfer --wait` reads it back: confirmed. Caddy's logs show that a token came, never which.
#[tokio::test]
async fn a_callback_through_caddy_and_the_relay_confirms_a_desks_transfer() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let Some(pki) = Pki::new() else {
        return;
    };
    let (cert, key): (PathBuf, PathBuf) = pki.issue("caddy", 1);
    let relay = Relay::start(&redis).await;
    let Some(caddy) = Caddy::start(relay.port, &cert, &key, &pki.client()).await else {
        return;
    };
    let simulator = start_simulator(SimulatorConfig {
        callback_trusted_roots: vec![pki.ca_pem()],
        ..simulator_config()
    })
    .await;
    let ws = desk_at(&simulator, &redis, &caddy.url(), "Priya");
    let run = ws
        .run(&[
            "transfer",
            "--session",
            SESSION,
            "--agent",
            "Grace Liu",
            "--wait",
            "15",
            "--json",
        ])
        .await;
    assert_eq!(run.code, 0, "{}\ncaddy:\n{}", run.all(), caddy.log());
    assert_eq!(run.json()["state"], "confirmed", "{}", run.all());
    assert_eq!(ws.sessions_with_a_callback(), [SESSION]);
    let kept = stream(&redis).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].1["botSessionId"], SESSION);
    assert_eq!(
        relay.metric("handoff_relay_callbacks_stored_total").await,
        1
    );

    // Caddy writes the access log line once the answer is sent.
    until("Caddy logs the callback", || {
        caddy.log().contains("handoff_token=REDACTED")
    })
    .await;
    let token = relay.token();
    let log = caddy.log();
    assert!(log.contains("/kore?"), "no callback in Caddy's log:\n{log}");
    assert!(!log.contains(&token), "Caddy's log keeps the token:\n{log}");
    assert!(!run.all().contains(&token), "the token leaked");
    assert!(
        !relay.process().stderr().contains(&token),
        "the token leaked"
    );
}

/// A SIGHUP that comes while the relay starts (`systemctl reload` as it comes up, a renewal
/// hook right after a restart) is a reload like any other: the relay goes on and serves. Sent
/// the moment it says its first line, before it has loaded its certificate or bound its port;
/// ten starts in a row, since the moment the signal lands varies.
#[tokio::test]
async fn a_sighup_while_the_relay_starts_never_stops_it() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let Some(pki) = Pki::new() else {
        return;
    };
    let (cert, key) = pki.issue("server", 1);
    for start in 1..=10 {
        hang_up_as_it_starts(&redis, &cert, &key, start).await;
    }
}

async fn hang_up_as_it_starts(redis: &RedisServer, cert: &Path, key: &Path, start: usize) {
    use tokio::io::AsyncBufReadExt;

    let ws = Workspace::new();
    ws.write(
        "config.toml",
        &format!(
            "[platform]\naccount_id = \"{}\"\n\n[team]\nredis_url = \"{}\"\n\n[relay]\nlisten = \"127.0.0.1:{}\"\ntls_cert = \"{}\"\ntls_key = \"{}\"\n",
            handoff::demo::ACCOUNT_ID,
            redis.url(),
            free_port(),
            cert.display(),
            key.display()
        ),
    );
    // A new data folder holds no copy of the team's token: the relay says so first, before
    // it loads its certificate.
    let mut child = crate::support::Runner::for_workspace(&ws)
        .command(&["relay"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let pid = rustix::process::Pid::from_raw(child.id().unwrap() as i32).unwrap();
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut said = String::new();
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if said.is_empty() {
                // At once, from the task that read the line: no poll in between.
                rustix::process::kill_process(pid, rustix::process::Signal::HUP).unwrap();
            }
            said.push_str(&line);
            said.push('\n');
            if said.contains("relay: certificate reloaded")
                && said.contains("relay: taking the account's callbacks")
            {
                return;
            }
        }
    })
    .await;
    let status = child.try_wait().unwrap();
    assert!(
        read.is_ok() && status.is_none(),
        "start {start}: the relay did not go on after a SIGHUP as it started ({status:?}):\n{said}"
    );
}
