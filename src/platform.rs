//! The Kore.ai platform as seen from handoff: signing each request, calling assign-conversation,
//! the lists around it (agents, queues, presence, conversations, every queue's numbers), and
//! reading what comes back, however the platform or a proxy in front of it answers.

mod auth;
mod client;
mod conversation;
mod conversations;
mod lenient;
mod lists;
mod paging;
mod presence;
mod probe;
mod queue_performance;
mod reply;

pub use auth::{AuthError, Authenticator};
pub use client::{AssignCall, AssignRequest, ClockReading, MAX_REPLY_BYTES, PlatformClient};
pub use conversation::{
    Conversation, Move, MoveTarget, Person, QueueRef, Sentiment, moved_on_the_platform,
};
pub use conversations::{ConversationList, ConversationsError};
pub use lists::{ListedAgent, ListedQueue};
pub use paging::Paged;
pub use presence::{AgentPresence, Capacity, Presence, QueueStats};
pub use probe::{Probe, Probed};
pub use queue_performance::{AgentCounts, QueueNumbers, QueuePerformance, QueueRow};
pub use reply::{AssignReply, PlatformError};
