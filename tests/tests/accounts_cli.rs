//! The account commands of the `portvakt` binary, run beside a server as an operator
//! would: mobile numbers are checked and stored in E.164 form, and a bad one names its
//! line and field without importing anything.

use portvakt_tests::server::TestServer;
use portvakt_tests::{Backend, on_both_backends};

/// `users import` normalises mobile numbers; a bad one stops the import with its line.
async fn import_normalises_mobile_numbers(backend: Backend) {
    let server = TestServer::start(backend).await;
    let dir = tempfile::tempdir().expect("dir");
    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "username,password,phone,phone_verified\n\
         anna,Losenord-1,070-123 45 67,true\n\
         bertil,Losenord-2,,\n",
    )
    .expect("csv");
    let out = server.cli(&["users", "import", good.to_str().expect("path")], None);
    assert!(out.contains("created 2 account(s)"), "{out}");
    let shown = server.cli(&["users", "show", "anna"], None);
    assert!(shown.contains("+46701234567 (verified: true)"), "{shown}");

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "username,password,phone\ncecilia,Losenord-3,0701234567\ndavid,Losenord-4,0142-36 6000\n",
    )
    .expect("csv");
    let (ok, out) = server.try_cli(&["users", "import", bad.to_str().expect("path")], None);
    assert!(!ok, "{out}");
    assert!(out.contains("line 3: phone: not a mobile number"), "{out}");
    assert!(!out.contains("0142"), "the number is not echoed: {out}");
    let (found, _) = server.try_cli(&["users", "show", "cecilia"], None);
    assert!(!found, "nothing was imported from the bad file");

    let (ok, out) = server.try_cli(
        &[
            "users",
            "add",
            "--username",
            "erik",
            "--phone",
            "12",
            "--generate-password",
        ],
        None,
    );
    assert!(
        !ok && out.contains("--phone: not a valid phone number"),
        "{out}"
    );
}

on_both_backends!(import_normalises_mobile_numbers);
