//! The `set by` column of `docs/fields.md` and `camaudit_model::origin` say
//! the same thing for every documented field.

use camaudit_model::{SetBy, set_by};

fn documented() -> Vec<(String, String, String)> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/fields.md"))
        .expect("docs/fields.md is readable");
    let mut rows = Vec::new();
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (fields, value, set_by) = (cells[1], cells[2], cells[3]);
        // The example a row gives for ONVIF scopes decides their kind.
        let example = value
            .split('`')
            .skip(1)
            .step_by(2)
            .find(|t| t.starts_with("onvif://"))
            .unwrap_or("sample")
            .to_owned();
        for f in fields.split('`').skip(1).step_by(2) {
            let field = f
                .replace("<name>", "x-custom")
                .replace("<tag>", "somekey")
                .replace("<key>", "somekey")
                .replace("<attribute>", "product")
                .replace("<id>", "some-script");
            rows.push((field, example.clone(), set_by.to_owned()));
        }
    }
    rows
}

#[test]
fn the_doc_column_and_the_code_agree() {
    let rows = documented();
    assert!(rows.len() > 50, "{rows:?}");
    let mut wrong = Vec::new();
    for (field, example, doc) in &rows {
        let code = set_by(field, example);
        if code.as_str() != doc {
            wrong.push(format!(
                "{field} ({example}): docs say {doc}, code says {code}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Both kinds of ONVIF scope are documented.
    let scope_kinds: Vec<&str> = rows
        .iter()
        .filter(|(f, _, _)| f == "onvif.scope")
        .map(|(_, _, s)| s.as_str())
        .collect();
    assert_eq!(scope_kinds, ["firmware", "user"]);
    assert!(rows.iter().any(|(_, _, s)| s == SetBy::User.as_str()));
}
