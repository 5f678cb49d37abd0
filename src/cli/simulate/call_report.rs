//! `handoff simulate --report-calls`: every minute, one line with the calls the simulated account
//! received in that minute, in all and by kind, so that a supervisor trying a console, or a
//! benchmark (`benches/read-cost.sh`), sees what it spends of the account's 60 a minute.

use std::convert::Infallible;
use std::time::Duration;

use chrono::{Local, NaiveTime};
use tokio::time::{Instant, MissedTickBehavior, interval_at};

use super::super::output::out;
use crate::words::short_duration;
use handoff_simulator::{CallCounts, Simulator};

/// Prints a line every `every` for as long as it is left to run: the calls counted since the
/// line before (or since it started, for the first).
pub(super) async fn report(simulator: &Simulator, every: Duration) -> Infallible {
    out!(
        "Every {}, a line says the calls the account received in it.",
        period_words(every)
    );
    let mut ticks = interval_at(Instant::now() + every, every);
    // A late line still covers the calls since the line before; the next comes a period later.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut before = simulator.calls();
    loop {
        ticks.tick().await;
        let now = simulator.calls();
        out!("{}", line(Local::now().time(), every, now - before));
        before = now;
    }
}

/// `14:04:07 calls in the last minute: 43 (conversation list pages 12, agent list pages 15,
/// availability 2, queue stats 12, queue list pages 2, queue performance pages 0, assign 0,
/// other 0)`: every kind always named, so that a script finds each by its words.
fn line(at: NaiveTime, every: Duration, calls: CallCounts) -> String {
    format!(
        "{} calls in the last {}: {} (conversation list pages {}, agent list pages {}, \
         availability {}, queue stats {}, queue list pages {}, queue performance pages {}, \
         assign {}, other {})",
        at.format("%H:%M:%S"),
        period_words(every),
        calls.total(),
        calls.conversation_list,
        calls.agent_list,
        calls.availability,
        calls.queue_stats,
        calls.queue_list,
        calls.queue_performance,
        calls.assign,
        calls.other,
    )
}

/// "minute", or another period as "5s".
fn period_words(every: Duration) -> String {
    match every.as_secs() {
        60 => "minute".to_owned(),
        secs => short_duration(secs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_names_every_kind_and_the_total() {
        let calls = CallCounts {
            conversation_list: 18,
            agent_list: 9,
            availability: 2,
            queue_stats: 12,
            queue_list: 2,
            queue_performance: 1,
            assign: 0,
            other: 1,
        };
        let at = NaiveTime::from_hms_opt(14, 4, 7).unwrap_or_default();
        assert_eq!(
            line(at, Duration::from_secs(60), calls),
            "14:04:07 calls in the last minute: 45 (conversation list pages 18, agent list pages 9, \
             availability 2, queue stats 12, queue list pages 2, queue performance pages 1, \
             assign 0, other 1)"
        );
        assert!(
            line(at, Duration::from_secs(5), CallCounts::default())
                .starts_with("14:04:07 calls in the last 5s: 0 (")
        );
    }
}
