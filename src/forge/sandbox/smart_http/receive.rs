//! The receive-pack side of smart HTTP: parse the push request, store the pack, classify
//! each ref update, ask the policy, apply what it allows with compare-and-swap, and write
//! the report-status response. Knows nothing about protection rules or HTTP.

use std::path::Path;

use git2::{Oid, Repository};

use super::pktline::{self, Band, Pkt, PktReader};
use super::{RefUpdate, SmartHttpError, UpdateKind, Verdict, open_repository};

/// One `old new refname` command from the request.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Command {
    old: Oid,
    new: Oid,
    refname: String,
}

/// The parsed request: commands, the capabilities the client chose, and the packfile.
struct PushRequest<'a> {
    commands: Vec<Command>,
    sideband: bool,
    report_status: bool,
    pack: &'a [u8],
}

/// What happened to one command.
enum Outcome {
    Ok,
    Ng(String),
}

/// POST git-receive-pack: stores the pack, asks `policy` about each ref update (objects are
/// already in the odb, so the policy may inspect commits), applies the allowed ones with
/// compare-and-swap, and returns the report-status response (side-band wrapped when asked),
/// `remote_lines` sent on the progress band.
pub fn receive_pack(
    repo: &Path,
    request: &[u8],
    policy: &mut dyn FnMut(&RefUpdate) -> Verdict,
) -> Result<Vec<u8>, SmartHttpError> {
    receive_pack_reporting(repo, request, policy, &mut |_| {})
}

/// [`receive_pack`], telling `applied` about each ref update once it is applied (after
/// the compare-and-swap succeeded), so that the forge can record what it accepted.
pub fn receive_pack_reporting(
    repo: &Path,
    request: &[u8],
    policy: &mut dyn FnMut(&RefUpdate) -> Verdict,
    applied: &mut dyn FnMut(&RefUpdate),
) -> Result<Vec<u8>, SmartHttpError> {
    let request = parse_request(request)?;
    if request.commands.is_empty() {
        return Ok(Vec::new());
    }
    let repository = open_repository(repo)?;
    let mut remote_lines = Vec::new();
    let (unpack_status, outcomes): (String, Vec<Outcome>) = match store_pack(&repository, &request)
    {
        Err(reason) => {
            let outcomes = request
                .commands
                .iter()
                .map(|_| Outcome::Ng("unpacker error".to_owned()))
                .collect();
            (format!("unpack {reason}"), outcomes)
        }
        Ok(()) => {
            let outcomes = request
                .commands
                .iter()
                .map(|command| {
                    decide_and_apply(&repository, command, policy, applied, &mut remote_lines)
                })
                .collect();
            ("unpack ok".to_owned(), outcomes)
        }
    };
    Ok(render_response(
        &request,
        &unpack_status,
        &outcomes,
        &remote_lines,
    ))
}

fn parse_request(body: &[u8]) -> Result<PushRequest<'_>, SmartHttpError> {
    let malformed = |what: String| SmartHttpError::MalformedRequest(what);
    let mut reader = PktReader::new(body);
    let mut commands = Vec::new();
    let mut capabilities: Vec<String> = Vec::new();
    loop {
        match reader.next_pkt().map_err(|e| malformed(e.to_string()))? {
            None if commands.is_empty() => break,
            None => return Err(malformed("command list is not ended by a flush".to_owned())),
            Some(Pkt::Flush) => break,
            Some(Pkt::Data(line)) => {
                let line = line.strip_suffix(b"\n").unwrap_or(line);
                let (command_part, caps) = match line.iter().position(|&b| b == 0) {
                    Some(nul) => (&line[..nul], Some(&line[nul + 1..])),
                    None => (line, None),
                };
                if let (Some(caps), true) = (caps, commands.is_empty()) {
                    capabilities = String::from_utf8_lossy(caps)
                        .split(' ')
                        .map(str::to_owned)
                        .collect();
                }
                commands.push(parse_command(command_part).map_err(malformed)?);
            }
        }
    }
    let has = |name: &str| capabilities.iter().any(|c| c == name);
    Ok(PushRequest {
        sideband: has("side-band-64k") || has("side-band"),
        report_status: has("report-status"),
        commands,
        pack: reader.rest(),
    })
}

fn parse_command(line: &[u8]) -> Result<Command, String> {
    let text = std::str::from_utf8(line).map_err(|_| "command is not UTF-8".to_owned())?;
    let shown = || crate::text::sanitize_line(text);
    let mut parts = text.splitn(3, ' ');
    let (Some(old), Some(new), Some(refname)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("expected `old new ref`, got {:?}", shown()));
    };
    let oid = |hex: &str| {
        if hex.len() == 40 {
            Oid::from_str(hex).map_err(|_| format!("bad object id in {:?}", shown()))
        } else {
            Err(format!("bad object id in {:?}", shown()))
        }
    };
    Ok(Command {
        old: oid(old)?,
        new: oid(new)?,
        refname: refname.to_owned(),
    })
}

/// Writes the packfile into the object database. libgit2's indexer completes thin packs
/// from the objects already there, which is what every client sends.
fn store_pack(repository: &Repository, request: &PushRequest<'_>) -> Result<(), String> {
    let needs_pack = request.commands.iter().any(|c| !c.new.is_zero());
    if request.pack.is_empty() {
        return if needs_pack {
            Err("missing packfile".to_owned())
        } else {
            Ok(())
        };
    }
    let odb = repository.odb().map_err(|e| e.message().to_owned())?;
    let mut writer = odb.packwriter().map_err(|e| e.message().to_owned())?;
    std::io::Write::write_all(&mut writer, request.pack).map_err(|e| e.to_string())?;
    writer.commit().map_err(|e| e.message().to_owned())?;
    Ok(())
}

fn decide_and_apply(
    repository: &Repository,
    command: &Command,
    policy: &mut dyn FnMut(&RefUpdate) -> Verdict,
    applied: &mut dyn FnMut(&RefUpdate),
    remote_lines: &mut Vec<String>,
) -> Outcome {
    let update = match classify(repository, command) {
        Ok(update) => update,
        Err(reason) => return Outcome::Ng(reason),
    };
    match policy(&update) {
        Verdict::Reject {
            status,
            remote_lines: lines,
        } => {
            remote_lines.extend(lines);
            Outcome::Ng(crate::text::sanitize_line(&status))
        }
        Verdict::Allow {
            remote_lines: lines,
        } => {
            remote_lines.extend(lines);
            match compare_and_swap(repository, &update) {
                Ok(()) => {
                    applied(&update);
                    Outcome::Ok
                }
                Err(error) => {
                    remote_lines.push(format!("error: {error}"));
                    Outcome::Ng("failed to update ref".to_owned())
                }
            }
        }
    }
}

fn classify(repository: &Repository, command: &Command) -> Result<RefUpdate, String> {
    let Command { old, new, refname } = command;
    if !refname.starts_with("refs/") || !git2::Reference::is_valid_name(refname) {
        return Err("funny refname".to_owned());
    }
    let kind = if new.is_zero() {
        UpdateKind::Delete
    } else if repository.find_object(*new, None).is_err() || !history_present(repository, *new) {
        return Err("missing necessary objects".to_owned());
    } else if old.is_zero() {
        UpdateKind::Create
    } else if *old == *new || repository.graph_descendant_of(*new, *old).unwrap_or(false) {
        UpdateKind::FastForward
    } else {
        UpdateKind::Force
    };
    Ok(RefUpdate {
        refname: refname.clone(),
        old: *old,
        new: *new,
        kind,
    })
}

/// Whether every commit the update would newly make reachable is here with its parents
/// and root tree, so that a client cannot point a branch at a history the server lacks.
/// (Deeper trees and blobs are not walked: the sandbox trusts a pack's contents that far.)
fn history_present(repository: &Repository, new: Oid) -> bool {
    if repository.find_commit(new).is_err() {
        return true; // a tag or another object: nothing to walk
    }
    let walked = || -> Result<(), git2::Error> {
        let mut walk = repository.revwalk()?;
        walk.push(new)?;
        for reference in repository.references()?.flatten() {
            if let Some(target) = reference.target() {
                // A ref at a non-commit cannot be hidden; it hides nothing either.
                let _ = walk.hide(target);
            }
        }
        for oid in walk {
            repository.find_commit(oid?)?.tree()?;
        }
        Ok(())
    };
    walked().is_ok()
}

/// Moves the ref only if it still holds `update.old` (absent for a create), under the
/// ref's lock, so two pushes racing for one branch cannot both win.
fn compare_and_swap(repository: &Repository, update: &RefUpdate) -> Result<(), String> {
    let name = &update.refname;
    let mut transaction = repository
        .transaction()
        .map_err(|e| e.message().to_owned())?;
    transaction
        .lock_ref(name)
        .map_err(|e| format!("cannot lock ref '{name}': {}", e.message()))?;
    let current = repository.refname_to_id(name).unwrap_or(Oid::ZERO_SHA1);
    if current != update.old {
        return Err(format!(
            "cannot lock ref '{name}': is at {current} but expected {}",
            update.old
        ));
    }
    let result = if update.kind == UpdateKind::Delete {
        transaction.remove(name)
    } else {
        transaction.set_target(name, update.new, None, "push")
    };
    result
        .and_then(|()| transaction.commit())
        .map_err(|e| format!("cannot update ref '{name}': {}", e.message()))
}

fn render_response(
    request: &PushRequest<'_>,
    unpack_status: &str,
    outcomes: &[Outcome],
    remote_lines: &[String],
) -> Vec<u8> {
    let mut report = Vec::new();
    if request.report_status {
        pktline::write_pkt(&mut report, format!("{unpack_status}\n").as_bytes());
        for (command, outcome) in request.commands.iter().zip(outcomes) {
            let line = match outcome {
                Outcome::Ok => format!("ok {}\n", command.refname),
                Outcome::Ng(reason) => format!("ng {} {reason}\n", command.refname),
            };
            pktline::write_pkt(&mut report, line.as_bytes());
        }
        report.extend_from_slice(pktline::FLUSH);
    }
    if !request.sideband {
        return report;
    }
    let mut out = Vec::new();
    for line in remote_lines {
        let line = format!("{}\n", crate::text::sanitize_line(line));
        pktline::sideband(&mut out, Band::Progress, line.as_bytes());
    }
    if !report.is_empty() {
        pktline::sideband(&mut out, Band::Data, &report);
    }
    out.extend_from_slice(pktline::FLUSH);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(lines: &[&str], pack: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for line in lines {
            pktline::write_pkt(&mut out, line.as_bytes());
        }
        out.extend_from_slice(pktline::FLUSH);
        out.extend_from_slice(pack);
        out
    }

    #[test]
    fn parses_commands_capabilities_and_pack() {
        let zero = "0".repeat(40);
        let one = "1".repeat(40);
        let body = request(
            &[
                &format!("{zero} {one} refs/heads/main\0report-status side-band-64k agent=git/2"),
                &format!("{one} {zero} refs/heads/old\n"),
            ],
            b"PACKDATA",
        );
        let parsed = parse_request(&body).unwrap();
        assert_eq!(parsed.commands.len(), 2);
        assert_eq!(parsed.commands[0].refname, "refs/heads/main");
        assert_eq!(parsed.commands[1].refname, "refs/heads/old");
        assert!(parsed.commands[1].new.is_zero());
        assert!(parsed.sideband && parsed.report_status);
        assert_eq!(parsed.pack, b"PACKDATA");
    }

    #[test]
    fn malformed_commands_are_errors_not_panics() {
        for body in [
            request(&["not a command"], b""),
            request(&["abc def refs/heads/main"], b""),
            b"00zz".to_vec(),
            b"0032".to_vec(),
        ] {
            assert!(matches!(
                parse_request(&body),
                Err(SmartHttpError::MalformedRequest(_))
            ));
        }
    }
}
