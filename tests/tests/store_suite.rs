//! One suite for every storage implementation: the ephemeral store on process memory
//! and on Redis, the SQL store on SQLite and on PostgreSQL.

use portvakt_core::account::Account;
use portvakt_core::acr::Amr;
use portvakt_core::audit::{AuditEvent, AuditKind};
use portvakt_core::ephemeral::{Ephemeral, Redemption};
use portvakt_core::grant::{AuthorizationCode, Grant, RefreshTokenRecord, Rotation};
use portvakt_core::i18n::Lang;
use portvakt_core::identity::Personnummer;
use portvakt_core::ids::{AccountId, ClientId, GrantId};
use portvakt_core::notify::outbox::DevOutbox;
use portvakt_core::notify::{
    Brand, EmailMessage, Limit, Messenger, NotSent, SendContext, SendError, SendLimits, SmsMessage,
};
use portvakt_core::phone::MobileNumber;
use portvakt_core::ports::EphemeralStore;
use portvakt_core::ports::{
    AccountRepo, AuditLog, Consumed, GrantRepo, KeyRepo, StoreError, StoredKey,
};
use portvakt_core::secret::Secret;
use portvakt_core::time::UnixTime;
use portvakt_tests::{Backend, ephemeral_store, on_both_backends, sql_store};
use std::sync::Arc;
use std::time::Duration;

const T: Duration = Duration::from_secs(60);

async fn ephemeral_put_get_take_delete(backend: Backend) {
    let s = ephemeral_store(backend).await;
    assert_eq!(s.get("a").await.expect("get"), None);
    s.put("a", b"1", T).await.expect("put");
    assert_eq!(s.get("a").await.expect("get"), Some(b"1".to_vec()));
    s.put("a", b"2", T).await.expect("overwrite");
    assert_eq!(s.take("a").await.expect("take"), Some(b"2".to_vec()));
    assert_eq!(s.take("a").await.expect("take again"), None);
    s.put("b", b"x", T).await.expect("put");
    s.delete("b").await.expect("delete");
    assert_eq!(s.get("b").await.expect("get"), None);
}

async fn ephemeral_values_expire(backend: Backend) {
    let s = ephemeral_store(backend).await;
    s.put("short", b"1", Duration::from_millis(300))
        .await
        .expect("put");
    assert!(s.get("short").await.expect("get").is_some());
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(s.get("short").await.expect("get"), None);
    assert_eq!(s.take("short").await.expect("take"), None);
}

async fn ephemeral_put_if_absent(backend: Backend) {
    let s = ephemeral_store(backend).await;
    assert!(s.put_if_absent("jti", b"1", T).await.expect("first"));
    assert!(!s.put_if_absent("jti", b"2", T).await.expect("second"));
    assert_eq!(s.get("jti").await.expect("get"), Some(b"1".to_vec()));
}

async fn ephemeral_replace_never_resurrects(backend: Backend) {
    let s = ephemeral_store(backend).await;
    assert!(!s.replace("r", b"1", T).await.expect("absent"));
    assert_eq!(s.get("r").await.expect("get"), None);
    s.put("r", b"1", T).await.expect("put");
    assert!(s.replace("r", b"2", T).await.expect("present"));
    assert_eq!(s.take("r").await.expect("take"), Some(b"2".to_vec()));
    assert!(!s.replace("r", b"3", T).await.expect("taken"));
    assert_eq!(
        s.get("r").await.expect("get"),
        None,
        "a taken value stays gone"
    );
}

async fn ephemeral_increment_is_a_fixed_window(backend: Backend) {
    let s = ephemeral_store(backend).await;
    for expected in 1..=5 {
        assert_eq!(
            s.increment("count", Duration::from_millis(400))
                .await
                .expect("incr"),
            expected
        );
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(s.increment("count", T).await.expect("incr after window"), 1);
}

/// A count taken in advance is given back: never below zero, never reviving an
/// expired window, and the window itself is kept.
async fn ephemeral_decrement_gives_back(backend: Backend) {
    let s = ephemeral_store(backend).await;
    assert_eq!(s.decrement("absent").await.expect("decr absent"), 0);
    assert_eq!(s.get("absent").await.expect("get"), None, "not created");
    let window = Duration::from_millis(600);
    for _ in 0..3 {
        s.increment("n", window).await.expect("incr");
    }
    assert_eq!(s.decrement("n").await.expect("decr"), 2);
    assert_eq!(s.increment("n", window).await.expect("incr"), 3);
    for _ in 0..5 {
        s.decrement("n").await.expect("decr");
    }
    assert_eq!(
        s.increment("n", window).await.expect("incr"),
        1,
        "never below zero"
    );
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(s.decrement("n").await.expect("decr expired"), 0);
    assert_eq!(s.get("n").await.expect("get"), None, "the window was kept");
}

async fn ephemeral_consume_once(backend: Backend) {
    let s = ephemeral_store(backend).await;
    assert_eq!(
        s.consume_once("code", T).await.expect("missing"),
        Consumed::Missing
    );
    s.put("code", b"v", T).await.expect("put");
    assert_eq!(
        s.consume_once("code", T).await.expect("first"),
        Consumed::Fresh(b"v".to_vec())
    );
    assert_eq!(
        s.consume_once("code", T).await.expect("second"),
        Consumed::Spent(b"v".to_vec())
    );
}

/// S6: twenty parallel takers of one value, exactly one wins (take and consume_once).
async fn ephemeral_parallel_single_use(backend: Backend) {
    let s = ephemeral_store(backend).await;
    for op in ["take", "consume"] {
        s.put("one", b"v", T).await.expect("put");
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                if op == "take" {
                    s.take("one").await.expect("take").is_some()
                } else {
                    matches!(
                        s.consume_once("one", T).await.expect("consume"),
                        Consumed::Fresh(_)
                    )
                }
            }));
        }
        let mut wins = 0;
        for t in tasks {
            wins += usize::from(t.await.expect("join"));
        }
        assert_eq!(wins, 1, "{op}: exactly one winner");
        s.delete("one:spent").await.expect("clean");
    }
}

fn code_record() -> AuthorizationCode {
    AuthorizationCode {
        grant_id: GrantId::generate(),
        client_id: ClientId("rp".into()),
        redirect_uri: "https://rp.example/cb".into(),
        code_challenge: None,
        nonce: Some("n".into()),
        account_id: AccountId("acc".into()),
        scope: "openid".into(),
        claims: None,
        acr: "urn:portvakt:acr:password".into(),
        amr: vec![Amr::Pwd],
        auth_time: UnixTime::now(),
        sid: "sid".into(),
        password_generation: 0,
    }
}

async fn typed_codes_and_replay_cache(backend: Backend) {
    let e = Ephemeral::new(ephemeral_store(backend).await);
    let record = code_record();
    let code = e.issue_code(&record, T).await.expect("issue");
    assert!(code.len() >= 43, "a code carries at least 256 bits");
    assert!(
        matches!(e.redeem_code(&code).await.expect("redeem"), Redemption::Fresh(r) if r.grant_id == record.grant_id)
    );
    assert!(
        matches!(e.redeem_code(&code).await.expect("reuse"), Redemption::Reused(r) if r.grant_id == record.grant_id)
    );
    assert!(matches!(
        e.redeem_code("nonsense").await.expect("missing"),
        Redemption::Missing
    ));
    let client = ClientId("rp".into());
    assert!(e.remember_jti(&client, "j1", T).await.expect("first"));
    assert!(!e.remember_jti(&client, "j1", T).await.expect("replay"));
    assert!(
        e.remember_jti(&ClientId("other".into()), "j1", T)
            .await
            .expect("other client")
    );
    assert!(!e.is_access_token_revoked("at").await.expect("not revoked"));
    e.revoke_access_token("at", T).await.expect("revoke");
    assert!(e.is_access_token_revoked("at").await.expect("revoked"));
}

fn account(username: &str) -> Account {
    let mut a = Account::new(UnixTime(1_800_000_000));
    a.username = Some(username.into());
    a.name = Some("Anna".into());
    a
}

async fn sql_accounts(backend: Backend) {
    let (s, _guard) = sql_store(backend).await;
    let mut a = account("anna");
    a.personnummer = Some(Personnummer::parse("9001010017", (2026, 1, 1)).expect("pnr"));
    a.customer_number = Some("100200".into());
    a.password_hash = Some("h1".into());
    s.insert_account(&a).await.expect("insert");
    assert_eq!(s.find_account(&a.id).await.expect("find"), Some(a.clone()));
    assert_eq!(
        s.find_by_username("anna").await.expect("by username"),
        Some(a.clone())
    );
    assert_eq!(s.find_by_username("Anna").await.expect("case"), None);
    assert_eq!(
        s.find_by_customer_number("100200")
            .await
            .expect("by number"),
        Some(a.clone())
    );
    let pnr = a.personnummer.clone().expect("pnr");
    assert_eq!(
        s.find_by_personnummer(&pnr).await.expect("by pnr"),
        Some(a.clone())
    );
    // Every identifier is unique.
    let mut dup = account("anna");
    assert!(matches!(
        s.insert_account(&dup).await,
        Err(StoreError::Conflict("username"))
    ));
    dup.username = Some("other".into());
    dup.personnummer = Some(pnr);
    assert!(matches!(
        s.insert_account(&dup).await,
        Err(StoreError::Conflict("personnummer"))
    ));
    // Password change keeps the history, newest first.
    s.set_password(&a.id, "h2", UnixTime(1_800_000_100))
        .await
        .expect("set");
    s.set_password(&a.id, "h3", UnixTime(1_800_000_200))
        .await
        .expect("set");
    assert_eq!(
        s.password_history(&a.id, 10).await.expect("history"),
        vec!["h2".to_string(), "h1".to_string()]
    );
    let now = s.find_account(&a.id).await.expect("find").expect("exists");
    assert_eq!(now.password_hash.as_deref(), Some("h3"));
    assert_eq!(now.updated_at, UnixTime(1_800_000_200));
    s.set_locked(
        &a.id,
        Some(UnixTime(1_800_000_300)),
        UnixTime(1_800_000_300),
    )
    .await
    .expect("lock");
    assert!(
        s.find_account(&a.id)
            .await
            .expect("find")
            .expect("exists")
            .is_locked()
    );
    s.set_locked(&a.id, None, UnixTime(1_800_000_400))
        .await
        .expect("unlock");
    assert!(
        !s.find_account(&a.id)
            .await
            .expect("find")
            .expect("exists")
            .is_locked()
    );
    s.insert_account(&account("bertil")).await.expect("second");
    assert_eq!(s.list_accounts(10, 0).await.expect("list").len(), 2);
    assert_eq!(s.list_accounts(10, 1).await.expect("offset").len(), 1);
}

async fn grant_fixture(s: &dyn AccountRepo) -> Grant {
    let a = account("grant-owner");
    s.insert_account(&a).await.expect("account");
    let now = UnixTime::now();
    Grant {
        id: GrantId::generate(),
        client_id: ClientId("rp".into()),
        account_id: a.id,
        scope: "openid email".into(),
        claims: Some("{\"id_token\":{}}".into()),
        acr: "urn:portvakt:acr:password".into(),
        amr: vec![Amr::Pwd, Amr::Otp],
        auth_time: now,
        sid: "sid-1".into(),
        created_at: now,
        expires_at: now.plus(Duration::from_secs(3600)),
        revoked_at: None,
    }
}

fn refresh(grant: &Grant, hash: &str, ttl: Duration) -> RefreshTokenRecord {
    let now = UnixTime::now();
    RefreshTokenRecord {
        token_hash: hash.into(),
        grant_id: grant.id.clone(),
        created_at: now,
        expires_at: now.plus(ttl),
        used_at: None,
    }
}

async fn sql_grants_and_rotation(backend: Backend) {
    let (s, _guard) = sql_store(backend).await;
    let g = grant_fixture(&s).await;
    s.create_grant(&g, Some(&refresh(&g, "r1", T)))
        .await
        .expect("create");
    assert_eq!(s.find_grant(&g.id).await.expect("find"), Some(g.clone()));
    let now = UnixTime::now();
    assert_eq!(
        s.rotate_refresh_token("r1", &refresh(&g, "r2", T), now)
            .await
            .expect("rotate"),
        Rotation::Rotated
    );
    assert_eq!(
        s.rotate_refresh_token("r1", &refresh(&g, "r3", T), now)
            .await
            .expect("reuse"),
        Rotation::Reused { used_at: now }
    );
    // A grace answer adds a sibling; a non-rotating refresh extends an unused token.
    s.add_refresh_token(&refresh(&g, "r3", T))
        .await
        .expect("add");
    let later = UnixTime(now.0 + 3600);
    assert!(
        s.extend_refresh_token("r3", later, now)
            .await
            .expect("extend")
    );
    assert_eq!(
        s.find_refresh_token("r3")
            .await
            .expect("find")
            .map(|r| r.expires_at),
        Some(later)
    );
    assert!(
        !s.extend_refresh_token("r1", later, now)
            .await
            .expect("used"),
        "a used token is not extended"
    );
    assert!(
        !s.extend_refresh_token("nope", later, now)
            .await
            .expect("unknown")
    );
    assert_eq!(
        s.rotate_refresh_token("nope", &refresh(&g, "r4", T), now)
            .await
            .expect("unknown"),
        Rotation::NotFound
    );
    // An expired token is refused without being marked used.
    let expired_rec = RefreshTokenRecord {
        expires_at: UnixTime(now.0 - 1),
        ..refresh(&g, "expired", T)
    };
    let g2 = Grant {
        id: GrantId::generate(),
        ..g.clone()
    };
    s.create_grant(
        &g2,
        Some(&RefreshTokenRecord {
            grant_id: g2.id.clone(),
            ..expired_rec
        }),
    )
    .await
    .expect("grant with expired token");
    assert_eq!(
        s.rotate_refresh_token("expired", &refresh(&g2, "r5", T), now)
            .await
            .expect("expired"),
        Rotation::Expired
    );
    s.revoke_grant(&g.id, now).await.expect("revoke");
    s.revoke_grant(&g.id, now)
        .await
        .expect("revoke twice is fine");
    s.revoke_grant(&GrantId("unknown".into()), now)
        .await
        .expect("revoke unknown is fine");
    assert_eq!(
        s.find_grant(&g.id)
            .await
            .expect("find")
            .and_then(|g| g.revoked_at),
        Some(now)
    );
    // Logout revokes a session's grants, but not offline access.
    let online = Grant {
        id: GrantId::generate(),
        sid: "sid-2".into(),
        ..g.clone()
    };
    let offline = Grant {
        id: GrantId::generate(),
        sid: "sid-2".into(),
        scope: "offline_access openid".into(),
        ..g.clone()
    };
    let elsewhere = Grant {
        id: GrantId::generate(),
        sid: "sid-3".into(),
        ..g.clone()
    };
    for x in [&online, &offline, &elsewhere] {
        s.create_grant(x, None).await.expect("grant");
    }
    assert_eq!(
        s.revoke_session_grants("sid-2", now)
            .await
            .expect("revoke session"),
        1
    );
    for (grant, expect_revoked) in [(&online, true), (&offline, false), (&elsewhere, false)] {
        let stored = s
            .find_grant(&grant.id)
            .await
            .expect("find")
            .expect("exists");
        assert_eq!(
            stored.revoked_at.is_some(),
            expect_revoked,
            "{}",
            grant.scope
        );
    }
    let r2 = s
        .find_refresh_token("r2")
        .await
        .expect("find")
        .expect("exists");
    assert_eq!(r2.grant_id, g.id);
    assert_eq!(r2.used_at, None);
}

/// S6: twenty parallel rotations of one refresh token, exactly one succeeds.
async fn sql_parallel_rotation(backend: Backend) {
    let (s, _guard) = sql_store(backend).await;
    let g = grant_fixture(&s).await;
    s.create_grant(&g, Some(&refresh(&g, "shared", T)))
        .await
        .expect("create");
    let s = Arc::new(s);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let s = s.clone();
        let next = refresh(&g, &format!("next-{i}"), T);
        tasks.push(tokio::spawn(async move {
            s.rotate_refresh_token("shared", &next, UnixTime::now())
                .await
        }));
    }
    let mut rotated = 0;
    for t in tasks {
        match t.await.expect("join").expect("rotate") {
            Rotation::Rotated => rotated += 1,
            Rotation::Reused { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(rotated, 1);
}

async fn sql_keys_and_audit(backend: Backend) {
    let (s, _guard) = sql_store(backend).await;
    let now = UnixTime(1_800_000_000);
    let key = |kid: &str| StoredKey {
        kid: kid.into(),
        alg: "ES256".into(),
        private_pem: "pem".into(),
        created_at: now,
        active_from: now,
        retired_at: None,
        expires_at: None,
    };
    s.insert_key(&key("k1")).await.expect("k1");
    s.insert_key(&key("k2")).await.expect("k2");
    s.retire_key("k1", now, UnixTime(now.0 + 100))
        .await
        .expect("retire");
    let at = |t: i64| UnixTime(t);
    let kids = |keys: Vec<StoredKey>| keys.into_iter().map(|k| k.kid).collect::<Vec<_>>();
    assert_eq!(
        kids(s.list_keys(at(now.0 + 50)).await.expect("list")),
        vec!["k1", "k2"]
    );
    assert_eq!(
        kids(s.list_keys(at(now.0 + 101)).await.expect("list")),
        vec!["k2"]
    );
    s.record(
        &AuditEvent::now(AuditKind::LoginFailed)
            .client(&ClientId("rp".into()))
            .detail("password"),
    )
    .await
    .expect("record");
    s.record(&AuditEvent::now(AuditKind::LoginSucceeded).account(&AccountId("a".into())))
        .await
        .expect("record");
    let recent = s.recent(10).await.expect("recent");
    assert_eq!(recent.len(), 2);
    assert_eq!(recent[0].kind, AuditKind::LoginSucceeded);
    assert_eq!(recent[1].detail.as_deref(), Some("password"));
}

async fn ephemeral_push_recent_keeps_the_newest(backend: Backend) {
    let s = ephemeral_store(backend).await;
    assert!(s.recent("list").await.expect("empty").is_empty());
    for i in 1..=5u8 {
        s.push_recent("list", &[i], 3, Duration::from_millis(500))
            .await
            .expect("push");
    }
    assert_eq!(
        s.recent("list").await.expect("recent"),
        vec![vec![5], vec![4], vec![3]],
        "newest first, the newest three kept"
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(s.recent("list").await.expect("expired").is_empty());
}

/// A messenger over the development outbox on this backend pair's ephemeral store,
/// auditing to its SQL store.
async fn messenger(
    backend: Backend,
    limits: SendLimits,
) -> (Messenger, DevOutbox, Arc<dyn EphemeralStore>, SqlGuard) {
    let store = ephemeral_store(backend).await;
    let (sql, guard) = sql_store(backend).await;
    let outbox = DevOutbox::new(store.clone(), T);
    let messenger = Messenger::new(
        Some(Arc::new(outbox.clone())),
        Some(Arc::new(outbox.clone())),
        store.clone(),
        Arc::new(sql.clone()),
        limits,
    );
    (messenger, outbox, store, (sql, guard))
}

type SqlGuard = (portvakt_store::SqlStore, portvakt_tests::DatabaseGuard);

fn login_code() -> SmsMessage {
    SmsMessage::LoginCode {
        code: Secret::new("4821"),
        valid_minutes: 10,
    }
}

async fn send_limits_hold_under_parallel_sends(backend: Backend) {
    let limits = SendLimits {
        per_account: 5,
        per_destination: 100,
        per_address: 100,
        window: T,
    };
    let (messenger, outbox, _store, (sql, _guard)) = messenger(backend, limits).await;
    let account = AccountId("anna".into());
    let client = ClientId("dexter".into());
    let brand = Brand {
        client_name: "Dexter".into(),
        email_sender_name: None,
        sms_from: None,
    };
    let number = MobileNumber::parse("070-123 45 67").expect("mobile");
    let sends = (0..20).map(|_| {
        let messenger = messenger.clone();
        let (account, client, brand, number) = (
            account.clone(),
            client.clone(),
            brand.clone(),
            number.clone(),
        );
        tokio::spawn(async move {
            let cx = SendContext {
                account: Some(&account),
                client: Some(&client),
                ip: Some("192.0.2.7".parse().expect("ip")),
                lang: Lang::Sv,
                brand: &brand,
            };
            messenger.send_sms(&number, &login_code(), &cx).await
        })
    });
    let results: Vec<_> = futures::future::join_all(sends)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let sent = results.iter().filter(|r| r.is_ok()).count();
    let limited = results
        .iter()
        .filter(|r| matches!(r, Err(NotSent::Limited(Limit::Account))))
        .count();
    assert_eq!((sent, limited), (5, 15), "{results:?}");
    let kept = outbox.messages().await.expect("outbox");
    assert_eq!(kept.len(), 5);
    assert_eq!(
        kept[0].text,
        "Din engångskod till Dexter är 4821. Den gäller i 10 minuter."
    );
    let events = sql.recent(100).await.expect("audit");
    let of = |kind| events.iter().filter(|e| e.kind == kind).count();
    assert_eq!(of(AuditKind::MessageSent), 5);
    assert_eq!(of(AuditKind::MessageNotSent), 15);
    for e in &events {
        let detail = e.detail.as_deref().unwrap_or_default();
        assert!(
            detail.contains("purpose=login_code channel=sms to=+4670*****67"),
            "{detail}"
        );
        assert!(!detail.contains("4821") && !detail.contains("+46701234567"));
        assert_eq!(e.account_id.as_ref(), Some(&account));
        assert_eq!(e.client_id.as_ref(), Some(&client));
    }
    assert!(events.iter().any(|e| {
        e.detail
            .as_deref()
            .is_some_and(|d| d.ends_with("reason=limit:account"))
    }));
}

async fn a_refused_send_gives_back_the_other_counts(backend: Backend) {
    let limits = SendLimits {
        per_account: 10,
        per_destination: 2,
        per_address: 10,
        window: T,
    };
    let (messenger, _outbox, store, _sql) = messenger(backend, limits).await;
    let account = AccountId("bertil".into());
    let brand = Brand::portvakt();
    let cx = SendContext {
        account: Some(&account),
        client: None,
        ip: Some("2001:db8:1:2::7".parse().expect("ip")),
        lang: Lang::En,
        brand: &brand,
    };
    let first = MobileNumber::parse("0701234567").expect("mobile");
    let second = MobileNumber::parse("0731234567").expect("mobile");
    for _ in 0..2 {
        messenger
            .send_sms(&first, &SmsMessage::Test, &cx)
            .await
            .expect("within the limits");
    }
    assert_eq!(
        messenger.send_sms(&first, &SmsMessage::Test, &cx).await,
        Err(NotSent::Limited(Limit::Destination))
    );
    let count = |key: &'static str| {
        let store = store.clone();
        async move {
            String::from_utf8(store.get(key).await.expect("get").unwrap_or_default())
                .expect("utf-8")
        }
    };
    assert_eq!(count("send:account:bertil").await, "2", "given back");
    let destination = format!(
        "send:destination:{}",
        portvakt_core::random::token_hash("+46701234567")
    );
    assert_eq!(
        String::from_utf8(
            store
                .get(&destination)
                .await
                .expect("get")
                .unwrap_or_default()
        )
        .expect("utf-8"),
        "2",
        "the refusing counter gives back too: it counts sends, not refusals"
    );
    assert_eq!(
        count("send:address:2001:db8:1:2::/64").await,
        "2",
        "given back"
    );
    messenger
        .send_sms(&second, &SmsMessage::Test, &cx)
        .await
        .expect("another number");
    assert_eq!(count("send:account:bertil").await, "3");

    // No gateway for a channel: a typed failure, nothing counted.
    let bare = Messenger::new(None, None, store.clone(), Arc::new(NoAudit), limits);
    assert!(matches!(
        bare.send_email("anna@example.se", &EmailMessage::Test, &cx)
            .await,
        Err(NotSent::Failed(SendError::Config(_)))
    ));
    assert_eq!(count("send:account:bertil").await, "3");
}

/// A person a method identified: found, refused, created once however many log in in
/// parallel, and refused while an administrator's lock holds.
async fn persons_are_resolved_by_policy(backend: Backend) {
    use portvakt_core::person::{
        IdentifiedPerson, PersonResolution, UnknownPersonPolicy, resolve_person,
    };
    let (sql, _guard) = sql_store(backend).await;
    let now = UnixTime(1_800_000_000);
    let person = IdentifiedPerson {
        personnummer: Personnummer::parse("19811218-9876", (2026, 12, 2)).expect("pnr"),
        given_name: Some("Karl".into()),
        family_name: Some("Karlsson".into()),
    };
    assert_eq!(
        resolve_person(&sql, &person, UnknownPersonPolicy::Refuse, now)
            .await
            .expect("resolve"),
        PersonResolution::NoAccount
    );
    let sql = Arc::new(sql);
    let creates = (0..10).map(|_| {
        let (sql, person) = (sql.clone(), person.clone());
        tokio::spawn(async move {
            resolve_person(&*sql, &person, UnknownPersonPolicy::Create, now)
                .await
                .expect("resolve")
        })
    });
    let results: Vec<_> = futures::future::join_all(creates)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let created: Vec<&Account> = results
        .iter()
        .filter_map(|r| match r {
            PersonResolution::Created(a) => Some(a),
            _ => None,
        })
        .collect();
    assert_eq!(
        created.len(),
        1,
        "one account for ten first logins: {results:?}"
    );
    let id = created[0].id.clone();
    assert!(results.iter().all(|r| match r {
        PersonResolution::Created(a) | PersonResolution::Found(a) => a.id == id,
        _ => false,
    }));
    assert_eq!(created[0].name.as_deref(), Some("Karl Karlsson"));
    sql.set_locked(&id, Some(now), now).await.expect("lock");
    assert_eq!(
        resolve_person(&*sql, &person, UnknownPersonPolicy::Create, now)
            .await
            .expect("resolve"),
        PersonResolution::Locked
    );
}

/// A method's failure lockout: after the last allowed failure that method refuses (not
/// another), until its deadline on the clock or, without one, until `users unlock`.
async fn failure_lockouts_are_per_method_and_end(backend: Backend) {
    use portvakt_core::lock::{Block, FailureLockout};
    use portvakt_core::time::ManualClock;
    let store = Ephemeral::new(ephemeral_store(backend).await);
    let clock = Arc::new(ManualClock::at(UnixTime(1_800_000_000)));
    let lockout = FailureLockout::new(
        store.clone(),
        clock.clone(),
        3,
        Some(Duration::from_secs(900)),
    );
    let anna = account("anna");
    for _ in 0..2 {
        assert_eq!(lockout.failed(&anna, "password").await.expect("fail"), None);
    }
    lockout.succeeded(&anna, "password").await.expect("ok");
    for _ in 0..2 {
        assert_eq!(lockout.failed(&anna, "password").await.expect("fail"), None);
    }
    let locked = lockout.failed(&anna, "password").await.expect("fail");
    assert_eq!(
        locked,
        Some(Block::MethodLockout {
            method: "password".into(),
            until: Some(UnixTime(1_800_000_900)),
        }),
        "the third consecutive failure locks; a success between starts the count again"
    );
    assert!(
        lockout
            .check(&anna, "password")
            .await
            .expect("check")
            .is_some()
    );
    assert_eq!(
        lockout.check(&anna, "bankid").await.expect("check"),
        None,
        "a password lockout does not block another method"
    );
    assert!(!locked.expect("block").ends_sessions());
    clock.advance(Duration::from_secs(900));
    assert_eq!(lockout.check(&anna, "password").await.expect("check"), None);

    // Until unlocked: parallel failures lock once, and a new unlock generation ends it.
    let forever = FailureLockout::new(store, clock.clone(), 3, None);
    let bertil = account("bertil");
    let fails = (0..10).map(|_| {
        let (forever, bertil) = (forever.clone(), bertil.clone());
        tokio::spawn(async move { forever.failed(&bertil, "pin").await.expect("fail") })
    });
    let locks = futures::future::join_all(fails)
        .await
        .into_iter()
        .filter(|r| r.as_ref().expect("task").is_some())
        .count();
    assert!(locks >= 1, "parallel failures lock");
    clock.advance(Duration::from_secs(365 * 86_400));
    assert!(
        forever
            .check(&bertil, "pin")
            .await
            .expect("check")
            .is_some()
    );
    let mut unlocked = bertil.clone();
    unlocked.unlock_generation += 1;
    assert_eq!(forever.check(&unlocked, "pin").await.expect("check"), None);
}

/// "At most five SMS codes a day, then blocked until the next day": exactly five of 20
/// parallel, and again after midnight in Sweden, across a change to summer time too.
async fn daily_quotas_start_again_at_swedish_midnight(backend: Backend) {
    use portvakt_core::lock::{Block, DailyQuota};
    use portvakt_core::time::ManualClock;
    let at = |t: &str| {
        let ts: jiff::Timestamp = t.parse().expect("time");
        UnixTime(ts.as_second())
    };
    let store = Ephemeral::new(ephemeral_store(backend).await);
    // 23:30 on the night summer time starts (a 23-hour day follows).
    let clock = Arc::new(ManualClock::at(at("2026-03-28T23:30:00+01:00")));
    let quota = DailyQuota::new(store, clock.clone(), "sms", 5);
    let anna = "pnr-hash-of-anna".to_owned();
    let takes = (0..20).map(|_| {
        let (quota, anna) = (quota.clone(), anna.clone());
        tokio::spawn(async move { quota.take(&anna).await.expect("take") })
    });
    let results: Vec<_> = futures::future::join_all(takes)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 5);
    let mut taken: Vec<u64> = results.iter().filter_map(|r| r.clone().ok()).collect();
    taken.sort_unstable();
    assert_eq!(taken, vec![1, 2, 3, 4, 5], "each use numbered once");
    assert!(results.contains(&Err(Block::ChannelBlock {
        channel: "sms",
        until: at("2026-03-29T00:00:00+01:00"),
    })));
    assert!(quota.blocked(&anna).await.expect("used").is_some());
    clock.advance(Duration::from_secs(31 * 60));
    assert_eq!(quota.take(&anna).await.expect("take"), Ok(1), "a new day");
    assert!(quota.blocked(&anna).await.expect("used").is_none());
    quota.give_back(&anna).await.expect("give back");
    assert_eq!(quota.take(&anna).await.expect("take"), Ok(1), "given back");
    for _ in 0..4 {
        quota
            .take(&anna)
            .await
            .expect("take")
            .expect("within today's five");
    }
    // The 23-hour day ends at midnight summer time.
    assert_eq!(
        quota.take(&anna).await.expect("take"),
        Err(Block::ChannelBlock {
            channel: "sms",
            until: at("2026-03-30T00:00:00+02:00"),
        })
    );
}

struct NoAudit;

#[async_trait::async_trait]
impl AuditLog for NoAudit {
    async fn record(&self, _: &AuditEvent) -> Result<(), StoreError> {
        Ok(())
    }
    async fn recent(&self, _: u64) -> Result<Vec<AuditEvent>, StoreError> {
        Ok(Vec::new())
    }
}

on_both_backends!(
    ephemeral_put_get_take_delete,
    ephemeral_values_expire,
    ephemeral_put_if_absent,
    ephemeral_replace_never_resurrects,
    ephemeral_increment_is_a_fixed_window,
    ephemeral_decrement_gives_back,
    ephemeral_consume_once,
    ephemeral_parallel_single_use,
    typed_codes_and_replay_cache,
    sql_accounts,
    sql_grants_and_rotation,
    sql_parallel_rotation,
    sql_keys_and_audit,
    ephemeral_push_recent_keeps_the_newest,
    send_limits_hold_under_parallel_sends,
    a_refused_send_gives_back_the_other_counts,
    persons_are_resolved_by_policy,
    failure_lockouts_are_per_method_and_end,
    daily_quotas_start_again_at_swedish_midnight,
);
