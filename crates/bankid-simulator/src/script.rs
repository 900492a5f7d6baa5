//! Test persons and the scripts that decide what their BankID app does.

use portvakt_bankid::codes::HintCode;
use serde::{Deserialize, Serialize};

/// A person with a (simulated) BankID.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestPerson {
    /// 12 digits.
    pub personal_number: String,
    /// Given name.
    pub given_name: String,
    /// Surname.
    pub surname: String,
    /// When the BankID was issued (`YYYY-MM-DD`).
    #[serde(default = "default_issue_date")]
    pub bank_id_issue_date: String,
}

fn default_issue_date() -> String {
    "2023-04-17".to_owned()
}

impl std::fmt::Debug for TestPerson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestPerson")
            .field("given_name", &self.given_name)
            .finish_non_exhaustive()
    }
}

impl TestPerson {
    /// A person.
    pub fn new(personal_number: &str, given_name: &str, surname: &str) -> Self {
        TestPerson {
            personal_number: personal_number.to_owned(),
            given_name: given_name.to_owned(),
            surname: surname.to_owned(),
            bank_id_issue_date: default_issue_date(),
        }
    }

    /// "Given Surname".
    pub fn name(&self) -> String {
        format!("{} {}", self.given_name, self.surname)
    }

    /// The persons every simulator starts with: the demo accounts of `config/` and
    /// Skatteverket's well-known test person.
    pub fn defaults() -> Vec<TestPerson> {
        vec![
            TestPerson::new("199001010017", "Anna", "Andersson"),
            TestPerson::new("197010632391", "Bertil", "Berg"),
            TestPerson::new("191212121212", "Tolvan", "Tolvansson"),
        ]
    }
}

/// How an order ends once the app has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Stay at the last pending hint until the simulated app approves or cancels (or
    /// the order expires).
    Wait,
    /// Complete by itself after the pending hints.
    Complete,
    /// Fail with this hint after the pending hints (any hint, known or not).
    Fail(HintCode),
}

/// What the app does with an order, step by step. While the app has not picked the
/// order up, collect says `outstandingTransaction`; from the moment it has, each hint
/// of `pending` lasts `step_ms`, then `outcome` decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Script {
    /// Pending hints in order (any hint, known or not).
    pub pending: Vec<HintCode>,
    /// How long each pending hint lasts, in milliseconds.
    #[serde(default = "default_step_ms")]
    pub step_ms: u64,
    /// How it ends.
    pub outcome: Outcome,
}

fn default_step_ms() -> u64 {
    1000
}

impl Script {
    /// The real sequence: `started` (the app looks for a BankID), then `userSign`
    /// (security code), then the user decides in the simulated app.
    pub fn interactive() -> Self {
        Script {
            pending: vec![HintCode::Started, HintCode::UserSign],
            step_ms: default_step_ms(),
            outcome: Outcome::Wait,
        }
    }

    /// The real sequence, approved by itself: for tests and unattended demos.
    pub fn approve_after(step_ms: u64) -> Self {
        Script {
            pending: vec![HintCode::Started, HintCode::UserSign],
            step_ms,
            outcome: Outcome::Complete,
        }
    }

    /// Fails with `hint` right after the app opens the order.
    pub fn fail_with(hint: HintCode) -> Self {
        Script {
            pending: vec![HintCode::Started],
            step_ms: 0,
            outcome: Outcome::Fail(hint),
        }
    }

    /// The script as it applies to an order with these requirements: `userMrtd` before
    /// `userSign` when an ID document is required, `userCallConfirm` first for phone
    /// orders.
    pub(crate) fn for_order(&self, mrtd: bool, phone: bool) -> Script {
        let mut pending = self.pending.clone();
        if mrtd
            && !pending.contains(&HintCode::UserMrtd)
            && let Some(at) = pending.iter().position(|h| *h == HintCode::UserSign)
        {
            pending.insert(at, HintCode::UserMrtd);
        }
        if phone && !pending.contains(&HintCode::UserCallConfirm) {
            pending.insert(0, HintCode::UserCallConfirm);
        }
        Script {
            pending,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_read_as_json() {
        let s: Script = serde_json::from_str(
            r#"{"pending": ["started", "someFutureHint"], "outcome": {"fail": "certificateErr"}}"#,
        )
        .expect("parses");
        assert_eq!(s.step_ms, 1000);
        assert_eq!(s.pending[1], HintCode::Unknown("someFutureHint".into()));
        assert_eq!(s.outcome, Outcome::Fail(HintCode::CertificateErr));
        let s: Script =
            serde_json::from_str(r#"{"pending": [], "stepMs": 0, "outcome": "complete"}"#)
                .expect("parses");
        assert_eq!(s.outcome, Outcome::Complete);
    }

    #[test]
    fn requirements_add_their_steps() {
        let s = Script::interactive().for_order(true, true);
        assert_eq!(
            s.pending,
            vec![
                HintCode::UserCallConfirm,
                HintCode::Started,
                HintCode::UserMrtd,
                HintCode::UserSign
            ]
        );
    }
}
