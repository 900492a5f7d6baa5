//! Key rotation (S17): publish first, sign later, keep the old public key until every
//! token it signed has expired.

use crate::{JoseError, generate_key};
use portvakt_core::ports::StoredKey;
use portvakt_core::time::UnixTime;
use std::time::Duration;

/// What a rotation writes.
#[derive(Debug)]
pub struct RotationPlan {
    /// New keys, published now, signing from `now + activation_delay`.
    pub new_keys: Vec<StoredKey>,
    /// `(kid, retired_at, expires_at)` for every key the new ones replace.
    pub retire: Vec<(String, UnixTime, UnixTime)>,
}

/// Plans a rotation of every algorithm in `algorithms`. A replaced key signs until the
/// new one activates and stays published for `max_token_lifetime` after that.
pub fn plan_rotation(
    existing: &[StoredKey],
    algorithms: &[String],
    now: UnixTime,
    activation_delay: Duration,
    max_token_lifetime: Duration,
) -> Result<RotationPlan, JoseError> {
    let active_from = now.plus(activation_delay);
    let mut plan = RotationPlan {
        new_keys: Vec::new(),
        retire: Vec::new(),
    };
    for alg in algorithms {
        plan.new_keys.push(generate_key(alg, now, active_from)?);
        for old in existing
            .iter()
            .filter(|k| &k.alg == alg && k.retired_at.is_none())
        {
            plan.retire.push((
                old.kid.clone(),
                active_from,
                active_from.plus(max_token_lifetime),
            ));
        }
    }
    Ok(plan)
}

/// Keys to retire because their algorithm is no longer in `keys.algorithms`: each
/// stops signing now and leaves the JWKS once every token it signed has expired, so a
/// relying party whose JOSE library cannot read a key type (Ed25519, say) stops seeing
/// it without a restart of anything. Keys already retired keep their dates.
pub fn plan_unconfigured_retirement(
    existing: &[StoredKey],
    algorithms: &[String],
    now: UnixTime,
    max_token_lifetime: Duration,
) -> Vec<(String, UnixTime, UnixTime)> {
    existing
        .iter()
        .filter(|k| k.retired_at.is_none() && !algorithms.contains(&k.alg))
        .map(|k| (k.kid.clone(), now, now.plus(max_token_lifetime)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Keyring;

    #[test]
    fn new_key_is_published_before_it_signs_and_old_key_stays() {
        let t0 = UnixTime(1_800_000_000);
        let old = generate_key("ES256", t0, t0).expect("key");
        let plan = plan_rotation(
            std::slice::from_ref(&old),
            &["ES256".into()],
            t0.plus(Duration::from_secs(10)),
            Duration::from_secs(3600),
            Duration::from_secs(300),
        )
        .expect("plan");
        let (kid, retired, expires) = plan.retire[0].clone();
        assert_eq!(kid, old.kid);
        let mut keys = vec![old.clone()];
        keys[0].retired_at = Some(retired);
        keys[0].expires_at = Some(expires);
        keys.extend(plan.new_keys.clone());
        let ring = Keyring::new(keys).expect("ring");
        let kid_of = |token: &str| {
            let h = josekit::jwt::decode_header(token).expect("header");
            h.claim("kid").and_then(|v| v.as_str()).map(str::to_owned)
        };
        let sign_at = |t: UnixTime| {
            ring.sign("ES256", "JWT", serde_json::Map::new(), t)
                .expect("sign")
        };
        // Before activation: both published, the old one signs.
        let before = t0.plus(Duration::from_secs(60));
        assert_eq!(ring.jwks(before)["keys"].as_array().map(Vec::len), Some(2));
        assert_eq!(kid_of(&sign_at(before)), Some(old.kid.clone()));
        // After activation: the new one signs, the old one is still published.
        let after = retired.plus(Duration::from_secs(1));
        assert_eq!(kid_of(&sign_at(after)), Some(plan.new_keys[0].kid.clone()));
        assert_eq!(ring.jwks(after)["keys"].as_array().map(Vec::len), Some(2));
        // Once its tokens have expired, the old key leaves the JWKS.
        let later = expires.plus(Duration::from_secs(1));
        assert_eq!(ring.jwks(later)["keys"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn keys_of_unconfigured_algorithms_retire_once() {
        let t0 = UnixTime(1_800_000_000);
        let ed = generate_key("EdDSA", t0, t0).expect("key");
        let es = generate_key("ES256", t0, t0).expect("key");
        let mut old_ed = generate_key("EdDSA", t0, t0).expect("key");
        old_ed.retired_at = Some(t0);
        let later = t0.plus(Duration::from_secs(100));
        let plan = plan_unconfigured_retirement(
            &[ed.clone(), es, old_ed],
            &["ES256".into()],
            later,
            Duration::from_secs(360),
        );
        assert_eq!(
            plan,
            vec![(ed.kid, later, later.plus(Duration::from_secs(360)))]
        );
    }
}
