//! The dialogs over the panes, one file each: its state, the context its keys are in, what those
//! keys do, and how it is drawn (see [`crate::tui::model::Dialog`]). `update` opens them and hands
//! the open one whatever the supervisor does; the view asks it to draw itself. What they share is
//! in `frame`, and sending what a confirmation confirmed in `send`.

pub mod confirm;
pub mod confirm_anyway;
pub mod confirm_bulk;
pub mod confirm_bulk_anyway;
pub mod confirm_delete;
pub mod confirm_stop;
pub mod detail;
mod frame;
pub mod help;
mod listed;
pub mod mark_top;
pub mod quit_while_sending;
mod send;
pub mod send_unclaimed;
pub mod sync_preview;
pub mod target_form;
