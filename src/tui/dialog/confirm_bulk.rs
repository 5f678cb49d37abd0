//! One confirmation for the marked conversations, to one target or spread over marked agents:
//! what goes, what is left out and why, and each agent's free chats. Those moved recently may be
//! included after a second confirmation ([`ConfirmBulkAnyway`]). Why each is left out names who
//! moved it, from outside: cut to a message's length.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::confirm_bulk_anyway::ConfirmBulkAnyway;
use super::frame::{NAMED, headline, offered_key_line, open, sized};
use super::{send, send_unclaimed};
use crate::directory::LiveState;
use crate::ids::SessionId;
use crate::roster::Target;
use crate::terminal_safe::{MESSAGE_CHARS, NAME_CHARS, cut};
use crate::transfer::{BulkDestination, Room};
use crate::transfer::{BulkKey, BulkPlan, LeftOut, Skipped};
use crate::tui::conversations::has_ended;
use crate::tui::effect::Effect;
use crate::tui::keys::{Action, Context};
use crate::tui::model::{Dialog, DialogInput, Model};
use crate::tui::theme::Theme;

/// `to` is what it shows and what is sent: a refresh meanwhile changes neither.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmBulk {
    pub to: BulkDestination,
    pub key: BulkKey,
    pub send: Vec<SessionId>,
    /// Left out because they were moved in the last ten minutes or are in flight.
    pub recent: Vec<Skipped>,
    /// Left out for good: ended, listed twice, already sent by this run.
    pub skipped: Vec<Skipped>,
}

impl ConfirmBulk {
    /// Enter in the picker with conversations marked: one confirmation for all of them, to the
    /// highlighted target, or spread over the agents marked in the picker. An agent's room is
    /// read now, once: the confirmation shows it and the run is checked by it.
    pub fn open(model: &mut Model) {
        let to = if model.marked_agents.is_empty() {
            let Some(target) = model.picker.highlighted(&model.roster).cloned() else {
                return;
            };
            let live = model.live_state(&target.id);
            BulkDestination::one(target, live)
        } else {
            let agents = model
                .marked_agents
                .iter()
                .filter_map(|id| model.roster.targets().iter().find(|t| t.id == *id))
                .map(|agent| (agent.clone(), Room::of(model.live_state(&agent.id))))
                .collect();
            BulkDestination::Spread(agents)
        };
        let marked = model.conversations.marked().to_vec();
        let key = to.key(marked.iter().map(SessionId::as_str));
        let now = model.clock.now;
        let mut skipped = Vec::new();
        let mut movable = Vec::new();
        for session in marked {
            match model.conversations.get(&session) {
                Some(conversation) if has_ended(conversation) => {
                    let why = format!(
                        "already ended ({}), per the conversation list",
                        conversation
                            .status
                            .as_ref()
                            .map_or("ended", |s| s.as_str())
                            .to_lowercase()
                    );
                    skipped.push(Skipped::new(session, why, LeftOut::Moved));
                }
                _ => movable.push(session),
            }
        }
        let strict = BulkPlan::new(movable.clone(), &key, &model.ledger, false, now);
        let loose = BulkPlan::new(movable, &key, &model.ledger, true, now);
        let mut recent: Vec<Skipped> = strict
            .skipped
            .iter()
            .filter(|s| loose.send.contains(&s.session))
            .cloned()
            .collect();
        skipped.extend(
            strict
                .skipped
                .into_iter()
                .filter(|s| !loose.send.contains(&s.session)),
        );
        // The platform knows of moves handoff did not make.
        let mut send = Vec::new();
        for session in strict.send {
            match send::moved_on_the_platform(model, &session) {
                Some(why) => recent.push(Skipped::new(session, why, LeftOut::Moved)),
                None => send.push(session),
            }
        }
        model.dialog = Some(Box::new(Self {
            to,
            key,
            send,
            recent,
            skipped,
        }));
    }

    /// `y`: sent, unless some would go beyond the free chats of the agent or agents, or an
    /// agent's are not known, which is asked again in words.
    fn confirmed(self, model: &mut Model) -> Option<Effect> {
        let Self { to, key, send, .. } = self;
        let warnings = to.capacity_warnings(send.len());
        if warnings.is_empty() {
            return send::many(model, to, key, send);
        }
        model.dialog = Some(Box::new(ConfirmBulkAnyway {
            to,
            key,
            send,
            warnings,
        }));
        None
    }

    /// `i`: the recently moved ones too, asked again in words.
    fn include_recent(self, model: &mut Model) {
        let Self {
            to,
            key,
            send,
            recent,
            ..
        } = self;
        let mut warnings: Vec<String> = recent
            .iter()
            .map(|s| format!("{}: {}", s.session.short(), s.why))
            .collect();
        let send: Vec<SessionId> = send
            .into_iter()
            .chain(recent.into_iter().map(|s| s.session))
            .collect();
        warnings.extend(to.capacity_warnings(send.len()));
        model.dialog = Some(Box::new(ConfirmBulkAnyway {
            to,
            key,
            send,
            warnings,
        }));
    }
}

impl Dialog for ConfirmBulk {
    fn context(&self) -> Context {
        Context::ConfirmBulk
    }

    fn handle(self: Box<Self>, model: &mut Model, input: DialogInput) -> Option<Effect> {
        match input {
            DialogInput::Action(Action::Send) => {
                send_unclaimed::ask_first(self, model)?.confirmed(model)
            }
            DialogInput::Action(Action::IncludeRecent) if !self.recent.is_empty() => {
                self.include_recent(model);
                None
            }
            DialogInput::Action(Action::Cancel) => None,
            _ => model.keep_open(self),
        }
    }

    /// `i` only while some were left out as moved recently.
    fn offers(&self, action: Action) -> bool {
        action != Action::IncludeRecent || !self.recent.is_empty()
    }

    /// "12 conversations → queue Billing", what is left out and why, and the keys.
    fn draw(&self, model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
        let Self {
            to,
            send,
            recent,
            skipped,
            ..
        } = self;
        let mut lines = headline(
            format!("{} conversation(s) → {}", send.len(), to.words()),
            theme,
        );
        // Each agent's room as the run will be checked by it; a queue takes any number.
        let room_of = |agent: &Target, room: Room| {
            let total = model.live_state(&agent.id).and_then(LiveState::chat_total);
            format!("{} ({})", cut(&agent.name, NAME_CHARS), room.words(total))
        };
        let rooms: Vec<String> = match to {
            BulkDestination::Queue(_) => Vec::new(),
            BulkDestination::Agent(agent, room) => vec![room_of(agent, *room)],
            BulkDestination::Spread(agents) => agents
                .iter()
                .map(|(agent, room)| room_of(agent, *room))
                .collect(),
        };
        if !rooms.is_empty() {
            lines.push(Line::raw(rooms.join(", ")).centered());
            if let Some(note) = to.capacity_note(send.len()) {
                lines.push(Line::styled(note, theme.warning).centered());
            }
            lines.push(Line::raw(""));
        }
        if !skipped.is_empty() {
            lines.push(Line::styled(
                format!("{} left out:", skipped.len()),
                theme.warning,
            ));
            lines.extend(named(skipped, theme));
        }
        if !recent.is_empty() {
            let include = model.keys.key_label(self.context(), Action::IncludeRecent);
            lines.push(Line::styled(
                format!(
                    "{} left out as moved in the last 10 minutes or on their way ({include} includes them, after asking again):",
                    recent.len()
                ),
                theme.warning,
            ));
            lines.extend(named(recent, theme));
        }
        if skipped.is_empty() && recent.is_empty() {
            lines.push(Line::styled("none left out", theme.dim).centered());
        }
        lines.push(Line::raw(""));
        lines.push(offered_key_line(model, self.context(), theme));
        let dialog = sized(area, 84, &lines);
        let inner = open("Move these conversations?", dialog, theme, frame);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }
}

fn named(skipped: &[Skipped], theme: &Theme) -> Vec<Line<'static>> {
    let mut lines: Vec<Line> = skipped
        .iter()
        .take(NAMED)
        .map(|s| {
            let why = cut(&s.why, MESSAGE_CHARS);
            Line::raw(format!("  {} {why}", s.session.short()))
        })
        .collect();
    if skipped.len() > NAMED {
        lines.push(Line::styled(
            format!("  and {} more", skipped.len() - NAMED),
            theme.dim,
        ));
    }
    lines
}
