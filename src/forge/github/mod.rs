//! The low-level GitHub REST client on octocrab, used for github.com, GitHub Enterprise
//! and the sandbox forge alike: raw JSON in and out, retries, rate limits, and errors that
//! say what to do. It decides nothing about protections; the planner does.

mod api_url;
mod classify;
mod client;
mod counting;
mod error;
mod error_map;
mod marker;
mod pagination;
mod request;
mod sleeper;

mod activity;
mod identity;
mod issues;
mod protection;
mod pulls;
mod refs;
mod rulesets;

pub use activity::{
    ActivityEntry, ActivityQuery, RuleEvaluation, RuleSource, RuleSuite, RuleSuiteQuery,
};
pub use api_url::normalise_api_url;
pub use classify::{
    Decision, GiveUp, ResponseClass, RetryBudget, RetryPolicy, classify, decide,
    decide_without_answer,
};
pub use client::{
    API_VERSION, ClientOptions, GitHubClient, RequestObserver, SentRequest, user_agent,
};
pub use counting::count_requests;
pub use error::{ForgeError, sanitize_server_text};
pub use error_map::error_for;
pub use identity::AuthenticatedUser;
pub use marker::Marker;
pub use pagination::next_page_url;
pub use protection::BRANCH_NOT_PROTECTED;
pub use refs::CreateRefOutcome;
pub use request::{Idempotence, Method, Request, Response, Scope, encode_segment, path, repo_path};
pub use sleeper::{RecordingSleeper, Sleeper, TokioSleeper};
