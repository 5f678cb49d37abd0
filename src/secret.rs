//! A string that must never be printed: tokens and client secrets.

use std::fmt;

/// Holds a token or secret. `Debug` prints a placeholder and there is no `Display`, so a secret
/// cannot reach a log line, an error message or a panic by accident; code that needs the value
/// asks for it by name with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// What replaces a secret in text that came back from outside.
pub const REDACTED: &str = "<redacted>";

/// Shorter values are not worth hunting for (and would match ordinary words).
const MIN_SECRET_LEN: usize = 8;

/// The secrets of one install, for taking out of anything the platform or a proxy sends back
/// before it is kept or shown: a server that echoes the request would otherwise carry the token
/// into the audit file and onto the screen.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<Secret>,
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        let mut secrets: Vec<Secret> = secrets
            .into_iter()
            .filter(|s| s.expose().len() >= MIN_SECRET_LEN)
            .collect();
        // Longest first, so a secret that contains another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.expose().len()));
        Self { secrets }
    }

    /// `text` with every known secret, and `also` (the token of the request at hand), replaced.
    pub fn redact(&self, text: &str, also: Option<&Secret>) -> String {
        let mut text = text.to_owned();
        for secret in also.into_iter().chain(&self.secrets) {
            let value = secret.expose();
            if value.len() >= MIN_SECRET_LEN && text.contains(value) {
                text = text.replace(value, REDACTED);
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn every_secret_is_taken_out() {
        let redactor = Redactor::new([Secret::new("client-secret-1"), Secret::new("short")]);
        let token = Secret::new("eyJhbGciOi.payload.signature");
        let echoed = "auth: eyJhbGciOi.payload.signature; secret client-secret-1; short";
        assert_eq!(
            redactor.redact(echoed, Some(&token)),
            "auth: <redacted>; secret <redacted>; short"
        );
    }
}
