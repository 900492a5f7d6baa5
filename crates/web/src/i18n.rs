//! The translation catalogue: every string a user can see, in Swedish (default) and English.
//! Both tables must have exactly the same keys; a test holds that.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Swedish.
const SV: &[(&str, &str)] = &[
    ("lang.name", "Svenska"),
    ("lang.other", "English"),
    ("login.title", "Logga in"),
    ("login.to", "Logga in till"),
    ("login.choose_method", "Välj inloggningssätt"),
    ("login.cancel", "Avbryt inloggningen"),
    ("method.password", "Lösenord"),
    ("method.customer_number", "Kundnummer"),
    ("field.username", "Användarnamn"),
    ("field.customer_number", "Kundnummer"),
    ("field.password", "Lösenord"),
    ("button.login", "Logga in"),
    (
        "login.password.invalid_username",
        "Fel användarnamn eller lösenord.",
    ),
    (
        "login.password.invalid_customer_number",
        "Fel kundnummer eller lösenord.",
    ),
    (
        "login.customer_number.hint",
        "Kundnumret finns på din senaste faktura.",
    ),
    ("error.fields_required", "Fyll i alla fält."),
    (
        "login.too_many_attempts",
        "Inloggningen är tillfälligt spärrad efter för många felaktiga försök. Försök igen om en stund. Behöver du komma in nu, kontakta supporten.",
    ),
    ("error.title", "Något gick fel"),
    ("page.error_prefix", "Fel"),
    (
        "error.unavailable",
        "Tjänsten är tillfälligt otillgänglig. Försök igen om en stund.",
    ),
    (
        "error.internal",
        "Ett oväntat fel inträffade. Försök igen om en stund.",
    ),
    ("error.not_found", "Sidan finns inte."),
    (
        "error.back_to_service",
        "Gå tillbaka till tjänsten du kom från och börja om.",
    ),
    (
        "error.missing_client_id",
        "Inloggningsförfrågan saknar uppgift om vilken tjänst den kommer från.",
    ),
    (
        "error.unknown_client",
        "Tjänsten du kom från är inte registrerad här.",
    ),
    (
        "error.missing_redirect_uri",
        "Inloggningsförfrågan saknar adressen du ska skickas tillbaka till.",
    ),
    (
        "error.bad_redirect_uri",
        "Adressen du skulle skickas tillbaka till är inte registrerad för tjänsten. Av säkerhetsskäl skickas du inte dit.",
    ),
    (
        "error.duplicate_parameter",
        "Inloggningsförfrågan innehåller samma uppgift flera gånger.",
    ),
    (
        "error.login_expired",
        "Inloggningen tog för lång tid eller är redan avslutad.",
    ),
    (
        "error.wrong_browser",
        "Inloggningen påbörjades i en annan webbläsare eller med cookies avstängda. Aktivera cookies och börja om från tjänsten.",
    ),
    (
        "error.csrf",
        "Formuläret kunde inte kontrolleras. Ladda om sidan och försök igen.",
    ),
    (
        "error.bad_form",
        "Formuläret var ofullständigt. Försök igen.",
    ),
    ("logout.title", "Logga ut"),
    (
        "logout.question",
        "Vill du logga ut från alla tjänster du är inloggad på i den här webbläsaren?",
    ),
    ("logout.button", "Logga ut"),
    ("logout.done_title", "Du är utloggad"),
    ("logout.done", "Du är nu utloggad. Du kan stänga fönstret."),
    ("demo.title", "Demo: logga in hos en tjänst"),
    (
        "demo.intro",
        "Den här sidan finns bara i utvecklingsläget. Den spelar en förlitande part (RP): välj en tjänst, logga in med ett demokonto och se ID-token och userinfo.",
    ),
    ("demo.sign_in", "Logga in"),
    (
        "demo.no_clients",
        "Ingen klient har den här serverns /demo/callback bland sina redirect_uris. Lägg till <issuer>/demo/callback i en klientfil under config/clients/ (utfärdaren ändras när porten ändras).",
    ),
    ("demo.accounts", "Demokonton"),
    ("demo.result", "Inloggad"),
    ("demo.id_token", "ID-token (avkodad)"),
    ("demo.userinfo", "Userinfo"),
    ("demo.again", "Tillbaka till demosidan"),
    ("demo.error", "Inloggningen gav ett fel"),
];

/// English.
const EN: &[(&str, &str)] = &[
    ("lang.name", "English"),
    ("lang.other", "Svenska"),
    ("login.title", "Sign in"),
    ("login.to", "Sign in to"),
    ("login.choose_method", "Choose how to sign in"),
    ("login.cancel", "Cancel sign-in"),
    ("method.password", "Password"),
    ("method.customer_number", "Customer number"),
    ("field.username", "Username"),
    ("field.customer_number", "Customer number"),
    ("field.password", "Password"),
    ("button.login", "Sign in"),
    (
        "login.password.invalid_username",
        "Wrong username or password.",
    ),
    (
        "login.password.invalid_customer_number",
        "Wrong customer number or password.",
    ),
    (
        "login.customer_number.hint",
        "Your customer number is on your latest invoice.",
    ),
    ("error.fields_required", "Please fill in every field."),
    (
        "login.too_many_attempts",
        "Signing in is blocked for a while after too many wrong attempts. Try again later, or contact support if you need to get in now.",
    ),
    ("error.title", "Something went wrong"),
    ("page.error_prefix", "Error"),
    (
        "error.unavailable",
        "The service is temporarily unavailable. Please try again in a moment.",
    ),
    (
        "error.internal",
        "An unexpected error occurred. Please try again in a moment.",
    ),
    ("error.not_found", "There is no such page."),
    (
        "error.back_to_service",
        "Go back to the service you came from and start again.",
    ),
    (
        "error.missing_client_id",
        "The sign-in request does not say which service it comes from.",
    ),
    (
        "error.unknown_client",
        "The service you came from is not registered here.",
    ),
    (
        "error.missing_redirect_uri",
        "The sign-in request does not say where to send you back.",
    ),
    (
        "error.bad_redirect_uri",
        "The address you were to be sent back to is not registered for the service. For your safety you are not sent there.",
    ),
    (
        "error.duplicate_parameter",
        "The sign-in request contains the same item more than once.",
    ),
    (
        "error.login_expired",
        "The sign-in took too long or has already finished.",
    ),
    (
        "error.wrong_browser",
        "The sign-in was started in another browser or with cookies turned off. Turn cookies on and start again from the service.",
    ),
    (
        "error.csrf",
        "The form could not be verified. Reload the page and try again.",
    ),
    (
        "error.bad_form",
        "The form was incomplete. Please try again.",
    ),
    ("logout.title", "Sign out"),
    (
        "logout.question",
        "Do you want to sign out of every service you are signed in to in this browser?",
    ),
    ("logout.button", "Sign out"),
    ("logout.done_title", "You are signed out"),
    (
        "logout.done",
        "You are now signed out. You can close this window.",
    ),
    ("demo.title", "Demo: sign in to a service"),
    (
        "demo.intro",
        "This page exists only in the development profile. It plays a relying party (RP): pick a service, sign in with a demo account, and see the ID token and userinfo.",
    ),
    ("demo.sign_in", "Sign in"),
    (
        "demo.no_clients",
        "No client lists this server's /demo/callback among its redirect_uris. Add <issuer>/demo/callback to a client file under config/clients/ (the issuer changes when the port does).",
    ),
    ("demo.accounts", "Demo accounts"),
    ("demo.result", "Signed in"),
    ("demo.id_token", "ID token (decoded)"),
    ("demo.userinfo", "Userinfo"),
    ("demo.again", "Back to the demo page"),
    ("demo.error", "The sign-in returned an error"),
];

/// One language's table.
type Table = HashMap<&'static str, &'static str>;

fn tables() -> &'static (Table, Table) {
    static T: OnceLock<(Table, Table)> = OnceLock::new();
    T.get_or_init(|| (SV.iter().copied().collect(), EN.iter().copied().collect()))
}

/// The text for `key` in `lang` (`sv` or `en`). An unknown key returns the key itself,
/// which the catalogue test makes sure never ships.
pub fn t(lang: &str, key: &'static str) -> &'static str {
    let (sv, en) = tables();
    let table = if lang == "en" { en } else { sv };
    table.get(key).copied().unwrap_or(key)
}

/// Every key, for tests.
pub fn keys() -> impl Iterator<Item = &'static str> {
    SV.iter().map(|(k, _)| *k)
}

/// The other supported language, for the language switch.
pub fn other(lang: &str) -> &'static str {
    if lang == "en" { "sv" } else { "en" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn both_languages_have_every_key_once() {
        let sv: BTreeSet<&str> = SV.iter().map(|(k, _)| *k).collect();
        let en: BTreeSet<&str> = EN.iter().map(|(k, _)| *k).collect();
        assert_eq!(sv.len(), SV.len(), "duplicate key in SV");
        assert_eq!(en.len(), EN.len(), "duplicate key in EN");
        assert_eq!(sv, en, "keys differ between sv and en");
        for (k, v) in SV.iter().chain(EN.iter()) {
            assert!(!v.trim().is_empty(), "{k} is empty");
        }
    }

    #[test]
    fn every_key_used_in_the_source_exists() {
        // Scan this crate's sources for t(…, "key") and other catalogue keys.
        let src = concat!(
            include_str!("views/login.rs"),
            include_str!("views/error_page.rs"),
            include_str!("views/demo.rs"),
            include_str!("views/logout.rs"),
            include_str!("routes/logout.rs"),
            include_str!("login/password.rs"),
            include_str!("login/mod.rs"),
            include_str!("routes/login.rs"),
            include_str!("routes/authorize.rs"),
            include_str!("error.rs"),
        );
        let known: BTreeSet<&str> = keys().collect();
        let prefixes = [
            "\"login.",
            "\"method.",
            "\"field.",
            "\"button.",
            "\"error.",
            "\"demo.",
            "\"lang.",
            "\"logout.",
        ];
        for prefix in prefixes {
            for (i, _) in src.match_indices(prefix) {
                let rest = &src[i + 1..];
                let Some(end) = rest.find('"') else { continue };
                let key = &rest[..end];
                if key.ends_with('.') || key.contains(' ') || key.contains('{') {
                    continue;
                }
                assert!(
                    known.contains(key),
                    "{key} is used but not in the catalogue"
                );
            }
        }
    }
}
