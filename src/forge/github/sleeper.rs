//! Waiting, injected: the client never calls `tokio::time::sleep` itself, so tests can
//! check the spacing of retries without sleeping.

use crate::clock::FakeClock;
use std::sync::Mutex;
use std::time::Duration;

/// Something that waits for a while.
#[async_trait::async_trait]
pub trait Sleeper: Send + Sync {
    async fn sleep(&self, duration: Duration);
}

/// The real thing: `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

#[async_trait::async_trait]
impl Sleeper for TokioSleeper {
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// For tests: returns at once and remembers every requested wait; when given a
/// [`FakeClock`] it also moves that clock forward by the wait, as real time would.
#[derive(Debug, Default)]
pub struct RecordingSleeper {
    waits: Mutex<Vec<Duration>>,
    clock: Option<FakeClock>,
}

impl RecordingSleeper {
    pub fn new() -> Self {
        Self::default()
    }

    /// A recording sleeper that advances `clock` by every wait.
    pub fn advancing(clock: FakeClock) -> Self {
        RecordingSleeper {
            waits: Mutex::new(Vec::new()),
            clock: Some(clock),
        }
    }

    /// The waits requested so far, in order.
    pub fn waits(&self) -> Vec<Duration> {
        self.waits.lock().expect("sleeper lock").clone()
    }
}

#[async_trait::async_trait]
impl Sleeper for RecordingSleeper {
    async fn sleep(&self, duration: Duration) {
        self.waits.lock().expect("sleeper lock").push(duration);
        if let Some(clock) = &self.clock {
            clock.advance(chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;

    #[tokio::test]
    async fn recording_sleeper_records_and_moves_its_clock() {
        let clock = FakeClock::default_start();
        let start = clock.now();
        let sleeper = RecordingSleeper::advancing(clock.clone());
        sleeper.sleep(Duration::from_secs(60)).await;
        sleeper.sleep(Duration::from_millis(500)).await;
        assert_eq!(
            sleeper.waits(),
            [Duration::from_secs(60), Duration::from_millis(500)]
        );
        assert_eq!(clock.now() - start, chrono::Duration::milliseconds(60_500));
    }
}
