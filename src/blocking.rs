//! Short blocking file work (an audit line and its sync, an update of the shared budget file)
//! from async code. On the multi-threaded runtime it runs in place, telling the runtime to move
//! other tasks off this thread meanwhile: handing it to another thread and back would cost more
//! than the work. Elsewhere (a single-threaded runtime, as in tests) it goes to the blocking pool.

use tokio::runtime::{Handle, RuntimeFlavor};

/// Runs `work`; `None` only if the blocking pool dropped it (the runtime is shutting down).
pub(crate) async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    match Handle::try_current().map(|handle| handle.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => Some(tokio::task::block_in_place(work)),
        _ => tokio::task::spawn_blocking(work).await.ok(),
    }
}
