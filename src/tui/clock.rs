//! The console's one clock. The event loop reads the wall clock, once a turn, and hands the time
//! in; `update` and the view read only this. A turn is then the same whenever it runs, and a test
//! sets the time it wants instead of waiting for it.

use chrono::{DateTime, FixedOffset, Local, Utc};

/// The time of the turn being handled, and the zone the console shows times in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// When the message being handled arrived: the view counts down from it, so a frame is the
    /// same however long it takes to draw.
    pub now: DateTime<Utc>,
    zone: Zone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    /// The machine's, summer time included: what the supervisor's own clock says.
    Local,
    /// UTC whatever the machine's zone, so that a screen drawn in a test reads the same in any
    /// zone.
    Utc,
}

impl Clock {
    /// The clock at `now`, showing times in the machine's zone.
    pub fn local(now: DateTime<Utc>) -> Self {
        Self {
            now,
            zone: Zone::Local,
        }
    }

    /// The clock at `now`, showing times in UTC whatever the machine's zone: for tests, whose
    /// screens must read the same wherever they run.
    pub fn utc(now: DateTime<Utc>) -> Self {
        Self {
            now,
            zone: Zone::Utc,
        }
    }

    /// `at` as the console shows it: "14:03:10" in the supervisor's zone.
    pub fn shown(self, at: DateTime<Utc>) -> DateTime<FixedOffset> {
        match self.zone {
            Zone::Local => at.with_timezone(&Local).fixed_offset(),
            Zone::Utc => at.fixed_offset(),
        }
    }
}

/// The clock the console's own tests run at, whatever the wall clock says: 14 March 2025,
/// 09:30 UTC, shown in UTC.
#[cfg(test)]
pub(crate) fn test_clock() -> Clock {
    let now = DateTime::from_timestamp(1_741_944_600, 0).expect("a time chrono can hold");
    Clock::utc(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_utc_clock_shows_the_same_time_in_any_zone() {
        let at = DateTime::parse_from_rfc3339("2025-03-14T09:30:05Z")
            .unwrap()
            .to_utc();
        let clock = Clock::utc(at);
        assert_eq!(clock.shown(at).format("%H:%M:%S").to_string(), "09:30:05");
        assert_eq!(
            Clock::local(at).shown(at),
            at.with_timezone(&Local).fixed_offset()
        );
    }
}
