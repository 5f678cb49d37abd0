//! `transfer --sessions-file` reads a file, or stdin, up to its bound of 100,000 lines and
//! 4 MiB, and no further: past it the run exits 2 naming the file, and sends nothing.
//!
//! Each run here has its memory limited ([`support::limit_memory`]): a real run fits in the
//! limit (the byte order mark test sends two transfers under it), while reading without a bound
//! runs out of it within a second, whatever the input, and then fails otherwise ("out of
//! memory", or an abort) instead of with the bound's message. The limit is on the data the
//! process may allocate, which the kernel refuses past it: unlike its peak memory read from
//! `/proc` while it runs, it cannot miss a peak, and unlike `getrusage` of the test process's
//! children, no other test's child counts in it.

use std::process::Stdio;

use tokio::io::AsyncWriteExt;

use crate::support::{self, Run, Runner, Workspace, demo_workspace};
use handoff_simulator::Simulator;

/// Room for a run (the runtime, the client, a sessions file at its bound and its ids), and
/// far less than reading without a bound needs within a second.
const MEMORY_LIMIT: u64 = 64 * 1024 * 1024;

const BOUND: &str = "a sessions file may hold 100,000 lines and 4 MiB at most";

fn command(ws: &Workspace, args: &[&str]) -> tokio::process::Command {
    let mut command = Runner::for_workspace(ws).command(args);
    support::limit_memory(&mut command, MEMORY_LIMIT);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Not one request reached the platform.
fn nothing_reached(simulator: &handoff_simulator::Simulator) {
    let requests = simulator.requests();
    assert!(requests.is_empty(), "{requests:?}");
}

/// What the binary did, checked to have exited by itself rather than on a signal (an abort
/// when an allocation failed past the limit).
fn finished(output: std::process::Output) -> Run {
    assert!(
        output.status.code().is_some(),
        "ended by {:?}, not an exit: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    Run::from(output)
}

async fn run_limited(ws: &Workspace, args: &[&str]) -> Run {
    finished(command(ws, args).output().await.expect("the binary runs"))
}

fn assigned(simulator: &Simulator) -> usize {
    simulator
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/assign-conversation"))
        .count()
}

#[tokio::test]
async fn dev_zero_is_read_up_to_the_byte_bound_and_nothing_is_sent() {
    let (simulator, ws) = demo_workspace().await;
    let args = [
        "transfer",
        "--sessions-file",
        "/dev/zero",
        "--queue",
        "Billing",
    ];
    let run = run_limited(&ws, &args).await;
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains(&format!(
            "error: --sessions-file /dev/zero: over 4 MiB; {BOUND}"
        )),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nothing was sent"), "{}", run.stderr);
    nothing_reached(&simulator);
}

/// Stdin that never ends: a task writes valid ids into the pipe until the binary closes it.
#[tokio::test]
async fn endless_stdin_is_read_up_to_the_line_bound_and_nothing_is_sent() {
    let (simulator, ws) = demo_workspace().await;
    let mut command = command(
        &ws,
        &[
            "transfer",
            "--sessions-file",
            "-",
            "--queue",
            "Billing",
            "--json",
        ],
    );
    command.stdin(Stdio::piped());
    let mut child = command.spawn().expect("the binary runs");
    let mut stdin = child.stdin.take().unwrap();
    let writer = tokio::spawn(async move {
        let ids = "c0ffee00aaaaaaaaaa111111\n".repeat(1_000);
        loop {
            if let Err(error) = stdin.write_all(ids.as_bytes()).await {
                return error;
            }
        }
    });
    let run = finished(child.wait_with_output().await.unwrap());
    let stopped = writer.await.unwrap();
    assert_eq!(
        stopped.kind(),
        std::io::ErrorKind::BrokenPipe,
        "the binary stopped reading: {stopped}"
    );
    assert_eq!(run.code, 2, "{}", run.all());
    let out = run.json();
    assert_eq!(
        (out["exit_code"].as_i64(), out["state"].as_str()),
        (Some(2), Some("not sent")),
        "{out}"
    );
    assert_eq!(
        out["message"].as_str(),
        Some(
            format!("--sessions-file -: over 100,000 lines; {BOUND}: split it into several runs")
                .as_str()
        ),
        "{out}"
    );
    nothing_reached(&simulator);
}

#[tokio::test]
async fn a_file_of_too_many_lines_is_refused_and_nothing_is_sent() {
    let (simulator, ws) = demo_workspace().await;
    ws.write(
        "sessions.txt",
        &"c0ffee00aaaaaaaaaa111111\n".repeat(100_001),
    );
    let file = ws.dir.path().join("sessions.txt");
    let args = [
        "transfer",
        "--sessions-file",
        support::path_str(&file),
        "--queue",
        "Billing",
    ];
    let run = run_limited(&ws, &args).await;
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains(&format!(
            "--sessions-file {}: over 100,000 lines; {BOUND}",
            file.display()
        )),
        "{}",
        run.stderr
    );
    nothing_reached(&simulator);
}

/// A file saved with a byte order mark, as some Windows editors do, and two of them joined.
#[tokio::test]
async fn a_byte_order_mark_is_taken() {
    let (simulator, ws) = demo_workspace().await;
    ws.write(
        "sessions.txt",
        "\u{feff}c0ffee00aaaaaaaaaa111111\r\n\u{feff}c0ffee00aaaaaaaaaa222222\r\n",
    );
    let file = ws.dir.path().join("sessions.txt");
    let args = [
        "transfer",
        "--sessions-file",
        support::path_str(&file),
        "--queue",
        "Billing",
    ];
    let run = run_limited(&ws, &args).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(assigned(&simulator), 2, "{}", run.all());
}
