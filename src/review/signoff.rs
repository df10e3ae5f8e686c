//! Whether the retroactive review is signed off: an approval on the forge by someone
//! other than the commander and the pushed commits' authors, and the lessons-learned form
//! submitted. Pure: the caller reads the reviews and the commits from the forge.

use crate::forge::port::{ComparedCommit, PullReview};
use std::collections::BTreeMap;

/// What the review's status on the forge should say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignOff {
    /// Every condition holds; `reviewer` is the first login whose approval counts.
    SignedOff { reviewer: String },
    /// Still waiting; `why` is the status description ("waiting for …").
    Pending { why: String },
}

/// GitHub allows 140 characters in a commit status description.
pub const STATUS_DESCRIPTION_MAX: usize = 140;

/// Decides the sign-off from the pull request's `reviews` (oldest first), the pushed
/// `commits`, the `commander`'s login and whether the form was submitted.
///
/// A reviewer's latest decisive review counts (a later request for changes or a dismissal
/// takes an approval back; a comment does not). An author is matched by the forge account
/// the forge linked to the commit and, conservatively, by a login equal to the git
/// author's name or email's local part: an unknown match only delays the sign-off.
pub fn decide(
    commander: &str,
    commits: &[ComparedCommit],
    reviews: &[PullReview],
    form_submitted: bool,
) -> SignOff {
    let mut latest: BTreeMap<String, (usize, &str)> = BTreeMap::new();
    for (order, review) in reviews.iter().enumerate() {
        if matches!(
            review.state.as_str(),
            "APPROVED" | "CHANGES_REQUESTED" | "DISMISSED"
        ) && !review.login.is_empty()
        {
            latest.insert(review.login.to_lowercase(), (order, &review.state));
        }
    }
    let mut approvals: Vec<(usize, &str)> = latest
        .iter()
        .filter(|(_, (_, state))| *state == "APPROVED")
        .map(|(login, (order, _))| (*order, login.as_str()))
        .collect();
    approvals.sort();
    let counts = |login: &str| {
        !login.eq_ignore_ascii_case(commander) && !commits.iter().any(|c| authored(c, login))
    };
    let reviewer = approvals
        .into_iter()
        .map(|(order, _)| reviews[order].login.clone())
        .find(|login| counts(login));
    let mut waiting = Vec::new();
    if reviewer.is_none() {
        waiting.push(approval_wanted(commander, commits));
    }
    if !form_submitted {
        waiting.push("the lessons-learned form".to_owned());
    }
    match reviewer {
        Some(reviewer) if waiting.is_empty() => SignOff::SignedOff { reviewer },
        _ => SignOff::Pending {
            why: shorten(&format!("waiting for {}", waiting.join(" and for "))),
        },
    }
}

/// "an approval by someone other than the commander alice (and the author dana)".
fn approval_wanted(commander: &str, commits: &[ComparedCommit]) -> String {
    let mut authors: Vec<String> = commits
        .iter()
        .filter_map(|c| c.author_login.clone())
        .filter(|login| !login.eq_ignore_ascii_case(commander))
        .collect();
    authors.sort();
    authors.dedup();
    let mut text = format!("an approval by someone other than the commander {commander}");
    match authors.as_slice() {
        [] => {}
        [one] => text.push_str(&format!(" and the author {one}")),
        many => text.push_str(&format!(" and the authors {}", many.join(", "))),
    }
    text
}

fn authored(commit: &ComparedCommit, login: &str) -> bool {
    let local_part = commit.author_email.split('@').next().unwrap_or_default();
    commit
        .author_login
        .as_deref()
        .is_some_and(|a| a.eq_ignore_ascii_case(login))
        || commit.author_name.eq_ignore_ascii_case(login)
        || (!local_part.is_empty() && local_part.eq_ignore_ascii_case(login))
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= STATUS_DESCRIPTION_MAX {
        return text.to_owned();
    }
    let cut: String = text.chars().take(STATUS_DESCRIPTION_MAX - 1).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(login: &str, state: &str) -> PullReview {
        PullReview {
            login: login.into(),
            state: state.into(),
        }
    }

    fn commit_by(login: Option<&str>, name: &str, email: &str) -> ComparedCommit {
        ComparedCommit {
            sha: "a".repeat(40),
            title: "Fix checkout".into(),
            author_name: name.into(),
            author_email: email.into(),
            author_login: login.map(str::to_owned),
        }
    }

    fn pending(why: &str) -> SignOff {
        SignOff::Pending { why: why.into() }
    }

    #[test]
    fn only_a_third_persons_approval_with_the_form_signs_off() {
        let by_bob = [commit_by(Some("bob"), "Bob B", "bob@example.com")];
        let cases: Vec<(&str, Vec<PullReview>, bool, SignOff)> = vec![
            (
                "nothing yet",
                vec![],
                false,
                pending(
                    "waiting for an approval by someone other than the commander alice and \
                     the author bob and for the lessons-learned form",
                ),
            ),
            (
                "the commander's own approval",
                vec![review("Alice", "APPROVED")],
                true,
                pending(
                    "waiting for an approval by someone other than the commander alice and \
                     the author bob",
                ),
            ),
            (
                "the author's approval",
                vec![review("bob", "APPROVED")],
                true,
                pending(
                    "waiting for an approval by someone other than the commander alice and \
                     the author bob",
                ),
            ),
            (
                "an approval, no form",
                vec![review("carol", "APPROVED")],
                false,
                pending("waiting for the lessons-learned form"),
            ),
            (
                "an approval taken back by a request for changes",
                vec![
                    review("carol", "APPROVED"),
                    review("carol", "COMMENTED"),
                    review("carol", "CHANGES_REQUESTED"),
                ],
                true,
                pending(
                    "waiting for an approval by someone other than the commander alice and \
                     the author bob",
                ),
            ),
            (
                "a comment after an approval keeps it",
                vec![
                    review("alice", "APPROVED"),
                    review("carol", "APPROVED"),
                    review("carol", "COMMENTED"),
                ],
                true,
                SignOff::SignedOff {
                    reviewer: "carol".into(),
                },
            ),
        ];
        let ran = cases.len();
        for (what, reviews, form, expected) in cases {
            assert_eq!(decide("alice", &by_bob, &reviews, form), expected, "{what}");
        }
        assert_eq!(ran, 6);
    }

    #[test]
    fn an_author_the_forge_cannot_link_is_matched_by_name_or_email() {
        let unlinked = [commit_by(None, "Dana D", "dana@example.com")];
        assert_eq!(
            decide("alice", &unlinked, &[review("dana", "APPROVED")], true),
            pending("waiting for an approval by someone other than the commander alice")
        );
        let named = [commit_by(None, "erin", "e.r@example.com")];
        assert!(matches!(
            decide("alice", &named, &[review("ERIN", "APPROVED")], true),
            SignOff::Pending { .. }
        ));
    }

    #[test]
    fn the_description_fits_a_commit_status() {
        let commander = "a".repeat(200);
        let SignOff::Pending { why } = decide(&commander, &[], &[], false) else {
            panic!("nothing approved")
        };
        assert_eq!(why.chars().count(), STATUS_DESCRIPTION_MAX);
        assert!(why.ends_with('…'), "{why}");
    }
}
