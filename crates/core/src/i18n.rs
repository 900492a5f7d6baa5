//! The translation catalogue: every string a user can see, in Swedish (default) and
//! English: the pages (the `web` crate) and the messages sent by SMS and e-mail
//! ([`crate::notify`]) read the same tables, so a choice of language carries from the
//! login page to the code it sends. Both tables must have exactly the same keys; a test
//! holds that. Message texts hold placeholders (`{client}`, `{code}`) that
//! [`fill`] replaces.

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
        "bankid.risky",
        "Inloggningen kunde inte godkännas. Kontakta kundservice om det fortsätter.",
    ),
    (
        "reset.rules_intro",
        "Väljer du ett nytt lösenord måste det uppfylla de här kraven:",
    ),
    (
        "policy.not_repetitive",
        "Inte bara ett och samma tecken upprepat",
    ),
    (
        "bankid.scan",
        "Öppna BankID-appen på din telefon eller surfplatta, tryck på QR-symbolen och rikta kameran mot QR-koden här.",
    ),
    (
        "bankid.start_info",
        "Logga in med BankID-appen på en annan enhet genom att skanna en QR-kod, eller öppna BankID-appen på den här enheten.",
    ),
    (
        "bankid.too_many",
        "För många BankID-inloggningar har startats härifrån. Vänta en stund och försök igen.",
    ),
    (
        "reset.unlock_with_password",
        "Du har skrivit ett nytt lösenord men valt att behålla ditt nuvarande. Välj ”Ange ett nytt lösenord och lås upp ditt konto”, eller töm lösenordsfälten.",
    ),
    (
        "reset.code_format",
        "Skriv den sexsiffriga koden från SMS:et.",
    ),
    (
        "reset.not_sent",
        "Vi kunde inte skicka någon återställningskod just nu, eftersom många koder redan har skickats. Försök igen om en stund. {help}",
    ),
    ("reset.username_missing", "Skriv ditt användarnamn."),
    ("policy.printable", "Inga osynliga tecken eller styrtecken"),
    ("field.personnummer_long", "Personnummer (ÅÅÅÅMMDD-XXXX)"),
    ("field.email", "E-postadress"),
    ("login.customer.register", "Ny kund/Registrera E-post"),
    ("login.customer.create_password", "Skapa lösenord"),
    ("customer.back_to_login", "Tillbaka till inloggningen"),
    ("register.title", "Registrera e-postadress"),
    (
        "register.intro",
        "Första gången du loggar in registrerar du en e-postadress. Vi skickar ett e-postmeddelande med en länk som bekräftar adressen. Sedan kan du skapa ett lösenord. Kontrollera adressen noga: efteråt kan bara kundservice ändra den.",
    ),
    ("register.submit", "Registrera e-postadress"),
    (
        "register.bad_email",
        "Skriv en hel e-postadress, till exempel namn@example.se.",
    ),
    (
        "register.too_many",
        "För många försök. Vänta en stund och försök igen, eller ring kundservice.",
    ),
    (
        "register.no_match",
        "Kundnumret och personnumret hör inte ihop hos oss. Kontrollera kundnumret på din senaste faktura.",
    ),
    (
        "register.not_sent",
        "E-postmeddelandet kunde inte skickas just nu. Försök igen om en stund.",
    ),
    (
        "register.sent",
        "Ett e-postmeddelande har skickats till {email}. Öppna länken i meddelandet för att bekräfta adressen.",
    ),
    ("register.confirm_heading", "Bekräfta e-postadress"),
    (
        "register.confirm_intro",
        "Tryck på knappen för att bekräfta din e-postadress.",
    ),
    ("register.confirm", "Bekräfta"),
    (
        "register.confirmed",
        "Din e-postadress är bekräftad. Nu kan du skapa ett lösenord med länken ”Skapa lösenord” på inloggningssidan.",
    ),
    (
        "register.link_dead",
        "Länken har gått ut eller gäller inte längre. Börja om från inloggningssidan.",
    ),
    ("create_password.title", "Skapa lösenord"),
    (
        "create_password.intro",
        "Fyll i ditt kundnummer. Vi skickar ett e-postmeddelande med en länk till den e-postadress du har registrerat, där du väljer ditt lösenord.",
    ),
    ("create_password.submit", "Skapa lösenord"),
    (
        "create_password.sent",
        "Ett e-postmeddelande har skickats till den e-postadress du har registrerat. Öppna det och följ instruktionerna för att välja ett lösenord.",
    ),
    ("create_password.choose_heading", "Välj ditt lösenord"),
    ("create_password.save", "Spara lösenordet"),
    (
        "create_password.done",
        "Ditt lösenord är sparat. Gå tillbaka till Mina sidor och logga in med ditt kundnummer och lösenordet du just valde.",
    ),
    ("method.bankid", "Mobilt BankID"),
    ("bankid.heading", "Logga in med Mobilt BankID"),
    ("bankid.same_device", "Öppna BankID på den här enheten"),
    ("bankid.other_device", "Mobilt BankID på annan enhet"),
    (
        "bankid.qr_alt",
        "QR-kod för Mobilt BankID. Skanna den med BankID-appen på en annan enhet.",
    ),
    (
        "bankid.simulator",
        "Utvecklingsläge: öppna den simulerade BankID-appen",
    ),
    ("text.configured", "{text}"),
    ("field.reset_code", "Återställningskod"),
    ("field.new_password", "Nytt lösenord"),
    ("field.new_password_confirm", "Upprepa det nya lösenordet"),
    ("login.password.trouble", "Har du problem att logga in?"),
    ("reset.title", "Återställ ditt lösenord"),
    (
        "reset.intro",
        "Skriv in ditt användarnamn. Vi skickar en sexsiffrig återställningskod till ditt registrerade mobilnummer.",
    ),
    ("reset.next", "Nästa"),
    ("reset.enter_code", "Skriv in din återställningskod"),
    (
        "reset.code_sent",
        "Vi har skickat en sexsiffrig återställningskod med SMS till ditt registrerade mobilnummer. Koden gäller i {minutes} minuter.",
    ),
    (
        "reset.code_wrong",
        "Fel återställningskod. Kontrollera koden i SMS:et och försök igen.",
    ),
    (
        "reset.code_void",
        "Återställningskoden gäller inte längre. Börja om från inloggningen för att få en ny kod.",
    ),
    ("reset.choose_heading", "Välj vad du vill göra"),
    ("reset.choose_legend", "Vad vill du göra?"),
    (
        "reset.unlock",
        "Behåll ditt nuvarande lösenord och lås upp ditt konto",
    ),
    (
        "reset.new_password",
        "Ange ett nytt lösenord och lås upp ditt konto",
    ),
    ("reset.choose", "Välj ett av alternativen."),
    (
        "reset.mismatch",
        "De två lösenorden är inte lika. Skriv samma nya lösenord i båda fälten.",
    ),
    (
        "reset.policy_broken",
        "Lösenordet uppfyller inte kraven. Se de markerade reglerna.",
    ),
    (
        "reset.done_unlocked",
        "Ditt konto är nu upplåst. Klicka på Slutför för att komma tillbaka till inloggningen och logga in med ditt lösenord.",
    ),
    (
        "reset.done_new_password",
        "Ditt konto är nu upplåst och ditt nya lösenord sparat. Klicka på Slutför för att komma tillbaka till inloggningen och logga in med ditt nya lösenord.",
    ),
    (
        "reset.admin_locked",
        "Ditt konto är spärrat av en administratör och kan inte låsas upp här. Kontakta supporten.",
    ),
    ("reset.finish", "Slutför"),
    ("policy.broken", "Uppfylls inte:"),
    ("policy.min_length", "Minst {n} tecken"),
    ("policy.max_length", "Högst {n} tecken"),
    ("policy.upper", "Minst en stor bokstav"),
    ("policy.lower", "Minst en liten bokstav"),
    ("policy.digit", "Minst en siffra"),
    ("policy.forbidden", "Får inte innehålla {chars}"),
    (
        "policy.not_used_before",
        "Får inte vara ett lösenord som du haft tidigare",
    ),
    ("policy.not_common", "Får inte vara ett vanligt lösenord"),
    ("method.pin_otp", "PIN-kod och engångskod"),
    ("field.personnummer", "Personnummer (ÅÅMMDD-XXXX)"),
    ("field.pin_code", "PIN-kod + engångskod"),
    ("button.continue", "Fortsätt"),
    ("login.pnr.missing", "Skriv in ditt personnummer."),
    (
        "login.pnr.checksum",
        "Personnumret stämmer inte: kontrollsiffran (den sista siffran) är fel. Kontrollera att du skrivit rätt.",
    ),
    (
        "login.pnr.date",
        "Personnumret stämmer inte: det finns inget sådant datum. Kontrollera födelsedatumet i början av numret.",
    ),
    (
        "login.pnr.format",
        "Skriv personnumret som ÅÅMMDD-XXXX (tio siffror, bindestrecket får utelämnas) eller med tolv siffror, ÅÅÅÅMMDD-XXXX.",
    ),
    ("login.pin_otp.identify", "Skriv in ditt personnummer"),
    ("login.pin_otp.choose", "Välj metod"),
    (
        "login.pin_otp.sms_rule",
        "Du kan beställa engångskoder via SMS {count} gånger per dag, sedan spärras SMS-koderna till nästa dag. Med engångskoder från e-post eller papper kan du logga in hur ofta du vill utan att bli spärrad; varje kod på listan fungerar en gång.",
    ),
    (
        "login.pin_otp.sms_blocked",
        "Du har redan beställt {count} SMS-koder i dag. Du kan beställa nya från och med {day}. Använd en engångskod från din lista på e-post eller papper så länge.",
    ),
    (
        "login.pin_otp.method_blocked",
        "Du har redan beställt {count} SMS-koder i dag, så inloggningen med PIN-kod och engångskod är spärrad resten av dagen. Du kan logga in igen från och med {day}.",
    ),
    ("login.pin_otp.channel", "Hur vill du få engångskoden?"),
    (
        "login.pin_otp.channel_list",
        "Använd engångskod du fått på e-post eller papper",
    ),
    ("login.pin_otp.channel_sms", "Få engångskod via SMS"),
    ("login.pin_otp.change_pnr", "Ändra personnummer"),
    (
        "login.pin_otp.choose_channel",
        "Välj hur du vill få engångskoden.",
    ),
    (
        "login.pin_otp.sms_too_many",
        "Det har beställts för många SMS-koder härifrån. Vänta en stund, eller använd en kod från din lista på e-post eller papper.",
    ),
    ("login.pin_otp.enter", "PIN-kod + engångskod"),
    (
        "login.pin_otp.sms_sent",
        "Om ditt konto har ett mobilnummer har vi skickat en engångskod till det med SMS. Koden gäller i {minutes} minuter.",
    ),
    (
        "login.pin_otp.use_list",
        "Använd en oanvänd kod från din lista på e-post eller papper, vilken som helst. Varje kod fungerar en gång.",
    ),
    (
        "login.pin_otp.how",
        "Börja med din personliga PIN-kod och skriv sedan den fyrsiffriga engångskoden, i rad utan mellanrum: 8 tecken med en fyrsiffrig PIN-kod.",
    ),
    (
        "login.pin_otp.other_channel",
        "Välj ett annat sätt att få koden",
    ),
    (
        "login.pin_otp.format",
        "Skriv din PIN-kod och direkt efter den engångskoden (fyra siffror), bara siffror i rad: 8 tecken med en fyrsiffrig PIN-kod.",
    ),
    (
        "login.pin_otp.invalid",
        "Fel personnummer, PIN-kod eller engångskod.",
    ),
    (
        "login.pin_otp.code_void",
        "Engångskoden gäller inte längre. Välj ett annat sätt att få koden för att beställa en ny, eller använd en kod från din lista.",
    ),
    (
        "login.pin_otp.few_left_heading",
        "Snart slut på engångskoder",
    ),
    (
        "login.pin_otp.few_left",
        "Du är inloggad. Din lista har {left} oanvända engångskoder kvar. Be expeditionen om en ny lista innan de tar slut.",
    ),
    (
        "start.unknown_client",
        "Det finns ingen inloggning att starta här. Kontrollera länken eller gå till tjänstens egen webbplats.",
    ),
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
        "Kundnumret finns på din senaste faktura. Företag skriver 16 före organisationsnumret: 16XXXXXX-XXXX.",
    ),
    ("error.fields_required", "Fyll i alla fält."),
    (
        "error.flow_expired",
        "Sidan har gått ut eller är redan klar. Börja om från inloggningen.",
    ),
    (
        "error.link_used",
        "Länken är redan använd eller har gått ut. Be om en ny.",
    ),
    ("flow.back_to_login", "Tillbaka till inloggningen"),
    ("flow.cancel", "Avbryt"),
    ("flow.cancelled", "Du avbröt. Ingenting ändrades."),
    ("link.title", "Fortsätt från din e-post"),
    (
        "link.intro",
        "Du har öppnat en länk från ett e-postmeddelande. Tryck på knappen för att fortsätta. Länken kan bara användas en gång.",
    ),
    ("link.continue", "Fortsätt"),
    (
        "login.no_account",
        "Det finns inget konto för dig här. Kontakta tjänsten du ville logga in på om du ska ha ett.",
    ),
    (
        "login.account_locked",
        "Ditt konto är spärrat. Kontakta supporten för att få det upplåst.",
    ),
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
    ("demo.col.name", "Namn"),
    ("demo.col.login", "Användarnamn eller kundnummer"),
    ("demo.col.password", "Lösenord"),
    ("demo.col.personnummer", "Personnummer"),
    ("demo.col.pin", "PIN-kod"),
    ("demo.col.codes", "Engångskoder (lista)"),
    ("demo.result", "Inloggad"),
    ("demo.id_token", "ID-token (avkodad)"),
    ("demo.userinfo", "Userinfo"),
    ("demo.again", "Tillbaka till demosidan"),
    ("demo.error", "Inloggningen gav ett fel"),
    ("outbox.title", "Utkorg (utvecklingsläge)"),
    (
        "outbox.intro",
        "Här hamnar SMS och e-post som Portvakt skulle ha skickat: engångskoder, återställningskoder och länkar. Sidan finns bara i utvecklingsläget och ingenting lämnar datorn. Nyaste meddelandet står först.",
    ),
    ("outbox.reload", "Visa nya meddelanden"),
    (
        "outbox.empty",
        "Inga meddelanden ännu. Här visas engångskoder, återställningskoder och länkar när en inloggning skickar dem, och testmeddelanden från portvakt notify test när servern använder Redis.",
    ),
    ("outbox.back_to_demo", "Tillbaka till demosidan"),
    ("outbox.sms_to", "SMS till"),
    ("outbox.email_to", "E-post till"),
    ("outbox.sent_ago", "Skickat för {seconds} s sedan"),
    ("outbox.from", "avsändare"),
    ("outbox.subject", "Ämne:"),
    (
        "outbox.segments",
        "{length} tecken i {encoding}, {segments} SMS-del(ar)",
    ),
    (
        "demo.outbox",
        "Utkorgen: SMS och e-post som Portvakt har skickat",
    ),
    // Messages sent by SMS and e-mail (crate::notify::render). An SMS should fit one
    // segment, 160 GSM-7 characters, with a client name of 24 characters; a test holds it.
    (
        "message.login_code.sms",
        "Din engångskod till {client} är {code}. Den gäller i {minutes} minuter.",
    ),
    (
        "message.reset_code.sms",
        "Din återställningskod till {client} är {code}. Den gäller i {minutes} minuter. Har du inte bett om den kan du bortse från SMS:et.",
    ),
    (
        "message.test.sms",
        "Testmeddelande från {client}: SMS från inloggningstjänsten når det här numret.",
    ),
    ("message.greeting", "Hej!"),
    (
        "message.signoff",
        "Det här meddelandet skickades automatiskt av inloggningstjänsten för {client}. Det går inte att svara på det.",
    ),
    (
        "message.confirm_address.subject",
        "Bekräfta din e-postadress till {client}",
    ),
    (
        "message.confirm_address.intro",
        "Du har registrerat den här e-postadressen hos {client}. Bekräfta att den är din genom att öppna länken nedan. Länken gäller i {hours} och kan användas en gång.",
    ),
    (
        "message.confirm_address.outro",
        "Har du inte registrerat dig kan du bortse från det här meddelandet. Är adressen fel, ring kundservice: den kan inte ändras här.",
    ),
    (
        "message.create_password.subject",
        "Skapa lösenord till {client}",
    ),
    (
        "message.create_password.intro",
        "Du har bett om att få skapa ett lösenord till {client}. Öppna länken nedan och välj ditt lösenord. Länken gäller i {hours} och kan användas en gång.",
    ),
    (
        "message.create_password.outro",
        "Har du inte bett om detta kan du bortse från meddelandet: ditt konto är oförändrat.",
    ),
    (
        "message.code_list.subject",
        "Dina engångskoder till {client}",
    ),
    (
        "message.code_list.intro",
        "Här är din nya lista med engångskoder till {client}. Logga in med din PIN-kod följd av en av koderna, utan mellanrum. Varje kod fungerar en gång. Den tidigare listan gäller inte längre.",
    ),
    (
        "message.code_list.outro",
        "Spara listan där ingen annan kan se den. Har du inte bett om nya koder, kontakta expeditionen.",
    ),
    ("message.test.subject", "Testmeddelande från {client}"),
    (
        "message.test.intro",
        "Det här är ett testmeddelande. E-post från inloggningstjänsten når den här adressen.",
    ),
    (
        "message.test.outro",
        "Meddelandet skickades med kommandot portvakt notify test.",
    ),
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
        "bankid.risky",
        "The login could not be accepted. Contact customer service if this goes on.",
    ),
    (
        "reset.rules_intro",
        "If you choose a new password, it must meet these requirements:",
    ),
    ("policy.not_repetitive", "Not one character repeated"),
    (
        "bankid.scan",
        "Open the BankID app on your phone or tablet, tap the QR symbol and point the camera at the QR code here.",
    ),
    (
        "bankid.start_info",
        "Sign in with the BankID app on another device by scanning a QR code, or open the BankID app on this device.",
    ),
    (
        "bankid.too_many",
        "Too many BankID logins have been started from here. Wait a while and try again.",
    ),
    (
        "reset.unlock_with_password",
        "You typed a new password but chose to keep your current one. Choose “Choose a new password and unlock your account”, or empty the password fields.",
    ),
    (
        "reset.code_format",
        "Enter the six-digit code from the SMS.",
    ),
    (
        "reset.not_sent",
        "We could not send a reset code just now, because many codes have been sent already. Try again in a while. {help}",
    ),
    ("reset.username_missing", "Enter your username."),
    ("policy.printable", "No invisible or control characters"),
    (
        "field.personnummer_long",
        "Personal identity number (YYYYMMDD-XXXX)",
    ),
    ("field.email", "E-mail address"),
    ("login.customer.register", "New customer/Register e-mail"),
    ("login.customer.create_password", "Create password"),
    ("customer.back_to_login", "Back to the login page"),
    ("register.title", "Register an e-mail address"),
    (
        "register.intro",
        "The first time you sign in, register an e-mail address. We send a message with a link that confirms the address. Then you can create a password. Check the address carefully: afterwards only customer service can change it.",
    ),
    ("register.submit", "Register e-mail address"),
    (
        "register.bad_email",
        "Write a whole e-mail address, for example name@example.se.",
    ),
    (
        "register.too_many",
        "Too many attempts. Wait a while and try again, or call customer service.",
    ),
    (
        "register.no_match",
        "The customer number and the identity number do not belong together here. Check the customer number on your latest invoice.",
    ),
    (
        "register.not_sent",
        "The e-mail could not be sent just now. Try again in a while.",
    ),
    (
        "register.sent",
        "A message has been sent to {email}. Open the link in it to confirm the address.",
    ),
    ("register.confirm_heading", "Confirm e-mail address"),
    (
        "register.confirm_intro",
        "Press the button to confirm your e-mail address.",
    ),
    ("register.confirm", "Confirm"),
    (
        "register.confirmed",
        "Your e-mail address is confirmed. Now you can create a password with the link “Create password” on the login page.",
    ),
    (
        "register.link_dead",
        "The link has expired or no longer works. Start again from the login page.",
    ),
    ("create_password.title", "Create password"),
    (
        "create_password.intro",
        "Enter your customer number. We send a message with a link to the e-mail address you have registered, where you choose your password.",
    ),
    ("create_password.submit", "Create password"),
    (
        "create_password.sent",
        "A message has been sent to the e-mail address you have registered. Open it and follow the instructions to choose a password.",
    ),
    ("create_password.choose_heading", "Choose your password"),
    ("create_password.save", "Save the password"),
    (
        "create_password.done",
        "Your password is saved. Go back to Mina sidor and sign in with your customer number and the password you just chose.",
    ),
    ("method.bankid", "Mobile BankID"),
    ("bankid.heading", "Sign in with Mobile BankID"),
    ("bankid.same_device", "Open BankID on this device"),
    ("bankid.other_device", "Mobile BankID on another device"),
    (
        "bankid.qr_alt",
        "QR code for Mobile BankID. Scan it with the BankID app on another device.",
    ),
    (
        "bankid.simulator",
        "Development: open the simulated BankID app",
    ),
    ("text.configured", "{text}"),
    ("field.reset_code", "Reset code"),
    ("field.new_password", "New password"),
    ("field.new_password_confirm", "Repeat the new password"),
    ("login.password.trouble", "Trouble signing in?"),
    ("reset.title", "Reset your password"),
    (
        "reset.intro",
        "Enter your username. We will send a six-digit reset code to your registered mobile number.",
    ),
    ("reset.next", "Next"),
    ("reset.enter_code", "Enter your reset code"),
    (
        "reset.code_sent",
        "We have sent a six-digit reset code by SMS to your registered mobile number. The code is valid for {minutes} minutes.",
    ),
    (
        "reset.code_wrong",
        "Wrong reset code. Check the code in the SMS and try again.",
    ),
    (
        "reset.code_void",
        "The reset code no longer works. Start again from the login page to get a new code.",
    ),
    ("reset.choose_heading", "Choose what to do"),
    ("reset.choose_legend", "What do you want to do?"),
    (
        "reset.unlock",
        "Keep your current password and unlock your account",
    ),
    (
        "reset.new_password",
        "Choose a new password and unlock your account",
    ),
    ("reset.choose", "Choose one of the options."),
    (
        "reset.mismatch",
        "The two passwords differ. Type the same new password in both fields.",
    ),
    (
        "reset.policy_broken",
        "The password does not meet the requirements. See the marked rules.",
    ),
    (
        "reset.done_unlocked",
        "Your account is now unlocked. Click Finish to return to the login page and sign in with your password.",
    ),
    (
        "reset.done_new_password",
        "Your account is now unlocked and your new password saved. Click Finish to return to the login page and sign in with your new password.",
    ),
    (
        "reset.admin_locked",
        "Your account has been locked by an administrator and cannot be unlocked here. Contact support.",
    ),
    ("reset.finish", "Finish"),
    ("policy.broken", "Not met:"),
    ("policy.min_length", "At least {n} characters"),
    ("policy.max_length", "At most {n} characters"),
    ("policy.upper", "At least one upper-case letter"),
    ("policy.lower", "At least one lower-case letter"),
    ("policy.digit", "At least one digit"),
    ("policy.forbidden", "Must not contain {chars}"),
    (
        "policy.not_used_before",
        "Must not be a password you have had before",
    ),
    ("policy.not_common", "Must not be a common password"),
    ("method.pin_otp", "PIN and one-time code"),
    (
        "field.personnummer",
        "Personal identity number (YYMMDD-XXXX)",
    ),
    ("field.pin_code", "PIN + one-time code"),
    ("button.continue", "Continue"),
    ("login.pnr.missing", "Enter your personal identity number."),
    (
        "login.pnr.checksum",
        "The personal identity number is not right: the check digit (the last digit) is wrong. Check what you typed.",
    ),
    (
        "login.pnr.date",
        "The personal identity number is not right: there is no such date. Check the date of birth at its start.",
    ),
    (
        "login.pnr.format",
        "Write the number as YYMMDD-XXXX (ten digits, the dash may be left out) or with twelve digits, YYYYMMDD-XXXX.",
    ),
    (
        "login.pin_otp.identify",
        "Enter your personal identity number",
    ),
    ("login.pin_otp.choose", "Choose a method"),
    (
        "login.pin_otp.sms_rule",
        "You can order one-time codes by SMS {count} times a day; after that SMS codes are blocked until the next day. With one-time codes from e-mail or paper you can sign in as often as you like without being blocked; each code on the list works once.",
    ),
    (
        "login.pin_otp.sms_blocked",
        "You have already ordered {count} SMS codes today. You can order new ones from {day}. Until then, use a one-time code from your list on e-mail or paper.",
    ),
    (
        "login.pin_otp.method_blocked",
        "You have already ordered {count} SMS codes today, so signing in with PIN and one-time code is blocked for the rest of the day. You can sign in again from {day}.",
    ),
    (
        "login.pin_otp.channel",
        "How do you want your one-time code?",
    ),
    (
        "login.pin_otp.channel_list",
        "Use a one-time code you got by e-mail or on paper",
    ),
    ("login.pin_otp.channel_sms", "Get a one-time code by SMS"),
    ("login.pin_otp.change_pnr", "Change the identity number"),
    (
        "login.pin_otp.choose_channel",
        "Choose how you want your one-time code.",
    ),
    (
        "login.pin_otp.sms_too_many",
        "Too many SMS codes have been ordered from here. Wait a while, or use a code from your list on e-mail or paper.",
    ),
    ("login.pin_otp.enter", "PIN + one-time code"),
    (
        "login.pin_otp.sms_sent",
        "If your account has a mobile number, we have sent a one-time code to it by SMS. The code is valid for {minutes} minutes.",
    ),
    (
        "login.pin_otp.use_list",
        "Use any unused code from your list on e-mail or paper. Each code works once.",
    ),
    (
        "login.pin_otp.how",
        "Start with your personal PIN, then type the four-digit one-time code, in a row without spaces: 8 characters with a four-digit PIN.",
    ),
    (
        "login.pin_otp.other_channel",
        "Choose another way to get the code",
    ),
    (
        "login.pin_otp.format",
        "Type your PIN and right after it the four-digit code, digits only (8 characters with a four-digit PIN).",
    ),
    (
        "login.pin_otp.invalid",
        "Wrong identity number, PIN or one-time code.",
    ),
    (
        "login.pin_otp.code_void",
        "The one-time code no longer works. Choose another way to get the code to order a new one, or use a code from your list.",
    ),
    (
        "login.pin_otp.few_left_heading",
        "Running out of one-time codes",
    ),
    (
        "login.pin_otp.few_left",
        "You are signed in. Your list has {left} unused one-time codes left. Ask the school office for a new list before they run out.",
    ),
    (
        "start.unknown_client",
        "There is no login to start here. Check the link, or go to the service's own website.",
    ),
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
        "Your customer number is on your latest invoice. A company writes 16 before its organisation number: 16XXXXXX-XXXX.",
    ),
    ("error.fields_required", "Please fill in every field."),
    (
        "error.flow_expired",
        "This page has expired or is already finished. Start again from the sign-in page.",
    ),
    (
        "error.link_used",
        "This link has already been used or has expired. Ask for a new one.",
    ),
    ("flow.back_to_login", "Back to sign-in"),
    ("flow.cancel", "Cancel"),
    ("flow.cancelled", "You cancelled. Nothing was changed."),
    ("link.title", "Continue from your e-mail"),
    (
        "link.intro",
        "You opened a link from an e-mail. Press the button to continue. The link works only once.",
    ),
    ("link.continue", "Continue"),
    (
        "login.no_account",
        "There is no account for you here. Contact the service you wanted to sign in to if you should have one.",
    ),
    (
        "login.account_locked",
        "Your account is locked. Contact support to have it unlocked.",
    ),
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
    ("demo.col.name", "Name"),
    ("demo.col.login", "Username or customer number"),
    ("demo.col.password", "Password"),
    ("demo.col.personnummer", "Personal identity number"),
    ("demo.col.pin", "PIN"),
    ("demo.col.codes", "One-time codes (list)"),
    ("demo.result", "Signed in"),
    ("demo.id_token", "ID token (decoded)"),
    ("demo.userinfo", "Userinfo"),
    ("demo.again", "Back to the demo page"),
    ("demo.error", "The sign-in returned an error"),
    ("outbox.title", "Outbox (development)"),
    (
        "outbox.intro",
        "SMS and e-mail that Portvakt would have sent arrive here: one-time codes, reset codes and links. This page exists only in the development profile, and nothing leaves this machine. The newest message is first.",
    ),
    ("outbox.reload", "Show new messages"),
    (
        "outbox.empty",
        "No messages yet. One-time codes, reset codes and links show up here when a login sends them, and test messages from portvakt notify test when the server uses Redis.",
    ),
    ("outbox.back_to_demo", "Back to the demo page"),
    ("outbox.sms_to", "SMS to"),
    ("outbox.email_to", "E-mail to"),
    ("outbox.sent_ago", "Sent {seconds} s ago"),
    ("outbox.from", "sender"),
    ("outbox.subject", "Subject:"),
    (
        "outbox.segments",
        "{length} characters in {encoding}, {segments} SMS part(s)",
    ),
    (
        "demo.outbox",
        "The outbox: SMS and e-mail Portvakt has sent",
    ),
    (
        "message.login_code.sms",
        "Your one-time code for {client} is {code}. It is valid for {minutes} minutes.",
    ),
    (
        "message.reset_code.sms",
        "Your reset code for {client} is {code}. It is valid for {minutes} minutes. If you did not ask for it, ignore this SMS.",
    ),
    (
        "message.test.sms",
        "Test message from {client}: SMS from the identity provider reaches this number.",
    ),
    ("message.greeting", "Hello,"),
    (
        "message.signoff",
        "This message was sent automatically by the sign-in service of {client}. Replies are not read.",
    ),
    (
        "message.confirm_address.subject",
        "Confirm your e-mail address for {client}",
    ),
    (
        "message.confirm_address.intro",
        "You registered this e-mail address with {client}. Confirm that it is yours by opening the link below. The link is valid for {hours} and works once.",
    ),
    (
        "message.confirm_address.outro",
        "If you did not register, you can ignore this message. If the address is wrong, call customer service: it cannot be changed here.",
    ),
    (
        "message.create_password.subject",
        "Create a password for {client}",
    ),
    (
        "message.create_password.intro",
        "You asked to create a password for {client}. Open the link below and choose your password. The link is valid for {hours} and works once.",
    ),
    (
        "message.create_password.outro",
        "If you did not ask for this, you can ignore this message: your account is unchanged.",
    ),
    (
        "message.code_list.subject",
        "Your one-time codes for {client}",
    ),
    (
        "message.code_list.intro",
        "Here is your new list of one-time codes for {client}. Sign in with your PIN followed by one of the codes, without spaces. Each code works once. Your previous list no longer works.",
    ),
    (
        "message.code_list.outro",
        "Keep the list where nobody else can see it. If you did not ask for new codes, contact the school office.",
    ),
    ("message.test.subject", "Test message from {client}"),
    (
        "message.test.intro",
        "This is a test message. E-mail from the identity provider reaches this address.",
    ),
    (
        "message.test.outro",
        "It was sent with the command portvakt notify test.",
    ),
];

/// One language's table.
type Table = HashMap<&'static str, &'static str>;

fn tables() -> &'static (Table, Table) {
    static T: OnceLock<(Table, Table)> = OnceLock::new();
    T.get_or_init(|| (SV.iter().copied().collect(), EN.iter().copied().collect()))
}

/// The text for `key` in `lang` (`sv` or `en`). An unknown key panics in debug builds
/// (so every test catches it) and returns the key itself in a release; the catalogue
/// test makes sure none ships.
pub fn t(lang: &str, key: &'static str) -> &'static str {
    let (sv, en) = tables();
    let table = if lang == "en" { en } else { sv };
    let text = table.get(key).copied();
    // In debug builds (every test) an unknown key fails loudly; a release shows the key.
    debug_assert!(text.is_some(), "{key} is not in the catalogue");
    text.unwrap_or(key)
}

/// Every key, for tests.
pub fn keys() -> impl Iterator<Item = &'static str> {
    SV.iter().map(|(k, _)| *k)
}

/// A supported language. Pages and messages are written in one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Swedish, the default.
    #[default]
    Sv,
    /// English.
    En,
}

impl Lang {
    /// The language of a BCP 47 tag as the pages use it: `en` (or `en-GB`, …) is
    /// English, anything else Swedish.
    pub fn from_tag(tag: &str) -> Self {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::Sv
        }
    }

    /// The tag: `sv` or `en` (for `lang=""` and `Content-Language`).
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }
}

/// `template` with each `{name}` replaced by its value from `values`, in one pass (a
/// value that itself holds `{code}` is not expanded again). A placeholder without a
/// value is left as it is, which the message tests catch.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
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
    fn fill_replaces_once() {
        assert_eq!(
            fill(
                "kod {code} till {client}",
                &[("code", "12"), ("client", "{code}")]
            ),
            "kod 12 till {code}"
        );
        assert_eq!(fill("{missing} {", &[]), "{missing} {");
    }

    #[test]
    fn languages_from_tags() {
        assert_eq!(Lang::from_tag("en-GB"), Lang::En);
        assert_eq!(Lang::from_tag("sv"), Lang::Sv);
        assert_eq!(Lang::from_tag("fi"), Lang::Sv);
    }
}
