//! The flow's library API as the TUI drives it (no binary): declaration checks, the
//! preflight report, activation's deadline, lease extensions within the cap, manual
//! steps, restore and the incident list — against the sandbox forge over loopback.

mod support;

use breakglass::flow::{Declaration, FlowError};
use breakglass::incident::{Phase, RestoreTrigger};
use chrono::Duration;
use support::{World, declaration};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tui_drives_the_same_flow_step_by_step() {
    let world = World::start().await;
    let flow = world.flow("flow test").open().await;
    assert_eq!(flow.actor(), "commander");

    let err = flow
        .declare(Declaration {
            reason: "no ticket".into(),
            ..declaration("INC-L")
        })
        .await
        .unwrap_err();
    assert!(matches!(err, FlowError::Input(_)), "{err}");
    let declared = flow.declare(declaration("INC-L")).await.unwrap();
    assert_eq!(declared.phase, Phase::Declared);
    let again = flow.declare(declaration("INC-L")).await.unwrap_err();
    assert!(
        matches!(again, FlowError::AlreadyDeclared { .. }),
        "{again}"
    );

    let ticked = flow
        .tick_step(
            "INC-L",
            "second-engineer",
            Some("Ana is on the call".into()),
        )
        .await
        .unwrap();
    assert!(ticked.steps_done.contains_key("second-engineer"));

    let report = flow
        .preflight("INC-L", Some(&world.clone_dir()), None)
        .await
        .unwrap();
    assert_eq!(report.login, "commander");
    assert_eq!(report.commits.len(), 1, "the prepared fix");
    assert!(!report.plan.is_empty());
    assert!(!report.plan_diff.is_empty());
    assert!(
        report.plan_words.contains("commander"),
        "{}",
        report.plan_words
    );

    let before = chrono::Utc::now();
    let activation = flow.activate("INC-L").await.unwrap();
    let ttl = activation.deadline - before;
    assert!(
        ttl >= Duration::minutes(20) && ttl < Duration::minutes(21),
        "{ttl}"
    );
    assert_eq!(activation.watchdog_pid, None, "disabled for this flow");

    let no_reason = flow.extend_lease("INC-L", Duration::minutes(10), " ").await;
    assert!(matches!(
        no_reason,
        Err(FlowError::ExtensionNeedsReason { .. })
    ));
    let extended = flow
        .extend_lease("INC-L", Duration::minutes(10), "deploy still rolling out")
        .await
        .unwrap();
    assert_eq!(
        extended.lease.unwrap().deadline,
        activation.deadline + Duration::minutes(10)
    );
    let beyond = flow
        .extend_lease("INC-L", Duration::hours(3), "forever")
        .await;
    assert!(matches!(beyond, Err(FlowError::Lease(_))), "{beyond:?}");

    let open = flow.recover().await.unwrap();
    assert_eq!(
        open.open.len(),
        1,
        "an unexpired lease is shown, not restored"
    );
    assert!(open.restored.is_empty());

    let outcome = flow
        .restore("INC-L", RestoreTrigger::Operator)
        .await
        .unwrap();
    assert!(
        outcome.verified && !outcome.needs_attention(),
        "{}",
        outcome.summary()
    );
    let twice = flow
        .restore("INC-L", RestoreTrigger::Operator)
        .await
        .unwrap();
    assert!(twice.already_closed && !twice.needs_attention());
    assert!(flow.restored_exactly("INC-L").await.unwrap());

    let ledger = flow.ledger();
    assert!(ledger.unreadable.is_empty(), "{:?}", ledger.unreadable);
    let incidents = ledger.incidents;
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].phase, Phase::Restored);
    assert!(matches!(
        flow.resolve_incident(None),
        Err(FlowError::NoOpenIncident)
    ));
}
