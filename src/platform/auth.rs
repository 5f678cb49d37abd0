//! The `auth` header: a ready-made token, or a fresh HS256 token signed for every request.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{EncodingKey, Header, encode};
use serde::Serialize;

use crate::config::AuthConfig;
use crate::secret::Secret;

/// How long a signed token is valid: short, since a new one is signed for every request, but
/// with room for a few seconds of clock skew between this machine and the platform.
const TOKEN_LIFETIME_SECS: u64 = 300;

#[derive(Clone)]
pub enum Authenticator {
    Static(Secret),
    Signing { client_id: String, key: EncodingKey },
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Static(_) => f.write_str("Authenticator::Static(<redacted>)"),
            Self::Signing { client_id, .. } => {
                write!(f, "Authenticator::Signing {{ client_id: {client_id:?} }}")
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("could not sign the request token: {0}")]
pub struct AuthError(String);

/// The claims the platform reads: `appId` spelled exactly so, and a unique `jti` because apps can
/// enforce one per request.
#[derive(Serialize)]
struct Claims<'a> {
    #[serde(rename = "appId")]
    app_id: &'a str,
    sub: &'a str,
    iat: u64,
    exp: u64,
    jti: String,
}

impl Authenticator {
    pub fn new(config: &AuthConfig) -> Self {
        match config {
            AuthConfig::Jwt(token) => Self::Static(token.clone()),
            AuthConfig::Credentials {
                client_id,
                client_secret,
            } => Self::Signing {
                client_id: client_id.clone(),
                key: EncodingKey::from_secret(client_secret.expose().as_bytes()),
            },
        }
    }

    /// The token for one request.
    pub fn token(&self) -> Result<Secret, AuthError> {
        match self {
            Self::Static(token) => Ok(token.clone()),
            Self::Signing { client_id, key } => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_err(|_| AuthError("this machine's clock is before 1970".into()))?
                    .as_secs();
                let claims = Claims {
                    app_id: client_id,
                    sub: client_id,
                    iat: now,
                    exp: now + TOKEN_LIFETIME_SECS,
                    jti: uuid::Uuid::new_v4().to_string(),
                };
                encode(&Header::default(), &claims, key)
                    .map(Secret::new)
                    .map_err(|e| AuthError(e.to_string()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation, decode};

    #[test]
    fn signed_tokens_carry_app_id_and_a_fresh_jti() {
        let auth = Authenticator::new(&AuthConfig::Credentials {
            client_id: "cs-123".into(),
            client_secret: Secret::new("s3cret"),
        });
        let read = |token: Secret| {
            decode::<serde_json::Value>(
                token.expose(),
                &DecodingKey::from_secret(b"s3cret"),
                &Validation::new(jsonwebtoken::Algorithm::HS256),
            )
            .unwrap()
            .claims
        };
        let first = read(auth.token().unwrap());
        let second = read(auth.token().unwrap());
        assert_eq!(first["appId"], "cs-123");
        assert_ne!(first["jti"], second["jti"]);
        assert!(first["exp"].as_u64().unwrap() > first["iat"].as_u64().unwrap());
        assert!(!format!("{auth:?}").contains("s3cret"));
    }
}
