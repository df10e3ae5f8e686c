//! The sandbox's REST API over loopback: GitHub's shapes, status codes and validation for
//! identity, classic protection, rulesets, refs, compare, pulls, issues and statuses.

mod sandbox_support;

use breakglass::forge::RepoId;
use sandbox_support::{as_user, call, raw, start};
use serde_json::{Value, json};
use std::time::Duration;

const PROTECTION: &str = "/repos/acme/api/branches/main/protection";

fn api() -> RepoId {
    RepoId::new("acme", "api")
}

#[tokio::test]
async fn identity_repository_permissions_and_common_headers() {
    let sb = start().await;
    let me = as_user(&sb, "commander", "GET", "/user", None).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["login"], "commander");
    assert_eq!(me.json()["id"], 1001);
    assert_eq!(me.header("x-ratelimit-limit"), Some("5000"));
    assert_eq!(me.header("x-ratelimit-remaining"), Some("4999"));
    for h in [
        "x-ratelimit-reset",
        "x-ratelimit-used",
        "x-ratelimit-resource",
        "x-github-request-id",
    ] {
        assert!(me.header(h).is_some(), "{h}");
    }

    let repo = as_user(&sb, "dev", "GET", "/repos/acme/api", None)
        .await
        .json();
    assert_eq!(repo["default_branch"], "main");
    assert_eq!(repo["owner"]["type"], "Organization");
    assert_eq!(
        repo["permissions"],
        json!({"admin": false, "maintain": false, "push": true, "triage": true, "pull": true})
    );
    let repo = as_user(&sb, "commander", "GET", "/repos/acme/api", None)
        .await
        .json();
    assert_eq!(repo["permissions"]["admin"], true);

    let perm = as_user(
        &sb,
        "dev",
        "GET",
        "/repos/acme/api/collaborators/commander/permission",
        None,
    )
    .await
    .json();
    assert_eq!(
        (perm["permission"].as_str(), perm["role_name"].as_str()),
        (Some("admin"), Some("admin"))
    );
    assert_eq!(
        as_user(&sb, "dev", "GET", "/users/reviewer", None)
            .await
            .json()["id"],
        1003
    );

    let anonymous = call(&sb.api_url(), "GET", "/user", None, None).await;
    assert_eq!(
        (anonymous.status, anonymous.message().as_str()),
        (401, "Requires authentication")
    );
    let forged = call(&sb.api_url(), "GET", "/user", Some("bgs_not_a_token"), None).await;
    assert_eq!(
        (forged.status, forged.message().as_str()),
        (401, "Bad credentials")
    );

    let token = format!("Bearer {}", sb.token("dev").expose());
    let versioned = |v: &'static str| {
        let token = token.clone();
        let base = sb.api_url();
        async move {
            raw(
                &base,
                "GET",
                "/user",
                &[("Authorization", &token), ("X-GitHub-Api-Version", v)],
                None,
                Duration::from_secs(10),
            )
            .await
            .unwrap()
        }
    };
    assert_eq!(versioned("2022-11-28").await.status, 200);
    assert_eq!(versioned("2001-01-01").await.status, 400);
    sb.shutdown().await;
}

#[tokio::test]
async fn branch_summary_is_visible_to_writers() {
    let sb = start().await;
    let branch = as_user(&sb, "dev", "GET", "/repos/acme/api/branches/main", None)
        .await
        .json();
    assert_eq!(branch["protected"], true);
    assert_eq!(
        branch["commit"]["sha"].as_str(),
        sb.branch_head(&api(), "main").as_deref()
    );
    assert_eq!(
        branch["protection"]["required_status_checks"]["enforcement_level"],
        "everyone"
    );
    assert_eq!(
        branch["protection"]["required_status_checks"]["contexts"],
        json!(["ci"])
    );
    let web = as_user(&sb, "dev", "GET", "/repos/acme/web/branches/main", None)
        .await
        .json();
    assert_eq!(
        web["protected"], true,
        "ruleset-protected branches count as protected"
    );
    let missing = as_user(&sb, "dev", "GET", "/repos/acme/api/branches/nope", None).await;
    assert_eq!(
        (missing.status, missing.message().as_str()),
        (404, "Branch not found")
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn protection_get_has_githubs_read_shape() {
    let sb = start().await;
    let resp = as_user(&sb, "commander", "GET", PROTECTION, None).await;
    assert_eq!(resp.status, 200);
    let p = resp.json();
    let url = format!("{}{PROTECTION}", sb.api_url());
    assert_eq!(p["url"], url.as_str());
    assert_eq!(
        p["enforce_admins"],
        json!({"url": format!("{url}/enforce_admins"), "enabled": true})
    );
    assert_eq!(p["required_signatures"]["enabled"], false);
    let checks = &p["required_status_checks"];
    assert_eq!(checks["strict"], true);
    assert_eq!(checks["contexts"], json!(["ci"]));
    assert_eq!(checks["checks"], json!([{"context": "ci", "app_id": null}]));
    assert_eq!(
        checks["contexts_url"],
        format!("{url}/required_status_checks/contexts").as_str()
    );
    let reviews = &p["required_pull_request_reviews"];
    assert_eq!(reviews["required_approving_review_count"], 1);
    assert_eq!(reviews["dismiss_stale_reviews"], false);
    for toggle in [
        "allow_force_pushes",
        "allow_deletions",
        "lock_branch",
        "required_linear_history",
        "block_creations",
    ] {
        assert_eq!(p[toggle], json!({"enabled": false}), "{toggle}");
    }
    assert!(
        p.get("restrictions").is_none(),
        "disabled sections are absent"
    );
    assert_eq!(Some(p), sb.classic_protection(&api(), "main"));
    sb.shutdown().await;
}

#[tokio::test]
async fn non_admins_get_404_on_protection_and_ruleset_administration() {
    let sb = start().await;
    for (method, path, body) in [
        ("GET", PROTECTION.to_owned(), None),
        ("PUT", PROTECTION.to_owned(), Some(json!({}))),
        ("DELETE", format!("{PROTECTION}/enforce_admins"), None),
        (
            "POST",
            "/repos/acme/web/rulesets".to_owned(),
            Some(json!({"name": "x", "enforcement": "active"})),
        ),
        (
            "PUT",
            "/repos/acme/web/rulesets/101".to_owned(),
            Some(json!({"bypass_actors": []})),
        ),
        ("GET", "/orgs/acme/rulesets/201".to_owned(), None),
    ] {
        let resp = as_user(&sb, "dev", method, &path, body).await;
        assert_eq!(
            (resp.status, resp.message().as_str()),
            (404, "Not Found"),
            "{method} {path}"
        );
    }
    let org = as_user(&sb, "commander", "GET", "/orgs/acme/rulesets/201", None).await;
    assert_eq!(
        org.status, 404,
        "a repository admin is not an organisation admin"
    );
    let org = as_user(&sb, "owner", "GET", "/orgs/acme/rulesets/201", None).await;
    assert_eq!(org.status, 200);
    assert_eq!(
        org.json()["bypass_actors"][0]["actor_type"],
        "OrganizationAdmin"
    );
    sb.shutdown().await;
}

async fn make_branch(sb: &breakglass::forge::sandbox::SandboxHandle, name: &str) {
    let sha = sb.branch_head(&api(), "main").unwrap();
    let resp = as_user(
        sb,
        "dev",
        "POST",
        "/repos/acme/api/git/refs",
        Some(json!({"ref": format!("refs/heads/{name}"), "sha": sha})),
    )
    .await;
    assert_eq!(resp.status, 201, "{:?}", resp.json());
}

#[tokio::test]
async fn unprotected_and_missing_branches_answer_like_github() {
    let sb = start().await;
    make_branch(&sb, "feature").await;
    let path = "/repos/acme/api/branches/feature/protection";
    let resp = as_user(&sb, "commander", "GET", path, None).await;
    assert_eq!(
        (resp.status, resp.message().as_str()),
        (404, "Branch not protected")
    );
    let resp = as_user(
        &sb,
        "commander",
        "POST",
        &format!("{path}/enforce_admins"),
        None,
    )
    .await;
    assert_eq!(
        (resp.status, resp.message().as_str()),
        (404, "Branch not protected")
    );
    let resp = as_user(
        &sb,
        "commander",
        "PATCH",
        &format!("{path}/required_pull_request_reviews"),
        Some(json!({})),
    )
    .await;
    assert_eq!(resp.status, 404);
    let resp = as_user(
        &sb,
        "commander",
        "GET",
        "/repos/acme/api/branches/ghost/protection",
        None,
    )
    .await;
    assert_eq!(
        (resp.status, resp.message().as_str()),
        (404, "Branch not found")
    );
    sb.shutdown().await;
}

fn full_put() -> Value {
    json!({
        "required_status_checks": {"strict": true, "checks": [{"context": "ci", "app_id": -1}]},
        "enforce_admins": true,
        "required_pull_request_reviews": {"required_approving_review_count": 1},
        "restrictions": null,
        "lock_branch": true,
        "allow_deletions": true,
    })
}

#[tokio::test]
async fn put_validates_like_github() {
    let sb = start().await;
    let mut both = full_put();
    both["required_status_checks"]["contexts"] = json!(["ci"]);
    let resp = as_user(&sb, "commander", "PUT", PROTECTION, Some(both)).await;
    assert_eq!(resp.status, 422);
    assert!(
        resp.message()
            .starts_with("Invalid request.\n\nMore than one subschema in \"oneOf\" matched."),
        "{}",
        resp.message()
    );

    let mut neither = full_put();
    neither["required_status_checks"] = json!({"strict": true});
    assert_eq!(
        as_user(&sb, "commander", "PUT", PROTECTION, Some(neither))
            .await
            .status,
        422
    );

    let mut missing = full_put();
    missing.as_object_mut().unwrap().remove("restrictions");
    let resp = as_user(&sb, "commander", "PUT", PROTECTION, Some(missing)).await;
    assert_eq!(
        (resp.status, resp.message().as_str()),
        (422, "Invalid request.\n\n\"restrictions\" wasn't supplied.")
    );

    let mut ghost = full_put();
    ghost["restrictions"] = json!({"users": ["ghost"], "teams": []});
    let resp = as_user(&sb, "commander", "PUT", PROTECTION, Some(ghost)).await;
    assert_eq!(
        (resp.status, resp.message().as_str()),
        (422, "Validation Failed")
    );

    let mut too_many = full_put();
    too_many["required_pull_request_reviews"]["required_approving_review_count"] = json!(7);
    assert_eq!(
        as_user(&sb, "commander", "PUT", PROTECTION, Some(too_many))
            .await
            .status,
        422
    );

    let resp = raw(
        &sb.api_url(),
        "PUT",
        PROTECTION,
        &[(
            "Authorization",
            &format!("token {}", sb.token("commander").expose()),
        )],
        Some(b"{not json"),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(
        (resp.status, resp.message().as_str()),
        (400, "Problems parsing JSON")
    );

    let unchanged = sb.classic_protection(&api(), "main").unwrap();
    assert_eq!(
        unchanged["lock_branch"]["enabled"], false,
        "a refused PUT changes nothing"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn put_replaces_everything_resets_omitted_booleans_and_keeps_signatures() {
    let sb = start().await;
    let signed = as_user(
        &sb,
        "commander",
        "POST",
        &format!("{PROTECTION}/required_signatures"),
        None,
    )
    .await;
    assert_eq!(
        (signed.status, signed.json()["enabled"].clone()),
        (200, json!(true))
    );

    let first = as_user(&sb, "commander", "PUT", PROTECTION, Some(full_put())).await;
    assert_eq!(first.status, 200);
    let p = first.json();
    assert_eq!(p["lock_branch"]["enabled"], true);
    assert_eq!(p["allow_deletions"]["enabled"], true);
    assert_eq!(
        p["required_status_checks"]["checks"],
        json!([{"context": "ci", "app_id": null}]),
        "-1 reads back as null"
    );

    let mut second = full_put();
    let o = second.as_object_mut().unwrap();
    o.remove("lock_branch");
    o.remove("allow_deletions");
    o.insert(
        "restrictions".into(),
        json!({"users": ["dev"], "teams": ["sre"]}),
    );
    let p = as_user(&sb, "commander", "PUT", PROTECTION, Some(second))
        .await
        .json();
    assert_eq!(
        p["lock_branch"]["enabled"], false,
        "omitted booleans reset to false"
    );
    assert_eq!(p["allow_deletions"]["enabled"], false);
    assert_eq!(
        p["required_signatures"]["enabled"], true,
        "PUT does not touch required_signatures"
    );
    assert_eq!(p["restrictions"]["users"][0]["login"], "dev");
    assert_eq!(p["restrictions"]["teams"][0]["slug"], "sre");
    assert_eq!(p["restrictions"]["apps"], json!([]));
    sb.shutdown().await;
}

#[tokio::test]
async fn sub_resources_edit_one_part_each() {
    let sb = start().await;
    let off = as_user(
        &sb,
        "commander",
        "DELETE",
        &format!("{PROTECTION}/enforce_admins"),
        None,
    )
    .await;
    assert_eq!(off.status, 204);
    let now = as_user(
        &sb,
        "commander",
        "GET",
        &format!("{PROTECTION}/enforce_admins"),
        None,
    )
    .await
    .json();
    assert_eq!(now["enabled"], false);

    let patched = as_user(
        &sb,
        "commander",
        "PATCH",
        &format!("{PROTECTION}/required_pull_request_reviews"),
        Some(json!({"required_approving_review_count": 2})),
    )
    .await;
    assert_eq!(patched.json()["required_approving_review_count"], 2);
    assert_eq!(
        patched.json()["dismiss_stale_reviews"],
        false,
        "PATCH keeps what it does not name"
    );

    let both = as_user(
        &sb,
        "commander",
        "PATCH",
        &format!("{PROTECTION}/required_status_checks"),
        Some(json!({"contexts": ["a"], "checks": []})),
    )
    .await;
    assert_eq!(both.status, 422);
    let contexts = as_user(
        &sb,
        "commander",
        "POST",
        &format!("{PROTECTION}/required_status_checks/contexts"),
        Some(json!({"contexts": ["lint"]})),
    )
    .await;
    assert_eq!(contexts.json(), json!(["ci", "lint"]));
    assert_eq!(
        as_user(
            &sb,
            "commander",
            "DELETE",
            &format!("{PROTECTION}/required_status_checks"),
            None
        )
        .await
        .status,
        204
    );
    let gone = as_user(
        &sb,
        "commander",
        "GET",
        &format!("{PROTECTION}/required_status_checks"),
        None,
    )
    .await;
    assert_eq!(gone.status, 404);

    let p = sb.classic_protection(&api(), "main").unwrap();
    assert!(p.get("required_status_checks").is_none());
    assert_eq!(
        p["required_pull_request_reviews"]["required_approving_review_count"],
        2
    );
    assert_eq!(p["enforce_admins"]["enabled"], false);

    assert_eq!(
        as_user(&sb, "commander", "DELETE", PROTECTION, None)
            .await
            .status,
        204
    );
    assert!(sb.classic_protection(&api(), "main").is_none());
    let resp = as_user(&sb, "commander", "GET", PROTECTION, None).await;
    assert_eq!(
        (resp.status, resp.message().as_str()),
        (404, "Branch not protected")
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn url_encoded_branch_names_reach_the_right_branch() {
    let sb = start().await;
    make_branch(&sb, "release/1.0").await;
    let resp = as_user(
        &sb,
        "commander",
        "PUT",
        "/repos/acme/api/branches/release%2F1.0/protection",
        Some(full_put()),
    )
    .await;
    assert_eq!(resp.status, 200, "{:?}", resp.json());
    assert!(
        resp.json()["url"]
            .as_str()
            .unwrap()
            .ends_with("/branches/release%2F1%2E0/protection")
    );
    assert!(sb.classic_protection(&api(), "release/1.0").is_some());
    let raw_slash = as_user(
        &sb,
        "commander",
        "GET",
        "/repos/acme/api/branches/release/1.0/protection/enforce_admins",
        None,
    )
    .await;
    assert_eq!(
        (raw_slash.status, raw_slash.json()["enabled"].clone()),
        (200, json!(true)),
        "raw slashes work too"
    );
    let branch = as_user(
        &sb,
        "dev",
        "GET",
        "/repos/acme/api/branches/release/1.0",
        None,
    )
    .await;
    assert_eq!(
        (branch.status, branch.json()["name"].clone()),
        (200, json!("release/1.0"))
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn rulesets_hide_bypass_actors_from_writers_and_put_replaces_fields() {
    let sb = start().await;
    let path = "/repos/acme/web/rulesets/101";
    let admin_view = as_user(&sb, "commander", "GET", path, None).await.json();
    assert_eq!(admin_view["bypass_actors"], json!([]));
    assert_eq!(admin_view["current_user_can_bypass"], "never");
    assert_eq!(admin_view["source_type"], "Repository");
    assert_eq!(admin_view["rules"].as_array().unwrap().len(), 4);
    let writer_view = as_user(&sb, "dev", "GET", path, None).await.json();
    assert!(writer_view.get("bypass_actors").is_none(), "{writer_view}");

    let null = as_user(
        &sb,
        "commander",
        "PUT",
        path,
        Some(json!({"bypass_actors": null})),
    )
    .await;
    assert_eq!(null.status, 422);
    assert!(
        null.message().contains("bypass_actors"),
        "{}",
        null.message()
    );

    let actor = json!([{"actor_id": 1001, "actor_type": "User", "bypass_mode": "always"}]);
    let put = as_user(
        &sb,
        "commander",
        "PUT",
        path,
        Some(json!({"bypass_actors": actor})),
    )
    .await;
    assert_eq!(put.status, 200);
    let after = put.json();
    assert_eq!(after["bypass_actors"], actor);
    assert_eq!(
        after["rules"], admin_view["rules"],
        "fields not supplied are kept"
    );
    assert_eq!(
        as_user(&sb, "commander", "GET", path, None).await.json()["current_user_can_bypass"],
        "always"
    );
    assert_eq!(
        as_user(&sb, "reviewer", "GET", path, None).await.json()["current_user_can_bypass"],
        "never"
    );
    assert_eq!(
        sb.rulesets(&RepoId::new("acme", "web"))[0]["bypass_actors"],
        actor
    );

    let list = as_user(&sb, "dev", "GET", "/repos/acme/web/rulesets", None)
        .await
        .json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let created = as_user(
        &sb,
        "commander",
        "POST",
        "/repos/acme/web/rulesets",
        Some(json!({
        "name": "tags", "target": "tag", "enforcement": "active",
        "conditions": {"ref_name": {"include": ["refs/tags/v*"], "exclude": []}},
        "rules": [{"type": "deletion"}]})),
    )
    .await;
    assert_eq!(created.status, 201);
    let id = created.json()["id"].as_u64().unwrap();
    assert_eq!(
        as_user(
            &sb,
            "commander",
            "DELETE",
            &format!("/repos/acme/web/rulesets/{id}"),
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(
        as_user(
            &sb,
            "commander",
            "POST",
            "/repos/acme/web/rulesets",
            Some(json!({"name": "x"}))
        )
        .await
        .status,
        422
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn rules_for_a_branch_name_their_ruleset_and_source() {
    let sb = start().await;
    let rules = as_user(
        &sb,
        "dev",
        "GET",
        "/repos/acme/web/rules/branches/main",
        None,
    )
    .await
    .json();
    let types: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "pull_request",
            "required_status_checks",
            "non_fast_forward",
            "deletion"
        ]
    );
    assert!(
        rules
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["ruleset_id"] == 101
                && r["ruleset_source_type"] == "Repository"
                && r["ruleset_source"] == "acme/web")
    );
    let org = as_user(
        &sb,
        "dev",
        "GET",
        "/repos/acme/ops/rules/branches/main",
        None,
    )
    .await
    .json();
    assert_eq!(org[0]["ruleset_source_type"], "Organization");
    assert_eq!(org[0]["ruleset_source"], "acme");
    assert_eq!(org[0]["ruleset_id"], 201);
    let none = as_user(
        &sb,
        "dev",
        "GET",
        "/repos/acme/api/rules/branches/main",
        None,
    )
    .await
    .json();
    assert_eq!(none, json!([]), "classic protection is not a ruleset");

    let put = as_user(
        &sb,
        "owner",
        "PUT",
        "/orgs/acme/rulesets/201",
        Some(json!({"enforcement": "disabled"})),
    )
    .await;
    assert_eq!(put.status, 200);
    let org = as_user(
        &sb,
        "dev",
        "GET",
        "/repos/acme/ops/rules/branches/main",
        None,
    )
    .await
    .json();
    assert_eq!(org, json!([]), "disabled rulesets are not active");
    sb.shutdown().await;
}

/// Adds a commit on a new branch `fix` straight in the bare repository.
fn commit_fix(sb: &breakglass::forge::sandbox::SandboxHandle) -> String {
    let repo = git2::Repository::open_bare(sb.repo_path(&api())).unwrap();
    let main = repo
        .find_reference("refs/heads/main")
        .unwrap()
        .peel_to_commit()
        .unwrap();
    let mut tree = repo.treebuilder(Some(&main.tree().unwrap())).unwrap();
    let blob = repo.blob(b"fixed\n").unwrap();
    tree.insert("FIX.md", blob, 0o100644).unwrap();
    let tree = repo.find_tree(tree.write().unwrap()).unwrap();
    let sig = git2::Signature::now("Dev", "dev@acme.test").unwrap();
    let id = repo
        .commit(
            Some("refs/heads/fix"),
            &sig,
            &sig,
            "Fix the outage",
            &tree,
            &[&main],
        )
        .unwrap();
    id.to_string()
}

#[tokio::test]
async fn refs_compare_pulls_issues_and_statuses() {
    let sb = start().await;
    let fix = commit_fix(&sb);
    let main = sb.branch_head(&api(), "main").unwrap();

    let r = as_user(
        &sb,
        "dev",
        "GET",
        "/repos/acme/api/git/ref/heads/main",
        None,
    )
    .await
    .json();
    assert_eq!(
        (r["ref"].as_str(), r["object"]["sha"].as_str()),
        (Some("refs/heads/main"), Some(main.as_str()))
    );
    let dup = as_user(
        &sb,
        "dev",
        "POST",
        "/repos/acme/api/git/refs",
        Some(json!({"ref": "refs/heads/main", "sha": main})),
    )
    .await;
    assert_eq!(
        (dup.status, dup.message().as_str()),
        (422, "Reference already exists")
    );
    let protected = as_user(
        &sb,
        "commander",
        "PATCH",
        "/repos/acme/api/git/refs/heads/main",
        Some(json!({"sha": fix})),
    )
    .await;
    assert_eq!(protected.status, 422);
    assert!(
        protected.message().contains("GH006"),
        "{}",
        protected.message()
    );
    assert_eq!(
        sb.branch_head(&api(), "main").unwrap(),
        main,
        "a refused ref update changes nothing"
    );
    let before = as_user(
        &sb,
        "commander",
        "POST",
        "/repos/acme/api/git/refs",
        Some(json!({"ref": "refs/heads/breakglass/1/before", "sha": main})),
    )
    .await;
    assert_eq!(before.status, 201);
    assert_eq!(
        as_user(
            &sb,
            "commander",
            "DELETE",
            "/repos/acme/api/git/refs/heads/breakglass/1/before",
            None
        )
        .await
        .status,
        204
    );

    let cmp = as_user(
        &sb,
        "dev",
        "GET",
        &format!("/repos/acme/api/compare/{main}...{fix}"),
        None,
    )
    .await
    .json();
    assert_eq!(
        (
            cmp["status"].as_str(),
            cmp["ahead_by"].as_u64(),
            cmp["behind_by"].as_u64()
        ),
        (Some("ahead"), Some(1), Some(0))
    );
    assert_eq!(cmp["commits"][0]["sha"], fix.as_str());
    assert_eq!(cmp["commits"][0]["commit"]["message"], "Fix the outage");
    let file = &cmp["files"][0];
    assert_eq!(
        [
            &file["filename"],
            &file["status"],
            &file["additions"],
            &file["deletions"],
            &file["changes"]
        ],
        [
            &json!("FIX.md"),
            &json!("added"),
            &json!(1),
            &json!(0),
            &json!(1)
        ]
    );
    assert_eq!(cmp["files"].as_array().unwrap().len(), 1);
    let behind = as_user(
        &sb,
        "dev",
        "GET",
        "/repos/acme/api/compare/fix...main",
        None,
    )
    .await
    .json();
    assert_eq!(
        (behind["status"].as_str(), behind["behind_by"].as_u64()),
        (Some("behind"), Some(1))
    );

    let pr = as_user(
        &sb,
        "dev",
        "POST",
        "/repos/acme/api/pulls",
        Some(json!({"title": "Fix", "head": "fix", "base": "main", "body": "why"})),
    )
    .await;
    assert_eq!(pr.status, 201);
    let pr = pr.json();
    assert_eq!(pr["number"], 1);
    assert_eq!(
        pr["html_url"],
        format!("{}/acme/api/pull/1", sb.api_url()).as_str()
    );
    assert_eq!(
        (pr["head"]["ref"].as_str(), pr["head"]["sha"].as_str()),
        (Some("fix"), Some(fix.as_str()))
    );
    assert_eq!(pr["base"]["sha"], main.as_str());
    let reviewers = "/repos/acme/api/pulls/1/requested_reviewers";
    assert_eq!(
        as_user(
            &sb,
            "dev",
            "POST",
            reviewers,
            Some(json!({"reviewers": ["dev"]}))
        )
        .await
        .status,
        422
    );
    assert_eq!(
        as_user(
            &sb,
            "dev",
            "POST",
            reviewers,
            Some(json!({"reviewers": ["ghost"]}))
        )
        .await
        .status,
        422
    );
    let asked = as_user(
        &sb,
        "dev",
        "POST",
        reviewers,
        Some(json!({"reviewers": ["reviewer"]})),
    )
    .await;
    assert_eq!(asked.status, 201);
    assert_eq!(asked.json()["requested_reviewers"][0]["login"], "reviewer");
    assert_eq!(
        as_user(&sb, "reviewer", "GET", "/repos/acme/api/pulls", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let issue = as_user(
        &sb,
        "commander",
        "POST",
        "/repos/acme/api/issues",
        Some(json!({"title": "Incident 42", "body": "glass broken\u{1b}[31m"})),
    )
    .await;
    assert_eq!(issue.status, 201);
    assert_eq!(issue.json()["number"], 2, "issues and pulls share numbers");
    assert!(
        !issue.json()["body"].as_str().unwrap().contains('\u{1b}'),
        "stored text is sanitised"
    );
    let comment = as_user(
        &sb,
        "commander",
        "POST",
        "/repos/acme/api/issues/2/comments",
        Some(json!({"body": "restored"})),
    )
    .await;
    assert_eq!(comment.status, 201);
    let comments = as_user(&sb, "dev", "GET", "/repos/acme/api/issues/2/comments", None)
        .await
        .json();
    assert_eq!(comments[0]["body"], "restored");

    let status = as_user(
        &sb,
        "commander",
        "POST",
        &format!("/repos/acme/api/statuses/{fix}"),
        Some(json!({"state": "pending", "context": "breakglass/retro-review"})),
    )
    .await;
    assert_eq!(status.status, 201);
    assert_eq!(
        as_user(
            &sb,
            "commander",
            "POST",
            &format!("/repos/acme/api/statuses/{fix}"),
            Some(json!({"state": "great"}))
        )
        .await
        .status,
        422
    );
    as_user(
        &sb,
        "commander",
        "POST",
        &format!("/repos/acme/api/statuses/{fix}"),
        Some(json!({"state": "success", "context": "breakglass/retro-review"})),
    )
    .await;
    let combined = as_user(
        &sb,
        "dev",
        "GET",
        "/repos/acme/api/commits/fix/status",
        None,
    )
    .await
    .json();
    assert_eq!(
        (combined["state"].as_str(), combined["total_count"].as_u64()),
        (Some("success"), Some(1))
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn every_request_is_logged_without_credentials() {
    let sb = start().await;
    as_user(
        &sb,
        "dev",
        "GET",
        "/repos/acme/api?access_token=sekrit",
        None,
    )
    .await;
    call(&sb.api_url(), "GET", "/user", None, None).await;
    let log = sb.request_log();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].path, "/repos/acme/api?access_token=***");
    assert_eq!(
        (
            log[0].method.as_str(),
            log[0].status,
            log[0].user.as_deref()
        ),
        ("GET", 200, Some("dev"))
    );
    assert_eq!((log[1].status, log[1].user.as_deref()), (401, None));
    let token = sb.token("dev");
    let dump = serde_json::to_string(&log).unwrap();
    assert!(!dump.contains(token.expose()) && !dump.contains("sekrit"));
    sb.shutdown().await;
}

#[tokio::test]
async fn personal_repositories_refuse_org_only_protection() {
    let sb = start().await;
    let path = "/repos/commander/notes/branches/main/protection";
    let repo = as_user(&sb, "commander", "GET", "/repos/commander/notes", None)
        .await
        .json();
    assert_eq!(repo["owner"]["type"], "User");
    assert_eq!(
        as_user(&sb, "dev", "GET", "/repos/commander/notes", None)
            .await
            .status,
        404,
        "private to its owner"
    );
    let mut restricted = full_put();
    restricted["restrictions"] = json!({"users": [], "teams": []});
    assert_eq!(
        as_user(&sb, "commander", "PUT", path, Some(restricted))
            .await
            .status,
        422
    );
    let mut dismissal = full_put();
    dismissal["required_pull_request_reviews"]["dismissal_restrictions"] =
        json!({"users": ["commander"]});
    assert_eq!(
        as_user(&sb, "commander", "PUT", path, Some(dismissal))
            .await
            .status,
        422
    );
    assert_eq!(
        as_user(&sb, "commander", "PUT", path, Some(full_put()))
            .await
            .status,
        200
    );
    sb.shutdown().await;
}

/// `dev` opens pull request #1 from `fix` into `main`; returns the fix's sha.
async fn open_fix_pull(sb: &breakglass::forge::sandbox::SandboxHandle) -> String {
    let fix = commit_fix(sb);
    let pr = as_user(
        sb,
        "dev",
        "POST",
        "/repos/acme/api/pulls",
        Some(json!({"title": "Fix", "head": "fix", "base": "main"})),
    )
    .await;
    assert_eq!(pr.status, 201);
    fix
}

const REVIEWS: &str = "/repos/acme/api/pulls/1/reviews";

#[tokio::test]
async fn an_author_cannot_approve_their_own_pull_request() {
    let sb = start().await;
    open_fix_pull(&sb).await;
    let own = as_user(
        &sb,
        "dev",
        "POST",
        REVIEWS,
        Some(json!({"event": "APPROVE"})),
    )
    .await;
    assert_eq!(own.status, 422);
    assert_eq!(
        own.json()["errors"],
        json!(["Can not approve your own pull request"])
    );
    assert_eq!(own.message(), "Unprocessable Entity");
    let changes = as_user(
        &sb,
        "dev",
        "POST",
        REVIEWS,
        Some(json!({"event": "REQUEST_CHANGES", "body": "hmm"})),
    )
    .await;
    assert_eq!(
        (changes.status, changes.json()["errors"].clone()),
        (
            422,
            json!(["Can not request changes on your own pull request"])
        )
    );
    let comment = as_user(
        &sb,
        "dev",
        "POST",
        REVIEWS,
        Some(json!({"event": "COMMENT", "body": "context for reviewers"})),
    )
    .await;
    assert_eq!(comment.status, 200, "an author may comment");
    let listed = as_user(&sb, "reviewer", "GET", REVIEWS, None).await.json();
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "refused reviews are not kept: {listed}"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn reviews_have_githubs_shape_and_pending_ones_stay_private() {
    let sb = start().await;
    let fix = open_fix_pull(&sb).await;
    let approve = as_user(
        &sb,
        "commander",
        "POST",
        REVIEWS,
        Some(json!({"event": "APPROVE", "body": "looks right"})),
    )
    .await;
    assert_eq!(approve.status, 200, "GitHub answers 200, not 201");
    let review = approve.json();
    let id = review["id"].as_u64().unwrap();
    assert_eq!(
        (
            review["state"].as_str(),
            review["user"]["login"].as_str(),
            review["body"].as_str(),
            review["commit_id"].as_str(),
            review["author_association"].as_str(),
        ),
        (
            Some("APPROVED"),
            Some("commander"),
            Some("looks right"),
            Some(fix.as_str()),
            Some("MEMBER"),
        )
    );
    let html = format!("{}/acme/api/pull/1#pullrequestreview-{id}", sb.api_url());
    assert_eq!(review["html_url"], html.as_str());
    assert_eq!(review["_links"]["html"]["href"], html.as_str());
    assert_eq!(
        review["pull_request_url"],
        format!("{}/repos/acme/api/pulls/1", sb.api_url()).as_str()
    );
    assert!(review["submitted_at"].as_str().unwrap().ends_with('Z'));

    let pending = as_user(
        &sb,
        "reviewer",
        "POST",
        REVIEWS,
        Some(json!({"body": "still reading"})),
    )
    .await;
    assert_eq!(pending.status, 200);
    assert_eq!(pending.json()["state"], "PENDING");
    assert_eq!(pending.json()["author_association"], "COLLABORATOR");
    assert!(pending.json().get("submitted_at").is_none());
    let second = as_user(&sb, "reviewer", "POST", REVIEWS, Some(json!({}))).await;
    assert_eq!(
        (second.status, second.json()["errors"].clone()),
        (
            422,
            json!(["User can only have one pending review per pull request"])
        )
    );

    let states = |list: Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|r| r["state"].as_str().unwrap().to_owned())
            .collect()
    };
    let seen_by_dev = as_user(&sb, "dev", "GET", REVIEWS, None).await.json();
    assert_eq!(states(seen_by_dev), ["APPROVED"]);
    let seen_by_reviewer = as_user(&sb, "reviewer", "GET", REVIEWS, None).await.json();
    assert_eq!(
        states(seen_by_reviewer),
        ["APPROVED", "PENDING"],
        "oldest first, one's own pending review included"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn reviews_are_validated_and_paged_like_github() {
    let sb = start().await;
    open_fix_pull(&sb).await;
    let bad_event = as_user(
        &sb,
        "reviewer",
        "POST",
        REVIEWS,
        Some(json!({"event": "LGTM"})),
    )
    .await;
    assert_eq!(bad_event.status, 422);
    assert!(
        bad_event.message().starts_with("Invalid request."),
        "{}",
        bad_event.message()
    );
    let bare_comment = as_user(
        &sb,
        "reviewer",
        "POST",
        REVIEWS,
        Some(json!({"event": "COMMENT"})),
    )
    .await;
    assert_eq!(bare_comment.status, 422, "a comment needs a body");
    let escaped = as_user(
        &sb,
        "reviewer",
        "POST",
        REVIEWS,
        Some(json!({"commit_id": "abc\u{1b}[2Jdef"})),
    )
    .await;
    assert_eq!(escaped.status, 200);
    let commit_id = escaped.json()["commit_id"].as_str().unwrap().to_owned();
    assert!(
        !commit_id.contains('\u{1b}'),
        "stored text is sanitised: {commit_id:?}"
    );
    let missing = as_user(
        &sb,
        "reviewer",
        "GET",
        "/repos/acme/api/pulls/9/reviews",
        None,
    )
    .await;
    assert_eq!(missing.status, 404);
    let anonymous = call(&sb.api_url(), "GET", REVIEWS, None, None).await;
    assert_eq!(anonymous.status, 401);

    for (who, event) in [
        ("reviewer", "APPROVE"),
        ("commander", "COMMENT"),
        ("owner", "APPROVE"),
    ] {
        let r = as_user(
            &sb,
            who,
            "POST",
            REVIEWS,
            Some(json!({"event": event, "body": "noted"})),
        )
        .await;
        assert_eq!(r.status, 200, "{who}");
    }
    let first = as_user(&sb, "dev", "GET", &format!("{REVIEWS}?per_page=2"), None).await;
    let logins: Vec<_> = first
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["user"]["login"].clone())
        .collect();
    assert_eq!(logins, [json!("reviewer"), json!("commander")]);
    let link = first
        .header("link")
        .expect("a Link header on a partial page");
    let next = format!(
        "<{}{REVIEWS}?per_page=2&page=2>; rel=\"next\"",
        sb.api_url()
    );
    assert!(link.contains(&next), "{link}");
    let last = as_user(
        &sb,
        "dev",
        "GET",
        &format!("{REVIEWS}?per_page=2&page=2"),
        None,
    )
    .await;
    assert_eq!(last.json()[0]["user"]["login"], "owner");
    assert_eq!(last.json().as_array().unwrap().len(), 1);
    assert!(!last.header("link").unwrap().contains("rel=\"next\""));
    sb.shutdown().await;
}

#[tokio::test]
async fn statuses_are_listed_newest_first_and_combined_per_context() {
    let sb = start().await;
    let fix = commit_fix(&sb);
    for (state, context) in [
        ("pending", "breakglass/retro-review"),
        ("success", "breakglass/retro-review"),
        ("failure", "ci"),
    ] {
        let posted = as_user(
            &sb,
            "commander",
            "POST",
            &format!("/repos/acme/api/statuses/{fix}"),
            Some(json!({"state": state, "context": context, "description": "why"})),
        )
        .await;
        assert_eq!(posted.status, 201);
    }
    let listed = as_user(
        &sb,
        "dev",
        "GET",
        "/repos/acme/api/commits/fix/statuses",
        None,
    )
    .await;
    assert_eq!(listed.status, 200);
    let listed = listed.json();
    let pairs: Vec<_> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["state"].as_str().unwrap(), s["context"].as_str().unwrap()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("failure", "ci"),
            ("success", "breakglass/retro-review"),
            ("pending", "breakglass/retro-review"),
        ],
        "newest first, superseded statuses included"
    );
    assert_eq!(listed[0]["creator"]["login"], "commander");
    assert!(listed[0]["avatar_url"].is_string());
    let legacy = as_user(
        &sb,
        "dev",
        "GET",
        &format!("/repos/acme/api/statuses/{fix}"),
        None,
    )
    .await
    .json();
    assert_eq!(legacy, listed, "the legacy route lists the same");
    let paged = as_user(
        &sb,
        "dev",
        "GET",
        &format!("/repos/acme/api/commits/{fix}/statuses?per_page=2&page=2"),
        None,
    )
    .await;
    assert_eq!(paged.json()[0]["state"], "pending");
    assert!(paged.header("link").unwrap().contains("rel=\"first\""));

    let combined = as_user(
        &sb,
        "dev",
        "GET",
        "/repos/acme/api/commits/fix/status",
        None,
    )
    .await
    .json();
    assert_eq!(
        (combined["state"].as_str(), combined["total_count"].as_u64()),
        (Some("failure"), Some(2))
    );
    assert_eq!(
        combined["url"],
        format!("{}/repos/acme/api/commits/{fix}/status", sb.api_url()).as_str()
    );
    let retro = combined["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["context"] == "breakglass/retro-review")
        .unwrap();
    assert_eq!(retro["state"], "success", "the latest per context");
    assert!(retro.get("creator").is_none(), "a simple-commit-status");
    let nowhere = as_user(
        &sb,
        "dev",
        "GET",
        "/repos/acme/api/commits/no-such-ref/statuses",
        None,
    )
    .await;
    assert_eq!(nowhere.status, 422);
    sb.shutdown().await;
}

#[tokio::test]
async fn reviews_persist_with_a_dir_and_older_state_files_load() {
    let dir = tempfile::tempdir().unwrap();
    let options = || breakglass::forge::sandbox::SandboxOptions {
        dir: Some(dir.path().to_owned()),
        ..Default::default()
    };
    let first = breakglass::forge::sandbox::Sandbox::start(options())
        .await
        .unwrap();
    open_fix_pull(&first).await;
    let approved = as_user(
        &first,
        "reviewer",
        "POST",
        REVIEWS,
        Some(json!({"event": "APPROVE"})),
    )
    .await;
    assert_eq!(approved.status, 200);
    first.shutdown().await;

    let second = breakglass::forge::sandbox::Sandbox::start(options())
        .await
        .unwrap();
    let kept = as_user(&second, "dev", "GET", REVIEWS, None).await.json();
    assert_eq!(kept[0]["state"], "APPROVED");
    second.shutdown().await;

    // A state file written before reviews existed has no `reviews` member on its pulls.
    let file = dir.path().join("sandbox-state.json");
    let mut state: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let mut stripped = 0;
    for repo in state["repos"].as_array_mut().unwrap() {
        for pull in repo["pulls"].as_array_mut().unwrap() {
            pull.as_object_mut().unwrap().remove("reviews").unwrap();
            stripped += 1;
        }
    }
    assert_eq!(stripped, 1);
    std::fs::write(&file, serde_json::to_vec(&state).unwrap()).unwrap();
    let third = breakglass::forge::sandbox::Sandbox::start(options())
        .await
        .unwrap();
    let none = as_user(&third, "dev", "GET", REVIEWS, None).await;
    assert_eq!((none.status, none.json()), (200, json!([])));
    third.shutdown().await;
}
