//! How many platform API calls have arrived, by kind: what a client spends of the account's
//! calls, for `handoff simulate --report-calls` and the benchmark of an idle console's reads.
//!
//! The request record ([`Simulator::requests`](super::Simulator::requests)) keeps the latest
//! 10,000 requests whole, each once it is answered; a count of "the last minute" cannot be cut
//! from it exactly, as it has no times and a slow answer takes its place late. These counts are
//! taken as each call arrives, beside the rate limit's own, and stay one number a kind however
//! long the simulator runs.

use std::ops::Sub;

/// Calls that arrived, by the route each addressed, whatever its method and answer (a call the
/// rate limit refused counts too: the client made it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallCounts {
    /// `GET …/conversations`, one a page.
    pub conversation_list: u64,
    /// `GET …/organizations/{orgId}/agents`, one a page.
    pub agent_list: u64,
    /// `POST …/agents/availability`: who is free.
    pub availability: u64,
    /// `POST …/monitor/queueStatsById/{queueId}`, one a queue.
    pub queue_stats: u64,
    /// `GET …/queues`, one a page.
    pub queue_list: u64,
    /// `POST …/assign-conversation`: transfers.
    pub assign: u64,
    /// Every other platform call, such as `GET …/queues/{queueId}`.
    pub other: u64,
}

impl CallCounts {
    /// Every call, whatever its kind.
    pub fn total(&self) -> u64 {
        self.conversation_list
            + self.agent_list
            + self.availability
            + self.queue_stats
            + self.queue_list
            + self.assign
            + self.other
    }

    /// Counts one call to `path`, a path the guard admitted to a platform route.
    pub(crate) fn count(&mut self, path: &str) {
        let kind = match route_of(path).as_slice() {
            ["conversations"] => &mut self.conversation_list,
            ["organizations", _, "agents"] => &mut self.agent_list,
            ["agents", "availability"] => &mut self.availability,
            ["monitor", "queueStatsById", _] => &mut self.queue_stats,
            ["queues"] => &mut self.queue_list,
            ["assign-conversation"] => &mut self.assign,
            _ => &mut self.other,
        };
        *kind = kind.saturating_add(1);
    }
}

/// The calls between an earlier count and this one.
impl Sub for CallCounts {
    type Output = CallCounts;

    fn sub(self, earlier: CallCounts) -> CallCounts {
        CallCounts {
            conversation_list: self
                .conversation_list
                .saturating_sub(earlier.conversation_list),
            agent_list: self.agent_list.saturating_sub(earlier.agent_list),
            availability: self.availability.saturating_sub(earlier.availability),
            queue_stats: self.queue_stats.saturating_sub(earlier.queue_stats),
            queue_list: self.queue_list.saturating_sub(earlier.queue_list),
            assign: self.assign.saturating_sub(earlier.assign),
            other: self.other.saturating_sub(earlier.other),
        }
    }
}

/// The segments of `path` after the stream it addresses:
/// `/agentassist/api/v1/public/{streamId}/agents/availability` → `["agents", "availability"]`.
fn route_of(path: &str) -> Vec<&str> {
    path.strip_prefix("/agentassist/api/v1/public/")
        .map(|rest| rest.split('/').skip(1).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = "/agentassist/api/v1/public/st-1";

    #[test]
    fn each_call_counts_as_the_route_it_addressed() {
        let mut counts = CallCounts::default();
        for route in [
            "/conversations",
            "/conversations",
            "/organizations/o-1/agents",
            "/agents/availability",
            "/monitor/queueStatsById/qu-1",
            "/monitor/queueStatsById/qu-2",
            "/queues",
            "/queues/qu-1",
            "/assign-conversation",
        ] {
            counts.count(&format!("{STREAM}{route}"));
        }
        assert_eq!(
            counts,
            CallCounts {
                conversation_list: 2,
                agent_list: 1,
                availability: 1,
                queue_stats: 2,
                queue_list: 1,
                assign: 1,
                other: 1,
            }
        );
        assert_eq!(counts.total(), 9);
    }

    #[test]
    fn the_calls_between_two_counts_are_their_difference() {
        let earlier = CallCounts {
            conversation_list: 3,
            assign: 1,
            ..CallCounts::default()
        };
        let later = CallCounts {
            conversation_list: 5,
            assign: 1,
            other: 2,
            ..CallCounts::default()
        };
        assert_eq!(
            later - earlier,
            CallCounts {
                conversation_list: 2,
                other: 2,
                ..CallCounts::default()
            }
        );
    }
}
