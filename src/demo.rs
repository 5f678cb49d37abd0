//! Demo mode: the built-in simulator with a realistic roster and throwaway credentials, so a new
//! user sees the whole console without an account and without touching any file of theirs.

mod sized;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use url::Url;

use crate::config::{
    AuthConfig, Config, DEFAULT_CONFIRM_WITHIN, DEFAULT_RATE_LIMIT_PER_MINUTE, DEFAULT_RATE_WINDOW,
    DEFAULT_REQUEST_TIMEOUT, KeysTable, PlatformConfig,
};
use crate::ids::ConversationStatus;
use crate::ids::TargetKind;
use crate::roster::{Roster, Target};
use crate::secret::Secret;
use handoff_simulator::{
    ConversationsConfig, Replies, SimAgent, SimQueue, Simulator, SimulatorConfig, generated_agents,
};

pub use sized::{FloorSize, sized};

/// The demo tenant. These are not secrets: they only open the simulator on this machine.
pub const STREAM_ID: &str = "st-5e1d0c2b-7a4f-4c3e-9b8a-1d2e3f4a5b6c";
pub const ORG_ID: &str = "o-8f7e6d5c-4b3a-4291-8e7d-6c5b4a392817";
pub const ACCOUNT_ID: &str = "65a1f0c2d3e4b5a697887766";
pub const CLIENT_ID: &str = "cs-0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";
const CLIENT_SECRET: &str = "demo-secret-for-the-local-simulator-only";
/// Long enough to watch "sending" turn into "accepted"; short enough not to bore.
const CALLBACK_DELAY: Duration = Duration::from_millis(1500);
/// A late callback (the `1a7e` trigger) comes after the default time for a callback has run out,
/// to show a late callback settling an unconfirmed transfer.
const LATE_CALLBACK_DELAY: Duration = Duration::from_secs(75);

const AGENTS: [(&str, &str, &str); 20] = [
    ("Dana Whitfield", "Billing", "Refunds and disputes"),
    ("Marcus Oyelaran", "Billing", ""),
    ("Priya Raghunathan", "Billing", "Team lead"),
    ("Tomás Echeverría", "Billing", "Spanish"),
    ("Grace Liu", "Billing", ""),
    ("Samuel Ortiz", "Tech Support", "Routers and Wi-Fi"),
    ("Hannah Kowalczyk", "Tech Support", ""),
    ("Kwame Mensah", "Tech Support", "Team lead"),
    ("Aiko Tanaka", "Tech Support", "Japanese"),
    ("Liam O'Connor", "Tech Support", ""),
    ("Fatima Al-Sayed", "Retention", "Arabic, French"),
    ("Noah Brennan", "Retention", ""),
    ("Sofia Marchetti", "Retention", "Italian"),
    ("Elena Petrova", "Retention", "Team lead"),
    ("Jamal Washington", "Retention", ""),
    ("Isabel Duarte", "Escalations", "Portuguese"),
    ("Oliver Hughes", "Escalations", "Duty manager"),
    ("Mei-Ling Chen", "Escalations", "Mandarin"),
    ("Ravi Subramanian", "Escalations", ""),
    ("Chloe Martin", "Escalations", "French"),
];

const QUEUES: [(&str, &str); 6] = [
    ("Billing", "Payments, invoices, refunds"),
    ("Tech Support", "Connectivity and devices"),
    ("Retention", "Cancellations"),
    ("Escalations", "Complaints for a duty manager"),
    ("Spanish Line", "Spanish-speaking customers"),
    ("After Hours", "Overnight callbacks"),
];

/// The demo roster: 20 agents in four teams, and six queues.
pub fn roster() -> Roster {
    let agents = AGENTS.iter().map(|(name, team, notes)| {
        let agent = Target::new(TargetKind::Agent, demo_id("a-", name), *name).with_team(*team);
        if notes.is_empty() {
            agent
        } else {
            agent.with_notes(*notes)
        }
    });
    let queues = QUEUES.iter().map(|(name, notes)| {
        Target::new(TargetKind::Queue, demo_id("qu-", name), *name).with_notes(*notes)
    });
    Roster::new(agents.chain(queues).collect())
}

/// A stable id of the documented shape (prefix, then 7-4-4-4-12 hex), derived from the name so
/// the demo roster is the same on every run.
fn demo_id(prefix: &str, name: &str) -> String {
    // FNV-1a: tiny, stable across Rust versions (unlike the std hasher), good enough to spread.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut next = || {
        for byte in name.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash
    };
    let (a, b) = (next(), next());
    format!(
        "{prefix}{:07x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 36,
        (a >> 20) & 0xffff,
        (a >> 8) & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

/// Now and then the demo platform's callback reports a failure, or never comes, as the real
/// one may: the console shows both. Rarely, and never in the first transfers, so that a new
/// user sees the product before its failures (docs/demo.md states these figures).
pub const CALLBACK_FAILURE_PERCENT: u8 = 3;
pub const CALLBACK_SILENCE_PERCENT: u8 = 2;
pub const RANDOM_FAULTS_AFTER: u64 = 10;

/// How many agents the demo platform has beyond the demo roster: a sync brings them in.
const MORE_PLATFORM_AGENTS: usize = 100;
/// How long the demo's live state (presence, chat load, queue waits) holds before it moves.
const STATE_PERIOD: Duration = Duration::from_secs(20);
/// The queue the demo platform reports inactive, as an after-hours queue is during the day.
const INACTIVE_QUEUE: &str = "After Hours";
/// The demo floor: a live list from the first second, a few conversations over, and a new one
/// every 10 to 20 seconds.
const OPEN_CONVERSATIONS: usize = 32;
const ENDED_CONVERSATIONS: usize = 6;
/// With an agent, the customer gone quiet (`IDLE`): listed only when asked for.
const IDLE_CONVERSATIONS: usize = 3;
const ARRIVALS: (Duration, Duration) = (Duration::from_secs(10), Duration::from_secs(20));

/// The simulator's view of the demo tenant: the demo roster's agents (each in their team's
/// queue) and a hundred more, the six queues, one of them inactive, and a floor of
/// conversations that grows while the demo runs.
pub fn simulator_config() -> SimulatorConfig {
    let roster = roster();
    let queues: Vec<SimQueue> = roster
        .targets()
        .iter()
        .filter(|t| t.kind == TargetKind::Queue)
        .map(|t| SimQueue {
            id: t.id.clone(),
            name: t.name.clone(),
            description: t.notes.clone().unwrap_or_default(),
            active: t.name != INACTIVE_QUEUE,
        })
        .collect();
    let queue_named = |name: &str| queues.iter().find(|q| q.name == name).map(|q| q.id.clone());
    let mut agents: Vec<SimAgent> = roster
        .targets()
        .iter()
        .filter(|t| t.kind == TargetKind::Agent)
        .map(|t| {
            let (first, last) = t.name.split_once(' ').unwrap_or((&t.name, ""));
            let team = t.team.clone().unwrap_or_default();
            SimAgent {
                id: t.id.clone(),
                first_name: first.to_owned(),
                last_name: last.to_owned(),
                email: format!("{}@example.com", t.name.to_lowercase().replace(' ', ".")),
                queue_ids: queue_named(&team).into_iter().collect(),
                groups: vec![team],
            }
        })
        .collect();
    let teams: Vec<&str> = AGENTS.iter().map(|(_, team, _)| *team).collect();
    let mut teams_once = teams.clone();
    teams_once.dedup();
    agents.extend(generated_agents(MORE_PLATFORM_AGENTS, &teams_once, &queues));
    SimulatorConfig {
        stream_id: STREAM_ID.into(),
        org_id: ORG_ID.into(),
        account_id: ACCOUNT_ID.into(),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        agents,
        queues,
        agent_page_size: 25,
        state_period: STATE_PERIOD,
        rate_limit_per_minute: DEFAULT_RATE_LIMIT_PER_MINUTE,
        rate_window: DEFAULT_RATE_WINDOW,
        callback_delay: CALLBACK_DELAY,
        callback_failure_percent: CALLBACK_FAILURE_PERCENT,
        callback_silence_percent: CALLBACK_SILENCE_PERCENT,
        random_faults_after: RANDOM_FAULTS_AFTER,
        late_callback_delay: LATE_CALLBACK_DELAY,
        replies: Replies::Live,
        conversations: ConversationsConfig {
            open: OPEN_CONVERSATIONS,
            ended: ENDED_CONVERSATIONS,
            idle: IDLE_CONVERSATIONS,
            arrivals: Some(ARRIVALS),
            ..ConversationsConfig::default()
        },
        queue_performance_scope: true,
        frozen_at: None,
        clock_skew_secs: 0,
        callback_trusted_roots: Vec::new(),
    }
}

/// Starts the demo simulator on a free loopback port.
pub async fn start_simulator() -> std::io::Result<Simulator> {
    Simulator::start(
        simulator_config(),
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    )
    .await
}

/// A config that points at a running demo simulator, signing tokens with the demo credentials.
pub fn config_for(simulator: &Simulator) -> Config {
    let parse = |url: String| Url::parse(&url).expect("the simulator's URLs are valid");
    Config {
        platform: PlatformConfig {
            host: parse(simulator.base_url()),
            stream_id: STREAM_ID.into(),
            org_id: ORG_ID.into(),
            account_id: ACCOUNT_ID.into(),
            rate_limit_per_minute: DEFAULT_RATE_LIMIT_PER_MINUTE,
            rate_window: DEFAULT_RATE_WINDOW,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        },
        auth: AuthConfig::Credentials {
            client_id: CLIENT_ID.into(),
            client_secret: Secret::new(CLIENT_SECRET),
        },
        callback_url: parse(simulator.callback_sink_url()),
        callback_listen: None,
        callbacks_via_team: false,
        confirm_within: DEFAULT_CONFIRM_WITHIN,
        roster_file: None,
        secret_in_file: false,
        secret_env: None,
        bell: true,
        mouse: true,
        conversation_statuses: ConversationStatus::MOVABLE.to_vec(),
        conversations_refresh: crate::config::DEFAULT_CONVERSATIONS_REFRESH,
        reads_share: crate::config::DEFAULT_READS_SHARE,
        floor: crate::config::FloorThresholds::default(),
        keys: KeysTable::default(),
        team: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::check_target_id;

    #[test]
    fn the_demo_platform_knows_more_agents_than_the_roster() {
        let config = simulator_config();
        assert_eq!(config.agents.len(), 20 + MORE_PLATFORM_AGENTS);
        let mut ids: Vec<&str> = config.agents.iter().map(|a| a.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), config.agents.len());
        assert_eq!(config.queues.iter().filter(|q| !q.active).count(), 1);
        let dana = &config.agents[0];
        assert_eq!(
            (dana.first_name.as_str(), dana.last_name.as_str()),
            ("Dana", "Whitfield")
        );
        assert_eq!(dana.queue_ids.len(), 1);
    }

    #[test]
    fn demo_ids_have_the_documented_shape_and_are_unique() {
        let roster = roster();
        let mut ids: Vec<&str> = roster.targets().iter().map(|t| t.id.as_str()).collect();
        for target in roster.targets() {
            assert_eq!(
                check_target_id(target.kind, &target.id),
                Ok(None),
                "{}",
                target.id
            );
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 26);
    }
}
