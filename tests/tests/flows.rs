//! The flow framework (pages outside a login transaction), driven over HTTP with a flow
//! of the test's own: started from a login page with a prefilled identifier, a failed
//! and a good step, a single-use link for e-mail that a scanner's GET does not spend,
//! the link opened in another browser, the end of a flow, and the way back to the login.
//! Every page keeps to its browser and its CSRF token.

use portvakt_tests::Backend;
use portvakt_tests::browser::{Browser, LoginPage};
use portvakt_tests::flows::registry;
use portvakt_tests::on_both_backends;
use portvakt_tests::rp::Rp;
use portvakt_tests::server::{SECRET, Setup, TestServer};

/// The `href` of the first link on a page into `prefix`.
fn link_into(page: &str, prefix: &str) -> String {
    let at = page
        .find(&format!("href=\"{prefix}"))
        .unwrap_or_else(|| panic!("no link into {prefix} in:\n{page}"));
    let rest = &page[at + 6..];
    rest[..rest.find('"').expect("end")].to_owned()
}

async fn flows_run_outside_the_login(backend: Backend) {
    let server = TestServer::start_with(
        backend,
        Setup {
            flows: Some(registry()),
            ..Setup::default()
        },
    )
    .await;
    let rp = Rp::discover(&server.issuer, "rp", Some(SECRET)).await;
    let anna = Browser::new();
    let login = anna.open_login(rp.start(&[], &[]).url.as_str()).await;
    let tx = login.url.rsplit('/').next().expect("tx").to_owned();

    // Started from the login page, the identifier prefilled.
    let start = server.url(&format!("/flow/greeting/start?login={tx}&hint=anna"));
    let location = anna.authorize(&start).await;
    assert!(location.starts_with("/flow/"), "{location}");
    let page = anna.page(&server.url(&location)).await;
    assert_eq!(page.input_value("username").as_deref(), Some("anna"));
    assert!(
        page.html.contains("Tillbaka till inloggningen"),
        "the way back"
    );

    // Another browser may not start from anna's login, nor open her flow.
    let mallory = Browser::new();
    let r = mallory.http.get(&start).send().await.expect("start");
    assert_eq!(r.status(), 400);
    let r = mallory.http.get(&page.url).send().await.expect("flow");
    assert_eq!(r.status(), 400);

    // A wrong form, a missing CSRF token, then a good step.
    let again = anna.step(&page, &[("username", "")]).await.page();
    assert!(again.html.contains("role=\"alert\""), "{}", again.html);
    let r = anna
        .http
        .post(&again.url)
        .form(&[
            ("username", "anna"),
            ("csrf", "wrong"),
            ("action", "submit"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let confirm = anna.step(&again, &[("username", "anna")]).await.page();
    let link = link_into(&confirm.html, &server.url("/link/"));

    // The link, opened in another browser (an e-mail read on the phone). A mail
    // scanner's GETs do not spend it; the button's POST does, once.
    let phone = Browser::new();
    for _ in 0..2 {
        let r = phone.http.get(&link).send().await.expect("link page");
        assert_eq!(r.status(), 200);
        assert!(r.text().await.expect("html").contains("Fortsätt"));
    }
    let r = phone.http.post(&link).send().await.expect("open");
    assert_eq!(r.status(), 303);
    let opened = r.headers()["location"].to_str().expect("loc").to_owned();
    let r = phone.http.post(&link).send().await.expect("again");
    assert_eq!(r.status(), 400, "single use");
    let step = phone.page(&server.url(&opened)).await;
    let done = phone
        .http
        .post(&step.url)
        .form(&[("csrf", step.csrf()), ("action", "submit".into())])
        .send()
        .await
        .expect("done");
    assert_eq!(done.status(), 200);
    let html = done.text().await.expect("html");
    assert!(html.contains("Du avbröt. Ingenting ändrades."), "{html}");
    let r = phone.http.get(&step.url).send().await.expect("finished");
    assert_eq!(r.status(), 400, "a finished flow is gone");

    // Back to the login from anna's flow: the login page is still there.
    let r = anna
        .http
        .post(&confirm.url)
        .form(&[("csrf", confirm.csrf()), ("action", "cancel".into())])
        .send()
        .await
        .expect("cancel");
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("/login/{tx}"));
    let back: LoginPage = anna.page(&login.url).await;
    assert!(back.html.contains("name=\"password\""));
}

on_both_backends!(flows_run_outside_the_login);
