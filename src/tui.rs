//! The console: three panes (session entry, target picker, live log), a title bar and a key-hint
//! bar. The Elm shape: [`model::Model`] is the state, [`update::update`] the only place it
//! changes, [`view::view`] draws it, and `event_loop` connects them to the terminal and to the
//! background transfers.

mod background;
pub mod bulk;
pub mod clock;
pub mod conversations;
pub mod dialog;
pub mod effect;
mod event_loop;
pub mod floor;
pub mod input;
pub mod keys;
pub mod layout;
pub mod model;
pub mod picker;
mod text;
pub mod theme;
pub mod transfer_log;
pub mod update;
pub mod view;

pub use background::SharedStore;
pub use event_loop::{Console, Ending, run};
pub use transfer_log::Notice;
