//! How long a real callback takes to reach the app through the callback receiver, from the
//! post's connect to its event on the channel: alone, and while 200 slow clients hold
//! connections. Half of those send nothing after connecting, half trickle a request head a byte
//! at a time, and each connects again as soon as it is cut off, as an attacker's would. Run with
//! `cargo bench -p handoff-benches --bench receiver`; under `ulimit -n 1024` the receiver holds
//! 128 connections, so the 200 also overflow it and make it drop the oldest over and over.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use handoff::callback::{CallbackEvent, Receiver};
use handoff::secret::Secret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinSet;

const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const SLOW_CLIENTS: usize = 200;

/// Posts made, and how many of them were dropped before they were answered.
#[derive(Default)]
struct Tally {
    posts: usize,
    crowded_out: usize,
}

/// Posts one callback and waits for its event; a post whose connection was dropped before it
/// was answered is counted and posted again.
async fn round_trip(
    client: &reqwest::Client,
    url: &str,
    events: &mut mpsc::Receiver<CallbackEvent>,
    tally: &mut Tally,
) {
    let body = r#"{"botSessionId": "6538f8a3c9cf425ee5cf0a1b", "status": "success"}"#;
    loop {
        tally.posts += 1;
        let post = client
            .post(url)
            .header("content-type", "application/json")
            .body(body)
            .send();
        // The receiver answers only once the event has room: read events while posting.
        let mut post = std::pin::pin!(post);
        let mut received = false;
        let answered = loop {
            tokio::select! {
                answer = &mut post => break answer.is_ok_and(|a| a.status().is_success()),
                Some(event) = events.recv() => received |= matches!(event, CallbackEvent::Received(_)),
            }
        };
        if !answered {
            tally.crowded_out += 1;
            continue;
        }
        while !received {
            received = matches!(events.recv().await, Some(CallbackEvent::Received(_)));
        }
        return;
    }
}

/// One slow client for as long as the bench runs: connects, says it is connected the first
/// time, then idles or trickles until cut off, and connects again.
async fn slow_client(addr: SocketAddr, trickles: bool, connected: Arc<(AtomicUsize, Notify)>) {
    let mut first = true;
    loop {
        let Ok(mut stream) = TcpStream::connect(addr).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        if std::mem::take(&mut first) {
            connected.0.fetch_add(1, Ordering::Relaxed);
            connected.1.notify_one();
        }
        if trickles {
            let head = b"POST /kore?handoff_token=guess HTTP/1.1\r\nX-Padding: ";
            for byte in head.iter().chain(std::iter::repeat(&b'a')) {
                if stream.write_all(&[*byte]).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        } else {
            let mut byte = [0u8; 1];
            while let Ok(1..) = stream.read(&mut byte).await {}
        }
    }
}

fn callbacks(c: &mut Criterion) {
    let runtime = Runtime::new().unwrap();
    let (tx, mut events) = mpsc::channel(64);
    let receiver = runtime
        .block_on(Receiver::start(
            "127.0.0.1:0".parse().unwrap(),
            Secret::new(TOKEN),
            tx,
        ))
        .unwrap();
    let url = format!("http://{}/kore?handoff_token={TOKEN}", receiver.addr());
    let client = reqwest::Client::new();
    let mut group = c.benchmark_group(format!(
        "callback received (receiver holds {})",
        receiver.max_connections()
    ));
    let mut alone = Tally::default();
    group.bench_function("alone", |b| {
        b.iter(|| runtime.block_on(round_trip(&client, &url, &mut events, &mut alone)))
    });
    let connected = Arc::new((AtomicUsize::new(0), Notify::new()));
    let mut slow = JoinSet::new();
    for n in 0..SLOW_CLIENTS {
        let client = slow_client(receiver.addr(), n % 2 == 1, Arc::clone(&connected));
        slow.spawn_on(client, runtime.handle());
    }
    runtime.block_on(async {
        while connected.0.load(Ordering::Relaxed) < SLOW_CLIENTS {
            connected.1.notified().await;
        }
    });
    let mut slowed = Tally::default();
    group.bench_function(
        format!("while {SLOW_CLIENTS} slow clients hold connections"),
        |b| b.iter(|| runtime.block_on(round_trip(&client, &url, &mut events, &mut slowed))),
    );
    group.finish();
    for (name, tally) in [("alone", alone), ("with slow clients", slowed)] {
        println!(
            "{name}: {} posts, {} dropped before their answer and posted again",
            tally.posts, tally.crowded_out
        );
    }
    slow.abort_all();
    runtime.block_on(receiver.shutdown());
}

criterion_group!(benches, callbacks);
criterion_main!(benches);
