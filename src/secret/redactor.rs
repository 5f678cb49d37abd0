//! Taking secrets out of text that came back from outside, in every form they may take there
//! ([`super::forms`]). The forms are worked out once, when the redactor is made; a reply (up to
//! 1 MiB) is then read once, and only where two bytes in a row could start a form are the forms
//! that start with the first of them tried.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use super::forms::{Form, forms_of};
use super::{REDACTED, Secret};

/// The secrets of one install, for taking out of anything the platform or a proxy sends back
/// before it is kept or shown: a server that echoes the request would otherwise carry the token
/// into the audit file and onto the screen. Cheap to clone.
#[derive(Clone)]
pub struct Redactor {
    inner: Arc<Known>,
}

/// The secrets, their forms, and where those may start.
struct Known {
    secrets: Vec<Secret>,
    forms: Vec<Form>,
    /// For each byte value, the forms that may start with it.
    starting_with: Vec<Vec<usize>>,
    starts: PairSet,
}

impl Redactor {
    /// A redactor for `secrets`. One shaped like a JWT (three base64url segments, the first
    /// starting `eyJ`) is taken whole or by its signature, since its header and payload are
    /// public; any other is also found percent-encoded, in base64, or by its first 12
    /// characters. Values shorter than 8 bytes are left alone.
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        let secrets: Vec<Secret> = secrets.into_iter().collect();
        let forms: Vec<Form> = secrets.iter().flat_map(|s| forms_of(s.expose())).collect();
        let starting_with = (0..=u8::MAX)
            .map(|first| {
                (0..forms.len())
                    .filter(|&i| forms[i].may_start_with(first))
                    .collect()
            })
            .collect();
        let mut starts = PairSet::default();
        starts.add(&forms);
        Self {
            inner: Arc::new(Known {
                secrets,
                forms,
                starting_with,
                starts,
            }),
        }
    }

    /// `text` with every known secret, and `also` (the token of the request at hand), replaced
    /// wherever any of their forms shows.
    pub fn redact(&self, text: &str, also: Option<&Secret>) -> String {
        let known = &*self.inner;
        let extra = match also {
            Some(also) if !known.secrets.contains(also) => forms_of(also.expose()),
            _ => Vec::new(),
        };
        let starts = if extra.is_empty() {
            Cow::Borrowed(&known.starts)
        } else {
            let mut starts = known.starts.clone();
            starts.add(&extra);
            Cow::Owned(starts)
        };
        let bytes = text.as_bytes();
        let mut out = String::new();
        let (mut kept, mut at) = (0, 0);
        while let [first, second, ..] = bytes[at..] {
            if !starts.contains(first, second) || !text.is_char_boundary(at) {
                at += 1;
                continue;
            }
            let end = known.starting_with[usize::from(first)]
                .iter()
                .map(|&i| &known.forms[i])
                .chain(extra.iter().filter(|form| form.may_start_with(first)))
                .filter_map(|form| form.match_end(bytes, at))
                .max();
            match end {
                Some(end) => {
                    out.push_str(&text[kept..at]);
                    out.push_str(REDACTED);
                    (kept, at) = (end, end);
                }
                None => at += 1,
            }
        }
        if out.is_empty() {
            return text.to_owned();
        }
        out.push_str(&text[kept..]);
        out
    }
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.inner.secrets.len())
            .finish_non_exhaustive()
    }
}

/// A set of pairs of bytes, one bit each: which two bytes in a row may start a form. Most
/// positions of a text fail this test, which costs one lookup.
#[derive(Clone)]
struct PairSet(Box<[u64]>);

impl Default for PairSet {
    fn default() -> Self {
        Self(vec![0; 65_536 / 64].into_boxed_slice())
    }
}

impl PairSet {
    fn add(&mut self, forms: &[Form]) {
        for (first, second) in forms.iter().flat_map(Form::starts) {
            let pair = usize::from(first) << 8 | usize::from(second);
            self.0[pair / 64] |= 1 << (pair % 64);
        }
    }

    fn contains(&self, first: u8, second: u8) -> bool {
        let pair = usize::from(first) << 8 | usize::from(second);
        self.0[pair / 64] & (1 << (pair % 64)) != 0
    }
}

#[cfg(test)]
mod tests;
