//! The sandbox answers octocrab, the client breakglass uses for github.com, exactly as
//! GitHub would: only the base URL differs.

mod sandbox_support;

use sandbox_support::start;
use serde_json::{Value, json};

fn client(base: &str, token: &str) -> octocrab::Octocrab {
    octocrab::Octocrab::builder()
        .base_uri(base)
        .unwrap()
        .personal_token(token.to_owned())
        .build()
        .unwrap()
}

#[tokio::test]
async fn octocrab_reads_protection_and_maps_githubs_errors() {
    let sb = start().await;
    let commander = client(&sb.api_url(), sb.token("commander").expose());
    let protection: Value = commander
        .get("/repos/acme/api/branches/main/protection", None::<&()>)
        .await
        .unwrap();
    assert_eq!(protection["enforce_admins"]["enabled"], true);
    let me = commander.current().user().await.unwrap();
    assert_eq!(me.login, "commander");

    let dev = client(&sb.api_url(), sb.token("dev").expose());
    let err = dev
        .get::<Value, _, _>("/repos/acme/api/branches/main/protection", None::<&()>)
        .await
        .unwrap_err();
    match err {
        octocrab::Error::GitHub { source, .. } => {
            assert_eq!(source.status_code.as_u16(), 404);
            assert_eq!(source.message, "Not Found");
        }
        other => panic!("expected a GitHub error, got {other:?}"),
    }

    let both = json!({
        "required_status_checks": {"strict": true, "contexts": ["ci"], "checks": [{"context": "ci"}]},
        "enforce_admins": true, "required_pull_request_reviews": null, "restrictions": null,
    });
    let err = commander
        .put::<Value, _, _>("/repos/acme/api/branches/main/protection", Some(&both))
        .await
        .unwrap_err();
    match err {
        octocrab::Error::GitHub { source, .. } => {
            assert_eq!(source.status_code.as_u16(), 422);
            assert!(source.message.contains("More than one subschema"));
        }
        other => panic!("expected a GitHub error, got {other:?}"),
    }
    let repo = commander.repos("acme", "api").get().await.unwrap();
    assert_eq!(repo.default_branch.as_deref(), Some("main"));
    assert_eq!(repo.permissions.map(|p| p.admin), Some(true));
    let issue = commander
        .issues("acme", "api")
        .create("Incident 7")
        .body("drill")
        .send()
        .await
        .unwrap();
    assert_eq!(issue.number, 1);
    let comment = commander
        .issues("acme", "api")
        .create_comment(1, "restored")
        .await
        .unwrap();
    assert_eq!(comment.body.as_deref(), Some("restored"));
    let limits = commander.ratelimit().get().await.unwrap();
    assert_eq!(limits.rate.limit, 5000);

    let log = sb.request_log();
    assert!(
        log.iter().all(|r| r.user.is_some()),
        "octocrab authenticated every request"
    );
    sb.shutdown().await;
}
