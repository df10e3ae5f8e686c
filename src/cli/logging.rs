//! Tracing to a file in the state directory, never to the terminal; `RUST_LOG` filters it.

use crate::paths::Paths;
use tracing_subscriber::EnvFilter;

/// Starts file logging. Returns the writer's guard, which flushes the log when dropped;
/// `None` when no log file could be opened (breakglass then runs without a trace log
/// rather than writing to the operator's screen).
pub fn init() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let paths = Paths::from_env().ok()?;
    let dir = paths.trace_log_dir();
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "breakglass.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
