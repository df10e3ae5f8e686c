//! The seeded world: organisation `acme`, its people and tokens, and three repositories
//! with real git history, each protected a different way (classic protection, a repository
//! ruleset, an organisation ruleset), plus the commander's personal repository.
//!
//! Runs once, for a fresh sandbox directory; nothing here serves requests.

use super::SandboxError;
use super::auth::random_token;
use super::model::*;
use crate::clock::Clock;
use crate::forge::Permission;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;

/// `acme/api`'s `main` as a hardened team protects it: nobody, admins included, pushes
/// directly (enforce_admins, one approving review, strict `ci` check, no force pushes or
/// deletions).
pub fn hardened_protection() -> ClassicProtection {
    ClassicProtection {
        required_status_checks: Some(StatusChecks {
            strict: true,
            checks: vec![RequiredCheck {
                context: "ci".into(),
                app_id: None,
            }],
        }),
        enforce_admins: true,
        required_pull_request_reviews: Some(Reviews {
            required_approving_review_count: 1,
            ..Reviews::default()
        }),
        ..ClassicProtection::default()
    }
}

fn user(login: &str, id: u64, role: &str, now: DateTime<Utc>) -> UserRecord {
    UserRecord {
        login: login.into(),
        id,
        role: role.into(),
        token: random_token("bgs_"),
        created_at: Some(now),
    }
}

/// The labels every new GitHub repository starts with (name, colour, description).
const DEFAULT_LABELS: [(&str, &str, &str); 9] = [
    ("bug", "d73a4a", "Something isn't working"),
    (
        "documentation",
        "0075ca",
        "Improvements or additions to documentation",
    ),
    (
        "duplicate",
        "cfd3d7",
        "This issue or pull request already exists",
    ),
    ("enhancement", "a2eeef", "New feature or request"),
    ("good first issue", "7057ff", "Good for newcomers"),
    ("help wanted", "008672", "Extra attention is needed"),
    ("invalid", "e4e669", "This doesn't seem right"),
    ("question", "d876e3", "Further information is requested"),
    ("wontfix", "ffffff", "This will not be worked on"),
];

fn default_labels(repo_id: u64) -> Vec<LabelRecord> {
    DEFAULT_LABELS
        .iter()
        .zip(1u64..)
        .map(|((name, color, description), n)| LabelRecord {
            id: repo_id * 100 + n,
            name: (*name).into(),
            color: (*color).into(),
            description: Some((*description).into()),
            default: true,
        })
        .collect()
}

fn repo(name: &str, id: u64, now: DateTime<Utc>) -> RepoRecord {
    let collaborators = BTreeMap::from([
        ("commander".to_owned(), Permission::Admin),
        ("dev".to_owned(), Permission::Write),
        ("reviewer".to_owned(), Permission::Write),
    ]);
    RepoRecord {
        owner: "acme".into(),
        name: name.into(),
        id,
        default_branch: "main".into(),
        collaborators,
        protections: BTreeMap::new(),
        rulesets: Vec::new(),
        pulls: Vec::new(),
        issues: Vec::new(),
        comments: Vec::new(),
        statuses: Vec::new(),
        next_number: 1,
        labels: default_labels(id),
        created_at: Some(now),
        pushed_at: Some(now),
        activity: Vec::new(),
        rule_suites: Vec::new(),
    }
}

fn web_ruleset(now: DateTime<Utc>) -> Ruleset {
    Ruleset {
        id: 101,
        name: "main is reviewed".into(),
        target: "branch".into(),
        enforcement: "active".into(),
        bypass_actors: vec![],
        conditions: json!({"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}}),
        rules: vec![
            json!({"type": "pull_request", "parameters": {
                "dismiss_stale_reviews_on_push": false, "require_code_owner_review": false,
                "require_last_push_approval": false, "required_approving_review_count": 1,
                "required_review_thread_resolution": false}}),
            json!({"type": "required_status_checks", "parameters": {
                "strict_required_status_checks_policy": true,
                "required_status_checks": [{"context": "ci"}]}}),
            json!({"type": "non_fast_forward"}),
            json!({"type": "deletion"}),
        ],
        source_type: "Repository".into(),
        source: "acme/web".into(),
        created_at: now,
        updated_at: now,
    }
}

fn org_ruleset(now: DateTime<Utc>) -> Ruleset {
    Ruleset {
        id: 201,
        name: "acme baseline".into(),
        target: "branch".into(),
        enforcement: "active".into(),
        bypass_actors: vec![BypassActor {
            actor_id: None,
            actor_type: "OrganizationAdmin".into(),
            bypass_mode: "always".into(),
        }],
        conditions: json!({
            "ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []},
            "repository_name": {"include": ["ops"], "exclude": [], "protected": false},
        }),
        rules: vec![
            json!({"type": "pull_request", "parameters": {"required_approving_review_count": 1,
                "dismiss_stale_reviews_on_push": false, "require_code_owner_review": false,
                "require_last_push_approval": false, "required_review_thread_resolution": false}}),
            json!({"type": "non_fast_forward"}),
            json!({"type": "deletion"}),
        ],
        source_type: "Organization".into(),
        source: "acme".into(),
        created_at: now,
        updated_at: now,
    }
}

/// Builds the seeded state and creates the bare repositories under `repos_root`.
pub fn seed(repos_root: &Path, clock: &dyn Clock) -> Result<ForgeState, SandboxError> {
    let now = clock.now();
    let mut api = repo("api", 9001, now);
    api.protections.insert("main".into(), hardened_protection());
    let mut web = repo("web", 9002, now);
    web.rulesets.push(web_ruleset(now));
    let ops = repo("ops", 9003, now);
    // A personal repository, where GitHub refuses org-only protection features.
    let mut notes = repo("notes", 9004, now);
    notes.owner = "commander".into();
    notes.collaborators.retain(|login, _| login == "commander");

    let api_history: &[(&str, &[(&str, &str)])] = &[
        (
            "Initial commit",
            &[("README.md", "# api\n\nThe acme order service.\n")],
        ),
        (
            "Add the health endpoint",
            &[(
                "src/service.py",
                "def health():\n    return {\"status\": \"ok\"}\n",
            )],
        ),
        (
            "Document how to deploy",
            &[(
                "README.md",
                "# api\n\nThe acme order service.\n\nDeploy: `make deploy`.\n",
            )],
        ),
    ];
    let web_history: &[(&str, &[(&str, &str)])] = &[
        (
            "Initial commit",
            &[("README.md", "# web\n\nThe acme storefront.\n")],
        ),
        ("Add the landing page", &[("index.html", "<h1>acme</h1>\n")]),
    ];
    let ops_history: &[(&str, &[(&str, &str)])] =
        &[("Initial commit", &[("README.md", "# ops\n\nRunbooks.\n")])];
    let notes_history: &[(&str, &[(&str, &str)])] =
        &[("Initial commit", &[("README.md", "# notes\n")])];
    for (record, history) in [
        (&api, api_history),
        (&web, web_history),
        (&ops, ops_history),
        (&notes, notes_history),
    ] {
        let path = repos_root
            .join(&record.owner)
            .join(format!("{}.git", record.name));
        create_bare_repo(&path, history, now)?;
    }

    Ok(ForgeState {
        users: vec![
            user("owner", 1000, "owner", now),
            user("commander", 1001, "admin", now),
            user("dev", 1002, "write", now),
            user("reviewer", 1003, "write", now),
        ],
        orgs: vec![OrgRecord {
            login: "acme".into(),
            id: 5000,
            owners: vec!["owner".into()],
            teams: vec![TeamRecord {
                slug: "sre".into(),
                id: 7001,
                name: "SRE".into(),
                members: vec!["commander".into()],
            }],
            rulesets: vec![org_ruleset(now)],
        }],
        repos: vec![api, web, ops, notes],
        next_id: 10_000,
    })
}

fn git_err(what: &str) -> impl Fn(git2::Error) -> SandboxError + '_ {
    move |source| SandboxError::Git {
        what: what.to_owned(),
        source,
    }
}

/// Writes a tree for `files` (paths with at most nested directories) and returns its id.
fn write_tree(
    repo: &git2::Repository,
    files: &BTreeMap<String, String>,
) -> Result<git2::Oid, git2::Error> {
    let mut root = repo.treebuilder(None)?;
    let mut dirs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (path, content) in files {
        match path.split_once('/') {
            Some((dir, rest)) => {
                dirs.entry(dir.to_owned())
                    .or_default()
                    .insert(rest.to_owned(), content.clone());
            }
            None => {
                let blob = repo.blob(content.as_bytes())?;
                root.insert(path, blob, 0o100644)?;
            }
        }
    }
    for (dir, inner) in dirs {
        let tree = write_tree(repo, &inner)?;
        root.insert(dir, tree, 0o040000)?;
    }
    root.write()
}

/// Creates a bare repository whose `main` holds `history`, one commit per entry.
pub fn create_bare_repo(
    path: &Path,
    history: &[(&str, &[(&str, &str)])],
    now: DateTime<Utc>,
) -> Result<(), SandboxError> {
    let repo = git2::Repository::init_bare(path).map_err(git_err("create a bare repository"))?;
    let mut files = BTreeMap::new();
    let mut parent: Option<git2::Oid> = None;
    let count = history.len() as i64;
    for (i, (message, changes)) in history.iter().enumerate() {
        for (file, content) in changes.iter() {
            files.insert((*file).to_owned(), (*content).to_owned());
        }
        let tree_id = write_tree(&repo, &files).map_err(git_err("write a seed tree"))?;
        let tree = repo
            .find_tree(tree_id)
            .map_err(git_err("read a seed tree"))?;
        let when = now - Duration::hours(count - i as i64);
        let time = git2::Time::new(when.timestamp(), 0);
        let sig = git2::Signature::new("Acme Dev", "dev@acme.test", &time)
            .map_err(git_err("make a signature"))?;
        let parents: Vec<git2::Commit> = parent
            .map(|p| repo.find_commit(p))
            .transpose()
            .map_err(git_err("read a seed commit"))?
            .into_iter()
            .collect();
        let parent_refs: Vec<&git2::Commit> = parents.iter().collect();
        let id = repo
            .commit(None, &sig, &sig, message, &tree, &parent_refs)
            .map_err(git_err("write a seed commit"))?;
        parent = Some(id);
    }
    if let Some(head) = parent {
        repo.reference("refs/heads/main", head, true, "seed")
            .map_err(git_err("create main"))?;
    }
    repo.set_head("refs/heads/main")
        .map_err(git_err("point HEAD at main"))?;
    // Lets `git receive-pack`/`upload-pack` serve the repository over HTTP.
    let mut config = repo.config().map_err(git_err("open repository config"))?;
    config
        .set_bool("http.receivepack", true)
        .map_err(git_err("enable receive-pack"))?;
    Ok(())
}
