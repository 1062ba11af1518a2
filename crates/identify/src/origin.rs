//! Whether a piece of evidence rests on a value the firmware fixed or on one
//! whoever installed the device set (`camaudit_model::origin`), and what a
//! user-set value may still say: the brand it names, as a weak hint.

use camaudit_model::{Asserts, Confidence, Evidence, SetBy, set_by};

use crate::label::REGISTRY_NAME_RULE;
use crate::resolve::USER_HINT_CONFIDENCE;

/// True when the evidence reads a value a user set: a user-settable field,
/// or a firmware default (page title, certificate) read as free text for a
/// brand name rather than matched by a rule for the maker's default.
pub(crate) fn is_user_set(ev: &Evidence) -> bool {
    reads_user_text(&ev.field, &ev.value, ev.rule.as_deref())
}

pub(crate) fn reads_user_text(field: &str, value: &str, rule: Option<&str>) -> bool {
    match set_by(field, value) {
        SetBy::User => true,
        SetBy::Default => rule == Some(REGISTRY_NAME_RULE),
        SetBy::Firmware | SetBy::Record => false,
    }
}

/// What a rule's facts become when the value it read is user-set: the brand
/// only, at most a hint's confidence. A name never becomes the model, a
/// maker, a platform, a MAC or evidence against a maker.
pub(crate) fn as_user_hint(asserts: &Asserts, confidence: Confidence) -> (Asserts, Confidence) {
    (asserts.as_label_hint(), confidence.at_most(user_hint_cap()))
}

pub(crate) fn user_hint_cap() -> Confidence {
    Confidence::new(USER_HINT_CONFIDENCE).unwrap_or(Confidence::ZERO)
}
