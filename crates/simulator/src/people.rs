//! Demo roster data: many agents with believable, varied names, the same on every run.

use super::hash::{platform_id, stable};
use super::{SimAgent, SimQueue};

/// ASCII-only, so the e-mail addresses built from them stay plain.
const FIRST_NAMES: [&str; 40] = [
    "Amara",
    "Bogdan",
    "Chen",
    "Dmitri",
    "Elif",
    "Fatima",
    "Giulia",
    "Hiroshi",
    "Ingrid",
    "Jamal",
    "Kwame",
    "Leila",
    "Mateo",
    "Nadia",
    "Oluwaseun",
    "Priya",
    "Quentin",
    "Rania",
    "Sven",
    "Tomasz",
    "Uma",
    "Valentina",
    "Wei",
    "Ximena",
    "Yusuf",
    "Zainab",
    "Aiko",
    "Bjorn",
    "Carmen",
    "Deepak",
    "Emeka",
    "Freya",
    "Goran",
    "Hana",
    "Ivan",
    "Joana",
    "Kofi",
    "Lucia",
    "Mehmet",
    "Noor",
];

const LAST_NAMES: [&str; 40] = [
    "Okafor",
    "Nguyen",
    "Kowalski",
    "Haddad",
    "Fernandes",
    "Tanaka",
    "Schmidt",
    "Mensah",
    "Rossi",
    "Johansson",
    "Petrov",
    "Castillo",
    "Sharma",
    "Kim",
    "Yilmaz",
    "Dubois",
    "Novak",
    "Ibrahim",
    "Silva",
    "Andersen",
    "Chowdhury",
    "Moreau",
    "Papadopoulos",
    "Mwangi",
    "Lindqvist",
    "Garcia",
    "Takahashi",
    "Cohen",
    "Bianchi",
    "Adeyemi",
    "Horvath",
    "Zhang",
    "Walker",
    "Fischer",
    "Kaur",
    "Alvarez",
    "Nakamura",
    "Murphy",
    "Eriksen",
    "Sato",
];

/// Step between neighbours' last names: coprime with 40, so each round of 40 agents uses every
/// last name once and neighbours' names look unrelated.
const LAST_NAME_STEP: usize = 7;

/// One generated agent in this many is in no agent group.
const UNGROUPED_EVERY: usize = 5;

/// `count` agents for demo mode and tests: names combined so that none repeats among the first
/// 1,600 (after that a number keeps e-mails unique), ids of the documented `a-` shape, e-mail
/// `first.last@example.com`, one of `teams` each (in turn; every fifth agent in no group, as on a
/// platform where groups are not used everywhere, so a sync falls back to their first queue) and
/// one or two of `queues`.
/// Deterministic: the same arguments give the same agents on every call.
pub fn generated_agents(count: usize, teams: &[&str], queues: &[SimQueue]) -> Vec<SimAgent> {
    (0..count)
        .map(|index| generated_agent(index, teams, queues))
        .collect()
}

fn generated_agent(index: usize, teams: &[&str], queues: &[SimQueue]) -> SimAgent {
    let names = FIRST_NAMES.len();
    let first = index % names;
    let round = index / names;
    // Within a round of 40 the first names differ; across rounds each first name meets a new
    // last name, so pairs repeat only after 40 rounds.
    let last = (round % names + first * LAST_NAME_STEP) % names;
    let repeat = index / (names * names);
    let (first_name, last_name) = (FIRST_NAMES[first], LAST_NAMES[last]);
    let suffix = if repeat == 0 {
        String::new()
    } else {
        repeat.to_string()
    };
    let seed = format!("demo-agent-{index}");
    SimAgent {
        id: platform_id("a-", true, seed.as_bytes()),
        first_name: first_name.to_owned(),
        last_name: last_name.to_owned(),
        email: format!(
            "{}.{}{suffix}@example.com",
            first_name.to_ascii_lowercase(),
            last_name.to_ascii_lowercase()
        ),
        groups: teams
            .get(index % teams.len().max(1))
            .filter(|_| index % UNGROUPED_EVERY != UNGROUPED_EVERY - 1)
            .map(|team| vec![(*team).to_owned()])
            .unwrap_or_default(),
        queue_ids: queue_ids(index, stable(&[seed.as_bytes(), b"queues"]), queues),
    }
}

/// The agent's home queue (in turn), and for about half the agents a second, different one.
fn queue_ids(index: usize, hash: u64, queues: &[SimQueue]) -> Vec<String> {
    let count = queues.len();
    let Some(home) = queues.get(index % count.max(1)) else {
        return Vec::new();
    };
    let mut ids = vec![home.id.clone()];
    if count > 1 && hash.is_multiple_of(2) {
        let offset = usize::try_from(hash >> 1).unwrap_or(0) % (count - 1) + 1;
        if let Some(second) = queues.get((index + offset) % count) {
            ids.push(second.id.clone());
        }
    }
    ids
}
