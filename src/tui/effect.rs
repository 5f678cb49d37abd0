//! What `update` asks of the event loop: work outside the model, which never does I/O itself.
//! Below the model, so that a dialog (which the model holds) can ask for work too.

use serde_json::Value;

use crate::callback::CallbackEvent;
use crate::directory::Listing;
use crate::ids::SessionId;
use crate::roster::{Roster, RosterChange};
use crate::transfer::{Confirmation, Settlement, TransferId, TransferRequest};

/// Work for the event loop: the model itself never does I/O.
#[derive(Debug, Clone)]
pub enum Effect {
    Dispatch(TransferRequest),
    /// Send this transfer although a teammate holds its session: the supervisor read who holds
    /// it and confirmed twice (team mode).
    TakeOver(TransferRequest),
    /// Send this transfer without claiming its session: Redis is away, and the supervisor was
    /// told a teammate could be moving it too (team mode).
    SendUnclaimed(TransferRequest),
    /// Run these transfers as one run of many: the budget's full speed behind any single
    /// transfer, stoppable until each is sent; `unclaimed` as for a single transfer.
    DispatchBulk {
        requests: Vec<TransferRequest>,
        unclaimed: bool,
    },
    /// Send no more of the run under way.
    StopBulk,
    SaveRoster(RosterChange),
    /// Read the conversation list and who is free now, before the planned reads (F5).
    AskReads,
    /// The roster changed: the background reads name and count by this one from now on.
    RosterChanged(Roster),
    /// Fetch the platform's lists, to show what a sync would change.
    FetchListing,
    /// Merge these lists into the roster file: the supervisor said yes to the preview.
    ApplySync(Listing),
    /// Put this text on the terminal's clipboard (OSC 52: works over SSH and in tmux).
    Copy(String),
    /// Start the clock for this accepted transfer's callback.
    AwaitConfirmation(TransferId),
    /// Write what a callback said (and what it did), or that none came, to the audit file.
    RecordConfirmation {
        request: TransferRequest,
        confirmation: Confirmation,
        settlement: Option<Settlement>,
    },
    /// Read the audit file again for transfers other processes sent, then match this callback.
    LookFurther(CallbackEvent),
    /// Write a callback that matched no transfer to the audit file.
    RecordUnmatched {
        session: SessionId,
        target: Option<String>,
        payload: Value,
    },
    /// Clear the terminal and draw the whole screen again (Ctrl-l): something outside handoff
    /// (a wall message, a stray write to the terminal) left marks the next frame would not touch.
    Redraw,
    /// Write the shift's hand-over to the data folder, its files named with `stamp` (the
    /// supervisor's date and time, "2026-12-07-1503").
    WriteHandOver {
        stamp: String,
        csv: String,
        summary: String,
    },
    /// Several pieces of work from one message, carried out in order.
    Many(Vec<Effect>),
    Quit,
}
