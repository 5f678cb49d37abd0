use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

use super::*;

/// Its base64 holds `+` and `/` wherever it starts in a 3-byte group, so the standard and the
/// URL-safe alphabets spell it differently.
const TOKEN: &str = "cb-token?>>~?x7Qz9w-callback";
const CLIENT_SECRET: &str = "s3cr3t/v@lue +x=42&ü";
const JWT_HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
const JWT_PAYLOAD: &str = "eyJpc3MiOiJjcy0xIiwiYXBwSWQiOiJjcy0xIn0";
const JWT_SIGNATURE: &str = "h3Xq0c9JdQ2wz-Y1_Kk7ZCkMbbl1vF8rQWm6sD2T4uE";

fn jwt() -> String {
    format!("{JWT_HEADER}.{JWT_PAYLOAD}.{JWT_SIGNATURE}")
}

fn redactor() -> Redactor {
    Redactor::new([Secret::new(TOKEN), Secret::new(CLIENT_SECRET)])
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

#[test]
fn a_jwt_goes_whole_or_by_its_signature_and_its_public_parts_stay() {
    let configured = Redactor::new([Secret::new(jwt())]);
    let per_request = redactor();
    let token = Secret::new(jwt());
    for (redactor, also) in [(&configured, None), (&per_request, Some(&token))] {
        assert_eq!(
            redactor.redact(&format!("auth: {}", jwt()), also),
            "auth: <redacted>"
        );
        assert_eq!(
            redactor.redact(&format!("sig={JWT_SIGNATURE}&x"), also),
            "sig=<redacted>&x"
        );
        // An echo cut short inside the signature.
        assert_eq!(
            redactor.redact(&format!("{JWT_HEADER}.{JWT_PAYLOAD}.h3Xq0c9JdQ2w…"), also),
            format!("{JWT_HEADER}.{JWT_PAYLOAD}.<redacted>…")
        );
        let public = format!("header {JWT_HEADER}, payload {JWT_PAYLOAD}");
        assert_eq!(redactor.redact(&public, also), public);
    }
}

/// `text` holds none of the encoded characters that `secret`'s bytes alone decide: every run
/// of 8 of them (6 bytes of the secret) is gone.
fn assert_no_run_of_the_secret(text: &str, encoded: &str, before: usize, secret_len: usize) {
    let first = (8 * before).div_ceil(6);
    let last = 8 * (before + secret_len) / 6;
    for start in first..last - 8 {
        let run = &encoded[start..start + 8];
        assert!(!text.contains(run), "{run} of {encoded} is still in {text}");
    }
}

#[test]
fn base64_is_found_in_both_alphabets_padded_or_not_at_every_alignment() {
    let redactor = redactor();
    for before in ["", "u", "us", "use"] {
        for after in ["", "x", "xy"] {
            let plain = format!("{before}{TOKEN}{after}");
            let standard = STANDARD.encode(&plain);
            assert_ne!(
                standard,
                URL_SAFE.encode(&plain),
                "both alphabets are tested"
            );
            for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
                let encoded = engine.encode(&plain);
                let text = format!("data: {encoded};");
                let redacted = redactor.redact(&text, None);
                assert!(redacted.contains(REDACTED), "{text}");
                assert_no_run_of_the_secret(&redacted, &encoded, before.len(), TOKEN.len());
            }
        }
    }
}

#[test]
fn basic_auth_hides_the_secret_and_keeps_the_user() {
    let redactor = redactor();
    let header = format!(
        "Authorization: Basic {}",
        STANDARD.encode(format!("cs-5250bbb3:{CLIENT_SECRET}"))
    );
    let redacted = redactor.redact(&header, None);
    // "cs-5250bbb3:" is twelve bytes: the secret starts a group, and the user's part stays.
    assert!(
        redacted.starts_with(&format!(
            "Authorization: Basic {}",
            STANDARD.encode("cs-5250bbb3:")
        )),
        "{redacted}"
    );
    assert!(redacted.contains(REDACTED), "{redacted}");
}

#[test]
fn percent_encoding_of_any_kind_is_found() {
    let redactor = redactor();
    let upper: String = url::form_urlencoded::byte_serialize(CLIENT_SECRET.as_bytes()).collect();
    let every_byte: String = CLIENT_SECRET.bytes().map(|b| format!("%{b:02x}")).collect();
    let mixed = "s3cr3t%2Fv%40lue%20%2bx=42&%C3%BC";
    assert!(upper.contains('+') && upper.contains("%2F"), "{upper}");
    for encoded in [upper.as_str(), &every_byte, mixed] {
        let text = format!("https://x.example/cb?secret={encoded}&n=1");
        assert_eq!(
            redactor.redact(&text, None),
            "https://x.example/cb?secret=<redacted>&n=1",
            "{encoded}"
        );
    }
}

#[test]
fn a_start_of_twelve_characters_is_a_leak_and_of_eleven_is_not() {
    let redactor = redactor();
    let twelve = &TOKEN[..12];
    let eleven = &TOKEN[..11];
    assert_eq!(
        redactor.redact(&format!("token {twelve}…"), None),
        "token <redacted>…"
    );
    assert_eq!(
        redactor.redact(&format!("token {eleven}…"), None),
        format!("token {eleven}…")
    );
    // Characters, not bytes: "ü" is two bytes, so these eleven are twelve bytes.
    let umlaut = Redactor::new([Secret::new("ümlaut-geheimnis-42")]);
    assert_eq!(umlaut.redact("[ümlaut-gehei]", None), "[<redacted>]");
    assert_eq!(umlaut.redact("[ümlaut-gehe]", None), "[ümlaut-gehe]");
}

#[test]
fn a_match_never_ends_inside_a_character() {
    let redactor = Redactor::new([Secret::new("twelve-charsé-and-more")]);
    // The text goes on with "è", whose first byte is the same as "é"'s.
    assert_eq!(redactor.redact("twelve-charsè", None), "<redacted>è");
}

#[test]
fn short_values_and_unrelated_text_are_left_alone() {
    let redactor = Redactor::new([Secret::new("short")]);
    assert_eq!(redactor.redact("short text", None), "short text");
    let text = "Conversation not found or already closed: 100% sure, +1";
    assert_eq!(self::redactor().redact(text, None), text);
}

#[test]
fn debug_names_no_secret() {
    let shown = format!("{:?}", redactor());
    assert!(
        !shown.contains("cb-token") && !shown.contains("s3cr3t"),
        "{shown}"
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever surrounds a secret, neither it nor its base64 survives, and nothing
        /// panics on text of any script.
        #[test]
        fn a_secret_anywhere_is_taken_out(before in "\\PC{0,20}", after in "\\PC{0,20}") {
            let redactor = redactor();
            let plain = redactor.redact(&format!("{before}{TOKEN}{after}"), None);
            prop_assert!(!plain.contains(&TOKEN[..12]), "{}", plain);
            let encoded = STANDARD.encode(format!("{before}{CLIENT_SECRET}{after}"));
            let redacted = redactor.redact(&encoded, None);
            prop_assert!(redacted.contains(REDACTED), "{}", redacted);
        }
    }
}
