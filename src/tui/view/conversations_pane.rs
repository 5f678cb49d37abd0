//! The account's open conversations, below the session field: one row each, the highlight and
//! the marks, how old the list is, and why it cannot be read when it cannot.

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::frame::has_focus;
use super::live;
use crate::ids::ConversationStatus;
use crate::platform::Conversation;
use crate::terminal_safe::{NAME_CHARS, cut, grouped};
use crate::transfer::RECENT_MOVE;
use crate::tui::conversations::{ListProblem, has_ended};
use crate::tui::model::{Focus, Model};
use crate::tui::text;
use crate::tui::theme::Theme;
use crate::words::short_duration;

/// The pointer, the mark and a space; the wait (7) and the status (7), each with a space after.
const FIXED: usize = 3 + 8 + 8;
/// "↻ 12m", the last column.
const MOVED: usize = 6;
/// The whole session id, and the part of it that tells ids apart.
const WHOLE_ID: usize = 24;
const SHORT_ID: usize = 11;

/// Column widths: narrow enough for 80 columns; what a wider row has beyond that goes first to
/// the columns the platform's words are cut in (intent, mood, agent, queue), then to the whole
/// session id, then to the priority, then to intents and names again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    queue: usize,
    priority: usize,
    intent: usize,
    sentiment: usize,
    agent: usize,
    whole_id: bool,
}

impl Columns {
    fn for_width(width: u16) -> Self {
        let mut columns = Self {
            queue: 12,
            priority: 4,
            intent: 12,
            sentiment: 6,
            agent: 10,
            whole_id: false,
        };
        let mut spare = usize::from(width).saturating_sub(columns.width());
        widen(&mut columns.intent, 20, &mut spare);
        widen(&mut columns.sentiment, 10, &mut spare);
        widen(&mut columns.agent, 18, &mut spare);
        widen(&mut columns.queue, 16, &mut spare);
        if spare >= WHOLE_ID - SHORT_ID {
            columns.whole_id = true;
            spare -= WHOLE_ID - SHORT_ID;
        }
        widen(&mut columns.priority, 8, &mut spare);
        widen(&mut columns.intent, 28, &mut spare);
        widen(&mut columns.agent, 26, &mut spare);
        columns
    }

    fn id_width(&self) -> usize {
        if self.whole_id { WHOLE_ID } else { SHORT_ID }
    }

    /// The row's width: every column with the space after it, and "moved" last.
    fn width(&self) -> usize {
        FIXED
            + self.id_width()
            + 1
            + self.queue
            + 1
            + self.priority
            + 1
            + self.intent
            + 1
            + self.sentiment
            + 1
            + self.agent
            + 1
            + MOVED
    }
}

/// `column` wider, up to `to`, by what `spare` has.
fn widen(column: &mut usize, to: usize, spare: &mut usize) {
    let by = to.saturating_sub(*column).min(*spare);
    *column += by;
    *spare -= by;
}

/// What the title says about the list: how many, in what order, and how old.
pub(crate) fn title_words(model: &Model) -> String {
    let list = &model.conversations;
    let Some(as_of) = list.as_of else {
        return String::new();
    };
    let shown_list = list.shown(model.session.value());
    let shown = shown_list.len();
    // Where the highlight is, when the list is being moved through.
    let position = list
        .selected_index(&shown_list)
        .filter(|_| has_focus(model, Focus::Session))
        .map_or_else(String::new, |at| format!("{} of ", at + 1));
    let marked = list.marked().len();
    let age = (model.clock.now - as_of)
        .num_seconds()
        .max(0)
        .unsigned_abs();
    // Why the list is older than `refresh_secs`, when the reads' ceiling holds it back.
    let held = model.reads_held.map_or_else(String::new, |held| {
        format!(
            "; {} open, reads held to {}/min",
            grouped(list.len()),
            held.calls_per_minute
        )
    });
    format!(
        " · {position}{shown} conversation(s){} by {} · as of {} ({} ago{held}{})",
        if marked > 0 {
            format!(", {marked} marked,")
        } else {
            String::new()
        },
        list.sort.word(),
        model.clock.shown(as_of).format("%H:%M:%S"),
        short_duration(age),
        live::by_teammate(list.read_by.as_deref())
    )
}

/// The headings and rows in `area`: the headings on its first line, `rows` below.
pub(super) fn draw(model: &Model, theme: &Theme, headings: Rect, rows: Rect, frame: &mut Frame) {
    if headings.height == 0 {
        return;
    }
    let list = &model.conversations;
    let width = usize::from(headings.width);
    let columns = Columns::for_width(headings.width);
    match (&list.problem, list.as_of) {
        (Some(ListProblem::MissingScope(words)), _) => {
            let lines: Vec<Line> = text::wrap(&format!("✗ {words}"), width)
                .into_iter()
                .map(|l| Line::styled(l, theme.warning))
                .collect();
            let area = Rect {
                height: headings.height + rows.height,
                ..headings
            };
            frame.render_widget(Paragraph::new(lines), area);
            return;
        }
        (Some(ListProblem::Failed(words)), None) => {
            let line = Line::styled(
                format!("✗ cannot list the conversations: {words}"),
                theme.warning,
            );
            frame.render_widget(text::fit(line, width), headings);
            return;
        }
        (None, None) => {
            let line = Line::styled("reading the account's conversations…", theme.dim);
            frame.render_widget(line, headings);
            return;
        }
        (Some(ListProblem::Failed(words)), Some(_)) => {
            let line = Line::styled(
                format!("✗ the last refresh failed ({words}); the list below is older"),
                theme.warning,
            );
            frame.render_widget(text::fit(line, width), headings);
        }
        (None, Some(_)) => {
            frame.render_widget(text::fit(headings_line(&columns, theme), width), headings);
        }
    }
    let filter = model.session.value();
    let shown = list.shown(filter);
    if shown.is_empty() {
        let words = if list.is_empty() {
            "no open conversations"
        } else {
            "no conversation matches what is typed; Enter on a whole id still picks a target"
        };
        frame.render_widget(text::fit(Line::styled(words, theme.dim), width), rows);
        return;
    }
    let focused = has_focus(model, Focus::Session);
    let selected = list.selected_index(&shown);
    let first = list.first_shown(filter, usize::from(rows.height));
    let lines: Vec<Line> = shown
        .iter()
        .enumerate()
        .skip(first)
        .take(usize::from(rows.height))
        .map(|(at, conversation)| {
            let highlighted = focused && Some(at) == selected;
            let line = row(model, theme, &columns, conversation, highlighted);
            text::fit(line, width)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), rows);
}

fn headings_line(columns: &Columns, theme: &Theme) -> Line<'static> {
    let words = format!(
        "  {:<id$} {:>7} {:<7} {:<queue$} {:<prio$} {:<intent$} {:<mood$} {:<agent$} moved",
        "id",
        "wait",
        "status",
        "queue",
        "prio",
        "intent",
        "mood",
        "agent",
        id = columns.id_width(),
        queue = columns.queue,
        prio = columns.priority,
        intent = columns.intent,
        mood = columns.sentiment,
        agent = columns.agent,
    );
    Line::styled(words, theme.dim)
}

fn row(
    model: &Model,
    theme: &Theme,
    columns: &Columns,
    conversation: &Conversation,
    highlighted: bool,
) -> Line<'static> {
    let now = SystemTime::from(model.clock.now);
    let pointer = if highlighted { "▶" } else { " " };
    let mark = if model.conversations.is_marked(&conversation.session) {
        "●"
    } else {
        " "
    };
    let id = if columns.whole_id {
        conversation.session.as_str().to_owned()
    } else {
        conversation.session.short()
    };
    let wait = conversation
        .wait_at(now)
        .map_or_else(|| "–".to_owned(), |w| short_duration(w.as_secs()));
    // The platform's words, cut to a name's length before they are fitted to their column.
    let cell = |value: Option<&str>, width: usize| {
        pad(&value.map_or("–".into(), |v| cut(v, NAME_CHARS)), width)
    };
    let status_or_agent = if has_ended(conversation) {
        conversation
            .status
            .as_ref()
            .map(|s| s.as_str().to_lowercase())
    } else {
        conversation.agent.as_ref().map(|a| a.label().to_owned())
    };
    let sentiment = conversation
        .sentiment
        .as_ref()
        .and_then(|s| s.tone.as_deref());
    let moved = moved_recently(model, conversation).unwrap_or_default();
    // OVERDUE in capitals, and a wait past its queue's limit (`[floor]`) in the error colour.
    let (status, status_style) = match &conversation.status {
        Some(ConversationStatus::Overdue) => ("OVERDUE".to_owned(), theme.warning),
        Some(status) => (status.as_str().to_lowercase(), theme.dim),
        None => ("–".to_owned(), theme.dim),
    };
    let waiting_too_long = conversation
        .status
        .as_ref()
        .is_some_and(ConversationStatus::is_waiting)
        && conversation.wait_at(now).is_some_and(|wait| {
            let queue = conversation.queue.as_ref().and_then(|q| q.id.as_deref());
            wait > model
                .floor
                .thresholds
                .max_wait_in(queue.unwrap_or_default())
        });
    let wait_style = if waiting_too_long {
        theme.error
    } else {
        ratatui::style::Style::default()
    };
    let style = if highlighted {
        theme.highlight
    } else {
        ratatui::style::Style::default()
    };
    Line::from(vec![
        Span::styled(pointer, theme.key),
        Span::styled(mark, theme.ok),
        Span::raw(" "),
        Span::raw(pad(&id, columns.id_width())),
        Span::raw(" "),
        Span::styled(format!("{wait:>7}"), wait_style),
        Span::raw(" "),
        Span::styled(pad(&status, 7), status_style),
        Span::raw(" "),
        Span::raw(cell(
            conversation.queue.as_ref().map(|q| q.label()),
            columns.queue,
        )),
        Span::raw(" "),
        Span::raw(cell(conversation.priority.as_deref(), columns.priority)),
        Span::raw(" "),
        Span::raw(cell(conversation.intent.as_deref(), columns.intent)),
        Span::raw(" "),
        Span::raw(cell(sentiment, columns.sentiment)),
        Span::raw(" "),
        Span::raw(cell(status_or_agent.as_deref(), columns.agent)),
        Span::raw(" "),
        Span::styled(moved, theme.warning),
    ])
    .style(style)
}

/// "↻ 3m" when it was moved in the last ten minutes: by this console or another handoff (the
/// audit file), or by anyone (the platform's record).
fn moved_recently(model: &Model, conversation: &Conversation) -> Option<String> {
    let ours = model
        .ledger
        .recent_move(&conversation.session, model.clock.now)
        .map(|record| record.intent_at);
    let theirs = conversation
        .last_move()
        .and_then(|m| m.at)
        .filter(|at| *at >= model.clock.now - RECENT_MOVE);
    let at: DateTime<Utc> = ours.into_iter().chain(theirs).max()?;
    let minutes = (model.clock.now - at).num_minutes().max(0);
    Some(format!("↻ {minutes}m"))
}

/// `value` cut or padded to exactly `width` columns.
fn pad(value: &str, width: usize) -> String {
    let fitted = text::fit(Line::raw(value.to_owned()), width);
    let used = fitted.width();
    let mut out: String = fitted.spans.iter().map(|s| s.content.as_ref()).collect();
    out.push_str(&" ".repeat(width.saturating_sub(used)));
    out
}
