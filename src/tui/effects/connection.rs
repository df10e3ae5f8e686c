//! Which flow performs a command: the operator's real forge, connected on first use (so
//! the home screen opens without a token), or the drill's in-process sandbox forge. An
//! incident is acted on through the forge it was declared on, with that host's token.

use super::failure::Failure;
use crate::clock::Clock;
use crate::config::Config;
use crate::flow::{
    Flow, FlowOptions, FlowSetup, ForgeConnector, connect_forge, forge_for, same_forge,
};
use crate::incident::Incident;
use crate::paths::Paths;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// A flow and the clone it pushes from.
#[derive(Debug, Clone)]
pub struct Connection {
    pub flow: Arc<Flow>,
    /// The clone holding the fix: the drill's, or the working directory.
    pub repo_dir: PathBuf,
}

/// The operator's forge.
#[derive(Debug)]
pub enum RealForge {
    /// This session only rehearses (`breakglass drill`): no real forge is reachable.
    Disabled,
    /// Connected on first use with the discovered token.
    Lazy(Box<LazyForge>),
}

/// What connecting needs, and the connection once made.
#[derive(Debug)]
pub struct LazyForge {
    config: Config,
    repo_dir: PathBuf,
    /// The configured forge's connection.
    cell: OnceCell<Connection>,
    /// Connections to the forges of incidents declared elsewhere, by API URL.
    others: tokio::sync::Mutex<HashMap<String, Connection>>,
}

impl RealForge {
    pub fn lazy(config: Config, repo_dir: PathBuf) -> RealForge {
        RealForge::Lazy(Box::new(LazyForge {
            config,
            repo_dir,
            cell: OnceCell::new(),
            others: tokio::sync::Mutex::new(HashMap::new()),
        }))
    }

    /// The operator's forge with `connection` already made: a caller that opened its own
    /// flow on the configured forge (an embedding, a test against a sandbox forge).
    pub fn ready(config: Config, connection: Connection) -> RealForge {
        let real = RealForge::lazy(config, connection.repo_dir.clone());
        if let RealForge::Lazy(lazy) = &real {
            let _ = lazy.cell.set(connection);
        }
        real
    }

    /// The configured webhooks, for what this session records without a flow; `None`
    /// when none are configured, or when the session only rehearses.
    pub fn notifier(
        &self,
        paths: &Paths,
        clock: &Arc<dyn Clock>,
    ) -> Option<Arc<crate::notify::Notifier>> {
        let RealForge::Lazy(lazy) = self else {
            return None;
        };
        crate::notify::Notifier::new(
            lazy.config.notify_webhooks.clone(),
            paths.audit_log(),
            paths.state_dir.clone(),
            clock.clone(),
            Arc::new(crate::forge::github::TokioSleeper),
        )
    }

    /// The connection if it is already made (never connects).
    pub fn connected(&self) -> Option<&Connection> {
        match self {
            RealForge::Lazy(lazy) => lazy.cell.get(),
            RealForge::Disabled => None,
        }
    }

    /// The connection to `incident`'s forge if it is already made (never connects): the
    /// configured one only when the incident was declared there. `None` for an incident
    /// whose forge cannot be told (the flow refuses to guess when asked to act).
    pub fn connected_for(&self, incident: &Incident) -> Option<Connection> {
        let RealForge::Lazy(lazy) = self else {
            return None;
        };
        let api_url = forge_for(Some(incident), &lazy.config).ok()?;
        if same_forge(&api_url, lazy.config.api_url.as_str()) {
            return lazy.cell.get().cloned();
        }
        lazy.others.try_lock().ok()?.get(&api_url).cloned()
    }

    /// The connection, made now if needed: token discovery, the forge's identity, and
    /// recovery of any expired lease the log holds (the lease's third layer).
    pub async fn connect(
        &self,
        paths: &Paths,
        clock: &Arc<dyn Clock>,
    ) -> Result<Connection, Failure> {
        let RealForge::Lazy(lazy) = self else {
            return Err(Failure::new(
                "this session rehearses against the sandbox forge only",
                "run `breakglass` (no arguments) to act on a real incident",
            ));
        };
        let LazyForge {
            config,
            repo_dir,
            cell,
            ..
        } = lazy.as_ref();
        let api_url = crate::flow::normalised(config.api_url.as_str());
        cell.get_or_try_init(|| {
            connect(
                paths.clone(),
                config.clone(),
                clock.clone(),
                repo_dir,
                api_url,
            )
        })
        .await
        .cloned()
    }

    /// The connection to the forge `incident` was declared on (made now if needed); a
    /// different forge in the config is refused before any request.
    pub async fn connect_for(
        &self,
        incident: &Incident,
        paths: &Paths,
        clock: &Arc<dyn Clock>,
    ) -> Result<Connection, Failure> {
        let RealForge::Lazy(lazy) = self else {
            return self.connect(paths, clock).await;
        };
        let api_url = forge_for(Some(incident), &lazy.config)?;
        if same_forge(&api_url, lazy.config.api_url.as_str()) {
            return self.connect(paths, clock).await;
        }
        let mut others = lazy.others.lock().await;
        if let Some(connection) = others.get(&api_url) {
            return Ok(connection.clone());
        }
        let connection = connect(
            paths.clone(),
            lazy.config.clone(),
            clock.clone(),
            &lazy.repo_dir,
            api_url.clone(),
        )
        .await?;
        others.insert(api_url, connection.clone());
        Ok(connection)
    }
}

async fn connect(
    paths: Paths,
    config: Config,
    clock: Arc<dyn Clock>,
    repo_dir: &std::path::Path,
    api_url: String,
) -> Result<Connection, Failure> {
    let (forge, token) = connect_forge(&api_url, clock.clone()).map_err(|e| match e {
        crate::flow::FlowError::NoToken(missing) => Failure::new(
            missing.to_string(),
            "the home screen and the timeline work without a token; actions on the forge need one",
        ),
        other => Failure::from(other),
    })?;
    let flow = Flow::open(FlowSetup {
        paths,
        config,
        clock: clock.clone(),
        forge,
        token: Some(token.secret().clone()),
        options: FlowOptions {
            command: "breakglass (TUI)".into(),
            api_url,
            other_forges: Some(ForgeConnector::discovering(clock)),
            mirror: true,
            notify: true,
            ..FlowOptions::default()
        },
    })
    .await?;
    if let Err(error) = flow.recover().await {
        tracing::warn!(%error, "recovery before the first action failed");
    }
    Ok(Connection {
        flow: Arc::new(flow),
        repo_dir: repo_dir.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;
    use crate::config::Origin;
    use crate::drill::{Rehearsal, RehearsalSetup};
    use crate::incident::fixtures::{at, sample};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_made_connection_serves_only_the_incidents_of_its_own_forge() {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let rehearsal = Rehearsal::start(&RehearsalSetup::default(), clock.clone())
            .await
            .unwrap();
        let config = Config {
            api_url: url::Url::parse(rehearsal.api_url()).unwrap(),
            api_url_origin: Some(Origin::CommandLine),
            ..Config::default()
        };
        let real = RealForge::lazy(config, rehearsal.clone_dir().to_owned());
        let RealForge::Lazy(lazy) = &real else {
            unreachable!("a lazy forge")
        };
        lazy.cell
            .set(Connection {
                flow: rehearsal.flow().clone(),
                repo_dir: rehearsal.clone_dir().to_owned(),
            })
            .unwrap();
        let on_the_sandbox = rehearsal
            .declare(rehearsal.scenario().clone())
            .await
            .unwrap();
        assert!(real.connected_for(&on_the_sandbox).is_some());
        // The sample incident was declared on https://api.github.com: the deadline guard
        // must not restore it through the sandbox's connection.
        let on_github = crate::incident::fold(&[at(0, sample("declared"))]).unwrap();
        assert!(real.connected().is_some());
        assert!(real.connected_for(&on_github).is_none());
        rehearsal.finish().await;
    }

    #[tokio::test]
    async fn an_incident_of_another_forge_than_the_configs_is_refused_before_connecting() {
        let home = tempfile::tempdir().unwrap();
        let config = Config {
            api_url: url::Url::parse("http://127.0.0.1:9").unwrap(),
            api_url_origin: Some(Origin::File {
                path: "config.toml".into(),
                line: Some(1),
            }),
            ..Config::default()
        };
        let real = RealForge::lazy(config, home.path().to_path_buf());
        // The sample incident was declared on https://api.github.com.
        let incident = crate::incident::fold(&[at(0, sample("declared"))]).unwrap();
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let failure = real
            .connect_for(&incident, &Paths::under(home.path()), &clock)
            .await
            .unwrap_err();
        assert_eq!(
            failure.error,
            "incident INC-42 belongs to the forge https://api.github.com where it was declared, \
             not http://127.0.0.1:9 (named by `api_url` in config.toml line 1); nothing was sent"
        );
        assert_eq!(
            failure.advice,
            "name https://api.github.com instead, with --api-url or `api_url` in the config"
        );
        assert!(real.connected().is_none(), "nothing was connected");
    }
}
