//! Colours and emphasis. Meaning is always carried by words and symbols too, so the console stays
//! usable with `NO_COLOR` set, on a monochrome terminal, or for a colour-blind supervisor.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub focused: Style,
    pub unfocused: Style,
    pub title: Style,
    pub highlight: Style,
    pub ok: Style,
    pub error: Style,
    pub warning: Style,
    pub pending: Style,
    pub dim: Style,
    pub key: Style,
    /// Letters of a name that the filter matched.
    pub matched: Style,
}

impl Theme {
    /// The style of a transfer's state.
    pub fn tone(&self, tone: crate::transfer::Tone) -> Style {
        use crate::transfer::Tone;
        match tone {
            Tone::Pending => self.pending,
            Tone::Good => self.ok,
            Tone::Bad => self.error,
            Tone::Doubtful => self.warning,
            Tone::Quiet => self.dim,
        }
    }

    /// Colour unless `NO_COLOR` is set to anything non-empty (no-color.org).
    pub fn from_env() -> Self {
        Self::for_no_color(std::env::var_os("NO_COLOR").as_deref())
    }

    /// The theme for this value of `NO_COLOR`.
    pub fn for_no_color(value: Option<&std::ffi::OsStr>) -> Self {
        match value {
            Some(value) if !value.is_empty() => Self::monochrome(),
            _ => Self::colour(),
        }
    }

    pub fn colour() -> Self {
        Self {
            focused: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            unfocused: Style::new().fg(Color::DarkGray),
            title: Style::new().add_modifier(Modifier::BOLD),
            highlight: Style::new().add_modifier(Modifier::REVERSED),
            ok: Style::new().fg(Color::Green),
            error: Style::new().fg(Color::Red),
            warning: Style::new().fg(Color::Yellow),
            pending: Style::new().fg(Color::Cyan),
            dim: Style::new().fg(Color::DarkGray),
            key: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            matched: Style::new()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        }
    }

    pub fn monochrome() -> Self {
        let plain = Style::new();
        Self {
            focused: plain.add_modifier(Modifier::BOLD),
            unfocused: plain,
            title: plain.add_modifier(Modifier::BOLD),
            highlight: plain.add_modifier(Modifier::REVERSED),
            ok: plain,
            error: plain.add_modifier(Modifier::BOLD),
            warning: plain,
            pending: plain,
            dim: plain,
            key: plain.add_modifier(Modifier::BOLD),
            matched: plain.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        }
    }
}
