//! The keyring: every published key, the active signer per algorithm, and the JWKS.

use crate::JoseError;
use josekit::jwk::Jwk;
use josekit::jwk::alg::ed::EdCurve;
use josekit::jws::{ES256, EdDSA, JwsHeader, JwsSigner, JwsVerifier, PS256, RS256};
use josekit::jwt::{self, JwtPayload};
use portvakt_core::ports::StoredKey;
use portvakt_core::random::random_token;
use portvakt_core::time::UnixTime;
use serde_json::{Map, Value};

struct Entry {
    meta: StoredKey,
    signer: Box<dyn JwsSigner>,
    verifier: Box<dyn JwsVerifier>,
    public: Jwk,
}

/// Every key from the store, ready to sign and verify.
pub struct Keyring {
    entries: Vec<Entry>,
}

/// A key's signer, verifier and public JWK, built from its PEM.
type Material = (Box<dyn JwsSigner>, Box<dyn JwsVerifier>, Jwk);

fn signer_verifier(alg: &str, pem: &str) -> Result<Material, JoseError> {
    let key_err = |e: josekit::JoseError| JoseError::Key(e.to_string());
    Ok(match alg {
        "RS256" | "PS256" => {
            let pair =
                josekit::jwk::alg::rsa::RsaKeyPair::from_pem(pem.as_bytes()).map_err(key_err)?;
            let public = pair.to_jwk_public_key();
            if alg == "RS256" {
                (
                    Box::new(
                        RS256
                            .signer_from_jwk(&pair.to_jwk_private_key())
                            .map_err(key_err)?,
                    ),
                    Box::new(RS256.verifier_from_jwk(&public).map_err(key_err)?),
                    public,
                )
            } else {
                (
                    Box::new(
                        PS256
                            .signer_from_jwk(&pair.to_jwk_private_key())
                            .map_err(key_err)?,
                    ),
                    Box::new(PS256.verifier_from_jwk(&public).map_err(key_err)?),
                    public,
                )
            }
        }
        "ES256" => {
            let pair = ES256.key_pair_from_pem(pem.as_bytes()).map_err(key_err)?;
            let public = pair.to_jwk_public_key();
            (
                Box::new(
                    ES256
                        .signer_from_jwk(&pair.to_jwk_private_key())
                        .map_err(key_err)?,
                ),
                Box::new(ES256.verifier_from_jwk(&public).map_err(key_err)?),
                public,
            )
        }
        "EdDSA" => {
            let pair = EdDSA.key_pair_from_pem(pem.as_bytes()).map_err(key_err)?;
            let public = pair.to_jwk_public_key();
            (
                Box::new(
                    EdDSA
                        .signer_from_jwk(&pair.to_jwk_private_key())
                        .map_err(key_err)?,
                ),
                Box::new(EdDSA.verifier_from_jwk(&public).map_err(key_err)?),
                public,
            )
        }
        other => return Err(JoseError::Key(format!("unsupported algorithm {other}"))),
    })
}

/// Generates a new key for `alg`, published now and signing from `active_from`.
pub fn generate_key(
    alg: &str,
    now: UnixTime,
    active_from: UnixTime,
) -> Result<StoredKey, JoseError> {
    let key_err = |e: josekit::JoseError| JoseError::Key(e.to_string());
    let pem = match alg {
        // PS256 uses a plain RSA key too (RFC 7518 §3.5); JWKs carry kty "RSA" either way.
        "RS256" | "PS256" => RS256
            .generate_key_pair(2048)
            .map_err(key_err)?
            .to_pem_private_key(),
        "ES256" => ES256
            .generate_key_pair()
            .map_err(key_err)?
            .to_pem_private_key(),
        "EdDSA" => EdDSA
            .generate_key_pair(EdCurve::Ed25519)
            .map_err(key_err)?
            .to_pem_private_key(),
        other => return Err(JoseError::Key(format!("unsupported algorithm {other}"))),
    };
    Ok(StoredKey {
        kid: random_token(12),
        alg: alg.to_owned(),
        private_pem: String::from_utf8(pem).map_err(|e| JoseError::Key(e.to_string()))?,
        created_at: now,
        active_from,
        retired_at: None,
        expires_at: None,
    })
}

impl Keyring {
    /// Builds the keyring from stored keys.
    pub fn new(keys: Vec<StoredKey>) -> Result<Self, JoseError> {
        let mut entries = Vec::with_capacity(keys.len());
        for meta in keys {
            let (signer, verifier, mut public) = signer_verifier(&meta.alg, &meta.private_pem)?;
            public.set_key_id(&meta.kid);
            public.set_algorithm(&meta.alg);
            public.set_key_use("sig");
            entries.push(Entry {
                meta,
                signer,
                verifier,
                public,
            });
        }
        Ok(Keyring { entries })
    }

    /// The key that signs `alg` at `now`: the newest whose `active_from` has passed and
    /// that is not yet retired.
    fn signer_for(&self, alg: &str, now: UnixTime) -> Option<&Entry> {
        self.entries
            .iter()
            .filter(|e| e.meta.alg == alg && e.meta.active_from <= now)
            .filter(|e| e.meta.retired_at.is_none_or(|r| r > now))
            .max_by_key(|e| e.meta.active_from)
    }

    /// The public JWK Set (RFC 7517 §5): every key not expired, none with private parts (S17).
    pub fn jwks(&self, now: UnixTime) -> Value {
        let keys: Vec<Value> = self
            .entries
            .iter()
            .filter(|e| e.meta.expires_at.is_none_or(|x| x > now))
            .map(|e| Value::Object(e.public.as_ref().clone()))
            .collect();
        serde_json::json!({ "keys": keys })
    }

    /// Signs `claims` as a JWT with the active key for `alg`; `typ` goes in the header
    /// (`JWT`, or `at+jwt` for access tokens per RFC 9068 §2.1).
    pub fn sign(
        &self,
        alg: &str,
        typ: &str,
        claims: Map<String, Value>,
        now: UnixTime,
    ) -> Result<String, JoseError> {
        let entry = self
            .signer_for(alg, now)
            .ok_or_else(|| JoseError::NoKey(alg.to_owned()))?;
        let mut header = JwsHeader::new();
        header.set_token_type(typ);
        header.set_key_id(&entry.meta.kid);
        let payload = JwtPayload::from_map(claims)?;
        Ok(jwt::encode_with_signer(
            &payload,
            &header,
            entry.signer.as_ref(),
        )?)
    }

    /// Verifies a JWT we signed: the `kid` must name a published key and the header `alg`
    /// must be that key's algorithm (no algorithm confusion, no `none`). Returns the
    /// claims and the header's `typ`. Expiry and audience are the caller's to check.
    pub fn verify(
        &self,
        token: &str,
        now: UnixTime,
    ) -> Result<(Map<String, Value>, Option<String>), JoseError> {
        let header = jwt::decode_header(token)?;
        let kid = header
            .claim("kid")
            .and_then(Value::as_str)
            .ok_or_else(|| JoseError::Invalid("no kid".into()))?;
        let alg = header
            .claim("alg")
            .and_then(Value::as_str)
            .unwrap_or("none");
        let entry = self
            .entries
            .iter()
            .find(|e| e.meta.kid == kid && e.meta.expires_at.is_none_or(|x| x > now))
            .ok_or_else(|| JoseError::Invalid("unknown kid".into()))?;
        if entry.meta.alg != alg {
            return Err(JoseError::Invalid("alg does not match the key".into()));
        }
        let (payload, header) = jwt::decode_with_verifier(token, entry.verifier.as_ref())?;
        let typ = header.token_type().map(str::to_owned);
        Ok((payload.claims_set().clone(), typ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_and_publish_every_algorithm() {
        let now = UnixTime(1_800_000_000);
        let keys: Vec<StoredKey> = crate::ALGORITHMS
            .iter()
            .map(|alg| generate_key(alg, now, now).expect("generate"))
            .collect();
        let ring = Keyring::new(keys).expect("ring");
        let jwks = ring.jwks(now);
        let published = jwks["keys"].as_array().expect("keys");
        assert_eq!(published.len(), 4);
        for k in published {
            assert!(k["kid"].is_string());
            for private in ["d", "p", "q", "dp", "dq", "qi"] {
                assert!(k.get(private).is_none(), "JWKS leaks {private}");
            }
        }
        for alg in crate::ALGORITHMS {
            let mut claims = Map::new();
            claims.insert("sub".into(), "x".into());
            let token = ring.sign(alg, "JWT", claims, now).expect("sign");
            let (back, typ) = ring.verify(&token, now).expect("verify");
            assert_eq!(back["sub"], "x");
            assert_eq!(typ.as_deref(), Some("JWT"));
        }
    }

    #[test]
    fn refuses_alg_none_and_tampering() {
        let now = UnixTime(1_800_000_000);
        let ring = Keyring::new(vec![generate_key("RS256", now, now).expect("key")]).expect("ring");
        let mut claims = Map::new();
        claims.insert("sub".into(), "x".into());
        let token = ring.sign("RS256", "JWT", claims, now).expect("sign");
        let parts: Vec<&str> = token.split('.').collect();
        let header: Value = serde_json::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, parts[0])
                .expect("b64"),
        )
        .expect("json");
        let mut none_header = header.clone();
        none_header["alg"] = "none".into();
        let enc = |v: &Value| {
            base64::Engine::encode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                v.to_string(),
            )
        };
        let unsigned = format!("{}.{}.", enc(&none_header), parts[1]);
        assert!(ring.verify(&unsigned, now).is_err());
        let tampered = format!("{}.{}x.{}", parts[0], parts[1], parts[2]);
        assert!(ring.verify(&tampered, now).is_err());
    }
}
