//! The Kore.ai platform as seen from handoff: signing each request, calling assign-conversation,
//! and reading what comes back, however the platform or a proxy in front of it answers.

mod auth;
mod client;
mod directory;
mod lenient;
mod presence;
mod reply;

pub use auth::{AuthError, Authenticator};
pub use client::{AssignCall, AssignRequest, MAX_REPLY_BYTES, PlatformClient};
pub use directory::{ListedAgent, ListedQueue, Paged};
pub use presence::{AgentPresence, Capacity, Presence, QueueStats};
pub use reply::{AssignReply, PlatformError, one_line};
