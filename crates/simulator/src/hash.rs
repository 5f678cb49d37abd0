//! A small stable hash, so generated ids and live states come out the same on every run, machine
//! and Rust version (`std`'s hasher promises none of that).

/// FNV-1a over `parts` (each followed by a separator byte, so `["ab","c"]` and `["a","bc"]`
/// differ), then MurmurHash3's finalizer so that every output bit depends on every input bit:
/// callers take small ranges (`% 100`) of the result.
pub(crate) fn stable(parts: &[&[u8]]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for part in parts {
        for &byte in part.iter().chain(&[0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    hash ^ (hash >> 33)
}

/// An id shaped like the platform's: `prefix` + a v4-UUID-shaped 8-4-4-4-12 hex string derived
/// from `seed`. With `short_first_group` the first group has 7 digits, as agent (`a-`) and queue
/// (`qu-`) ids do in the docs.
pub(crate) fn platform_id(prefix: &str, short_first_group: bool, seed: &[u8]) -> String {
    let high = stable(&[seed, b"high"]);
    let low = stable(&[seed, b"low"]);
    let first = high >> 32;
    let (first, width) = if short_first_group {
        (first & 0x0fff_ffff, 7)
    } else {
        (first, 8)
    };
    let second = (high >> 16) & 0xffff;
    let version = (high & 0x0fff) | 0x4000;
    let variant = ((low >> 48) & 0x3fff) | 0x8000;
    let node = low & 0xffff_ffff_ffff;
    format!("{prefix}{first:0width$x}-{second:04x}-{version:04x}-{variant:04x}-{node:012x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_stable_and_separates_parts() {
        assert_eq!(stable(&[b"a-1"]), stable(&[b"a-1"]));
        assert_ne!(stable(&[b"ab", b"c"]), stable(&[b"a", b"bc"]));
        assert_ne!(stable(&[b"a-1"]), stable(&[b"a-2"]));
    }

    #[test]
    fn ids_have_the_documented_shapes() {
        let agent = platform_id("a-", true, b"seed");
        let user = platform_id("u-", false, b"seed");
        let groups = |id: &str| -> Vec<usize> { id[2..].split('-').map(str::len).collect() };
        assert_eq!(groups(&agent), [7, 4, 4, 4, 12], "{agent}");
        assert_eq!(groups(&user), [8, 4, 4, 4, 12], "{user}");
        assert!(
            agent[2..]
                .bytes()
                .all(|b| b == b'-' || b.is_ascii_hexdigit())
        );
        assert!(!agent.bytes().any(|b| b.is_ascii_uppercase()));
        assert_eq!(agent, platform_id("a-", true, b"seed"));
    }
}
