//! Callbacks: the platform posts each transfer's real outcome to the `callbackUrl` some time
//! after accepting it. This module keeps the unguessable token that URL carries, receives the
//! posts, and reads their undocumented payloads; `tls` holds the certificate for receiving them
//! over HTTPS.

mod connections;
mod payload;
mod receiver;
mod tls;
mod token;

pub use payload::{TEST_MARKER, Verdict};
pub use receiver::{CallbackEvent, MAX_BODY_BYTES, Received, Receiver, Refusal, Sink};
pub use tls::{Tls, TlsError};
pub use token::{
    TOKEN_FILE, TOKEN_PARAMETER, TokenError, for_transfer, load_or_create,
    matches as token_matches, with_token,
};
