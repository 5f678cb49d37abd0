//! What the relay counts, served at `GET /metrics` in Prometheus' text format: callbacks
//! received, refused by reason, spooled, forwarded, and how long keeping one took.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::callback::Refusal;

/// Upper bounds of the latency buckets, in seconds: a callback kept on a healthy Redis takes
/// well under a millisecond on loopback, one that waits for a stalled Redis up to its deadline.
const BUCKETS: [f64; 10] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];

#[derive(Debug, Default)]
pub struct Metrics {
    received: AtomicU64,
    refused: [AtomicU64; Refusal::ALL.len()],
    stored: AtomicU64,
    duplicates: AtomicU64,
    spooled: AtomicU64,
    forwarded: AtomicU64,
    spool_bytes: AtomicU64,
    /// Counts per bucket (not cumulative; summed when served), then the rest above the last.
    latency: [AtomicU64; BUCKETS.len() + 1],
    latency_micros: AtomicU64,
}

fn add(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Metrics {
    pub fn received(&self) {
        add(&self.received);
    }

    pub fn refused(&self, refusal: Refusal) {
        let index = Refusal::ALL.iter().position(|r| *r == refusal).unwrap_or(0);
        add(&self.refused[index]);
    }

    pub fn stored(&self) {
        add(&self.stored);
    }

    pub fn duplicate(&self) {
        add(&self.duplicates);
    }

    pub fn spooled(&self) {
        add(&self.spooled);
    }

    pub fn forwarded(&self) {
        add(&self.forwarded);
    }

    pub fn spool_bytes(&self, bytes: u64) {
        self.spool_bytes.store(bytes, Ordering::Relaxed);
    }

    /// How long keeping one callback took, from its body read to its answer.
    pub fn kept_in(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(BUCKETS.len());
        add(&self.latency[bucket]);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.latency_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// The counts in Prometheus' text format.
    pub fn text(&self, redis_up: bool) -> String {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, lines: &[(String, u64)]| {
            let _ = writeln!(out, "# HELP handoff_relay_{name} {help}");
            let _ = writeln!(out, "# TYPE handoff_relay_{name} {kind}");
            for (labels, value) in lines {
                let _ = writeln!(out, "handoff_relay_{name}{labels} {value}");
            }
        };
        let plain = |value: u64| vec![(String::new(), value)];
        metric(
            "callbacks_received_total",
            "counter",
            "Callbacks taken: the right token, a JSON body within the limits.",
            &plain(load(&self.received)),
        );
        let refused: Vec<(String, u64)> = Refusal::ALL
            .iter()
            .zip(&self.refused)
            .map(|(refusal, count)| (format!("{{reason=\"{}\"}}", refusal.label()), load(count)))
            .collect();
        metric(
            "callbacks_refused_total",
            "counter",
            "Posts refused, by reason; none of them reached the stream.",
            &refused,
        );
        metric(
            "callbacks_stored_total",
            "counter",
            "Callbacks appended to the team's stream as they came.",
            &plain(load(&self.stored)),
        );
        metric(
            "callbacks_duplicate_total",
            "counter",
            "Callbacks the stream already held (the same transfer and body): taken once.",
            &plain(load(&self.duplicates)),
        );
        metric(
            "callbacks_spooled_total",
            "counter",
            "Callbacks written to the spool because Redis could not take them.",
            &plain(load(&self.spooled)),
        );
        metric(
            "callbacks_forwarded_total",
            "counter",
            "Spooled callbacks forwarded to the stream once Redis answered.",
            &plain(load(&self.forwarded)),
        );
        metric(
            "spool_bytes",
            "gauge",
            "Bytes in the spool waiting to be forwarded.",
            &plain(load(&self.spool_bytes)),
        );
        metric(
            "redis_up",
            "gauge",
            "1 when the last call to the team's Redis was answered in time.",
            &plain(u64::from(redis_up)),
        );
        let mut cumulative = 0;
        let mut buckets: Vec<(String, u64)> = BUCKETS
            .iter()
            .zip(&self.latency)
            .map(|(bound, count)| {
                cumulative += load(count);
                (format!("_bucket{{le=\"{bound}\"}}"), cumulative)
            })
            .collect();
        cumulative += load(&self.latency[BUCKETS.len()]);
        buckets.push(("_bucket{le=\"+Inf\"}".into(), cumulative));
        let sum = load(&self.latency_micros) as f64 / 1e6;
        let _ = writeln!(
            out,
            "# HELP handoff_relay_keep_seconds Time to keep a callback (stream or spool) before answering it.\n# TYPE handoff_relay_keep_seconds histogram"
        );
        for (suffix, value) in buckets {
            let _ = writeln!(out, "handoff_relay_keep_seconds{suffix} {value}");
        }
        let _ = writeln!(out, "handoff_relay_keep_seconds_sum {sum}");
        let _ = writeln!(out, "handoff_relay_keep_seconds_count {cumulative}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_come_out_in_the_text_format() {
        let metrics = Metrics::default();
        metrics.received();
        metrics.received();
        metrics.refused(Refusal::WrongToken);
        metrics.kept_in(Duration::from_micros(300));
        metrics.kept_in(Duration::from_millis(30));
        metrics.kept_in(Duration::from_secs(3));
        let text = metrics.text(true);
        assert!(
            text.contains("handoff_relay_callbacks_received_total 2\n"),
            "{text}"
        );
        assert!(text.contains("handoff_relay_callbacks_refused_total{reason=\"wrong_token\"} 1\n"));
        assert!(text.contains("handoff_relay_callbacks_refused_total{reason=\"too_large\"} 0\n"));
        assert!(text.contains("handoff_relay_keep_seconds_bucket{le=\"0.0005\"} 1\n"));
        assert!(text.contains("handoff_relay_keep_seconds_bucket{le=\"0.05\"} 2\n"));
        assert!(text.contains("handoff_relay_keep_seconds_bucket{le=\"+Inf\"} 3\n"));
        assert!(text.contains("handoff_relay_keep_seconds_count 3\n"));
        assert!(text.contains("handoff_relay_redis_up 1\n"));
        // Every sample line is a name, optional labels and a number.
        for line in text.lines().filter(|line| !line.starts_with('#')) {
            let (_, value) = line.rsplit_once(' ').unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}
