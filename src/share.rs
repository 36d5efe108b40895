//! Share links: the whole scenario (faults included) and the playback position in a URL
//! fragment, versioned, deflated and URL-safe base64 encoded: `#v1=<payload>`.
//!
//! Decoding never panics: a broken, truncated, tampered or future-version link gives a
//! [`LinkError`] that says what is wrong.

use serde::{Deserialize, Serialize};

use crate::engine::{self, Scenario};

/// The link format version this build writes and reads.
pub const LINK_VERSION: u32 = 1;

/// Largest decompressed payload accepted (a 10-record scenario is ~300 bytes).
const MAX_PAYLOAD: usize = 1 << 20;

/// What a link holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shared {
    pub scenario: Scenario,
    /// Playback position (event index), if the link pins one.
    pub position: Option<usize>,
}

#[derive(Serialize, Deserialize)]
struct Payload {
    s: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p: Option<usize>,
}

/// Why a link could not be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkError(pub String);

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LinkError {}

/// The scenario as compact JSON with every value equal to its default left out.
fn compact(sc: &Scenario) -> serde_json::Value {
    let mut v = serde_json::to_value(sc).unwrap_or(serde_json::Value::Null);
    if let Some(o) = v.as_object_mut() {
        if o.get("seed") == Some(&serde_json::json!(0)) {
            o.remove("seed");
        }
        if o.get("faults") == Some(&serde_json::json!([])) {
            o.remove("faults");
        }
        if let Some(w) = o.get_mut("workload").and_then(|w| w.as_object_mut()) {
            for (k, d) in [("records", 10), ("batch_size", 2), ("partitions", 1)] {
                if w.get(k) == Some(&serde_json::json!(d)) {
                    w.remove(k);
                }
            }
        }
        if o.get("workload") == Some(&serde_json::json!({})) {
            o.remove("workload");
        }
    }
    v
}

/// Encode a scenario and position as a fragment `v1=…` (without the `#`).
pub fn encode(sc: &Scenario, position: Option<usize>) -> String {
    let payload = Payload {
        s: compact(sc),
        p: position,
    };
    let json = serde_json::to_vec(&payload).unwrap_or_default();
    // Raw DEFLATE at miniz's best level (10): the same format every version reads.
    let deflated = miniz_oxide::deflate::compress_to_vec(&json, 10);
    format!("v{LINK_VERSION}={}", crate::base64url::encode(&deflated))
}

/// Decode a fragment (`v1=…`, `#v1=…`, or a whole URL containing `#v1=…`).
pub fn decode(link: &str) -> Result<Shared, LinkError> {
    let frag = link.trim();
    let frag = match frag.rfind('#') {
        Some(i) => &frag[i + 1..],
        None => frag,
    };
    if frag.is_empty() {
        return Err(LinkError(
            "the link has no scenario in it (nothing after #)".into(),
        ));
    }
    let Some((ver, data)) = frag.split_once('=') else {
        return Err(LinkError(
            "this is not a crashcourse link: expected #v1=… after the address".into(),
        ));
    };
    let Some(n) = ver.strip_prefix('v').and_then(|d| d.parse::<u32>().ok()) else {
        return Err(LinkError(format!(
            "this is not a crashcourse link: unknown prefix \"{}\" (expected v1=)",
            truncate(ver, 20)
        )));
    };
    if n > LINK_VERSION {
        return Err(LinkError(format!(
            "this link was made by a newer crashcourse (link format v{n}); this version reads v{LINK_VERSION}"
        )));
    }
    if n != LINK_VERSION {
        return Err(LinkError(format!(
            "unknown link format v{n}; this version reads v{LINK_VERSION}"
        )));
    }
    let bytes = crate::base64url::decode(data).map_err(|e| {
        LinkError(format!(
            "the link is damaged: it is not valid URL-safe base64 ({e}); was it cut or edited?"
        ))
    })?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes, MAX_PAYLOAD)
        .map_err(|_| LinkError("the link is damaged or truncated: its data does not decompress; was it cut off when copied?".into()))?;
    // A text parse (not from_slice): the wasm then carries one JSON parser, not two.
    let json = String::from_utf8(json).map_err(|_| {
        LinkError("the link is damaged: its data is not text; was it edited?".into())
    })?;
    let payload: Payload = serde_json::from_str(&json).map_err(|e| {
        LinkError(format!(
            "the link's data is not a crashcourse scenario ({e})"
        ))
    })?;
    let scenario = engine::parse_value(&payload.s)
        .map_err(|e| LinkError(format!("the link's scenario is invalid: {e}")))?;
    Ok(Shared {
        scenario,
        position: payload.p,
    })
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n).collect::<String>() + "…"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let sc = engine::parse_scenario(
            r#"{"version":1,"source":{"kind":"log"},"engine":{"kind":"micro_batch"},"sink":{"kind":"append"},
               "faults":[{"kind":"crash","batch":1,"after":"sink_write"}]}"#,
        )
        .unwrap();
        let link = encode(&sc, Some(7));
        assert!(link.starts_with("v1="));
        assert!(link.len() < 300, "{} chars", link.len());
        let back = decode(&format!("http://127.0.0.1:8080/#{link}")).unwrap();
        assert_eq!(back.scenario, sc);
        assert_eq!(back.position, Some(7));
        assert!(decode("v2=abc").unwrap_err().0.contains("newer"));
        assert!(decode(&link[..link.len() - 10])
            .unwrap_err()
            .0
            .contains("damaged"));
        assert!(decode("v1=***").unwrap_err().0.contains("base64"));
        assert!(decode("").is_err());
        assert!(decode("hello").is_err());
    }
}
