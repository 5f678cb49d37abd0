//! The `auth` header: a ready-made token, or a fresh HS256 token signed for every request.

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use jsonwebtoken::crypto::{CryptoProvider, JwkUtils, JwtSigner, JwtVerifier};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde::Serialize;
use sha2::Sha256;

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
            } => {
                install_jwt_crypto();
                Self::Signing {
                    client_id: client_id.clone(),
                    key: EncodingKey::from_secret(client_secret.expose().as_bytes()),
                }
            }
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

/// Makes jsonwebtoken sign and check HS256 tokens, the only kind the platform takes, in this
/// process; a second call does nothing. jsonwebtoken is built without a crypto feature, whose
/// RSA, elliptic-curve and EdDSA code would only lengthen every build.
pub fn install_jwt_crypto() {
    // Err only when a provider is installed already (the demo's simulator installs its own
    // HS256 one): either signs and checks alike.
    let _ = HS256_ONLY.install_default();
}

static HS256_ONLY: CryptoProvider = CryptoProvider {
    signer_factory: |algorithm, key| {
        Ok(Box::new(Hs256::new(algorithm, key.try_get_hmac_secret()?)?))
    },
    verifier_factory: |algorithm, key| {
        Ok(Box::new(Hs256::new(algorithm, key.try_get_hmac_secret()?)?))
    },
    jwk_utils: JwkUtils::new_unimplemented(),
};

/// HMAC-SHA256 with the client secret.
struct Hs256(Hmac<Sha256>);

impl Hs256 {
    fn new(algorithm: &Algorithm, secret: &[u8]) -> jsonwebtoken::errors::Result<Self> {
        if *algorithm != Algorithm::HS256 {
            return Err(ErrorKind::InvalidAlgorithm.into());
        }
        Hmac::new_from_slice(secret)
            .map(Self)
            .map_err(|_| ErrorKind::InvalidKeyFormat.into())
    }
}

impl Signer<Vec<u8>> for Hs256 {
    fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, signature::Error> {
        let mut mac = self.0.clone();
        mac.update(message);
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

impl Verifier<Vec<u8>> for Hs256 {
    fn verify(&self, message: &[u8], tag: &Vec<u8>) -> Result<(), signature::Error> {
        let mut mac = self.0.clone();
        mac.update(message);
        mac.verify_slice(tag).map_err(signature::Error::from_source)
    }
}

impl JwtSigner for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl JwtVerifier for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation, decode};

    #[test]
    fn signs_as_the_reference_hs256_does() {
        install_jwt_crypto();
        // RFC 7515's appendix A.1 key and signing input, signed with HS256.
        let key = base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow",
        )
        .unwrap();
        let input = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
        let signature = jsonwebtoken::crypto::sign(
            input.as_bytes(),
            &EncodingKey::from_secret(&key),
            Algorithm::HS256,
        )
        .unwrap();
        assert_eq!(signature, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        let other = jsonwebtoken::crypto::sign(
            input.as_bytes(),
            &EncodingKey::from_secret(&key),
            Algorithm::HS512,
        );
        assert!(other.is_err(), "only HS256 is signed");
    }

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
