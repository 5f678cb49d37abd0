//! The per-install token that makes the callback URL unguessable: whoever does not know it
//! cannot tell the console that a transfer succeeded or failed.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::secret::Secret;

const TOKEN_FILE: &str = "callback-token";
/// Query parameter that carries the token in the callback URL.
pub const TOKEN_PARAMETER: &str = "handoff_token";

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
    match std::fs::read_to_string(&path) {
        Ok(text) if is_token(text.trim()) => return Ok(Secret::new(text.trim())),
        Ok(_) => {
            return Err(error(std::io::Error::other(
                "the file does not hold a token; delete it to make a new one",
            )));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(error(e)),
    }
    std::fs::create_dir_all(data_dir).map_err(error)?;
    // 256 bits from two random UUIDs' 122 random bits each is plenty for a URL token.
    let token = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(error)?;
    file.write_all(token.as_bytes()).map_err(error)?;
    file.sync_all().map_err(error)?;
    Ok(Secret::new(token))
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
}
