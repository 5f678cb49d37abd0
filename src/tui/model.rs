//! Everything the console shows, owned by the event loop alone. Background work never touches it:
//! it sends messages that `update` applies.

use std::any::Any;
use std::collections::HashSet;
use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::bulk::BulkRun;
use super::clock::Clock;
use super::conversations::Conversations;
use super::effect::Effect;
use super::input::TextInput;
use super::keys::{Action, Context, KeyMap};
use super::picker::Picker;
use super::theme::Theme;
use super::transfer_log::{EntryKind, LogEntry, LogFilter, Notice, TransferLog};
use crate::budget::BudgetSnapshot;
use crate::callback::Refusal;
use crate::directory::{Availability, LiveState};
use crate::ids::SessionId;
use crate::roster::Roster;
use crate::transfer::TeamTransfer;
use crate::transfer::{FailureReason, Ledger, Phase, RECENT_CAPACITY, TransferId, TransferRecord};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Session,
    Picker,
    Log,
}

impl Focus {
    const ORDER: [Focus; 3] = [Focus::Session, Focus::Picker, Focus::Log];

    pub fn cycled(self, forward: bool) -> Self {
        let at = Self::ORDER.iter().position(|&f| f == self).unwrap_or(0);
        let step = if forward { 1 } else { Self::ORDER.len() - 1 };
        Self::ORDER[(at + step) % Self::ORDER.len()]
    }
}

/// A dialog over the panes; it takes every key while open. Each is a type of its own, in a file
/// of its own under `tui::dialog`: its state, the context its keys are in, what they do, and how
/// it is drawn. A dialog acts on the whole model, so the model holds it behind this trait rather
/// than naming each one: the dialogs build on the model, never the other way round. A dialog that
/// leaves out any of these does not compile.
pub trait Dialog: fmt::Debug + Any {
    /// Where its keys are: the context of the key map whose table applies while it is open.
    fn context(&self) -> Context;

    /// Acts on what the supervisor did. The dialog is taken out of the model for this: to stay
    /// open it puts itself back in `model.dialog`, or puts there the dialog that follows it.
    fn handle(self: Box<Self>, model: &mut Model, input: DialogInput) -> Option<Effect>;

    /// Draws it over the panes of the terminal's `area`, its keys from the key map.
    fn draw(&self, model: &Model, theme: &Theme, area: Rect, frame: &mut Frame);

    /// Whether `action`, one of its keys, would do anything now, so its line of keys and the
    /// hint bar offer only what does. Most dialogs' keys always do.
    fn offers(&self, _action: Action) -> bool {
        true
    }
}

/// What reaches the open dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogInput<'a> {
    /// A key of its context, or of the editing keys when it has a text field.
    Action(Action),
    /// A character typed that no key binds.
    Typed(char),
    /// Text pasted.
    Pasted(&'a str),
    /// The wheel turned, by this many lines down the screen (negative: up).
    Wheel(i16),
}

#[derive(Debug)]
pub struct Model {
    pub roster: Roster,
    /// One line about where transfers go, e.g. "demo: simulator at http://127.0.0.1:41234".
    pub banner: String,
    /// Who this console is, for the title bar before the banner: "DEMO", "you: Priya" in a
    /// team; empty when nothing says it.
    pub who: String,
    pub focus: Focus,
    pub session: TextInput,
    /// Why the last submitted session id was refused.
    pub session_error: Option<String>,
    pub picker: Picker,
    /// Target ids, most recently used first: from the audit file at start, then this session.
    pub recent: Vec<String>,
    /// Every transfer of the last day: this run's and those read back from the audit file. The
    /// log shows them; callbacks are matched against them.
    pub ledger: Ledger,
    pub log: TransferLog,
    /// Words that narrow the log (`/` in the log); every one must match.
    pub log_query: TextInput,
    /// The log's filter has the keyboard.
    pub filtering_log: bool,
    /// The dialog over the panes, if one is open: it takes every key.
    pub dialog: Option<Box<dyn Dialog>>,
    /// The account's open conversations, as last read, and what is marked among them.
    pub conversations: Conversations,
    /// The last run of many transfers, under way or ended, for the progress bar.
    pub bulk: Option<BulkRun>,
    /// Agents marked in the picker: the marked conversations are spread over them.
    pub marked_agents: Vec<String>,
    /// Who is free right now, as last fetched.
    pub live: Option<Availability>,
    /// Why the last refresh failed; the picker then says its live data is stale.
    pub live_error: Option<String>,
    /// The list comes less often than wanted, held back by the reads' ceiling.
    pub reads_held: Option<crate::directory::Held>,
    /// The queues' figures: the strip above the list, and the bell for a queue in trouble.
    pub floor: super::floor::Floor,
    /// The callback receiver runs, so accepted transfers wait for their confirmation.
    pub confirmations: bool,
    /// The supervisor asked to quit once the transfers in flight have their answer.
    pub quit_when_done: bool,
    /// A transfer that failed or is in doubt, being sent elsewhere (`r` in the log).
    pub rerouting: Option<Reroute>,
    /// The picker lists only targets free right now, until the next send.
    pub free_only: bool,
    /// The picker lists targets by load, least loaded first, until the next send.
    pub by_load: bool,
    /// Ring the bell when a transfer fails or is left in doubt (`[ui] bell`).
    pub bell: bool,
    /// Team mode: the supervisor's answer, for the transfer (or run) being confirmed, to "Redis
    /// is away": send without a claim (`Some(true)`) or once Redis answers (`Some(false)`).
    pub send_unclaimed: Option<bool>,
    /// A transfer just ended in a way that needs the supervisor: ring once, after the draw.
    bell_due: bool,
    /// Transfers of this run that failed or are in doubt and that the supervisor has not looked
    /// at yet (highlighted in the log, opened, or re-routed).
    pub unseen: HashSet<TransferId>,
    /// The target just added or edited: the picker's highlight goes to it once it is saved.
    pub select_after_save: Option<String>,
    /// The account's request budget as last seen, shared with other handoff processes.
    pub budget: Option<BudgetSnapshot>,
    /// In team mode, whether the log shows teammates' transfers beside this console's (`t`);
    /// `None` without a team.
    pub teammates: Option<bool>,
    /// In team mode, the supervisor's name as teammates see it: the hand-over names them by it.
    pub me: Option<String>,
    /// When this console started: its shift, for the hand-over, is what it did since.
    pub started: DateTime<Utc>,
    /// The time of the turn, set by the event loop: the only time `update` and the view read.
    pub clock: Clock,
    /// The keys in force: the defaults with the config file's `[keys]`.
    pub keys: KeyMap,
    /// The answer to the last key, in the status line until the next key: words that would go
    /// unseen at the bottom of a log the supervisor is not looking at (or that its filter
    /// hides). They are in the log too.
    pub status: Option<String>,
    /// The terminal's area, as of the last resize: where the panes are, for scrolling them and
    /// for finding what a click is on, and where help's last page ends. Empty until the
    /// terminal's size is known.
    pub screen: Rect,
}

/// The transfer a new one re-routes, and its session.
#[derive(Debug, Clone, PartialEq)]
pub struct Reroute {
    pub of: TransferId,
    pub session: SessionId,
}

impl Model {
    /// Puts `dialog` back to stay open, for an input that changes nothing in it.
    pub fn keep_open(&mut self, dialog: Box<dyn Dialog>) -> Option<Effect> {
        self.dialog = Some(dialog);
        None
    }

    pub fn new(roster: Roster, banner: String, notices: Vec<Notice>, clock: Clock) -> Self {
        Self::with_recent(roster, banner, notices, Vec::new(), clock)
    }

    pub fn with_recent(
        roster: Roster,
        banner: String,
        notices: Vec<Notice>,
        mut recent: Vec<String>,
        clock: Clock,
    ) -> Self {
        recent.truncate(RECENT_CAPACITY);
        let mut model = Self {
            picker: Picker::new(&roster, &recent),
            recent,
            roster,
            banner,
            who: String::new(),
            focus: Focus::Session,
            session: TextInput::default(),
            session_error: None,
            ledger: Ledger::default(),
            log: TransferLog::default(),
            log_query: TextInput::default(),
            filtering_log: false,
            dialog: None,
            conversations: Conversations::default(),
            bulk: None,
            marked_agents: Vec::new(),
            live: None,
            live_error: None,
            reads_held: None,
            floor: super::floor::Floor::default(),
            confirmations: false,
            quit_when_done: false,
            rerouting: None,
            free_only: false,
            by_load: false,
            bell: true,
            send_unclaimed: None,
            bell_due: false,
            unseen: HashSet::new(),
            select_after_save: None,
            budget: None,
            teammates: None,
            me: None,
            started: clock.now,
            clock,
            keys: KeyMap::default(),
            status: None,
            screen: Rect::default(),
        };
        for notice in notices {
            model.notice(notice);
        }
        model
    }

    /// Adds a notice to the log.
    pub fn notice(&mut self, notice: Notice) {
        let ledger = &self.ledger;
        self.log
            .push(self.clock.now, EntryKind::Notice(notice), |id| {
                is_open(ledger, id)
            });
    }

    /// Answers what the supervisor just did, in the status line and in the log.
    pub fn tell(&mut self, words: String) {
        self.notice(Notice::Info(words.clone()));
        self.status = Some(words);
    }

    /// Gives a transfer of the ledger its line in the log, at `at`.
    pub fn show_transfer(&mut self, id: TransferId, at: DateTime<Utc>) {
        let ledger = &self.ledger;
        self.log
            .push(at, EntryKind::Transfer(id), |id| is_open(ledger, id));
    }

    /// Gives a teammate's transfer its line in the log, at the time it was started.
    pub fn show_teammate(&mut self, transfer: TeamTransfer) {
        let at = transfer.record.intent_at;
        let ledger = &self.ledger;
        self.log
            .push(at, EntryKind::Teammate(Box::new(transfer)), |id| {
                is_open(ledger, id)
            });
    }

    /// Which log entries the filter lets through.
    pub fn log_filter(&self) -> LogFilter<'_> {
        LogFilter::new(
            &self.ledger,
            self.log_query.value(),
            self.showing_teammates(),
        )
    }

    /// Whether the log shows teammates' transfers beside this console's (team mode, `t`).
    pub fn showing_teammates(&self) -> bool {
        self.teammates == Some(true)
    }

    /// The log entry the highlight is on, among those the filter lets through.
    pub fn highlighted_entry(&self) -> Option<&LogEntry> {
        let filter = self.log_filter();
        self.log.highlighted(|entry| filter.lets_through(entry))
    }

    /// Moves the log's highlight `delta` entries towards the newest, among those shown.
    pub fn move_log_highlight(&mut self, delta: isize) {
        let filter = LogFilter::new(
            &self.ledger,
            self.log_query.value(),
            self.showing_teammates(),
        );
        self.log
            .move_highlight(delta, |entry| filter.lets_through(entry));
    }

    /// Counts a refused callback in the log.
    pub fn refused(&mut self, refusal: Refusal, from: SocketAddr) {
        let ledger = &self.ledger;
        self.log
            .refused(refusal, from, self.clock.now, |id| is_open(ledger, id));
    }

    pub fn transfer(&self, id: TransferId) -> Option<&TransferRecord> {
        self.ledger.get(id)
    }

    /// After a change to transfer `id`: if it now needs the supervisor (failed, unknown,
    /// unconfirmed, unclear; not one left unsent with nothing wrong), it counts as unseen and
    /// the bell is due.
    pub fn needs_attention(&mut self, id: TransferId) {
        let needs = self.transfer(id).is_some_and(|r| {
            use crate::transfer::Tone;
            !matches!(r.state().tone(), Tone::Good | Tone::Quiet) && !r.state().is_open()
        });
        if needs && self.unseen.insert(id) {
            self.bell_due = self.bell;
        }
    }

    /// The supervisor has looked at transfer `id`.
    pub fn seen(&mut self, id: TransferId) {
        self.unseen.remove(&id);
    }

    /// Where each part of the console is on its screen now.
    pub fn panes(&self) -> Option<super::layout::Panes> {
        self.panes_in(self.screen)
    }

    /// Where each part of the console is in `area`.
    pub fn panes_in(&self, area: ratatui::layout::Rect) -> Option<super::layout::Panes> {
        // As many lines as the roster has queues from the start, so that the panes do not
        // move under a click when the first figures come; more only if the account has more.
        let queues = if self.floor.hidden {
            0
        } else {
            self.floor
                .queues
                .max(self.roster.count(crate::ids::TargetKind::Queue))
        };
        super::layout::panes(
            area,
            super::layout::Content {
                progress: self.bulk.is_some(),
                queues,
                targets: self.roster.targets().len(),
            },
        )
    }

    /// Every queue's figures now, most urgent first.
    pub fn floor_figures(&self) -> Vec<crate::directory::QueueFigure> {
        crate::directory::queue_figures(
            self.floor.numbers.as_ref(),
            self.conversations.all(),
            self.conversations.as_of,
            &self.roster,
            &self.floor.thresholds,
            self.clock.now.into(),
        )
    }

    /// New figures came: a queue that just crossed a threshold rings the bell.
    pub fn look_at_floor(&mut self) {
        let figures = self.floor_figures();
        if self.floor.look(&figures, self.clock.now) {
            self.bell_due = self.bell;
        }
    }

    /// Whether to ring now; asking clears it.
    pub fn take_bell(&mut self) -> bool {
        std::mem::take(&mut self.bell_due)
    }

    /// Transfers of this run not yet answered by the platform.
    pub fn in_flight(&self) -> impl Iterator<Item = &TransferRecord> {
        self.ledger.open().filter(|r| r.state().in_flight())
    }

    /// Transfers still waiting on the platform: its answer or its callback.
    pub fn open_transfers(&self) -> impl Iterator<Item = &TransferRecord> {
        self.ledger.open()
    }

    /// How long until the screen shows something different with no message arriving: every
    /// second while a countdown shows (a full budget, a pause, a transfer waiting for the
    /// budget), else when the next call leaves the budget's window; `None` when nothing on
    /// screen depends on the clock that way.
    pub fn next_redraw(&self) -> Option<Duration> {
        let now = SystemTime::from(self.clock.now);
        let waiting = self
            .ledger
            .open()
            .any(|r| matches!(r.phase, Phase::WaitingForBudget { .. }));
        let budget = self.budget.as_ref();
        let counting =
            waiting || budget.is_some_and(|b| b.wait_at(now).is_some()) || self.waits_on_screen();
        if counting {
            let into_second = self.clock.now.timestamp_subsec_millis().min(999);
            return Some(Duration::from_millis(u64::from(1000 - into_second)));
        }
        budget.and_then(|b| b.next_change_at(now))
    }

    /// The conversation list is on screen and some conversation in it still waits, so its
    /// wait moves every second.
    fn waits_on_screen(&self) -> bool {
        let list_shown = self.panes().is_some_and(|p| p.conversations.height > 0);
        list_shown && self.conversations.any_waiting()
    }

    /// Where keys go now.
    pub fn context(&self) -> Context {
        if let Some(dialog) = &self.dialog {
            return dialog.context();
        }
        match self.focus {
            Focus::Session => Context::Session,
            Focus::Picker => Context::Picker,
            Focus::Log if self.filtering_log => Context::LogFilter,
            Focus::Log => Context::Log,
        }
    }

    /// The open dialog, if it is a `D`.
    pub fn showing<D: Dialog>(&self) -> Option<&D> {
        let dialog: &dyn Any = self.dialog.as_deref()?;
        dialog.downcast_ref()
    }

    /// Team mode: why Redis does not answer, while it does not (claims cannot be taken).
    pub fn redis_away(&self) -> Option<&str> {
        self.budget.as_ref()?.redis_away()
    }

    /// Whether `action` would do anything now, so the hint bar offers only what does.
    pub fn offers(&self, action: Action) -> bool {
        match &self.dialog {
            Some(dialog) => dialog.offers(action),
            None => action != Action::ShowTeammates || self.teammates.is_some(),
        }
    }

    /// Replaces the roster (after a save or a reload) and brings the picker in line.
    pub fn set_roster(&mut self, roster: Roster) {
        self.roster = roster;
        self.picker.rebuild(&self.roster, &self.recent);
        self.refresh_live_views();
    }

    /// Brings the picker in line with new live state (or a new roster) while the highlight stays
    /// on its target, if it is still listed: a refresh comes while the supervisor picks.
    pub fn refresh_live_views(&mut self) {
        let highlighted = self.picker.highlighted(&self.roster).map(|t| t.id.clone());
        self.apply_live_views();
        if let Some(id) = highlighted {
            self.picker.point_at(&self.roster, &id);
        }
    }

    /// Brings the picker's "free only" and "by load" views in line with the latest live state.
    pub fn apply_live_views(&mut self) {
        let states = || {
            self.roster
                .targets()
                .iter()
                .filter_map(|t| Some((t.id.clone(), self.live_state(&t.id)?)))
        };
        let free = self.free_only.then(|| {
            states()
                .filter(|(_, s)| s.is_free())
                .map(|(id, _)| id)
                .collect()
        });
        let load = self
            .by_load
            .then(|| states().map(|(id, s)| (id, s.load())).collect());
        self.picker.only(free);
        self.picker.order_by_load(load);
    }

    /// After a send: the picker as a fresh console opens it. No filter, no "only who is free"
    /// nor "least loaded first", no agents marked to spread over, nothing to avoid, and the
    /// highlight on the first target; so the next transfer never starts from what the last one
    /// left, where Enter would pick it again out of habit.
    pub fn reset_picker(&mut self) {
        self.free_only = false;
        self.by_load = false;
        self.marked_agents.clear();
        self.picker.avoid(None);
        self.picker.reset();
        self.apply_live_views();
    }

    /// The live state of target `id`, if the last refresh knew it.
    pub fn live_state(&self, id: &str) -> Option<LiveState> {
        self.live.as_ref().and_then(|live| live.of(id))
    }

    /// Puts `id` at the top of the recently used targets.
    pub fn used(&mut self, id: &str) {
        self.recent.retain(|r| r != id);
        self.recent.insert(0, id.to_owned());
        self.recent.truncate(RECENT_CAPACITY);
        self.picker.rebuild(&self.roster, &self.recent);
    }

    /// `r` on transfer `id`, in the log or in its detail (`from`, where the key was pressed): if
    /// it failed or is in doubt, any dialog closes, its session goes back in the field and the
    /// picker opens on the other targets, the one that did not take it marked; else the log says
    /// why not.
    pub fn reroute(&mut self, id: TransferId, from: Context) {
        let Some(record) = self.transfer(id) else {
            return;
        };
        if !record.state().may_reroute() {
            let key = self.keys.key_label(from, Action::Reroute);
            let state = record.state().word();
            self.tell(format!(
                "{key} re-routes a transfer that failed or is in doubt; this one is {state}"
            ));
            return;
        }
        let session = record.request.session.clone();
        // A teammate's hold says nothing against the target: it stays unmarked.
        let avoid = (record.reason() != Some(FailureReason::HeldByTeammate))
            .then(|| record.request.target.id.clone());
        self.seen(id);
        self.session.clear();
        self.session.paste(session.as_str());
        self.session_error = None;
        self.dialog = None;
        self.picker.reset();
        self.picker.avoid(avoid);
        self.rerouting = Some(Reroute { of: id, session });
        self.focus = Focus::Picker;
    }

    /// `y` on transfer `id`, in the log or in its detail: its whole session id to the clipboard.
    pub fn copy_session(&mut self, id: TransferId) -> Option<Effect> {
        let session = self.transfer(id)?.request.session.to_string();
        self.tell(format!(
            "copied {session} to the clipboard (if the terminal allows)"
        ));
        Some(Effect::Copy(session))
    }

    /// The text field of the focused pane, if it has one with the keyboard; a dialog keeps its
    /// own.
    pub fn focused_input(&mut self) -> Option<&mut TextInput> {
        match self.focus {
            Focus::Session => Some(&mut self.session),
            Focus::Picker => Some(&mut self.picker.filter),
            Focus::Log => self.filtering_log.then_some(&mut self.log_query),
        }
    }
}

fn is_open(ledger: &Ledger, id: TransferId) -> bool {
    ledger.get(id).is_some_and(|r| r.state().is_open())
}
