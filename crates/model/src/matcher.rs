//! Label matchers: `=`, `!=`, `=~`, `!~` with Prometheus semantics.
//!
//! Regexes are fully anchored and `.` matches a newline (`^(?s:re)$`), as in Prometheus. A
//! matcher against a label the series does not have is evaluated against the empty string, so
//! `{env!="prod"}` selects series without `env`. To let an index avoid scanning every value of
//! a label, a regex matcher reports the finite set of strings it matches, when there is one
//! (`a|b|c`), and its literal prefix (`api_.*`).

use std::fmt;

use regex::Regex;
use regex_syntax::hir::{Class, Hir, HirKind};

use crate::error::InvalidMatcher;

/// The comparison a matcher makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchOp {
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `=~`
    Regex,
    /// `!~`
    NotRegex,
}

impl MatchOp {
    /// The operator as written in PromQL.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        }
    }

    /// Whether the operator selects by exclusion.
    pub fn is_negative(self) -> bool {
        matches!(self, MatchOp::NotEqual | MatchOp::NotRegex)
    }
}

/// Largest literal set a regex may expand to before the index falls back to scanning values.
const MAX_SET_MATCHES: usize = 256;

/// A single label matcher.
#[derive(Clone)]
pub struct Matcher {
    /// Label name.
    pub name: String,
    /// Operator.
    pub op: MatchOp,
    /// Value or regex source, as written.
    pub value: String,
    regex: Option<Regex>,
    set: Option<Vec<String>>,
    prefix: String,
}

impl Matcher {
    /// Builds a matcher, compiling the regex for `=~` and `!~`.
    pub fn new(
        op: MatchOp,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Self, InvalidMatcher> {
        let name = name.into();
        let value = value.into();
        let (regex, set, prefix) = match op {
            MatchOp::Equal | MatchOp::NotEqual => (None, None, String::new()),
            MatchOp::Regex | MatchOp::NotRegex => {
                let anchored = format!("^(?s:{value})$");
                let regex = Regex::new(&anchored).map_err(|e| InvalidMatcher::Regex {
                    regex: value.clone(),
                    detail: e.to_string(),
                })?;
                let hir = regex_syntax::ParserBuilder::new()
                    .dot_matches_new_line(true)
                    .build()
                    .parse(&value)
                    .ok();
                let set = hir.as_ref().and_then(literal_set);
                let prefix = hir.as_ref().map(literal_prefix).unwrap_or_default();
                (Some(regex), set, prefix)
            }
        };
        Ok(Matcher {
            name,
            op,
            value,
            regex,
            set,
            prefix,
        })
    }

    /// `name="value"`.
    pub fn equal(name: impl Into<String>, value: impl Into<String>) -> Self {
        Matcher {
            name: name.into(),
            op: MatchOp::Equal,
            value: value.into(),
            regex: None,
            set: None,
            prefix: String::new(),
        }
    }

    /// Whether the matcher accepts `value` (use `""` for a label the series lacks).
    pub fn matches(&self, value: &str) -> bool {
        match self.op {
            MatchOp::Equal => value == self.value,
            MatchOp::NotEqual => value != self.value,
            MatchOp::Regex => self.regex_matches(value),
            MatchOp::NotRegex => !self.regex_matches(value),
        }
    }

    fn regex_matches(&self, value: &str) -> bool {
        if let Some(set) = &self.set {
            return set.iter().any(|s| s == value);
        }
        if !value.starts_with(&self.prefix) {
            return false;
        }
        self.regex.as_ref().is_some_and(|r| r.is_match(value))
    }

    /// For `=` and for `=~` over a finite set of literals: the values that match, so an index
    /// can look each up instead of scanning all values of the label. For the negative
    /// operators: the values that do *not* match, with the same use.
    pub fn set_matches(&self) -> Option<Vec<&str>> {
        match self.op {
            MatchOp::Equal | MatchOp::NotEqual => Some(vec![self.value.as_str()]),
            MatchOp::Regex | MatchOp::NotRegex => self
                .set
                .as_ref()
                .map(|s| s.iter().map(String::as_str).collect()),
        }
    }

    /// A literal every matching value starts with (empty if none); for `!~`, every *excluded*
    /// value starts with it.
    pub fn literal_prefix(&self) -> &str {
        &self.prefix
    }

    /// Whether this matcher accepts the empty string, i.e. series that lack the label.
    pub fn matches_empty(&self) -> bool {
        self.matches("")
    }
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.op == other.op && self.value == other.value
    }
}

impl Eq for Matcher {}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{:?}", self.name, self.op.as_str(), self.value)
    }
}

impl fmt::Debug for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The finite set of strings `hir` matches, if it is small and made only of literals,
/// alternations, concatenations and groups.
fn literal_set(hir: &Hir) -> Option<Vec<String>> {
    match hir.kind() {
        HirKind::Empty => Some(vec![String::new()]),
        HirKind::Literal(lit) => Some(vec![String::from_utf8(lit.0.to_vec()).ok()?]),
        HirKind::Capture(cap) => literal_set(&cap.sub),
        HirKind::Alternation(alts) => {
            let mut out = Vec::new();
            for alt in alts {
                out.extend(literal_set(alt)?);
                if out.len() > MAX_SET_MATCHES {
                    return None;
                }
            }
            Some(out)
        }
        HirKind::Concat(parts) => {
            let mut out = vec![String::new()];
            for part in parts {
                let tails = literal_set(part)?;
                if out.len() * tails.len() > MAX_SET_MATCHES {
                    return None;
                }
                out = out
                    .iter()
                    .flat_map(|head| tails.iter().map(move |t| format!("{head}{t}")))
                    .collect();
            }
            Some(out)
        }
        HirKind::Class(Class::Unicode(cls)) => {
            let mut out = Vec::new();
            for r in cls.ranges() {
                for c in r.start()..=r.end() {
                    out.push(c.to_string());
                    if out.len() > MAX_SET_MATCHES {
                        return None;
                    }
                }
            }
            Some(out)
        }
        HirKind::Class(Class::Bytes(_)) | HirKind::Look(_) | HirKind::Repetition(_) => None,
    }
}

/// The literal text every string matched by `hir` starts with.
fn literal_prefix(hir: &Hir) -> String {
    match hir.kind() {
        HirKind::Literal(lit) => String::from_utf8(lit.0.to_vec()).unwrap_or_default(),
        HirKind::Capture(cap) => literal_prefix(&cap.sub),
        HirKind::Concat(parts) => {
            let mut prefix = String::new();
            for part in parts {
                // A part that matches exactly one string extends the prefix; anything else
                // contributes its own prefix and ends it.
                match literal_set(part) {
                    Some(set) if set.len() == 1 => prefix.push_str(&set[0]),
                    _ => {
                        prefix.push_str(&literal_prefix(part));
                        break;
                    }
                }
            }
            prefix
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(v: &str) -> Matcher {
        Matcher::new(MatchOp::Regex, "l", v).expect("valid regex")
    }

    #[test]
    fn regexes_are_fully_anchored() {
        let m = re("foo|bar");
        assert!(m.matches("foo"));
        assert!(!m.matches("foobar"));
        assert!(!m.matches("xfoo"));
        assert!(re("a.b").matches("a\nb"), "dot matches newline");
    }

    #[test]
    fn negative_and_empty_matching() {
        let ne = Matcher::new(MatchOp::NotEqual, "env", "prod").expect("matcher");
        assert!(ne.matches(""), "absent label matches !=");
        assert!(re(".*").matches_empty());
        assert!(!re(".+").matches_empty());
        let nre = Matcher::new(MatchOp::NotRegex, "l", "a.*").expect("matcher");
        assert!(nre.matches("b") && !nre.matches("abc"));
    }

    #[test]
    fn literal_alternations_expand_to_a_set() {
        assert_eq!(re("a|b|c").set_matches(), Some(vec!["a", "b", "c"]));
        assert_eq!(
            re("(api|web)_(1|2)").set_matches().map(|s| s.len()),
            Some(4)
        );
        assert_eq!(re("a.*").set_matches(), None);
    }

    #[test]
    fn literal_prefixes_are_found() {
        assert_eq!(re("api_.*").literal_prefix(), "api_");
        assert_eq!(re("(foo)bar.+").literal_prefix(), "foobar");
        assert_eq!(re(".*x").literal_prefix(), "");
        let m = re("api_.*");
        assert!(m.matches("api_x") && !m.matches("web"));
    }

    #[test]
    fn bad_regex_is_an_error() {
        let err = Matcher::new(MatchOp::Regex, "l", "(").expect_err("unbalanced group");
        assert!(err.to_string().contains("("), "{err}");
    }
}
