//! One transfer in full: its timeline, the request as sent (secrets replaced), the platform's
//! reply and the callback payload, verbatim up to [`PAYLOAD_CHARS`]. Names and notes are cut to
//! their lengths; the platform's words were cut as they came in.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::listed;
use crate::terminal_safe::{self, MESSAGE_CHARS, NAME_CHARS, PAYLOAD_CHARS, cut};
use crate::transfer::{Confirmation, Outcome, TransferId, TransferRecord, TransferState};
use crate::tui::effect::Effect;
use crate::tui::keys::{Action, Context};
use crate::tui::model::{Dialog, DialogInput, Model};
use crate::tui::theme::Theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detail {
    pub transfer: TransferId,
    /// The first line shown.
    pub scroll: u16,
}

impl Detail {
    pub fn new(transfer: TransferId) -> Self {
        Self {
            transfer,
            scroll: 0,
        }
    }

    /// Moves the text `lines` down the screen (negative: up).
    fn scroll(&mut self, lines: i16) {
        self.scroll = self.scroll.saturating_add_signed(lines);
    }
}

impl Dialog for Detail {
    fn context(&self) -> Context {
        Context::Detail
    }

    fn handle(mut self: Box<Self>, model: &mut Model, input: DialogInput) -> Option<Effect> {
        let effect = match input {
            DialogInput::Action(Action::Close) => return None,
            // Open while the supervisor reads why not; closed once the picker takes over.
            DialogInput::Action(Action::Reroute) => {
                let (transfer, context) = (self.transfer, self.context());
                model.dialog = Some(self);
                model.reroute(transfer, context);
                return None;
            }
            DialogInput::Action(Action::CopySession) => model.copy_session(self.transfer),
            DialogInput::Action(Action::Up) => {
                self.scroll(-1);
                None
            }
            DialogInput::Action(Action::Down) => {
                self.scroll(1);
                None
            }
            DialogInput::Wheel(lines) => {
                self.scroll(lines);
                None
            }
            _ => None,
        };
        model.dialog = Some(self);
        effect
    }

    fn draw(&self, model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
        let lines = match model.transfer(self.transfer) {
            Some(record) => lines(model, record, theme),
            None => vec![Line::raw(
                "This transfer is no longer kept in memory; see the audit file.",
            )],
        };
        let [row] = Layout::vertical([Constraint::Percentage(90)])
            .flex(Flex::Center)
            .areas(area);
        let [dialog] = Layout::horizontal([Constraint::Max(100)])
            .flex(Flex::Center)
            .areas(row);
        frame.render_widget(Clear, dialog);
        let key = |action| model.keys.key_label(self.context(), action);
        let (up, down, close) = (key(Action::Up), key(Action::Down), key(Action::Close));
        let block = Block::bordered()
            .border_style(theme.focused)
            .title(Span::styled(
                format!(" Transfer detail ({up}/{down} scroll, {close} close) "),
                theme.title,
            ));
        let inner = block.inner(dialog);
        frame.render_widget(block, dialog);
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .scroll((self.scroll, 0)),
            inner,
        );
    }
}

fn lines(model: &Model, record: &TransferRecord, theme: &Theme) -> Vec<Line<'static>> {
    let request = &record.request;
    let field = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{label:<10}"), theme.key),
            Span::raw(value),
        ])
    };
    let heading = |text: &str| Line::styled(text.to_owned(), theme.title);
    let time = |at: Option<DateTime<Utc>>| {
        at.map_or_else(
            || "—".to_owned(),
            |at| model.clock.shown(at).format("%H:%M:%S%.3f").to_string(),
        )
    };
    let state = record.state();
    // The outcome first, in one line: where it ended up and why.
    let mut outcome = vec![Span::styled(
        format!("{} {}", state.symbol(), state.word()),
        theme.tone(state.tone()),
    )];
    if let Some(detail) = record.detail() {
        outcome.push(Span::raw(format!(": {detail}")));
    }
    let mut lines = vec![Line::from(outcome)];
    // Where the platform left it is not known: what the list last said is the best word on it.
    if matches!(
        state,
        TransferState::Unknown | TransferState::Interrupted { .. }
    ) && let Some(place) = listed::where_now(model, &request.session)
    {
        lines.push(Line::styled(place, theme.warning));
    }
    lines.extend([
        Line::raw(""),
        field("session", request.session.to_string()),
        field(
            "target",
            format!(
                "{} {} ({})",
                request.target.kind,
                cut(&request.target.name, NAME_CHARS),
                cut(&request.target.id, NAME_CHARS)
            ),
        ),
    ]);
    if let Some(note) = &request.note {
        lines.push(field("note", cut(note, MESSAGE_CHARS).into_owned()));
    }
    let described = |other: &TransferRecord| {
        format!(
            "{} → {}: {}",
            model.clock.shown(other.intent_at).format("%H:%M:%S"),
            other.request.target,
            other.state().word()
        )
    };
    if let Some(earlier) = request.reroute_of {
        let text = model.transfer(earlier).map_or_else(
            || "an earlier transfer, no longer in memory (see the audit file)".to_owned(),
            described,
        );
        lines.push(field("re-routes", text));
    }
    for later in model
        .ledger
        .records()
        .filter(|r| r.request.reroute_of == Some(record.id()))
    {
        lines.push(field("re-routed", described(later)));
    }
    lines.push(Line::raw(""));
    lines.push(heading("Timeline"));
    lines.push(field("started", time(Some(record.intent_at))));
    lines.push(field("sent", time(record.sent_at)));
    lines.push(field("answered", time(record.answered_at)));
    lines.push(field("callback", time(record.settled_at)));
    lines.push(Line::raw(""));

    lines.push(heading("Request"));
    match &record.sent {
        Some(sent) => lines.extend(sent.lines().map(|l| Line::raw(l.to_owned()))),
        None if record.restored => lines.push(Line::styled(
            "from an earlier run: the audit file keeps the outcome, not the request",
            theme.dim,
        )),
        None => lines.push(Line::styled("not sent yet", theme.dim)),
    }
    lines.push(Line::raw(""));

    lines.push(heading("Reply"));
    lines.push(Line::raw(match &record.outcome {
        None => "none yet".to_owned(),
        Some(Outcome::Transferred {
            request_completed_at,
        }) => format!(
            "status \"transferred\", requestCompletedAt {}",
            request_completed_at.map_or_else(|| "not given".to_owned(), |ms| ms.to_string())
        ),
        Some(outcome) => outcome.detail().unwrap_or_default(),
    }));
    lines.push(Line::raw(""));

    lines.push(heading("Callback"));
    match &record.confirmation {
        None => lines.push(Line::styled("none yet", theme.dim)),
        Some(Confirmation::Unconfirmed { .. }) => {
            lines.push(Line::styled("none arrived", theme.warning))
        }
        Some(confirmation) => lines.extend(callback_lines(confirmation)),
    }
    if !record.conflicts.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            "Conflicting callbacks (later, saying otherwise; the first one stands)",
            theme.warning,
        ));
        for conflict in &record.conflicts {
            lines.extend(callback_lines(conflict));
        }
    }
    lines
}

/// A callback's words and its payload, verbatim as JSON (escaped where a terminal would act).
fn callback_lines(confirmation: &Confirmation) -> Vec<Line<'static>> {
    let mut lines = vec![Line::raw(format!(
        "{}{}",
        confirmation.state().word(),
        confirmation
            .detail()
            .map_or_else(String::new, |d| format!(": {d}"))
    ))];
    if let Some(payload) = confirmation.payload() {
        let text = terminal_safe::json_pretty(payload);
        let shown = cut(&text, PAYLOAD_CHARS);
        lines.extend(shown.lines().map(|l| Line::raw(l.to_owned())));
    }
    lines
}
