//! The platform's authentication: an `auth` header carrying a bare HS256 JWT signed with the app's
//! client secret and naming the app in `appId`, plus an `accountid` header.
//!
//! Messages say what is wrong so a supervisor can fix the configuration, but never repeat the
//! token or the secret.

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use jsonwebtoken::crypto::{CryptoProvider, JwkUtils, JwtSigner, JwtVerifier};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde_json::{Map, Value};
use sha2::Sha256;

use super::SimulatorConfig;
use super::reply::ApiError;

/// Checks the `auth` header.
pub(crate) fn verify_token(headers: &HeaderMap, config: &SimulatorConfig) -> Result<(), ApiError> {
    let Some(value) = headers.get("auth") else {
        let hint = if headers.contains_key("authorization") {
            " (this platform does not read the Authorization header)"
        } else {
            ""
        };
        return Err(ApiError::unauthorized(format!(
            "Missing required header: auth{hint}"
        )));
    };
    let token = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("The auth header is not a well-formed JWT"))?;
    if token
        .get(..7)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("bearer "))
    {
        return Err(ApiError::unauthorized(
            "The auth header must carry the bare JWT: remove the \"Bearer \" prefix",
        ));
    }
    install_jwt_crypto();
    let key = DecodingKey::from_secret(config.client_secret.as_bytes());
    let mut validation = validation();
    // A skewed platform checks `exp` by its own clock, below.
    let skewed_now = config.skewed_now();
    validation.validate_exp = skewed_now.is_none();
    let claims = decode::<Map<String, Value>>(token, &key, &validation)
        .map_err(|error| ApiError::unauthorized(rejection(error.kind())))?
        .claims;
    if let (Some(now), Some(exp)) = (skewed_now, claims.get("exp")) {
        let now = now
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        match exp.as_u64() {
            Some(exp) if exp < now => {
                return Err(ApiError::unauthorized(rejection(
                    &ErrorKind::ExpiredSignature,
                )));
            }
            Some(_) => {}
            None => {
                return Err(ApiError::unauthorized(rejection(
                    &ErrorKind::InvalidClaimFormat("exp".into()),
                )));
            }
        }
    }
    match claims.get("appId") {
        Some(Value::String(app_id)) if *app_id == config.client_id => Ok(()),
        Some(Value::String(_)) => Err(ApiError::unauthorized(
            "The JWT's appId claim does not match this app's client id",
        )),
        Some(_) => Err(ApiError::unauthorized(
            "The JWT's appId claim must be a string",
        )),
        None => Err(ApiError::unauthorized("The JWT has no appId claim")),
    }
}

/// Checks the `accountid` header: missing is unauthenticated, another account is forbidden.
pub(crate) fn verify_account(
    headers: &HeaderMap,
    config: &SimulatorConfig,
) -> Result<(), ApiError> {
    let Some(value) = headers.get("accountid") else {
        return Err(ApiError::unauthorized("Missing required header: accountid"));
    };
    if value.as_bytes() == config.account_id.as_bytes() {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "The accountid header does not match the account of this app",
        ))
    }
}

/// HS256 only; `exp` is checked when present but not required, so static ready-made tokens
/// work; `iat`, `jti` and `aud` are not the simulator's business.
fn validation() -> Validation {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.required_spec_claims.clear();
    validation.leeway = 0;
    validation.validate_aud = false;
    validation
}

fn rejection(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::InvalidSignature => {
            "The JWT's signature is invalid: it must be signed with the app's client secret".into()
        }
        ErrorKind::InvalidAlgorithm => "The JWT must be signed with HS256".into(),
        ErrorKind::ExpiredSignature => "The JWT has expired".into(),
        ErrorKind::ImmatureSignature => "The JWT is not valid yet".into(),
        ErrorKind::InvalidClaimFormat(claim) => format!("The JWT's {claim} claim is malformed"),
        ErrorKind::InvalidToken
        | ErrorKind::Base64(_)
        | ErrorKind::Json(_)
        | ErrorKind::Utf8(_) => "The auth header is not a well-formed JWT".into(),
        _ => "The JWT was rejected".into(),
    }
}

/// Makes jsonwebtoken check (and sign) HS256 tokens in this process; a second call does nothing.
/// jsonwebtoken is built without a crypto feature, whose RSA, elliptic-curve and EdDSA code would
/// only lengthen every build. Tests that sign their own tokens call it first.
pub fn install_jwt_crypto() {
    // Err only when a provider is installed already (in demo mode, the client's own HS256 one).
    let _ = HS256.install_default();
}

static HS256: CryptoProvider = CryptoProvider {
    signer_factory: |algorithm, key| {
        Ok(Box::new(Hs256::new(algorithm, key.try_get_hmac_secret()?)?))
    },
    verifier_factory: |algorithm, key| {
        Ok(Box::new(Hs256::new(algorithm, key.try_get_hmac_secret()?)?))
    },
    jwk_utils: JwkUtils::new_unimplemented(),
};

struct Hs256(Hmac<Sha256>);

impl Hs256 {
    fn new(algorithm: &Algorithm, secret: &[u8]) -> jsonwebtoken::errors::Result<Self> {
        match algorithm {
            Algorithm::HS256 => Hmac::new_from_slice(secret)
                .map(Self)
                .map_err(|_| ErrorKind::InvalidKeyFormat.into()),
            _ => Err(ErrorKind::InvalidAlgorithm.into()),
        }
    }

    fn tag(&self, message: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.0.clone();
        mac.update(message);
        mac
    }
}

impl Signer<Vec<u8>> for Hs256 {
    fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, signature::Error> {
        Ok(self.tag(message).finalize().into_bytes().to_vec())
    }
}

impl Verifier<Vec<u8>> for Hs256 {
    fn verify(&self, message: &[u8], signature: &Vec<u8>) -> Result<(), signature::Error> {
        self.tag(message)
            .verify_slice(signature)
            .map_err(signature::Error::from_source)
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
