//! The team's callback token: one for the whole account, kept in the team's Redis, so that
//! every console's transfers carry a token the relay accepts. Each console keeps a copy in its
//! data folder, so one that starts while Redis is away still sends transfers the relay will
//! take. `handoff relay rotate-token` makes a new one; the old one stays accepted for a day, as
//! long as a callback may still come for a transfer sent with it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::secret::Secret;
use crate::team::Link;

/// How long a replaced token is still accepted.
pub const OLD_TOKEN_KEPT: Duration = Duration::from_secs(24 * 60 * 60);
/// The team's token copied into the data folder, for while Redis is away.
pub const COPY_FILE: &str = "team-callback-token";

fn current_key(account: &str) -> String {
    format!("handoff:{{{account}}}:callback-token")
}

fn previous_key(account: &str) -> String {
    format!("handoff:{{{account}}}:callback-token:previous")
}

/// 244 random bits, from two random UUIDs' 122 each.
fn new_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

fn is_token(text: &str) -> bool {
    text.len() >= 32 && text.len() <= 256 && text.chars().all(|c| c.is_ascii_alphanumeric())
}

#[derive(Debug, thiserror::Error)]
pub enum TeamTokenError {
    #[error(
        "cannot learn the team's callback token: {reason}, and the data folder {folder} holds no copy yet; start once while Redis answers"
    )]
    Unknown { reason: String, folder: PathBuf },
    #[error("cannot keep the team's callback token in {path}: {source}")]
    Copy {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the team's Redis holds something other than a token under {key}; remove it or run `handoff relay rotate-token`"
    )]
    Damaged { key: String },
    #[error("cannot reach the team's Redis: {0}")]
    Away(String),
}

/// The tokens the relay accepts: the current one, and the one it replaced for a day.
#[derive(Debug, Clone)]
pub struct TeamTokens {
    pub current: Secret,
    pub previous: Option<Secret>,
}

/// The team's tokens from Redis; `None` when Redis cannot answer now. A Redis that holds none
/// (new, or restarted without saving) is given `known`, the copy the caller holds, so that a
/// restart never turns away the transfers already sent; or a new token if there is no copy.
pub async fn fetch(
    link: &Link,
    account: &str,
    known: Option<&Secret>,
) -> Option<Result<TeamTokens, TeamTokenError>> {
    let (current_key, previous_key) = (current_key(account), previous_key(account));
    let made = known.map_or_else(new_token, |copy| copy.expose().to_owned());
    let (current, previous): (Option<String>, Option<String>) = link
        .call(|mut connection| {
            let mut pipe = redis::pipe();
            pipe.cmd("SET")
                .arg(&current_key)
                .arg(&made)
                .arg("NX")
                .ignore()
                .cmd("GET")
                .arg(&current_key)
                .cmd("GET")
                .arg(&previous_key);
            async move { pipe.query_async(&mut connection).await }
        })
        .await?;
    let current = match current {
        Some(token) if is_token(&token) => Secret::new(token),
        _ => return Some(Err(TeamTokenError::Damaged { key: current_key })),
    };
    let previous = previous.filter(|token| is_token(token)).map(Secret::new);
    Some(Ok(TeamTokens { current, previous }))
}

/// The token this console's transfers carry: the team's, from Redis, kept in `data_dir` as a
/// copy; or the copy, while Redis is away.
pub async fn for_console(
    link: &Link,
    account: &str,
    data_dir: &Path,
) -> Result<Secret, TeamTokenError> {
    let path = data_dir.join(COPY_FILE);
    match fetch(link, account, read_copy(&path).as_ref()).await {
        Some(Ok(tokens)) => {
            keep_copy(&path, &tokens.current)?;
            Ok(tokens.current)
        }
        Some(Err(error)) => Err(error),
        None => read_copy(&path).ok_or_else(|| TeamTokenError::Unknown {
            reason: match link.health() {
                crate::team::Health::Away(why) => why,
                _ => "the team's Redis did not answer".into(),
            },
            folder: data_dir.to_owned(),
        }),
    }
}

/// The copy in `data_dir`, for a relay that starts while Redis is away.
pub fn copy_in(data_dir: &Path) -> Option<Secret> {
    read_copy(&data_dir.join(COPY_FILE))
}

/// Keeps `token` as the copy in `data_dir`.
pub fn keep_copy_in(data_dir: &Path, token: &Secret) -> Result<(), TeamTokenError> {
    keep_copy(&data_dir.join(COPY_FILE), token)
}

/// Replaces the team's token; the old one is accepted for [`OLD_TOKEN_KEPT`] more.
pub async fn rotate(link: &Link, account: &str) -> Result<(), TeamTokenError> {
    let (current_key, previous_key) = (current_key(account), previous_key(account));
    let made = new_token();
    let script = redis::Script::new(
        r"
local old = redis.call('GET', KEYS[1])
if old then redis.call('SET', KEYS[2], old, 'PX', ARGV[2]) end
redis.call('SET', KEYS[1], ARGV[1])
return 1
",
    );
    link.call(|mut connection| {
        let mut invocation = script.prepare_invoke();
        invocation
            .key(&current_key)
            .key(&previous_key)
            .arg(&made)
            .arg(OLD_TOKEN_KEPT.as_millis() as u64);
        async move { invocation.invoke_async::<i64>(&mut connection).await }
    })
    .await
    .map(|_| ())
    .ok_or_else(|| {
        TeamTokenError::Away(match link.health() {
            crate::team::Health::Away(why) => why,
            _ => "no answer".into(),
        })
    })
}

fn read_copy(path: &Path) -> Option<Secret> {
    let text = std::fs::read_to_string(path).ok()?;
    is_token(text.trim()).then(|| Secret::new(text.trim()))
}

/// Written whole beside it, readable by this user only, then moved into place.
fn keep_copy(path: &Path, token: &Secret) -> Result<(), TeamTokenError> {
    if read_copy(path).is_some_and(|copy| copy.expose() == token.expose()) {
        return Ok(());
    }
    let error = |source| TeamTokenError::Copy {
        path: path.to_owned(),
        source,
    };
    let folder = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(folder).map_err(error)?;
    let mut temp = tempfile::Builder::new()
        .prefix(".team-callback-token-")
        .tempfile_in(folder)
        .map_err(error)?;
    temp.write_all(token.expose().as_bytes()).map_err(error)?;
    temp.as_file().sync_all().map_err(error)?;
    temp.persist(path).map_err(|e| error(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_is_kept_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        assert!(copy_in(dir.path()).is_none());
        let token = Secret::new("a".repeat(64));
        keep_copy_in(dir.path(), &token).unwrap();
        assert_eq!(copy_in(dir.path()).unwrap().expose(), token.expose());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(COPY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(dir.path().join(COPY_FILE), "short").unwrap();
        assert!(copy_in(dir.path()).is_none(), "a damaged copy is no token");
    }
}
