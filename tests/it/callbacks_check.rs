//! `handoff callbacks check`, the real binary posting over real HTTP: a callback that reaches
//! this console's receiver is timed; one stopped on the way says at which hop; the token never
//! shows.

use tokio::sync::mpsc;

use crate::support::{Workspace, free_port};

/// A workspace whose callbacks go to `url`, its receiver listening on `listen` (none if
/// `None`). The platform is never called.
fn workspace(url: &str, listen: Option<u16>) -> Workspace {
    let ws = Workspace::new();
    ws.write_config("http://127.0.0.1:9", url, "");
    if let Some(port) = listen {
        let config = std::fs::read_to_string(ws.config_path()).unwrap();
        ws.write(
            "config.toml",
            &config.replace(
                "[callback]\n",
                &format!("[callback]\nlisten = \"127.0.0.1:{port}\"\n"),
            ),
        );
    }
    ws
}

fn token_of(ws: &Workspace) -> String {
    std::fs::read_to_string(ws.data_dir().join("callback-token"))
        .unwrap()
        .trim()
        .to_owned()
}

#[tokio::test]
async fn a_callback_that_comes_back_is_timed_and_the_token_never_shows() {
    let port = free_port();
    let ws = workspace(&format!("http://127.0.0.1:{port}/kore"), Some(port));
    let run = ws.run(&["callbacks", "check"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.starts_with("callbacks reach this console (")
            && run
                .stdout
                .contains("tested from this machine, not from the platform's cloud"),
        "{}",
        run.stdout
    );
    assert!(!run.all().contains(&token_of(&ws)), "{}", run.all());
}

#[tokio::test]
async fn a_post_stopped_on_the_way_says_where() {
    let listen = free_port();
    // Nothing listens where the URL leads.
    let closed = free_port();
    let ws = workspace(&format!("http://127.0.0.1:{closed}/kore"), Some(listen));
    let run = ws.run(&["callbacks", "check", "--timeout", "5"]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("was refused: nothing listens there"),
        "{}",
        run.stderr
    );

    // Another install's receiver is there: it refuses this install's token.
    let other = free_port();
    let (events, _kept) = mpsc::channel(8);
    let receiver = handoff::callback::Receiver::start(
        ([127, 0, 0, 1], other).into(),
        handoff::secret::Secret::new("another install's token"),
        events,
    )
    .await
    .unwrap();
    let ws = workspace(&format!("http://127.0.0.1:{other}/kore"), Some(listen));
    let run = ws.run(&["callbacks", "check", "--timeout", "5"]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr
            .contains("refused this install's token (HTTP 403)"),
        "{}",
        run.stderr
    );
    assert!(!run.all().contains(&token_of(&ws)), "{}", run.all());
    receiver.shutdown().await;
}

#[tokio::test]
async fn without_a_receiver_there_is_nothing_to_check() {
    let ws = workspace("https://hooks.example.com/kore", None);
    let run = ws.run(&["callbacks", "check"]).await;
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("set [callback] via = \"team\"")
            && run.stderr.contains("or [callback] listen"),
        "{}",
        run.stderr
    );
    let bad = ws.run(&["callbacks", "check", "--timeout", "0"]).await;
    assert_eq!(bad.code, 2, "{}", bad.all());
    assert!(bad.stderr.contains("--timeout"), "{}", bad.stderr);
    let demo = ws.run(&["--demo", "callbacks", "check"]).await;
    assert_eq!(demo.code, 2, "{}", demo.all());
    assert!(demo.stderr.contains("no path to check"), "{}", demo.stderr);
}
