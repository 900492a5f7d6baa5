//! Verifying a JWT signed by someone else (a client's `private_key_jwt` assertion)
//! against their JWK Set.

use crate::JoseError;
use josekit::jwk::{Jwk, JwkSet};
use josekit::jws::{ES256, EdDSA, JwsVerifier, PS256, RS256};
use josekit::jwt;
use serde_json::{Map, Value};

fn verifier(alg: &str, jwk: &Jwk) -> Result<Box<dyn JwsVerifier>, JoseError> {
    Ok(match alg {
        "RS256" => Box::new(RS256.verifier_from_jwk(jwk)?),
        "PS256" => Box::new(PS256.verifier_from_jwk(jwk)?),
        "ES256" => Box::new(ES256.verifier_from_jwk(jwk)?),
        "EdDSA" => Box::new(EdDSA.verifier_from_jwk(jwk)?),
        other => {
            return Err(JoseError::Invalid(format!(
                "algorithm {other} not accepted"
            )));
        }
    })
}

/// Verifies `token` with a key from `jwks_json` chosen by `kid` (or, without `kid`, the
/// only key of a matching type). Only asymmetric algorithms are accepted. Returns the claims.
pub fn verify_with_jwks(token: &str, jwks_json: &str) -> Result<Map<String, Value>, JoseError> {
    let header = jwt::decode_header(token)?;
    let alg = header
        .claim("alg")
        .and_then(Value::as_str)
        .unwrap_or("none");
    if !crate::ALGORITHMS.contains(&alg) {
        return Err(JoseError::Invalid(format!("algorithm {alg} not accepted")));
    }
    let set =
        JwkSet::from_bytes(jwks_json.as_bytes()).map_err(|e| JoseError::Key(e.to_string()))?;
    let kty = match alg {
        "ES256" => "EC",
        "EdDSA" => "OKP",
        _ => "RSA",
    };
    let candidates: Vec<&Jwk> = match header.claim("kid").and_then(Value::as_str) {
        Some(kid) => set.get(kid),
        None => set
            .keys()
            .into_iter()
            .filter(|k| k.key_type() == kty)
            .collect(),
    };
    let [jwk] = candidates.as_slice() else {
        return Err(JoseError::Invalid(
            "no single matching key in the client's JWKS".into(),
        ));
    };
    if jwk.algorithm().is_some_and(|a| a != alg) {
        return Err(JoseError::Invalid("alg does not match the key".into()));
    }
    let v = verifier(alg, jwk)?;
    let (payload, _) = jwt::decode_with_verifier(token, v.as_ref())?;
    Ok(payload.claims_set().clone())
}

/// Checks a client's JWK Set for `check-config`: every key must be usable for signature
/// verification with one of our algorithms (its `alg`, or the usual one for its `kty`).
/// Returns the number of keys.
pub fn check_jwks(jwks_json: &str) -> Result<usize, JoseError> {
    let set =
        JwkSet::from_bytes(jwks_json.as_bytes()).map_err(|e| JoseError::Key(e.to_string()))?;
    let keys = set.keys();
    if keys.is_empty() {
        return Err(JoseError::Key("the JWK Set has no keys".into()));
    }
    for jwk in &keys {
        let alg = match (jwk.algorithm(), jwk.key_type()) {
            (Some(a), _) => a,
            (None, "RSA") => "RS256",
            (None, "EC") => "ES256",
            (None, "OKP") => "EdDSA",
            (None, other) => {
                return Err(JoseError::Key(format!(
                    "key type {other} cannot verify signatures"
                )));
            }
        };
        verifier(alg, jwk).map_err(|e| JoseError::Key(format!("key {:?}: {e}", jwk.key_id())))?;
    }
    Ok(keys.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use josekit::jws::ES256;

    #[test]
    fn check_jwks_accepts_usable_keys_and_names_bad_ones() {
        let key = ES256.generate_key_pair().expect("key").to_jwk_public_key();
        let good = serde_json::json!({ "keys": [Value::Object(key.as_ref().clone())] }).to_string();
        assert_eq!(check_jwks(&good).expect("usable"), 1);
        assert!(check_jwks(r#"{"keys": []}"#).is_err(), "no keys");
        assert!(
            check_jwks(r#"{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}"#).is_err(),
            "symmetric"
        );
        assert!(
            check_jwks(r#"{"keys": [{"kty": "EC", "crv": "P-256", "x": "AA"}]}"#).is_err(),
            "broken"
        );
        assert!(check_jwks("not json").is_err());
    }
}
