//! What a sync with the platform would change, named before anything is saved: targets to add,
//! renamed, no longer listed. Only `y` saves: nothing is saved by an Enter typed out of habit.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::frame::{key_line, open, sized};
use crate::directory::Listing;
use crate::roster::SyncPreview as Changes;
use crate::terminal_safe::{NAME_CHARS, cut};
use crate::tui::effect::Effect;
use crate::tui::keys::{Action, Context};
use crate::tui::model::{Dialog, DialogInput, Model};
use crate::tui::theme::Theme;

#[derive(Debug, Clone, PartialEq)]
pub struct SyncPreview {
    /// The platform's lists, merged into the roster file on `y`.
    pub listing: Listing,
    /// What merging them would change.
    pub preview: Changes,
}

impl Dialog for SyncPreview {
    fn context(&self) -> Context {
        Context::SyncPreview
    }

    fn handle(self: Box<Self>, model: &mut Model, input: DialogInput) -> Option<Effect> {
        match input {
            DialogInput::Action(Action::ApplySync) => Some(Effect::ApplySync(self.listing)),
            DialogInput::Action(Action::Cancel) => None,
            _ => model.keep_open(self),
        }
    }

    fn draw(&self, model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
        let preview = &self.preview;
        /// Enough names to recognise the change; the count says the rest.
        const NAMED: usize = 6;
        // The names are the platform's: each is cut to a name's length.
        let named = |names: Vec<String>| {
            let more = names.len().saturating_sub(NAMED);
            let mut text = names
                .iter()
                .take(NAMED)
                .map(|name| cut(name, NAME_CHARS))
                .collect::<Vec<_>>()
                .join(", ");
            if more > 0 {
                text.push_str(&format!(" and {more} more"));
            }
            text
        };
        let mut lines = vec![Line::raw("")];
        let mut section = |count: usize, what: &str, names: Vec<String>, style: Style| {
            if count > 0 {
                lines.push(Line::styled(
                    format!("{count} {what}: {}", named(names)),
                    style,
                ));
            }
        };
        section(
            preview.added.len(),
            "to add",
            preview.added.clone(),
            theme.ok,
        );
        section(
            preview.renamed.len(),
            "renamed by the platform",
            preview
                .renamed
                .iter()
                .map(|(old, new)| format!("{} → {}", cut(old, NAME_CHARS), cut(new, NAME_CHARS)))
                .collect(),
            Style::new(),
        );
        section(
            preview.stale.len(),
            "no longer listed, to mark stale (kept, not deleted)",
            preview.stale.clone(),
            theme.warning,
        );
        let summary = &preview.summary;
        let others = summary.updated.saturating_sub(preview.renamed.len());
        if others > 0 {
            lines.push(Line::raw(format!(
                "{others} more with a team filled in or listed again"
            )));
        }
        lines.push(Line::styled(
            format!(
                "{} unchanged; your names, notes and favourites are kept",
                summary.unchanged
            ),
            theme.dim,
        ));
        for note in &self.listing.notes {
            lines.push(Line::styled(note.clone(), theme.dim));
        }
        lines.push(Line::raw(""));
        lines.push(key_line(&model.keys, self.context(), theme));
        let dialog = sized(area, 100, &lines);
        let inner = open("Sync the roster with the platform?", dialog, theme, frame);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }
}
