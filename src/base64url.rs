//! URL-safe base64 without padding (RFC 4648 §5), the text form of a share link's data.
//!
//! Share links need only this one alphabet, so it is written here
//! rather than taken from the `base64` crate, whose general engine is several times
//! the size in the wasm. [`decode`] accepts what that crate's `URL_SAFE_NO_PAD` accepts
//! and words its errors the same way (`tests/share.rs` checks both against it).

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The bytes as URL-safe base64, without `=` padding.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        // The chunk's bytes, big-endian, in the top 24 of 32 bits: one symbol per 6 bits,
        // and a partial chunk of n bytes gives n + 1 symbols.
        let bits = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (24 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(bits >> (26 - 6 * i)) as usize & 63]));
        }
    }
    out
}

/// The 6-bit value of a symbol, if it is one.
fn value(symbol: u8) -> Option<u32> {
    let v = match symbol {
        b'A'..=b'Z' => symbol - b'A',
        b'a'..=b'z' => symbol - b'a' + 26,
        b'0'..=b'9' => symbol - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

/// Decode URL-safe base64; trailing `=` padding is ignored. The error names the first
/// problem as the `base64` crate does: `Invalid symbol 42, offset 7.`,
/// `Invalid input length: 5` or `Invalid last symbol 66, offset 2.`.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    let input = text.trim_end_matches('=').as_bytes();
    let len = input.len();
    let invalid = |i: usize| format!("Invalid symbol {}, offset {i}.", input[i]);
    // A lone symbol after the last full group is reported before any other problem.
    if len % 4 == 1 && value(input[len - 1]).is_none() {
        return Err(invalid(len - 1));
    }
    let mut out = Vec::with_capacity(len / 4 * 3 + 2);
    let mut bits = 0u32;
    for (i, &b) in input.iter().enumerate() {
        bits = bits << 6 | value(b).ok_or_else(|| invalid(i))?;
        if i % 4 == 3 {
            out.extend_from_slice(&bits.to_be_bytes()[1..]);
            bits = 0;
        }
    }
    // The last 2 or 3 symbols carry 1 or 2 bytes; the bits left over must be zero.
    let (bytes, spare) = match len % 4 {
        0 => return Ok(out),
        1 => return Err(format!("Invalid input length: {len}")),
        2 => (1, 4),
        _ => (2, 2),
    };
    if bits & ((1 << spare) - 1) != 0 {
        return Err(format!(
            "Invalid last symbol {}, offset {}.",
            input[len - 1],
            len - 1
        ));
    }
    out.extend_from_slice(&(bits >> spare).to_be_bytes()[4 - bytes..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4648_vectors() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), coded);
            assert_eq!(decode(coded).unwrap(), plain.as_bytes());
        }
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(decode("Zg==").unwrap(), b"f");
    }

    #[test]
    fn errors() {
        assert_eq!(decode("Zm9v*").unwrap_err(), "Invalid symbol 42, offset 4.");
        assert_eq!(decode("Zm9vY").unwrap_err(), "Invalid input length: 5");
        assert_eq!(
            decode("Zh").unwrap_err(),
            "Invalid last symbol 104, offset 1."
        );
        assert_eq!(decode("Z=g").unwrap_err(), "Invalid symbol 61, offset 1.");
    }
}
