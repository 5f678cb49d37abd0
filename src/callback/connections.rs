//! Which connections the receiver holds, and which one gives way when it is full.
//!
//! A slowloris client connects and then sends its request head slowly or never. Refusing
//! newcomers once the cap is reached would let a few hundred such clients keep every real
//! callback out until their deadline; a higher cap alone only raises the number they need. So
//! when the receiver is full, the connection that has waited longest without finishing its
//! request head is dropped to make room: a real callback sends its head as soon as it connects,
//! so it is the newest of those waiting and the last to be dropped. To crowd one out, an
//! attacker would have to open more connections than the cap in the moment between its connect
//! and its head, and the cap is set high for that reason. A connection whose head has arrived is
//! never dropped: past the head, a post without the right token is answered at once, so only
//! token holders stay longer, within the body and lifetime deadlines.

use std::collections::{BTreeMap, HashSet};

/// Never fewer connections than the receiver held before it made room by dropping one.
const FEWEST: usize = 32;
/// Each connection held costs a file descriptor and, while it waits for its head, some 10 KiB,
/// 20 KiB with a head near the receiver's 16 KiB cap sent but unfinished (the resident size of a
/// receiver holding 1,000 such connections, measured). At this many that is some 20 MiB at
/// worst, and an attacker has to open over a thousand connections within one head's round trip
/// to crowd out a callback.
const MOST: usize = 1024;
/// The share of the process's open-file limit the receiver may take. The rest of the console
/// needs descriptors too (the audit and roster files, connections to the platform and to
/// Redis), and must never fail a transfer because idle clients hold them all.
const SHARE_OF_OPEN_FILES: u64 = 8;

/// How many connections the receiver holds at once, under this process's limit on open files.
pub(super) fn connection_cap() -> usize {
    cap_for(open_file_limit())
}

/// The cap for a soft limit of `open_files` (`None` when unlimited or unknown).
fn cap_for(open_files: Option<u64>) -> usize {
    match open_files {
        Some(limit) => usize::try_from(limit / SHARE_OF_OPEN_FILES)
            .unwrap_or(MOST)
            .clamp(FEWEST, MOST),
        None => MOST,
    }
}

#[cfg(unix)]
fn open_file_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

#[cfg(not(unix))]
fn open_file_limit() -> Option<u64> {
    None
}

/// A connection's number, in the order connections arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct ConnectionId(u64);

/// What happened to a new connection.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Admission<H> {
    /// There was room.
    Admitted(ConnectionId),
    /// There was room once `dropped`, the connection that had waited longest for its request
    /// head, was let go: the caller closes it.
    MadeRoom { admitted: ConnectionId, dropped: H },
    /// Every connection held has sent its head and is being answered: the newcomer is refused.
    Full,
}

/// The connections held, each with `H`, what the caller needs to close it while it waits for
/// its head.
pub(super) struct Connections<H> {
    cap: usize,
    next: u64,
    /// Still sending their request head, oldest first (numbers grow with arrival).
    awaiting_head: BTreeMap<ConnectionId, H>,
    /// Past their head: never dropped to make room.
    answering: HashSet<ConnectionId>,
}

impl<H> Connections<H> {
    pub(super) fn new(cap: usize) -> Self {
        Self {
            cap,
            next: 0,
            awaiting_head: BTreeMap::new(),
            answering: HashSet::new(),
        }
    }

    /// Takes a new connection in, making room if it must.
    pub(super) fn admit(&mut self, handle: H) -> Admission<H> {
        let dropped = if self.held() < self.cap {
            None
        } else {
            match self.awaiting_head.pop_first() {
                Some((_, oldest)) => Some(oldest),
                None => return Admission::Full,
            }
        };
        let id = ConnectionId(self.next);
        self.next += 1;
        self.awaiting_head.insert(id, handle);
        match dropped {
            None => Admission::Admitted(id),
            Some(dropped) => Admission::MadeRoom {
                admitted: id,
                dropped,
            },
        }
    }

    /// The connection's request head has arrived. One already dropped to make room stays out.
    pub(super) fn head_received(&mut self, id: ConnectionId) {
        if self.awaiting_head.remove(&id).is_some() {
            self.answering.insert(id);
        }
    }

    /// The connection has ended, however it ended.
    pub(super) fn closed(&mut self, id: ConnectionId) {
        self.awaiting_head.remove(&id);
        self.answering.remove(&id);
    }

    fn held(&self) -> usize {
        self.awaiting_head.len() + self.answering.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn admitted(admission: Admission<&'static str>) -> ConnectionId {
        match admission {
            Admission::Admitted(id) => id,
            other => panic!("expected room, got {other:?}"),
        }
    }

    #[test]
    fn connections_are_taken_in_up_to_the_cap_without_dropping_any() {
        let mut connections = Connections::new(3);
        for name in ["a", "b", "c"] {
            admitted(connections.admit(name));
        }
        assert_eq!(connections.held(), 3);
    }

    #[test]
    fn when_full_the_connection_waiting_longest_for_its_head_gives_way() {
        let mut connections = Connections::new(3);
        for name in ["a", "b", "c"] {
            admitted(connections.admit(name));
        }
        assert!(matches!(
            connections.admit("d"),
            Admission::MadeRoom { dropped: "a", .. }
        ));
        assert!(matches!(
            connections.admit("e"),
            Admission::MadeRoom { dropped: "b", .. }
        ));
        assert_eq!(connections.held(), 3);
    }

    #[test]
    fn a_connection_whose_head_arrived_is_passed_over() {
        let mut connections = Connections::new(3);
        let a = admitted(connections.admit("a"));
        admitted(connections.admit("b"));
        admitted(connections.admit("c"));
        connections.head_received(a);
        assert!(matches!(
            connections.admit("d"),
            Admission::MadeRoom { dropped: "b", .. }
        ));
    }

    #[test]
    fn when_every_connection_is_being_answered_the_newcomer_is_refused() {
        let mut connections = Connections::new(2);
        let a = admitted(connections.admit("a"));
        let b = admitted(connections.admit("b"));
        connections.head_received(a);
        connections.head_received(b);
        assert_eq!(connections.admit("c"), Admission::Full);
        connections.closed(a);
        admitted(connections.admit("d"));
    }

    #[test]
    fn a_dropped_connection_stays_out_when_its_head_comes_late_or_it_closes() {
        let mut connections = Connections::new(1);
        let a = admitted(connections.admit("a"));
        let Admission::MadeRoom { admitted: b, .. } = connections.admit("b") else {
            panic!("expected room made");
        };
        connections.head_received(a);
        connections.closed(a);
        assert_eq!(connections.held(), 1, "only b");
        connections.head_received(b);
        assert_eq!(connections.admit("c"), Admission::Full, "b is answered");
    }

    #[test]
    fn the_cap_is_an_eighth_of_the_open_file_limit_within_bounds() {
        assert_eq!(cap_for(Some(1024)), 128);
        assert_eq!(cap_for(Some(4096)), 512);
        assert_eq!(cap_for(Some(256)), FEWEST, "macOS's usual soft limit");
        assert_eq!(cap_for(Some(1 << 20)), MOST);
        assert_eq!(cap_for(Some(u64::MAX)), MOST);
        assert_eq!(cap_for(None), MOST, "unlimited");
        assert!((FEWEST..=MOST).contains(&connection_cap()));
    }

    #[derive(Debug, Clone)]
    enum Step {
        Connect,
        Head(u64),
        Close(u64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            Just(Step::Connect),
            (0..40u64).prop_map(Step::Head),
            (0..40u64).prop_map(Step::Close),
        ]
    }

    proptest! {
        /// Whatever connections do, no more than the cap are held, a newcomer is refused only
        /// when every held connection is being answered, and the one dropped is always the
        /// oldest still waiting for its head.
        #[test]
        fn never_more_than_the_cap_and_always_the_oldest_waiting_dropped(
            cap in 1..6usize,
            steps in prop::collection::vec(step(), 0..80),
        ) {
            let mut connections = Connections::new(cap);
            for (attempt, step) in steps.into_iter().enumerate() {
                match step {
                    Step::Connect => {
                        let oldest_waiting = connections.awaiting_head.values().next().copied();
                        let answering = connections.answering.len();
                        match connections.admit(attempt) {
                            Admission::Admitted(_) => {}
                            Admission::MadeRoom { dropped, .. } => {
                                prop_assert_eq!(Some(dropped), oldest_waiting);
                            }
                            Admission::Full => prop_assert_eq!(answering, cap),
                        }
                    }
                    Step::Head(n) => connections.head_received(ConnectionId(n)),
                    Step::Close(n) => connections.closed(ConnectionId(n)),
                }
                prop_assert!(connections.held() <= cap);
            }
        }
    }
}
