//! The effects the TUI asks for. `update` returns them; the flow (behind [`super::Effects`])
//! performs them and answers with a [`super::Msg`].

use super::declare::DeclareRequest;
use crate::review::ReviewForm;
use chrono::Duration;

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Declare an incident (answer: `IncidentOpened`).
    Declare(DeclareRequest),
    /// List the drill scenarios with the team's times for each (answer:
    /// `ScenariosListed`).
    ListScenarios,
    /// Prepare a drill of scenario `scenario`: its sandbox, faults and twists (answer:
    /// `DrillReady`).
    StartDrill { scenario: String },
    /// Score the drill `incident` now that it has ended (answer: `DrillScored`).
    ScoreDrill { incident: String },
    /// Load an existing incident's checklist (answer: `IncidentOpened`).
    OpenIncident { incident: String },
    /// Record a manual step as done (answer: `StepCompleted` + `IncidentChanged`).
    CompleteStep { incident: String, step: usize },
    /// Identity, permissions, snapshot, plan (answer: `PlanReady`).
    Preflight { incident: String },
    /// Ask a second person to approve on the incident issue (answer: `StepCompleted`).
    RequestApproval { incident: String },
    /// Look at the incident issue for an answer to the approval request (answer:
    /// `ApprovalChecked`; the log's change arrives as `IncidentChanged`).
    CheckApproval { incident: String },
    /// Proceed without a second person, loudly, for a recorded reason (answer:
    /// `StepCompleted`).
    SelfApprove { incident: String, reason: String },
    /// Apply the confirmed relax plan and start the lease (answer: `Activated`).
    Activate { incident: String },
    /// List the commits and trailers push would send (answer: `PushReady`).
    PreparePush { incident: String },
    /// Push the confirmed commits (answer: `PushOutcome`).
    Push { incident: String },
    /// Prepare the window: the plan and the commits with their trailers, for the one
    /// confirmation (answer: `WindowReady`).
    PrepareWindow { incident: String },
    /// Run the confirmed window: open, push, restore and verify in one go (answer:
    /// `WindowDone`).
    RunWindow(Box<crate::flow::WindowPlan>),
    /// Restore the snapshot and verify it by read-back (answer: `Restored`).
    Restore { incident: String },
    /// Extend the lease by `by`, within the cap, for a recorded reason (answer: `LeaseExtended`).
    ExtendLease {
        incident: String,
        reason: String,
        by: Duration,
    },
    /// Open the retroactive review on the forge (answer: `ReviewOpened`).
    OpenReview { incident: String },
    /// Load the review draft of an incident (answer: `ReviewDraftLoaded`).
    LoadReviewDraft { incident: String },
    /// Save the review draft; sent on every change (answer: `ReviewDraftSaved`).
    SaveReviewDraft(ReviewForm),
    /// Submit the review and record it in the audit log (answer: `ReviewSubmitted`).
    SubmitReview(ReviewForm),
    /// Check the retroactive review's sign-off on the forge, recording it when it is
    /// complete (answer: `SignOffChecked`).
    CheckSignOff { incident: String },
    /// Check the sign-off of every outstanding review on the forge, as the home opens, so
    /// an approval given while breakglass was closed is recorded (answer: `SignOffChecked`
    /// for each review signed off or not checkable).
    CheckOutstandingSignOffs,
    /// Leave the program (the event loop handles this one itself).
    Quit,
}
