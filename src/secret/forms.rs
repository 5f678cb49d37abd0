//! The ways a secret can read in text that comes back: as it is, percent-encoded (a URL, a form
//! body), inside base64 (a Basic auth header, an encoded blob), cut short by whoever echoed it,
//! and, for a JWT, its signature on its own. Each way is a [`Form`]: bytes to look for, and how
//! much of their start already gives the secret away.

use base64::Engine as _;
use base64::engine::GeneralPurpose;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

/// Shorter values are not worth hunting for (and would match ordinary words). Every form is
/// then two bytes long at least.
const MIN_SECRET_LEN: usize = 8;

/// A start of a secret this many characters long counts as the secret: too long to occur by
/// chance, and enough to give much of it away when a server cut its echo short.
pub(super) const LEAKING_PREFIX_CHARS: usize = 12;

/// One way a secret may read in text.
#[derive(Clone)]
pub(super) struct Form {
    /// The bytes as they would read.
    pub(super) bytes: Box<[u8]>,
    /// How many of them, from the start, must be there for a match: all of them, or as many
    /// as carry [`LEAKING_PREFIX_CHARS`] characters of the secret.
    pub(super) least: usize,
    /// Whether each byte may also come percent-encoded (`%2F` or `%2f`, `+` for a space).
    pub(super) percent: bool,
}

impl Form {
    /// Whether a match may start at a byte `first`.
    pub(super) fn may_start_with(&self, first: u8) -> bool {
        let encoded = first == b'%' || (first == b'+' && self.bytes[0] == b' ');
        self.bytes[0] == first || (self.percent && encoded)
    }

    /// The pairs of bytes a match may start with: its first two, each perhaps encoded.
    pub(super) fn starts(&self) -> Vec<(u8, u8)> {
        let (first, second) = (self.bytes[0], self.bytes[1]);
        let mut starts = vec![(first, second)];
        if self.percent {
            starts.push((first, b'%'));
            let high = usize::from(first >> 4);
            starts.push((b'%', HEX_UPPER[high]));
            starts.push((b'%', HEX_UPPER[high].to_ascii_lowercase()));
            if first == b' ' {
                starts.extend([(b'+', second), (b'+', b'%')]);
            }
        }
        starts
    }

    /// Where a match starting at `at` in `text` ends: the furthest character boundary reached
    /// with at least `least` bytes of the form matched.
    pub(super) fn match_end(&self, text: &[u8], at: usize) -> Option<usize> {
        let (mut position, mut end) = (at, None);
        for (matched, &want) in self.bytes.iter().enumerate() {
            let Some(step) = self.step(&text[position..], want) else {
                break;
            };
            position += step;
            if matched + 1 >= self.least && is_char_boundary(text, position) {
                end = Some(position);
            }
        }
        end
    }

    /// How many bytes of `rest` spell `want`: the byte itself, or its percent-encoding.
    fn step(&self, rest: &[u8], want: u8) -> Option<usize> {
        match *rest {
            [byte, ..] if byte == want => Some(1),
            [b'%', high, low, ..] if self.percent && hex_byte(high, low) == Some(want) => Some(3),
            [b'+', ..] if self.percent && want == b' ' => Some(1),
            _ => None,
        }
    }
}

const HEX_UPPER: [u8; 16] = *b"0123456789ABCDEF";

fn is_char_boundary(text: &[u8], at: usize) -> bool {
    text.get(at)
        .is_none_or(|&byte| !(0x80..0xc0).contains(&byte))
}

fn hex_byte(high: u8, low: u8) -> Option<u8> {
    let digit = |c: u8| char::from(c).to_digit(16);
    Some((digit(high)? * 16 + digit(low)?) as u8)
}

/// Every form `secret` may take (none when it is shorter than [`MIN_SECRET_LEN`]). A JWT's
/// header and payload are public (anyone holding the token can read them), so only the whole
/// token and its signature count; any other secret counts in part and encoded too.
pub(super) fn forms_of(secret: &str) -> Vec<Form> {
    if secret.len() < MIN_SECRET_LEN {
        return Vec::new();
    }
    match jwt_signature(secret) {
        Some(signature) => {
            let mut forms = vec![Form {
                bytes: secret.as_bytes().into(),
                least: secret.len(),
                percent: false,
            }];
            if signature.len() >= MIN_SECRET_LEN {
                forms.push(Form {
                    bytes: signature.as_bytes().into(),
                    least: leaking_prefix_len(signature),
                    percent: false,
                });
            }
            forms
        }
        None => value_forms(secret),
    }
}

/// The signature of a token shaped like a JWT: three base64url segments, the first a JSON
/// object (`eyJ` is how `{"` starts in base64).
fn jwt_signature(token: &str) -> Option<&str> {
    let mut segments = token.split('.');
    let header = segments.next()?;
    let payload = segments.next()?;
    let signature = segments.next()?;
    let base64url = |segment: &str| {
        !segment.is_empty()
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let shaped = segments.next().is_none()
        && header.starts_with("eyJ")
        && [header, payload, signature].into_iter().all(base64url);
    shaped.then_some(signature)
}

/// The value itself (percent-encoded or not), and the base64 it becomes in both alphabets at
/// each of the three places it can start within a 3-byte group of a longer encoded text.
fn value_forms(secret: &str) -> Vec<Form> {
    let bytes = secret.as_bytes();
    let prefix = &bytes[..leaking_prefix_len(secret)];
    let mut forms = vec![Form {
        bytes: bytes.into(),
        least: prefix.len(),
        percent: true,
    }];
    for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
        for offset in 0..3 {
            let core = base64_core(&engine, bytes, offset);
            if forms.iter().any(|form| *form.bytes == *core.as_bytes()) {
                continue;
            }
            forms.push(Form {
                least: base64_core(&engine, prefix, offset).len(),
                bytes: core.into_bytes().into(),
                // Base64 in a URL has its `+`, `/` and `=` percent-encoded.
                percent: true,
            });
        }
    }
    forms
}

/// The bytes of the secret's first [`LEAKING_PREFIX_CHARS`] characters (all of it if shorter).
fn leaking_prefix_len(secret: &str) -> usize {
    secret
        .char_indices()
        .nth(LEAKING_PREFIX_CHARS)
        .map_or(secret.len(), |(at, _)| at)
}

/// The base64 characters that `bytes` alone decide when they start `offset` bytes into a
/// 3-byte group: whatever comes before and after in the encoded text only changes the
/// characters at either end, which are left out. Padding only ever follows those.
fn base64_core(engine: &GeneralPurpose, bytes: &[u8], offset: usize) -> String {
    let mut shifted = vec![0; offset];
    shifted.extend_from_slice(bytes);
    let encoded = engine.encode(&shifted);
    // Character `i` holds bits 6i..6i+6: the first whole one after the `offset` bytes, up to
    // the last that ends within the secret.
    let first = (8 * offset).div_ceil(6);
    let last = 8 * shifted.len() / 6;
    encoded[first..last.max(first)].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jwt_is_known_by_its_shape() {
        assert_eq!(
            jwt_signature("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl-_x"),
            Some("c2lnbmF0dXJl-_x")
        );
        for not_jwt in [
            "client-secret-value",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0",
            "eyJ.a.b.c",
            "abc.def.ghi",
            "eyJhbGci.pay load.sig",
        ] {
            assert_eq!(jwt_signature(not_jwt), None, "{not_jwt}");
        }
    }

    #[test]
    fn the_base64_core_is_what_the_secret_alone_decides() {
        // "secret!!!" at offset 0 is "c2VjcmV0ISEh" whole: 9 bytes fill three groups.
        assert_eq!(
            base64_core(&STANDARD_NO_PAD, b"secret!!!", 0),
            "c2VjcmV0ISEh"
        );
        // After "x", the first two characters mix in the "x", and the last is cut by what
        // follows.
        let shifted = STANDARD_NO_PAD.encode(b"xsecret!!!");
        let core = base64_core(&STANDARD_NO_PAD, b"secret!!!", 1);
        assert!(shifted.contains(&core), "{shifted} {core}");
        assert_eq!(core.len(), 11);
    }
}
