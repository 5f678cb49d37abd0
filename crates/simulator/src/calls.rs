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
    /// `POST …/analytics/account/{accountId}/queue-performance`: every queue's numbers, a page
    /// of rows at a time.
    pub queue_performance: u64,
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
            + self.queue_performance
            + self.assign
            + self.other
    }

    /// Counts one call to `path`, a path the guard admitted to a platform route.
    pub(crate) fn count(&mut self, path: &str) {
        let kind = match route_of(path).as_slice() {
            ["v1", "public", _, "conversations"] => &mut self.conversation_list,
            ["v1", "public", _, "organizations", _, "agents"] => &mut self.agent_list,
            ["v1", "public", _, "agents", "availability"] => &mut self.availability,
            ["v1", "public", _, "monitor", "queueStatsById", _] => &mut self.queue_stats,
            ["v1", "public", _, "queues"] => &mut self.queue_list,
            ["public", "analytics", "account", _, "queue-performance"] => {
                &mut self.queue_performance
            }
            ["v1", "public", _, "assign-conversation"] => &mut self.assign,
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
            queue_performance: self
                .queue_performance
                .saturating_sub(earlier.queue_performance),
            assign: self.assign.saturating_sub(earlier.assign),
            other: self.other.saturating_sub(earlier.other),
        }
    }
}

/// The segments of `path` below the platform API's root:
/// `/agentassist/api/v1/public/{streamId}/queues` → `["v1", "public", "{streamId}", "queues"]`.
fn route_of(path: &str) -> Vec<&str> {
    path.strip_prefix("/agentassist/api/")
        .map(|rest| rest.split('/').collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const API: &str = "/agentassist/api";

    #[test]
    fn each_call_counts_as_the_route_it_addressed() {
        let mut counts = CallCounts::default();
        for route in [
            "/v1/public/st-1/conversations",
            "/v1/public/st-1/conversations",
            "/v1/public/st-1/organizations/o-1/agents",
            "/v1/public/st-1/agents/availability",
            "/v1/public/st-1/monitor/queueStatsById/qu-1",
            "/v1/public/st-1/monitor/queueStatsById/qu-2",
            "/v1/public/st-1/queues",
            "/v1/public/st-1/queues/qu-1",
            "/public/analytics/account/65a1/queue-performance",
            "/v1/public/st-1/assign-conversation",
        ] {
            counts.count(&format!("{API}{route}"));
        }
        assert_eq!(
            counts,
            CallCounts {
                conversation_list: 2,
                agent_list: 1,
                availability: 1,
                queue_stats: 2,
                queue_list: 1,
                queue_performance: 1,
                assign: 1,
                other: 1,
            }
        );
        assert_eq!(counts.total(), 10);
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
