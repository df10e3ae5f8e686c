//! Panics in background work that will be caught and answered (a TUI effect, a sandbox
//! request handler, their blocking work): the work runs through [`catch`] or
//! [`catch_blocking`], which mark the thread while it runs so that a panic hook can tell
//! ([`caught_here`]) and leave the terminal alone.
//!
//! The hook runs before any unwinding, so it cannot know from the panic alone that it will
//! be caught; hence the mark.

use futures::FutureExt;
use std::any::Any;
use std::cell::Cell;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::pin;

thread_local! {
    /// How many [`catch`]/[`catch_blocking`] scopes are running on this thread right now.
    static CATCHING: Cell<usize> = const { Cell::new(0) };
}

/// Marks the current thread while it lives, also when dropped by unwinding.
struct Catching;

impl Catching {
    fn enter() -> Catching {
        CATCHING.with(|depth| depth.set(depth.get() + 1));
        Catching
    }
}

impl Drop for Catching {
    fn drop(&mut self) {
        CATCHING.with(|depth| depth.set(depth.get() - 1));
    }
}

/// True when a panic on this thread right now will be caught by [`catch`] or
/// [`catch_blocking`]: the panic hook must then leave the terminal alone.
pub fn caught_here() -> bool {
    CATCHING.with(|depth| depth.get() > 0)
}

/// Runs `work` to completion, or returns the message of the panic that stopped it. The
/// thread is marked only while `work` is being polled, so it may move between threads.
pub async fn catch<F: Future>(work: F) -> Result<F::Output, String> {
    let mut work = pin!(work);
    let marked = std::future::poll_fn(move |cx| {
        let _catching = Catching::enter();
        work.as_mut().poll(cx)
    });
    AssertUnwindSafe(marked)
        .catch_unwind()
        .await
        .map_err(|payload| panic_text(payload.as_ref()))
}

/// Runs blocking `work`, or returns the message of the panic that stopped it.
pub fn catch_blocking<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    let _catching = Catching::enter();
    std::panic::catch_unwind(AssertUnwindSafe(work)).map_err(|payload| panic_text(payload.as_ref()))
}

/// Runs blocking `work` on tokio's blocking pool. A panic there is caught on its thread and
/// resumed here (`resume_unwind` does not run the hook again), so the [`catch`] around the
/// caller answers it like a panic of its own.
pub async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let caught = tokio::task::spawn_blocking(move || catch_blocking(work))
        .await
        .map_err(|join| join.to_string())
        .and_then(|caught| caught);
    caught.unwrap_or_else(|panic| std::panic::resume_unwind(Box::new(panic)))
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panic_is_caught_and_marked_for_the_hook_only_while_it_runs() {
        assert!(!caught_here());
        let seen_inside = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let inside = seen_inside.clone();
        let caught = catch(async move {
            tokio::task::yield_now().await;
            inside.store(caught_here(), std::sync::atomic::Ordering::SeqCst);
            panic!("boom {}", 7);
        })
        .await;
        assert_eq!(caught, Err::<(), _>("boom 7".into()));
        assert!(seen_inside.load(std::sync::atomic::Ordering::SeqCst));
        assert!(!caught_here(), "the mark is gone after unwinding");

        let blocking = catch_blocking(|| {
            assert!(caught_here());
            panic!("static text")
        });
        assert_eq!(blocking, Err::<(), _>("static text".into()));
        assert!(!caught_here());
        assert_eq!(catch(async { 3 }).await, Ok(3));
    }
}
