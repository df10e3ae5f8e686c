//! Which flow performs a command: the operator's real forge, connected on first use (so
//! the home screen opens without a token), or the drill's in-process sandbox forge.

use super::failure::Failure;
use crate::clock::Clock;
use crate::config::Config;
use crate::flow::{Flow, FlowOptions, FlowSetup, github_forge};
use crate::forge::token::discover_token;
use crate::paths::Paths;
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
    cell: OnceCell<Connection>,
}

impl RealForge {
    pub fn lazy(config: Config, repo_dir: PathBuf) -> RealForge {
        RealForge::Lazy(Box::new(LazyForge {
            config,
            repo_dir,
            cell: OnceCell::new(),
        }))
    }

    /// The connection if it is already made (never connects).
    pub fn connected(&self) -> Option<&Connection> {
        match self {
            RealForge::Lazy(lazy) => lazy.cell.get(),
            RealForge::Disabled => None,
        }
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
        } = lazy.as_ref();
        cell.get_or_try_init(|| connect(paths.clone(), config.clone(), clock.clone(), repo_dir))
            .await
            .cloned()
    }
}

async fn connect(
    paths: Paths,
    config: Config,
    clock: Arc<dyn Clock>,
    repo_dir: &std::path::Path,
) -> Result<Connection, Failure> {
    let (token, _source) = discover_token().map_err(|e| {
        Failure::new(
            e.to_string(),
            "the home screen and the timeline work without a token; actions on the forge need one",
        )
    })?;
    let api_url = config.api_url.as_str().trim_end_matches('/').to_owned();
    let forge = github_forge(&api_url, token.clone(), clock.clone())
        .map_err(|e| Failure::from_message(&e.to_string(), "check `api_url` in the config"))?;
    let flow = Flow::open(FlowSetup {
        paths,
        config,
        clock,
        forge,
        token: Some(token),
        options: FlowOptions {
            command: "breakglass (TUI)".into(),
            api_url,
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
