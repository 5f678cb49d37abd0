//! Everything the console shows, owned by the event loop alone. Background work never touches it:
//! it sends messages that `update` applies.

use std::collections::HashSet;
use std::net::SocketAddr;

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use ratatui::layout::Rect;

use super::bulk::{BulkRun, BulkTo};
use super::clock::Clock;
use super::conversations::Conversations;
use super::form::TargetForm;
use super::input::TextInput;
use super::keys::{Action, Context, KeyMap};
use super::picker::Picker;
use super::transfer_log::{EntryKind, LogEntry, LogFilter, Notice, TransferLog};
use crate::callback::Refusal;
use crate::directory::{Availability, Listing, LiveState};
use crate::ids::{SessionId, TargetKind};
use crate::roster::{Roster, SyncPreview, Target};
use crate::team::TeamTransfer;
use crate::transfer::{
    BudgetSnapshot, BulkKey, Ledger, Phase, Skipped, TransferId, TransferRecord,
};

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

/// A dialog over the panes; it takes every key while open.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    Confirm {
        session: SessionId,
        target: Target,
        /// Words to keep with the transfer in the audit file.
        note: TextInput,
        /// The note field has the keyboard (Tab switches).
        writing_note: bool,
    },
    QuitWhileSending,
    /// Every key, those of `from` (where the supervisor was) first, narrowed by `filter`;
    /// `scroll` is the first line shown.
    Help {
        from: Context,
        filter: TextInput,
        scroll: usize,
    },
    EditTarget(TargetForm),
    ConfirmDelete(Target),
    /// Asked after the first confirmation when something says to think again: the target
    /// cannot take it now, or the session was moved a moment ago. Each warning is a sentence.
    ConfirmAnyway {
        session: SessionId,
        target: Target,
        warnings: Vec<String>,
        note: Option<String>,
    },
    /// What a sync would add, rename and mark stale; saved only on `y`.
    SyncPreview {
        listing: Listing,
        preview: SyncPreview,
    },
    /// One confirmation for the marked conversations, to one target or spread over marked
    /// agents: what goes, what is left out and why, and each agent's free chats. Those moved
    /// recently may be included after a second confirmation. `to` is what it shows and what is
    /// sent: a refresh meanwhile changes neither.
    ConfirmBulk {
        to: BulkTo,
        key: BulkKey,
        send: Vec<SessionId>,
        /// Left out because they were moved in the last ten minutes or are in flight.
        recent: Vec<Skipped>,
        /// Left out for good: ended, listed twice, already sent by this run.
        skipped: Vec<Skipped>,
    },
    /// The second confirmation, with the recently moved ones included, some going beyond the
    /// free chats of the agent or agents, or one agent's free chats not known; only `y` sends.
    ConfirmBulkAnyway {
        to: BulkTo,
        key: BulkKey,
        send: Vec<SessionId>,
        warnings: Vec<String>,
    },
    /// Stop the run under way? Only `y` stops it.
    ConfirmStop,
    /// Team mode: Redis does not answer, so sessions cannot be claimed. Send without a claim
    /// (a teammate could be moving them too), or once Redis answers? `confirmed` is the
    /// confirmation the supervisor gave, taken up again with the answer.
    SendUnclaimed {
        why: String,
        confirmed: Box<Dialog>,
    },
    /// Everything about one transfer: request, reply, callback.
    Detail {
        transfer: TransferId,
        scroll: u16,
    },
}

/// How many recently used targets sort to the top of the picker.
pub const RECENT_CAPACITY: usize = 20;

#[derive(Debug)]
pub struct Model {
    pub roster: Roster,
    /// One line about where transfers go, e.g. "demo: simulator at http://127.0.0.1:41234".
    pub banner: String,
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
    pub dialog: Option<Dialog>,
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
    /// A refresh is under way; another is not started until it ends.
    pub refreshing: bool,
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
    /// The time of the turn, set by the event loop: the only time `update` and the view read.
    pub clock: Clock,
    /// The keys in force: the defaults with the config file's `[keys]`.
    pub keys: KeyMap,
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
            refreshing: false,
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
            clock,
            keys: KeyMap::default(),
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
        let list_shown = super::layout::panes(self.screen, self.bulk.is_some())
            .is_some_and(|p| p.conversations.height > 0);
        list_shown && self.conversations.any_waiting()
    }

    /// Where keys go now.
    pub fn context(&self) -> Context {
        match &self.dialog {
            Some(Dialog::Confirm {
                writing_note: true, ..
            }) => Context::ConfirmNote,
            Some(Dialog::Confirm { .. }) => Context::Confirm,
            Some(Dialog::Detail { .. }) => Context::Detail,
            Some(Dialog::QuitWhileSending) => Context::QuitConfirm,
            Some(Dialog::Help { .. }) => Context::Help,
            Some(Dialog::EditTarget(_)) => Context::Form,
            Some(Dialog::ConfirmDelete(_)) => Context::ConfirmDelete,
            Some(Dialog::ConfirmAnyway { .. }) => Context::ConfirmAnyway,
            Some(Dialog::SyncPreview { .. }) => Context::SyncPreview,
            Some(Dialog::ConfirmBulk { .. }) => Context::ConfirmBulk,
            Some(Dialog::ConfirmBulkAnyway { .. }) => Context::ConfirmAnyway,
            Some(Dialog::ConfirmStop) => Context::ConfirmStop,
            Some(Dialog::SendUnclaimed { .. }) => Context::SendUnclaimed,
            None => match self.focus {
                Focus::Session => Context::Session,
                Focus::Picker => Context::Picker,
                Focus::Log if self.filtering_log => Context::LogFilter,
                Focus::Log => Context::Log,
            },
        }
    }

    /// Team mode: why Redis does not answer, while it does not (claims cannot be taken).
    pub fn redis_away(&self) -> Option<&str> {
        self.budget.as_ref()?.redis_away()
    }

    /// Whether `action` would do anything now, so the hint bar offers only what does.
    pub fn offers(&self, action: Action) -> bool {
        match action {
            Action::IncludeRecent => matches!(
                &self.dialog,
                Some(Dialog::ConfirmBulk { recent, .. }) if !recent.is_empty()
            ),
            Action::ShowTeammates => self.teammates.is_some(),
            _ => true,
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

    /// The roster's queue ids, whose stats a refresh fetches.
    pub fn queue_ids(&self) -> Vec<String> {
        self.roster
            .targets()
            .iter()
            .filter(|t| t.kind == TargetKind::Queue)
            .map(|t| t.id.clone())
            .collect()
    }

    /// Puts `id` at the top of the recently used targets.
    pub fn used(&mut self, id: &str) {
        self.recent.retain(|r| r != id);
        self.recent.insert(0, id.to_owned());
        self.recent.truncate(RECENT_CAPACITY);
        self.picker.rebuild(&self.roster, &self.recent);
    }

    /// The text field that has focus, if any.
    pub fn focused_input(&mut self) -> Option<&mut TextInput> {
        match &mut self.dialog {
            Some(Dialog::EditTarget(form)) => form.focused_input(),
            Some(Dialog::Confirm {
                note,
                writing_note: true,
                ..
            }) => Some(note),
            Some(Dialog::Help { filter, .. }) => Some(filter),
            Some(_) => None,
            None => match self.focus {
                Focus::Session => Some(&mut self.session),
                Focus::Picker => Some(&mut self.picker.filter),
                Focus::Log => self.filtering_log.then_some(&mut self.log_query),
            },
        }
    }
}

fn is_open(ledger: &Ledger, id: TransferId) -> bool {
    ledger.get(id).is_some_and(|r| r.state().is_open())
}
