//! Recovery restores an expired lease through the forge its incident was declared on, even
//! when the command that runs it is connected to another forge: two sandbox forges over
//! loopback, one audit log, a fake clock past the deadline.

mod support;

use breakglass::clock::{Clock, FakeClock};
use breakglass::flow::{Declaration, ForgeConnector, github_forge};
use breakglass::forge::sandbox::{Sandbox, SandboxHandle, SandboxOptions};
use breakglass::forge::token::HostToken;
use chrono::Duration;
use std::sync::Arc;
use support::{FlowBuilder, World, declaration};

/// Requests that read or change protection, as the sandbox logged them.
fn protection_requests(sandbox: &SandboxHandle) -> Vec<String> {
    sandbox
        .request_log()
        .into_iter()
        .filter(|r| r.path.contains("protection") || r.path.contains("rules"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_lease_is_restored_through_its_own_forge() {
    let world = World::start().await;
    let other = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let fake = Arc::new(FakeClock::at(chrono::Utc::now()));
    let clock: Arc<dyn Clock> = fake.clone();
    let snapshot = world.protection().unwrap();

    let declaring = world
        .flow("recovery test")
        .clock(clock.clone())
        .open()
        .await;
    let short_lease = Declaration {
        ttl: Some(Duration::minutes(5)),
        ..declaration("INC-B")
    };
    world.preflighted(&declaring, short_lease).await;
    declaring.activate("INC-B").await.unwrap();
    assert_ne!(world.protection().unwrap(), snapshot, "the glass is open");
    fake.advance(Duration::minutes(6));

    // Connected to the other forge and unable to reach the incident's: reported, and
    // neither forge is touched.
    let elsewhere = FlowBuilder::on(&other, world.home.path(), "recovery test")
        .clock(clock.clone())
        .open()
        .await;
    let report = elsewhere.recover().await.unwrap();
    assert!(report.restored.is_empty(), "{report:?}");
    let expected = format!(
        "incident INC-B belongs to the forge {} where it was declared",
        world.sandbox.api_url()
    );
    assert!(
        report.errors.iter().any(|e| e.starts_with(&expected)),
        "{:?}",
        report.errors
    );
    assert_ne!(world.protection().unwrap(), snapshot, "still open");

    // With a way to reach the incident's forge, recovery restores it there.
    let (incident_url, incident_token) = (world.sandbox.api_url(), world.token.clone());
    let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let asked_by_connector = asked.clone();
    let connector_clock = clock.clone();
    let connector = ForgeConnector::new(move |api_url| {
        asked_by_connector.lock().unwrap().push(api_url.to_owned());
        let forge = github_forge(api_url, incident_token.clone(), connector_clock.clone())
            .map_err(|e| breakglass::flow::FlowError::Forge {
                step: "connecting in the test",
                source: e,
            })?;
        Ok((
            forge,
            HostToken::for_api_url(api_url, incident_token.clone()).unwrap(),
        ))
    });
    let elsewhere = FlowBuilder::on(&other, world.home.path(), "recovery test")
        .clock(clock)
        .other_forges(connector)
        .open()
        .await;
    let report = elsewhere.recover().await.unwrap();
    assert_eq!(report.errors, Vec::<String>::new());
    assert_eq!(report.restored.len(), 1, "{report:?}");
    assert_eq!(*asked.lock().unwrap(), [incident_url]);
    assert_eq!(world.protection().unwrap(), snapshot, "restored exactly");
    assert_eq!(
        protection_requests(&other),
        Vec::<String>::new(),
        "the other forge saw no protection request"
    );
    other.shutdown().await;
}
