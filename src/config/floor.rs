//! `[floor]`: when a queue needs a supervisor's eye. Its SLA below `sla_target`, or a
//! conversation in it waiting longer than `max_wait_secs` (its own figure from
//! `[floor.queue_max_wait_secs]`, by queue id, where one is set).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use serde::Deserialize;

use crate::ids::{TargetKind, check_target_id};

/// Contact centers commonly aim to answer 80% within their target.
pub const DEFAULT_SLA_TARGET: f64 = 80.0;
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(120);
/// From ten seconds, shorter than any real target, to an hour.
const MAX_WAIT_RANGE: (u64, u64) = (10, 3_600);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFloor {
    pub sla_target: Option<f64>,
    pub max_wait_secs: Option<u64>,
    #[serde(default)]
    pub queue_max_wait_secs: BTreeMap<String, u64>,
}

/// The thresholds the floor's figures are held against.
#[derive(Debug, Clone, PartialEq)]
pub struct FloorThresholds {
    /// An SLA below this percentage is a queue in trouble.
    pub sla_target: f64,
    /// A wait longer than this is, unless the queue has its own.
    pub max_wait: Duration,
    /// Queues' own longest acceptable waits, by queue id.
    pub queue_max_wait: HashMap<String, Duration>,
}

impl Default for FloorThresholds {
    fn default() -> Self {
        Self {
            sla_target: DEFAULT_SLA_TARGET,
            max_wait: DEFAULT_MAX_WAIT,
            queue_max_wait: HashMap::new(),
        }
    }
}

impl FloorThresholds {
    /// The longest acceptable wait in `queue_id`.
    pub fn max_wait_in(&self, queue_id: &str) -> Duration {
        self.queue_max_wait
            .get(queue_id)
            .copied()
            .unwrap_or(self.max_wait)
    }
}

/// The checked table, or the key and what it expects.
pub(super) fn floor_from(raw: RawFloor) -> Result<FloorThresholds, (&'static str, String)> {
    let sla_target = match raw.sla_target {
        None => DEFAULT_SLA_TARGET,
        Some(target) if (1.0..=100.0).contains(&target) => target,
        Some(target) => {
            return Err((
                "floor.sla_target",
                format!("expected a percentage from 1 to 100, such as 80, found {target}"),
            ));
        }
    };
    let (low, high) = MAX_WAIT_RANGE;
    let seconds = |secs: u64| {
        (low..=high)
            .contains(&secs)
            .then(|| Duration::from_secs(secs))
            .ok_or_else(|| format!("expected seconds from {low} to {high}, found {secs}"))
    };
    let max_wait = match raw.max_wait_secs {
        None => DEFAULT_MAX_WAIT,
        Some(secs) => seconds(secs).map_err(|e| ("floor.max_wait_secs", e))?,
    };
    let key = "floor.queue_max_wait_secs";
    let mut queue_max_wait = HashMap::new();
    for (queue, secs) in raw.queue_max_wait_secs {
        // An id of an unusual shape may still be a platform's queue, as in the roster; an
        // agent's is a mistake.
        let problem = match check_target_id(TargetKind::Queue, &queue) {
            Err(error) => Some(error.to_string()),
            Ok(_) if check_target_id(TargetKind::Agent, &queue) == Ok(None) => {
                Some("it is an agent's id".into())
            }
            Ok(_) => None,
        };
        if let Some(problem) = problem {
            return Err((key, format!("{queue:?} is not a queue id ({problem})")));
        }
        let wait = seconds(secs).map_err(|e| (key, format!("{queue}: {e}")))?;
        queue_max_wait.insert(queue, wait);
    }
    Ok(FloorThresholds {
        sla_target,
        max_wait,
        queue_max_wait,
    })
}
