//! Counting the REST requests the client puts on the wire for one piece of work (the
//! window): every attempt of [`super::GitHubClient`] made while the future given to
//! [`count_requests`] runs — retries and followed redirects included, since each is a round
//! trip — and nothing that other tasks send through the same client meanwhile (the
//! mirror, the TUI's reads). It counts; it never changes a request.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

tokio::task_local! {
    /// The tally of the [`count_requests`] scope this task runs in, if any.
    static TALLY: Arc<AtomicUsize>;
}

/// Runs `work` and returns its output with the number of REST requests the GitHub client
/// sent on `work`'s behalf. Work spawned onto other tasks is not counted: the flow awaits
/// its forge calls in place.
pub async fn count_requests<F: Future>(work: F) -> (F::Output, usize) {
    let tally = Arc::new(AtomicUsize::new(0));
    let output = TALLY.scope(tally.clone(), work).await;
    (output, tally.load(Ordering::SeqCst))
}

/// Notes one request about to be sent, in the scope of the task sending it.
pub(super) fn note_request() {
    let _ = TALLY.try_with(|tally| tally.fetch_add(1, Ordering::SeqCst));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_scope_counts_its_own_requests_and_not_those_of_other_tasks() {
        let (_, outside) = count_requests(async {
            // Another task's requests, sent while this scope runs, are not this scope's.
            tokio::spawn(async { note_request() }).await.unwrap();
            note_request();
            let ((), inner) = count_requests(async { note_request() }).await;
            assert_eq!(inner, 1, "a nested scope counts its own");
            note_request();
        })
        .await;
        assert_eq!(outside, 2);
        // Outside any scope, a request is simply not counted.
        note_request();
    }
}
