//! Demo mode: the built-in simulator with a realistic roster and throwaway credentials, so a new
//! user sees the whole console without an account and without touching any file of theirs.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use url::Url;

use crate::config::{
    AuthConfig, Config, DEFAULT_RATE_LIMIT_PER_MINUTE, DEFAULT_REQUEST_TIMEOUT, PlatformConfig,
};
use crate::ids::TargetKind;
use crate::roster::{Roster, Target};
use crate::secret::Secret;
use crate::simulator::{Simulator, SimulatorConfig};

/// The demo tenant. These are not secrets: they only open the simulator on this machine.
pub const STREAM_ID: &str = "st-5e1d0c2b-7a4f-4c3e-9b8a-1d2e3f4a5b6c";
pub const ORG_ID: &str = "o-8f7e6d5c-4b3a-4291-8e7d-6c5b4a392817";
pub const ACCOUNT_ID: &str = "65a1f0c2d3e4b5a697887766";
pub const CLIENT_ID: &str = "cs-0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";
const CLIENT_SECRET: &str = "demo-secret-for-the-local-simulator-only";
/// Long enough to watch "sending" turn into "transferred"; short enough not to bore.
const CALLBACK_DELAY: Duration = Duration::from_millis(1500);

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

/// The simulator's view of the demo tenant: it knows exactly the demo roster's targets.
pub fn simulator_config() -> SimulatorConfig {
    let roster = roster();
    let ids = |kind| {
        roster
            .targets()
            .iter()
            .filter(|t| t.kind == kind)
            .map(|t| t.id.clone())
            .collect()
    };
    SimulatorConfig {
        stream_id: STREAM_ID.into(),
        org_id: ORG_ID.into(),
        account_id: ACCOUNT_ID.into(),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        agents: ids(TargetKind::Agent),
        queues: ids(TargetKind::Queue),
        rate_limit_per_minute: DEFAULT_RATE_LIMIT_PER_MINUTE,
        callback_delay: CALLBACK_DELAY,
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
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        },
        auth: AuthConfig::Credentials {
            client_id: CLIENT_ID.into(),
            client_secret: Secret::new(CLIENT_SECRET),
        },
        callback_url: parse(simulator.callback_sink_url()),
        roster_file: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::check_target_id;

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
