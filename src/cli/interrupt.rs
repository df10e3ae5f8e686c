//! Ctrl-C and SIGTERM while a headless step runs: the step is abandoned and, if the glass
//! may be open, the protections are restored before the process exits.

use crate::flow::Flow;
use crate::incident::RestoreTrigger;
use std::future::Future;

/// Runs `step`; on Ctrl-C or SIGTERM, drops it and restores incident `id` if needed.
pub async fn interruptible<T, E>(
    flow: &Flow,
    id: &str,
    step: impl Future<Output = Result<T, E>>,
) -> anyhow::Result<T>
where
    anyhow::Error: From<E>,
{
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = step => Ok(result?),
        _ = tokio::signal::ctrl_c() => restore_after(flow, id, "Ctrl-C").await,
        _ = terminate.recv() => restore_after(flow, id, "SIGTERM").await,
    }
}

async fn restore_after<T>(flow: &Flow, id: &str, signal: &str) -> anyhow::Result<T> {
    let open = flow
        .incident(id)
        .map(|i| i.glass_possibly_open())
        .unwrap_or(false);
    if open {
        eprintln!("{signal}: restoring the protections of incident {id} before exiting");
        let outcome = flow.restore(id, RestoreTrigger::Interrupt).await?;
        eprintln!("{}", outcome.summary());
    }
    anyhow::bail!("interrupted by {signal}")
}
