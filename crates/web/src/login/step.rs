//! What a step of a login method shows: plain data that `views::login` renders. Every
//! text is a catalogue key (with values for its placeholders), so a step is written in
//! the page's language and a missing translation is caught by the catalogue test.

/// A text from the catalogue, with values for its `{placeholders}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// Catalogue key.
    pub key: &'static str,
    /// `{name}` → value.
    pub values: Vec<(&'static str, String)>,
    /// `{name}` → (Swedish, English) value, for values that are words (a day's name).
    pub localized: Vec<(&'static str, String, String)>,
}

impl Text {
    /// A text without placeholders.
    pub fn key(key: &'static str) -> Self {
        Text {
            key,
            values: Vec::new(),
            localized: Vec::new(),
        }
    }

    /// A text an administrator configured in both languages (a service desk's number).
    pub fn configured(text: &portvakt_core::config::Localized) -> Self {
        Text::key("text.configured").with_localized("text", &text.sv, &text.en)
    }

    /// A text with one placeholder filled.
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.values.push((name, value.into()));
        self
    }

    /// A text with one placeholder filled by words in each page language.
    pub fn with_localized(
        mut self,
        name: &'static str,
        sv: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        self.localized.push((name, sv.into(), en.into()));
        self
    }
}

/// The kind of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Free text.
    Text,
    /// Hidden while typed.
    Password,
    /// Digits (numeric keyboard on phones).
    Numeric,
    /// An e-mail address (`type="email"`: the right keyboard on phones).
    Email,
    /// Secret digits (a PIN and a code): hidden while typed, numeric keyboard, never
    /// offered to autofill (docs/pin-otp.md).
    SecretDigits,
}

impl FieldKind {
    /// Hidden while typed.
    pub fn is_secret(self) -> bool {
        matches!(self, FieldKind::Password | FieldKind::SecretDigits)
    }
}

/// One input on a step's form.
#[derive(Debug, Clone)]
pub struct Field {
    /// Form field name.
    pub name: &'static str,
    /// Catalogue key of the label.
    pub label: &'static str,
    /// Input kind.
    pub kind: FieldKind,
    /// The `autocomplete` attribute (WCAG 1.3.5; password managers).
    pub autocomplete: &'static str,
    /// Prefilled value.
    pub value: String,
}

/// A group of radio options, rendered as a `fieldset` with a `legend` (WCAG 1.3.1),
/// posted as `name=<value>` ("Välj metod": `channel=sms`).
#[derive(Debug, Clone)]
pub struct ChoiceGroup {
    /// Form field name.
    pub name: &'static str,
    /// Catalogue key of the legend.
    pub legend: &'static str,
    /// The options.
    pub options: Vec<Choice>,
    /// The value checked (the user's last choice); `None`: the first.
    pub selected: Option<&'static str>,
}

/// One option of a [`ChoiceGroup`].
#[derive(Debug, Clone)]
pub struct Choice {
    /// The posted value.
    pub value: &'static str,
    /// Catalogue key of its label.
    pub label: &'static str,
}

/// A link to a secondary action ("Har du problem att logga in?", "Skapa lösenord").
#[derive(Debug, Clone)]
pub struct Link {
    /// Where it goes (a path on this server, or an app's URL).
    pub href: String,
    /// Catalogue key of its text.
    pub label: &'static str,
}

/// A way out of a login step into a flow ("Har du problem att logga in?"), rendered as
/// a link-styled submit button of the step's form, so what the user typed in
/// `hint_field` (the username) carries over; the framework starts the flow
/// (`action=flow`), nothing else of the form is used.
#[derive(Debug, Clone)]
pub struct FlowStart {
    /// The registered flow id (`reset-password`).
    pub flow: String,
    /// Catalogue key of its text.
    pub label: &'static str,
    /// The field whose value prefills the flow's first step.
    pub hint_field: &'static str,
}

/// A submit button. Every button posts `action=<value>`; the first is the default one
/// (Enter in a field presses it).
#[derive(Debug, Clone)]
pub struct Button {
    /// The posted `action`.
    pub value: &'static str,
    /// Catalogue key of its text.
    pub label: &'static str,
}

/// A server-rendered image (a QR code), inline SVG markup made by this server.
#[derive(Debug, Clone)]
pub struct Image {
    /// The SVG document.
    pub svg: String,
    /// Catalogue key of its text alternative (WCAG 1.1.1).
    pub alt: &'static str,
    /// What the image encodes (a QR code's payload), for the page's `data-payload` and
    /// the poll's `qr_payload`: the same as the picture, for tools that read text.
    pub payload: Option<String>,
}

/// What a step shows.
#[derive(Debug, Clone, Default)]
pub struct StepView {
    /// A heading for the step ("Välj metod"), under the client's name.
    pub heading: Option<&'static str>,
    /// An information panel (a rule, a service-desk number), shown before the form.
    pub info: Option<Text>,
    /// A refusal with details (the day's SMS block and when it ends), shown like an
    /// error (`role="alert"`).
    pub alert: Option<Text>,
    /// The inputs.
    pub fields: Vec<Field>,
    /// Radio options, for steps where the user picks one (a channel, an action).
    pub choice: Option<ChoiceGroup>,
    /// A QR code or another image.
    pub image: Option<Image>,
    /// A link that opens an app on this device ("Öppna BankID på den här enheten").
    pub app_link: Option<Link>,
    /// A status line for a step that waits (an `aria-live` region).
    pub status: Option<Text>,
    /// Reload the page every this many seconds while the step waits on something
    /// outside the browser (BankID); each reload polls the method. Works without
    /// JavaScript.
    pub refresh_secs: Option<u32>,
    /// The submit buttons; none for a step that only waits.
    pub buttons: Vec<Button>,
    /// A note under the first field, read with it (where to find a customer number).
    pub note: Option<&'static str>,
    /// Links to secondary actions, under the form.
    pub links: Vec<Link>,
    /// Flows the step leads to ("Har du problem att logga in?", "Skapa lösenord"),
    /// shown under the buttons.
    pub flows: Vec<FlowStart>,
    /// A list with a mark per item (a password policy's rules, each met or not yet),
    /// shown before the fields.
    pub checklist: Vec<Check>,
}

/// One item of [`StepView::checklist`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The text.
    pub text: Text,
    /// Broken in the last submit (named as such, not only by colour).
    pub broken: bool,
}

impl StepView {
    /// A step with one submit button, posting `action=submit`.
    pub fn form(fields: Vec<Field>, submit: &'static str) -> Self {
        StepView {
            fields,
            buttons: vec![Button {
                value: "submit",
                label: submit,
            }],
            ..StepView::default()
        }
    }
}
