//! The per-install token that makes the callback URL unguessable: whoever does not know it
//! cannot tell the console that a transfer succeeded or failed.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::secret::Secret;

/// The file in the data folder that holds the token.
pub const TOKEN_FILE: &str = "callback-token";
/// Query parameter that carries the token in the callback URL.
pub const TOKEN_PARAMETER: &str = "handoff_token";
/// Query parameter that names, in its callback URL, the transfer a callback is about: the
/// platform's payload names only the session, which several transfers may share.
pub const TRANSFER_PARAMETER: &str = "handoff_transfer";

#[derive(Debug, thiserror::Error)]
#[error("cannot read or create the callback token {path}: {source}")]
pub struct TokenError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// Reads the token kept in `data_dir`, creating it (readable by this user only) on first use.
pub fn load_or_create(data_dir: &Path) -> Result<Secret, TokenError> {
    let path = data_dir.join(TOKEN_FILE);
    let error = |source| TokenError {
        path: path.clone(),
        source,
    };
    if let Some(token) = read_token(&path).map_err(error)? {
        return Ok(token);
    }
    std::fs::create_dir_all(data_dir).map_err(error)?;
    // 244 random bits, from two random UUIDs' 122 each, is plenty for a URL token.
    let token = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    // Written whole beside it (readable by this user only), then linked into place only if no
    // token is there yet: handoff processes started at once in a new data folder all end up
    // with the one token that won, and none ever reads a half-written file.
    let mut temp = tempfile::Builder::new()
        .prefix(".callback-token-")
        .tempfile_in(data_dir)
        .map_err(error)?;
    temp.write_all(token.as_bytes()).map_err(error)?;
    temp.as_file().sync_all().map_err(error)?;
    match temp.persist_noclobber(&path) {
        Ok(_) => Ok(Secret::new(token)),
        Err(lost) if lost.error.kind() == std::io::ErrorKind::AlreadyExists => {
            read_token(&path).map_err(error)?.ok_or_else(|| {
                error(std::io::Error::other(
                    "the token file vanished as it was made",
                ))
            })
        }
        Err(failed) => Err(error(failed.error)),
    }
}

/// The token in the file at `path`, if there is one.
fn read_token(path: &Path) -> std::io::Result<Option<Secret>> {
    match std::fs::read_to_string(path) {
        Ok(text) if is_token(text.trim()) => Ok(Some(Secret::new(text.trim()))),
        Ok(_) => Err(std::io::Error::other(
            "the file does not hold a token; delete it to make a new one",
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn is_token(text: &str) -> bool {
    text.len() >= 32 && text.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `url` with the token added as a query parameter, as the platform is told to post to.
pub fn with_token(url: &url::Url, token: &Secret) -> url::Url {
    let mut url = url.clone();
    url.query_pairs_mut()
        .append_pair(TOKEN_PARAMETER, token.expose());
    url
}

/// `url` (the one [`with_token`] made) naming `transfer`, as that transfer's request tells the
/// platform to post to; the one place a transfer's callback URL is made.
pub fn for_transfer(url: &url::Url, transfer: &uuid::Uuid) -> url::Url {
    let mut url = url.clone();
    url.query_pairs_mut()
        .append_pair(TRANSFER_PARAMETER, &transfer.to_string());
    url
}

/// Compares in time independent of where the first difference is, so the token cannot be
/// guessed a character at a time from response times.
pub fn matches(candidate: &str, token: &Secret) -> bool {
    let (a, b) = (candidate.as_bytes(), token.expose().as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path()).unwrap();
        let second = load_or_create(dir.path()).unwrap();
        assert_eq!(first.expose(), second.expose());
        assert_eq!(first.expose().len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(TOKEN_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    /// Processes started at once in a new data folder: every one gets the same token, and no
    /// temporary file is left beside it.
    #[test]
    fn many_made_at_once_agree_on_one_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_owned();
        let tokens: Vec<String> = std::thread::scope(|scope| {
            let made: Vec<_> = (0..16)
                .map(|_| scope.spawn(|| load_or_create(&path).unwrap().expose().to_owned()))
                .collect();
            made.into_iter().map(|t| t.join().unwrap()).collect()
        });
        assert!(tokens.iter().all(|t| *t == tokens[0]), "{tokens:?}");
        let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(files.len(), 1, "{files:?}");
    }

    #[test]
    fn a_damaged_token_file_is_an_error_not_a_new_token() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(TOKEN_FILE), "short").unwrap();
        assert!(load_or_create(dir.path()).is_err());
    }

    #[test]
    fn the_url_carries_the_token() {
        let token = Secret::new("a".repeat(64));
        let url = with_token(
            &url::Url::parse("https://hooks.example.com/kore?x=1").unwrap(),
            &token,
        );
        assert_eq!(
            url.as_str(),
            format!(
                "https://hooks.example.com/kore?x=1&handoff_token={}",
                "a".repeat(64)
            )
        );
        assert!(matches(&"a".repeat(64), &token));
        assert!(!matches(&"a".repeat(63), &token));
        assert!(!matches(&format!("{}b", "a".repeat(63)), &token));
    }

    #[test]
    fn each_transfers_url_names_it_beside_the_token() {
        let url = url::Url::parse("https://hooks.example.com/kore?handoff_token=t").unwrap();
        let transfer = uuid::Uuid::parse_str("7d1f5c7e-8a3e-4f7a-9a52-2a0c2f0b6d11").unwrap();
        assert_eq!(
            for_transfer(&url, &transfer).as_str(),
            "https://hooks.example.com/kore?handoff_token=t&handoff_transfer=7d1f5c7e-8a3e-4f7a-9a52-2a0c2f0b6d11"
        );
    }
}
