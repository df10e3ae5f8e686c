//! An incident is bound to the forge it was declared on: which forge a command acts
//! through (decided from the ledger before any request), the flow's own check before it
//! acts on an incident, and opening the forge of an incident bound elsewhere with the
//! token found for that forge's host.

use super::context::{Flow, FlowSetup, github_forge};
use super::error::FlowError;
use super::ledger::{ChainState, LedgerView};
use super::recorder::Recorder;
use crate::audit::AuditLog;
use crate::clock::Clock;
use crate::config::{Config, Origin};
use crate::forge::port::Forge;
use crate::forge::token::{HostToken, TokenHost, discover_token};
use crate::incident::Incident;
use crate::paths::Paths;
use std::fmt;
use std::sync::Arc;

/// An API URL as compared and recorded: normalised (no trailing slash), else as given.
pub fn normalised(api_url: &str) -> String {
    crate::forge::github::normalise_api_url(api_url)
        .unwrap_or_else(|_| api_url.trim().trim_end_matches('/').to_owned())
}

/// Whether two API URLs name the same forge.
pub fn same_forge(a: &str, b: &str) -> bool {
    normalised(a) == normalised(b)
}

/// The forge a command must use: `incident`'s when it has one (refusing a different one
/// named on the command line or in the config), else the configured one. `incident` is
/// `None` when the command acts on no incident in particular.
pub fn forge_for(incident: Option<&Incident>, config: &Config) -> Result<String, FlowError> {
    let configured = normalised(config.api_url.as_str());
    let Some(incident) = incident else {
        return Ok(configured);
    };
    match (&incident.api_url, &config.api_url_origin) {
        (Some(bound), Some(origin)) if !same_forge(bound, &configured) => {
            Err(FlowError::OtherForge {
                id: incident.id.clone(),
                bound: normalised(bound),
                requested: configured,
                named_by: named_by(origin),
            })
        }
        (Some(bound), _) => Ok(normalised(bound)),
        (None, Some(_)) => Ok(configured),
        (None, None) => Err(FlowError::ForgeUnknown {
            id: incident.id.clone(),
        }),
    }
}

/// Who named a forge, in the words of the refusal.
fn named_by(origin: &Origin) -> String {
    match origin {
        Origin::CommandLine => "--api-url".to_owned(),
        file => format!("`api_url` in {file}"),
    }
}

/// The ledger under `paths`, read without a forge (so that a command can learn an
/// incident's forge before it sends anything). Opening it recovers a torn last line.
pub fn read_ledger(paths: &Paths, clock: Arc<dyn Clock>) -> Result<LedgerView, FlowError> {
    paths.ensure()?;
    let log = AuditLog::open(paths.audit_log(), clock).map_err(FlowError::AuditRead)?;
    Ok(Recorder::new(log, String::new()).ledger())
}

/// The incident a command names or means, as far as `ledger` tells before connecting:
/// `id` when given, else the only incident `candidate` accepts; `None` when there is no
/// such incident or several (the flow says which once connected). An unreadable log or
/// named incident is refused: its forge cannot be told.
pub fn incident_named(
    ledger: &LedgerView,
    id: Option<&str>,
    candidate: fn(&Incident) -> bool,
) -> Result<Option<Incident>, FlowError> {
    if let ChainState::Unreadable { why } = &ledger.chain {
        return Err(FlowError::LedgerUnreadable { why: why.clone() });
    }
    if let Some(id) = id {
        if let Some(unreadable) = ledger.unreadable.iter().find(|u| u.id == id) {
            return Err(FlowError::IncidentUnreadable {
                id: crate::text::sanitize_line(id),
                why: unreadable.why.clone(),
            });
        }
        return Ok(ledger.incident(id).cloned());
    }
    // Unreadable incidents are not candidates; recovery names them on every command.
    let mut candidates = ledger.incidents.iter().filter(|i| candidate(i));
    match (candidates.next(), candidates.next()) {
        (Some(only), None) => Ok(Some(only.clone())),
        _ => Ok(None),
    }
}

/// The token for the forge at `api_url`, found by the rules for its host, and that forge.
pub fn connect_forge(
    api_url: &str,
    clock: Arc<dyn Clock>,
) -> Result<(Arc<dyn Forge>, HostToken), FlowError> {
    let host = TokenHost::of_api_url(api_url).ok_or_else(|| {
        FlowError::forge("reading the forge's address")(
            crate::forge::github::ForgeError::InvalidApiUrl {
                url: crate::text::sanitize_line(api_url),
                reason: "the URL names no host".into(),
            },
        )
    })?;
    let token = discover_token(&host)?;
    let secret = token.for_forge(api_url)?.clone();
    let forge = github_forge(api_url, secret, clock)
        .map_err(FlowError::forge("connecting to the forge"))?;
    Ok((forge, token))
}

/// Opens the forge of an incident bound elsewhere (for recovery): the forge and the token
/// for its API URL.
type OpenForge = dyn Fn(&str) -> Result<(Arc<dyn Forge>, HostToken), FlowError> + Send + Sync;

/// How a flow reaches the forges of incidents bound to another forge than its own.
#[derive(Clone)]
pub struct ForgeConnector(Arc<OpenForge>);

impl ForgeConnector {
    /// Each forge with the token its host's rules find ([`connect_forge`]).
    pub fn discovering(clock: Arc<dyn Clock>) -> ForgeConnector {
        ForgeConnector::new(move |api_url| connect_forge(api_url, clock.clone()))
    }

    /// Forges opened by `open` (given an API URL, its forge and the token for its host).
    pub fn new(
        open: impl Fn(&str) -> Result<(Arc<dyn Forge>, HostToken), FlowError> + Send + Sync + 'static,
    ) -> ForgeConnector {
        ForgeConnector(Arc::new(open))
    }
}

impl fmt::Debug for ForgeConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ForgeConnector")
    }
}

impl Flow {
    /// The forge API URL this flow talks to (normalised).
    pub fn api_url(&self) -> String {
        normalised(&self.options.api_url)
    }

    /// Refuses to act on `incident` through this flow when it is bound to another forge.
    pub(super) fn check_bound(&self, incident: &Incident) -> Result<(), FlowError> {
        match &incident.api_url {
            Some(bound) if !same_forge(bound, &self.options.api_url) => {
                Err(FlowError::OtherForge {
                    id: incident.id.clone(),
                    bound: normalised(bound),
                    requested: self.api_url(),
                    named_by: "the forge this session is connected to".into(),
                })
            }
            _ => Ok(()),
        }
    }

    /// A flow on `incident`'s forge when it is bound to another one than this flow's
    /// (`None`: this flow serves it), through the configured connector.
    pub(super) async fn flow_for(&self, incident: &Incident) -> Result<Option<Flow>, FlowError> {
        let Some(bound) = incident
            .api_url
            .as_deref()
            .filter(|bound| !same_forge(bound, &self.options.api_url))
        else {
            return Ok(None);
        };
        let Some(connector) = &self.options.other_forges else {
            return Err(self.check_bound(incident).unwrap_err());
        };
        let bound = normalised(bound);
        let (forge, token) = (connector.0)(&bound)?;
        let secret = token.for_forge(&bound)?.clone();
        let mut options = self.options.clone();
        options.api_url = bound;
        let flow = Flow::open(FlowSetup {
            paths: self.paths.clone(),
            config: self.config.clone(),
            clock: self.clock.clone(),
            forge,
            token: Some(secret),
            options,
        })
        .await?;
        Ok(Some(flow))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::fixtures::sample;
    use crate::incident::{Recorded, fold};

    const SANDBOX: &str = "http://127.0.0.1:8080";
    const OTHER: &str = "http://127.0.0.1:9090";

    fn incident(api_url: Option<&str>) -> Incident {
        let mut event = sample("declared");
        let crate::incident::IncidentEvent::Declared { api_url: forge, .. } = &mut event else {
            unreachable!("the sample is a declaration")
        };
        *forge = api_url.map(str::to_owned);
        fold(&[Recorded {
            ts: crate::incident::fixtures::t(0),
            actor: "commander".into(),
            event,
        }])
        .unwrap()
    }

    fn config(api_url: Option<&str>, origin: Option<Origin>) -> Config {
        let mut config = Config::default();
        if let Some(url) = api_url {
            config.api_url = url::Url::parse(url).unwrap();
            config.api_url_origin = origin;
        }
        config
    }

    #[test]
    fn an_incident_keeps_its_forge_when_nothing_else_is_named() {
        assert_eq!(
            forge_for(Some(&incident(Some(SANDBOX))), &config(None, None)).unwrap(),
            SANDBOX
        );
        assert_eq!(
            forge_for(
                Some(&incident(Some("http://127.0.0.1:8080/"))),
                &config(Some(SANDBOX), Some(Origin::CommandLine))
            )
            .unwrap(),
            SANDBOX,
            "the same forge written with a slash is the same forge"
        );
    }

    #[test]
    fn another_forge_named_anywhere_is_refused_naming_both() {
        let on_command_line = forge_for(
            Some(&incident(Some(SANDBOX))),
            &config(Some(OTHER), Some(Origin::CommandLine)),
        )
        .unwrap_err();
        assert_eq!(
            on_command_line.to_string(),
            "incident INC-42 belongs to the forge http://127.0.0.1:8080 where it was declared, \
             not http://127.0.0.1:9090 (named by --api-url); nothing was sent — name \
             http://127.0.0.1:8080 instead, with --api-url or `api_url` in the config"
        );
        let file = Origin::File {
            path: "/home/me/.config/breakglass/config.toml".into(),
            line: Some(1),
        };
        let in_config = forge_for(
            Some(&incident(Some(SANDBOX))),
            &config(Some(OTHER), Some(file)),
        )
        .unwrap_err();
        assert!(
            in_config
                .to_string()
                .contains("(named by `api_url` in /home/me/.config/breakglass/config.toml line 1)"),
            "{in_config}"
        );
    }

    #[test]
    fn an_incident_from_an_older_log_needs_its_forge_named() {
        let refused = forge_for(Some(&incident(None)), &config(None, None)).unwrap_err();
        assert!(
            matches!(refused, FlowError::ForgeUnknown { .. }),
            "{refused}"
        );
        assert!(refused.to_string().contains("pass --api-url"), "{refused}");
        assert_eq!(
            forge_for(
                Some(&incident(None)),
                &config(Some(OTHER), Some(Origin::CommandLine))
            )
            .unwrap(),
            OTHER
        );
    }

    fn ledger(incidents: Vec<Incident>, unreadable: &[&str], chain: ChainState) -> LedgerView {
        LedgerView {
            incidents,
            unreadable: unreadable
                .iter()
                .map(|id| crate::flow::UnreadableIncident {
                    id: (*id).to_owned(),
                    why: "line 7: unknown event `exploded`".into(),
                })
                .collect(),
            chain,
        }
    }

    fn verified() -> ChainState {
        ChainState::Verified {
            head_seq: 3,
            head_hash: "ab".into(),
        }
    }

    #[test]
    fn an_unreadable_incident_or_log_binds_no_forge_and_is_said() {
        let any = |_: &Incident| true;
        let view = ledger(vec![incident(Some(SANDBOX))], &["INC-7"], verified());
        let named = incident_named(&view, Some("INC-7"), any).unwrap_err();
        assert_eq!(
            named.to_string(),
            "incident INC-7 cannot be read from the audit log: line 7: unknown event \
             `exploded`; nothing was sent — its glass may be open: run `breakglass audit verify`"
        );
        let found = incident_named(&view, Some("INC-42"), any).unwrap();
        assert_eq!(found.unwrap().api_url.as_deref(), Some(SANDBOX));
        let only = incident_named(&view, None, any).unwrap();
        assert_eq!(only.map(|i| i.id).as_deref(), Some("INC-42"));

        let unreadable = ledger(
            Vec::new(),
            &[],
            ChainState::Unreadable {
                why: "the lock was held for 10 s".into(),
            },
        );
        let refused = incident_named(&unreadable, None, any).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "the audit log cannot be read: the lock was held for 10 s; nothing was sent — run \
             `breakglass audit verify`"
        );
    }

    #[test]
    fn without_an_incident_the_configured_forge_is_used() {
        assert_eq!(
            forge_for(None, &config(None, None)).unwrap(),
            "https://api.github.com"
        );
        assert_eq!(
            forge_for(None, &config(Some(OTHER), Some(Origin::CommandLine))).unwrap(),
            OTHER
        );
    }
}
