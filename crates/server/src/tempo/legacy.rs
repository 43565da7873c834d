//! Tempo's tag search (`tags=` in logfmt, `key=value key2="quoted value"`): each pair must
//! match one span, values as case-insensitive substrings. `name` is the span name,
//! `service.name` the service, `error=true` and `status.code=<ok|error|unset>` the status;
//! other keys look in span, resource and event attributes (strings by substring, other
//! values by their text).

use model::trace::StatusCode;
use otelstore::traces::{AttrScope, Field, Intrinsic, Literal, Op, SpanFilter};

use crate::error::ApiError;

/// The filter for a `tags` parameter.
pub(super) fn filter(tags: &str) -> Result<SpanFilter, ApiError> {
    let mut f = SpanFilter::All;
    for (key, value) in logfmt(tags)? {
        f = f.and(pair(&key, &value)?);
    }
    Ok(f)
}

fn pair(key: &str, value: &str) -> Result<SpanFilter, ApiError> {
    let status = |code| {
        SpanFilter::cond(
            Field::Intrinsic(Intrinsic::Status),
            Op::Eq,
            Literal::Status(code),
        )
    };
    Ok(match key {
        "error" if value.eq_ignore_ascii_case("true") => status(StatusCode::Error),
        "status.code" => status(StatusCode::parse(value).ok_or_else(|| {
            ApiError::bad_data(format!(
                "invalid tags: status.code {value:?} is not ok, error or unset"
            ))
        })?),
        "name" => substring(Field::Intrinsic(Intrinsic::Name), value)?,
        "service.name" => substring(Field::Intrinsic(Intrinsic::Service), value)?,
        _ => {
            let field = Field::attr(AttrScope::Any, key);
            SpanFilter::Or(vec![
                substring(field.clone(), value)?,
                SpanFilter::cond(field, Op::Eq, Literal::Text(value.to_owned())),
            ])
        }
    })
}

/// `field` contains `value`, ignoring case.
fn substring(field: Field, value: &str) -> Result<SpanFilter, ApiError> {
    let mut pattern = String::from("(?is).*");
    for c in value.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push_str(".*");
    let lit = Literal::regex(&pattern)
        .map_err(|e| ApiError::bad_data(format!("invalid tags: value {value:?}: {e}")))?;
    Ok(SpanFilter::cond(field, Op::Match, lit))
}

/// `key=value` pairs separated by spaces; values may be double-quoted (with `\"` and `\\`).
fn logfmt(text: &str) -> Result<Vec<(String, String)>, ApiError> {
    let bad = |why: &str| ApiError::bad_data(format!("invalid tags {text:?}: {why}"));
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(out);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        if chars.next() != Some('=') {
            return Err(bad(&format!("expected key=value, found {key:?}")));
        }
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            loop {
                match chars.next() {
                    None => return Err(bad("unterminated quoted value")),
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(c) => value.push(c),
                        None => return Err(bad("unterminated quoted value")),
                    },
                    Some(c) => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                value.push(c);
            }
        }
        out.push((key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logfmt_pairs_split_and_unquote() {
        let got = logfmt(r#" service.name=gw  db.statement="select \"x\" 1" e="" "#).expect("ok");
        assert_eq!(
            got,
            vec![
                ("service.name".into(), "gw".into()),
                ("db.statement".into(), "select \"x\" 1".into()),
                ("e".into(), String::new()),
            ]
        );
        assert!(logfmt("novalue").is_err());
        assert!(logfmt("a=\"open").is_err());
        assert!(filter("status.code=maybe").is_err());
        assert!(matches!(filter("").expect("empty"), SpanFilter::All));
    }

    #[test]
    fn values_match_as_case_insensitive_substrings() {
        let SpanFilter::Cond(c) = substring(Field::Intrinsic(Intrinsic::Name), "A.b").expect("ok")
        else {
            panic!("one condition");
        };
        let Literal::Regex(re) = c.value else {
            panic!("regex");
        };
        assert!(re.is_match("xa.By"));
        assert!(!re.is_match("axb"));
    }
}
