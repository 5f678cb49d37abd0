//! What taking secrets out of a reply costs: every reply (up to 1 MiB) goes through the
//! redactor, which looks for four secrets in all their forms (whole, cut short,
//! percent-encoded, base64 at each alignment, a JWT's signature) and for the request's token.
//! Run with `cargo bench -p handoff-benches --bench redact`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use handoff::secret::{Redactor, Secret};

const MIB: usize = 1024 * 1024;

/// A configured JWT, a client secret, a callback token and a Redis password.
fn redactor() -> Redactor {
    Redactor::new([
        Secret::new(
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcHBJZCI6ImNzLTEifQ.h3Xq0c9JdQ2wz-Y1_Kk7ZCkMbbl1vF8rQWm6sD2T4uE",
        ),
        Secret::new("t3st-secret-never-printed-7f3a"),
        Secret::new("9f2c41d07b6e4a59a8d3c1e2f4b5a697"),
        Secret::new("redis-pass-Wq8#zL"),
    ])
}

/// The request's token, signed for this request: not among the redactor's own.
fn token() -> Secret {
    Secret::new(
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcHBJZCI6ImNzLTIifQ.Zm9yLXRoaXMtcmVxdWVzdC1vbmx5LXNpZ25hdHVyZQ",
    )
}

/// `piece` repeated to 1 MiB.
fn mib_of(piece: &str) -> String {
    piece.repeat(MIB / piece.len() + 1)[..MIB].to_owned()
}

fn redacting(c: &mut Criterion) {
    let redactor = redactor();
    let token = token();
    let texts = [
        (
            "a JSON list",
            mib_of(
                r#"{"botSessionId":"6538f8a3c9cf425ee5cf0a1b","status":"OPEN","waitTime":95000,"queues":[{"id":"qu-1","name":"Billing"}],"keyIntentName":"Refund"},"#,
            ),
        ),
        // Every byte is a letter or digit that may start a base64 form.
        (
            "base64",
            mib_of("QmFzZTY0IHRleHQgdGhhdCBob2xkcyBubyBzZWNyZXQgYXQgYWxsLCByZXBlYXRlZA"),
        ),
        (
            "an echo of every secret",
            mib_of(
                "auth eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcHBJZCI6ImNzLTIifQ.Zm9yLXRoaXMtcmVxdWVzdC1vbmx5LXNpZ25hdHVyZQ secret t3st-secret-never-printed-7f3a token 9f2c41d07b6e4a59a8d3c1e2f4b5a697; ",
            ),
        ),
    ];
    let mut group = c.benchmark_group("redact 1 MiB");
    group.throughput(Throughput::Bytes(MIB as u64));
    for (name, text) in &texts {
        group.bench_function(*name, |b| {
            b.iter(|| black_box(redactor.redact(black_box(text), Some(&token))).len())
        });
    }
    group.finish();
}

criterion_group!(benches, redacting);
criterion_main!(benches);
