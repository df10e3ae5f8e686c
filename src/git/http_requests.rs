//! Counting the HTTP requests libgit2's smart-HTTP transport sends for one git operation
//! (the window's push: a ref discovery and the pack, plus any credential challenge). libgit2
//! traces each request it sends ("Sending GET request to …"); a trace callback counts those
//! on the thread that runs the operation, so concurrent git work on other threads is not
//! mixed in. The message (which names the URL) is never kept. Over ssh nothing is counted.

use std::cell::Cell;
use std::sync::Once;

thread_local! {
    /// The running count of the [`count_http_requests`] call on this thread, if any.
    static COUNTING: Cell<Option<usize>> = const { Cell::new(None) };
}

static TRACE_INSTALLED: Once = Once::new();

/// Runs `work` (a git operation, on this thread) and returns its output with the number of
/// HTTP requests libgit2 sent for it.
pub fn count_http_requests<T>(work: impl FnOnce() -> T) -> (T, usize) {
    TRACE_INSTALLED.call_once(|| {
        // Debug is the level at which libgit2's HTTP client traces each request it sends.
        if let Err(error) = git2::trace_set(git2::TraceLevel::Debug, on_trace) {
            tracing::warn!("cannot count git's HTTP requests: {error}");
        }
    });
    let outer = COUNTING.with(|c| c.replace(Some(0)));
    let output = work();
    let counted = COUNTING.with(|c| c.replace(outer)).unwrap_or(0);
    if let Some(outer) = outer {
        COUNTING.with(|c| c.set(Some(outer + counted)));
    }
    (output, counted)
}

/// libgit2's trace callback: must never panic (it is called from C).
fn on_trace(_level: git2::TraceLevel, message: &[u8]) {
    if is_request_sent(message) {
        let _ = COUNTING.try_with(|c| {
            if let Some(n) = c.get() {
                c.set(Some(n + 1));
            }
        });
    }
}

/// libgit2's `git_http_client_send_request` traces "Sending METHOD request to URL" once per
/// request it sends.
fn is_request_sent(message: &[u8]) -> bool {
    message.starts_with(b"Sending ")
        && message
            .windows(b" request to ".len())
            .any(|w| w == b" request to ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_libgit2_s_request_lines_count() {
        assert!(is_request_sent(
            b"Sending GET request to http://127.0.0.1:1/x.git/info/refs?service=git-receive-pack"
        ));
        assert!(is_request_sent(
            b"Sending POST request to http://h/x.git/git-receive-pack"
        ));
        assert!(!is_request_sent(b"Sending request:\nPOST /x HTTP/1.1"));
        assert!(!is_request_sent(b"Connecting to remote 127.0.0.1 port 1"));
    }

    #[test]
    fn a_nested_count_is_part_of_the_outer_one() {
        let ((), outer) = count_http_requests(|| {
            on_trace(
                git2::TraceLevel::Debug,
                b"Sending GET request to http://h/a",
            );
            let ((), inner) = count_http_requests(|| {
                on_trace(
                    git2::TraceLevel::Debug,
                    b"Sending POST request to http://h/b",
                );
            });
            assert_eq!(inner, 1);
        });
        assert_eq!(outer, 2);
        // Outside a count, a request is simply not counted.
        on_trace(
            git2::TraceLevel::Debug,
            b"Sending GET request to http://h/c",
        );
    }
}
