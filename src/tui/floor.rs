//! The floor strip's state: the queues' numbers as last read, whether the strip is shown, and
//! which queues have rung the bell. A queue rings once as it crosses a threshold, and not again
//! until it has been back under for a minute, so a queue hovering at its limit does not ring at
//! every read.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::FloorThresholds;
use crate::directory::{FloorNumbers, QueueFigure};

/// How long a queue stays under its thresholds before crossing them rings again.
const REARM_AFTER: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Default)]
pub struct Floor {
    pub numbers: Option<FloorNumbers>,
    pub thresholds: FloorThresholds,
    /// Hidden by the supervisor (F2).
    pub hidden: bool,
    /// The app cannot read queue-performance, as the console has said.
    pub without_numbers: bool,
    /// By queue id: rang, and since when it has been back under (`None` while over).
    rang: HashMap<String, Option<DateTime<Utc>>>,
    /// How many queues the figures have a line for, as of the last look: the layout's, which
    /// must not go through the whole list at every frame.
    pub queues: usize,
    /// The most urgent queue over a threshold, which the header names.
    pub alert: Option<String>,
}

impl Floor {
    /// Takes the figures as they are `now`: true when a queue just crossed a threshold (the
    /// bell is due). The header names the worst queue over one, while any is.
    pub fn look(&mut self, figures: &[QueueFigure], now: DateTime<Utc>) -> bool {
        self.queues = figures.len();
        let mut crossed = false;
        for figure in figures {
            let rang = self.rang.get_mut(&figure.id);
            match (figure.over(), rang) {
                (true, None) => {
                    self.rang.insert(figure.id.clone(), None);
                    crossed = true;
                }
                (true, Some(under_since)) => *under_since = None,
                (false, Some(under_since)) => {
                    let since = *under_since.get_or_insert(now);
                    if (now - since).to_std().unwrap_or_default() >= REARM_AFTER {
                        self.rang.remove(&figure.id);
                    }
                }
                (false, None) => {}
            }
        }
        // The figures come most urgent first; the strip says why.
        self.alert = figures
            .iter()
            .find(|f| f.over())
            .map(|figure| figure.name.clone());
        crossed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(id: &str, over: bool) -> QueueFigure {
        QueueFigure {
            id: id.into(),
            name: format!("Queue {id}"),
            waiting: 3,
            overdue: 1,
            waiting_age: None,
            longest_wait: Some(Duration::from_secs(250)),
            sla_percent: Some(if over { 61.0 } else { 90.0 }),
            abandoned: None,
            agents: None,
            max_wait: Duration::from_secs(300),
            sla_low: over,
            wait_long: false,
        }
    }

    #[test]
    fn a_queue_rings_once_and_again_only_after_a_minute_back_under() {
        let mut floor = Floor::default();
        let start = Utc::now();
        let at = |secs: i64| start + chrono::TimeDelta::seconds(secs);
        assert!(!floor.look(&[figure("a", false)], at(0)));
        assert_eq!(floor.alert, None);
        assert!(floor.look(&[figure("a", true)], at(10)), "it crossed");
        assert_eq!(floor.alert.as_deref(), Some("Queue a"));
        assert!(
            !floor.look(&[figure("a", true)], at(20)),
            "still over: no bell"
        );
        assert!(!floor.look(&[figure("a", false)], at(30)));
        assert_eq!(floor.alert, None);
        assert!(
            !floor.look(&[figure("a", true)], at(60)),
            "back over within a minute: no bell"
        );
        assert!(!floor.look(&[figure("a", false)], at(70)));
        assert!(!floor.look(&[figure("a", false)], at(131)));
        assert!(
            floor.look(&[figure("a", true)], at(140)),
            "a minute under re-arms it"
        );
        assert!(
            floor.look(&[figure("a", true), figure("b", true)], at(150)),
            "each queue rings for itself"
        );
    }
}
