//! HighLevel's published webhook public keys (public facts, shipped as text) and the
//! one reader of PEM armour.
//!
//! The core never verifies a signature itself: it hands the key (SPKI, base64 DER) and
//! the signature to the host, whose platform primitive (`node:crypto`, WebCrypto) verifies.

use super::SourceError;

/// HighLevel's Ed25519 key for `X-GHL-Signature` (SPKI PEM, from its webhook guide).
pub const GHL_ED25519_PUBLIC_KEY_PEM: &str = include_str!("keys/ghl-webhook-ed25519.pem");

/// HighLevel's RSA key for the legacy `X-WH-Signature` (4096-bit SPKI PEM).
pub const GHL_RSA_PUBLIC_KEY_PEM: &str = include_str!("keys/ghl-webhook-rsa.pem");

/// The base64 DER body of an SPKI PEM (`-----BEGIN PUBLIC KEY-----`), white space removed.
/// `what` names the setting in the error.
pub fn spki_base64(pem: &str, what: &str) -> Result<String, SourceError> {
    let bad = |reason: &str| SourceError::Config {
        field: what.to_string(),
        reason: reason.to_string(),
    };
    let text = pem.trim();
    let body = text
        .strip_prefix("-----BEGIN PUBLIC KEY-----")
        .and_then(|t| t.strip_suffix("-----END PUBLIC KEY-----"))
        .ok_or_else(|| {
            bad("not an SPKI PEM (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----)")
        })?;
    let b64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if b64.is_empty() || b64.len() > 8192 || !is_base64(&b64) {
        return Err(bad("the PEM body is not base64"));
    }
    Ok(b64)
}

/// True for standard base64 text (A-Z a-z 0-9 + /, up to two `=` at the end, length a
/// multiple of 4).
pub fn is_base64(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || b.len() % 4 != 0 {
        return false;
    }
    let body = s.trim_end_matches('=');
    b.len() - body.len() <= 2
        && body
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_keys_have_spki_bodies() {
        let ed = spki_base64(GHL_ED25519_PUBLIC_KEY_PEM, "ed25519").unwrap();
        // The SPKI prefix of an Ed25519 key (OID 1.3.101.112) and the published raw key.
        assert_eq!(
            ed,
            "MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg="
        );
        let rsa = spki_base64(GHL_RSA_PUBLIC_KEY_PEM, "rsa").unwrap();
        assert!(
            rsa.starts_with("MIICIjANBgkqhkiG9w0BAQEFAAOCAg8A"),
            "4096-bit RSA SPKI"
        );
    }

    #[test]
    fn bad_pems_are_config_errors() {
        for bad in [
            "",
            "MCowBQ==",
            "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----",
            "-----BEGIN PUBLIC KEY-----\nnot*base64\n-----END PUBLIC KEY-----",
        ] {
            assert!(
                matches!(spki_base64(bad, "k"), Err(SourceError::Config { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn base64_shape() {
        assert!(is_base64("QUJD") && is_base64("QUI=") && is_base64("QQ=="));
        assert!(!is_base64("QQ=") && !is_base64("Q===") && !is_base64("QU-D") && !is_base64(""));
    }
}
