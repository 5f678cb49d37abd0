//! Live state in words and symbols: an agent's presence and chat load, a queue's waiting count,
//! and how old the data is. Colour only repeats what the words say.

use chrono::Local;
use ratatui::style::Style;

use crate::directory::LiveState;
use crate::platform::{AgentPresence, Presence};
use crate::terminal_safe::{NAME_CHARS, cut, line};
use crate::tui::clock::Clock;
use crate::tui::theme::Theme;
use crate::words::{chats_free, short_duration};

/// "● 2 of 3 chats free", "◑ 0 of 3 chats free", "● available", "◑ busy", "◌ away", "○ offline",
/// "3 waiting ~1m20s", "✕ inactive". An available agent is said by what it can take, in the
/// words capacity has everywhere; the others by their presence, since they take nothing now.
/// Offline is dim, as away is: it says who cannot take a chat now, which is no failure, so it
/// never takes the colour of "✗ failed".
pub fn describe(state: LiveState, theme: &Theme) -> (String, Style) {
    match state {
        LiveState::Agent(AgentPresence { presence, chat }) => {
            let (symbol, style) = match presence {
                // Available but with every chat in use looks like busy, never like free.
                Presence::Available if !state.is_free() => ("◑", theme.warning),
                Presence::Available => ("●", theme.ok),
                Presence::Busy => ("◑", theme.warning),
                Presence::Away => ("◌", theme.dim),
                Presence::Offline => ("○", theme.dim),
            };
            let words = match chat {
                Some(chat) if presence == Presence::Available => {
                    chats_free(chat.total.saturating_sub(chat.used), Some(chat.total))
                }
                _ => presence.label().to_owned(),
            };
            (format!("{symbol} {words}"), style)
        }
        LiveState::Queue(queue) if !queue.active => ("✕ inactive".to_owned(), theme.error),
        LiveState::Queue(queue) => match queue.stats {
            Some(stats) => {
                let waiting = stats
                    .waiting
                    .map_or_else(|| "? waiting".to_owned(), |n| format!("{n} waiting"));
                // With nobody waiting, an average wait says nothing about now.
                let wait = stats
                    .average_wait
                    .filter(|_| stats.waiting != Some(0))
                    .map(|w| format!(" ~{}", short_duration(w.as_secs())))
                    .unwrap_or_default();
                let style = if stats.waiting.unwrap_or(0) > 0 {
                    theme.warning
                } else {
                    theme.ok
                };
                (format!("{waiting}{wait}"), style)
            }
            None => ("active".to_owned(), theme.ok),
        },
    }
}

/// What is left of `wait`, rounded up to the second so it never reads 0s while still waiting.
pub fn countdown(wait: std::time::Duration) -> String {
    short_duration(
        wait.as_millis()
            .div_ceil(1000)
            .try_into()
            .unwrap_or(u64::MAX),
    )
}

/// "as of 14:03:10 (12s ago)" by the `clock`, or with a teammate's read "as of 14:03:10 (12s
/// ago, read by Marcus)".
pub fn age(clock: Clock, taken_at: chrono::DateTime<Local>, read_by: Option<&str>) -> String {
    let taken_at = taken_at.to_utc();
    let secs = (clock.now - taken_at).num_seconds().max(0).unsigned_abs();
    format!(
        "as of {} ({} ago{})",
        clock.shown(taken_at).format("%H:%M:%S"),
        short_duration(secs),
        by_teammate(read_by)
    )
}

/// ", read by Marcus" for a teammate's read, made safe for the terminal and cut to a name's
/// length (the name comes from another console through Redis); nothing for this console's own.
pub fn by_teammate(read_by: Option<&str>) -> String {
    read_by.map_or_else(String::new, |name| {
        format!(", read by {}", line(&cut(name, NAME_CHARS)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::Capacity;

    fn agent(presence: Presence, used: u32) -> LiveState {
        LiveState::Agent(AgentPresence {
            presence,
            chat: Some(Capacity { used, total: 3 }),
        })
    }

    #[test]
    fn presence_never_takes_the_colour_of_a_failure() {
        let theme = Theme::colour();
        for presence in [
            Presence::Available,
            Presence::Busy,
            Presence::Away,
            Presence::Offline,
        ] {
            for used in [0, 3] {
                let (words, style) = describe(agent(presence, used), &theme);
                assert_ne!(style, theme.error, "{words}");
            }
        }
        assert_eq!(
            describe(agent(Presence::Offline, 0), &theme),
            ("○ offline".into(), theme.dim)
        );
    }

    #[test]
    fn an_available_agent_is_said_by_its_free_chats() {
        let theme = Theme::colour();
        assert_eq!(
            describe(agent(Presence::Available, 1), &theme).0,
            "● 2 of 3 chats free"
        );
        assert_eq!(
            describe(agent(Presence::Available, 3), &theme).0,
            "◑ 0 of 3 chats free"
        );
        assert_eq!(describe(agent(Presence::Busy, 1), &theme).0, "◑ busy");
    }
}
