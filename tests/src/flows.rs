//! A flow of the test kit's own, to drive the flow framework (`portvakt_web::flows`):
//! it asks for a name, then offers a single-use link (as an e-mail would) into its
//! confirmation step.

use async_trait::async_trait;
use portvakt_web::error::AppError;
use portvakt_web::flows::links::LinkRecord;
use portvakt_web::flows::{Flow, FlowContext, FlowOutcome, FlowRegistry};
use portvakt_web::login::{Button, Field, FieldKind, Form, Link, StepView};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A registry with [`Greeting`] as `greeting`.
pub fn registry() -> FlowRegistry {
    let mut flows = FlowRegistry::new();
    flows.register("greeting", Box::new(Greeting));
    flows
}

#[derive(Debug, Serialize, Deserialize)]
/// The greeting's steps.
pub enum Step {
    /// Asks for a name.
    Ask {
        /// As typed.
        name: String,
    },
    /// Offers the link; its own page (opened from the link) confirms.
    Confirm {
        /// The name.
        name: String,
        /// The single-use link, on the page that issued it.
        link: Option<String>,
    },
}

/// Asks for a name, then offers a link (as an e-mail would) into its confirmation.
pub struct Greeting;

#[async_trait]
impl Flow for Greeting {
    type Step = Step;

    fn title(&self) -> &'static str {
        "login.title"
    }

    fn start(&self, hint: Option<&str>) -> Step {
        Step::Ask {
            name: hint.unwrap_or_default().to_owned(),
        }
    }

    fn view(&self, step: &Step) -> StepView {
        match step {
            Step::Ask { name } => StepView::form(
                vec![Field {
                    name: "username",
                    label: "field.username",
                    kind: FieldKind::Text,
                    autocomplete: "username",
                    value: name.clone(),
                }],
                "button.login",
            ),
            Step::Confirm { link, .. } => StepView {
                buttons: vec![Button {
                    value: "submit",
                    label: "link.continue",
                }],
                links: link
                    .iter()
                    .map(|href| Link {
                        href: href.clone(),
                        label: "link.title",
                    })
                    .collect(),
                ..StepView::default()
            },
        }
    }

    async fn submit(
        &self,
        cx: &FlowContext<'_>,
        step: Step,
        form: &Form,
    ) -> Result<FlowOutcome<Step>, AppError> {
        match step {
            Step::Ask { .. } => {
                let name = form.get("username").cloned().unwrap_or_default();
                if name.is_empty() {
                    return Ok(FlowOutcome::Failed {
                        step: Step::Ask { name },
                        message: "error.fields_required",
                    });
                }
                let record = LinkRecord {
                    flow: cx.flow_id.to_owned(),
                    client_id: cx.client.client_id.clone(),
                    step: serde_json::to_value(Step::Confirm {
                        name: name.clone(),
                        link: None,
                    })
                    .expect("step"),
                    lang: cx.lang.as_str().to_owned(),
                };
                let link = cx
                    .links
                    .issue(&record, Duration::from_secs(600))
                    .await
                    .map_err(AppError::from)?;
                Ok(FlowOutcome::Continue(Step::Confirm {
                    name,
                    link: Some(link),
                }))
            }
            Step::Confirm { .. } => Ok(FlowOutcome::Done {
                message: "flow.cancelled",
            }),
        }
    }
}
