//! Tag names and values for autocomplete, from the store's catalogs.
//!
//! `start`/`end` are checked but the catalogs cover all stored data; v2's `q` filter is
//! accepted and not applied (Tempo itself ignores a `q` it cannot parse), so lists may hold
//! names and values of spans outside the filter.

use axum::extract::{Path, RawQuery, State};
use otelstore::traces::{AttrScope, Field, TagScope, TagValue, traceql};
use serde::Serialize;

use super::{Reply, count, json_ok, seconds_window};
use crate::error::ApiError;
use crate::params::Params;
use crate::state::AppState;

/// The intrinsics the TraceQL subset accepts, as the v2 `intrinsic` scope lists them.
const INTRINSICS: [&str; 16] = [
    "duration",
    "kind",
    "name",
    "rootName",
    "rootServiceName",
    "span:duration",
    "span:kind",
    "span:name",
    "span:status",
    "span:statusMessage",
    "status",
    "statusMessage",
    "trace:duration",
    "trace:rootName",
    "trace:rootService",
    "traceDuration",
];

/// Scopes a request asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scope {
    Resource,
    Span,
    Event,
    Intrinsic,
    /// Scopes we keep no names for (`link`, `instrumentation`).
    Empty,
}

/// The `scope` parameter: `None` means every scope.
fn scope(p: &Params) -> Result<Option<Scope>, ApiError> {
    Ok(match p.get("scope") {
        None | Some("all") => None,
        Some("resource") => Some(Scope::Resource),
        Some("span") => Some(Scope::Span),
        Some("event") => Some(Scope::Event),
        Some("intrinsic") => Some(Scope::Intrinsic),
        Some("link" | "instrumentation") => Some(Scope::Empty),
        Some(other) => {
            return Err(ApiError::bad_data(format!(
                "invalid scope {other:?}: use resource, span, event, link, instrumentation, intrinsic or all"
            )));
        }
    })
}

fn check_common(p: &Params) -> Result<Option<usize>, ApiError> {
    seconds_window(p)?;
    count(p, "maxStaleValues")?;
    Ok(count(p, "limit")?.filter(|&n| n > 0))
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
struct NamesJson {
    #[serde(rename = "tagNames")]
    tag_names: Vec<String>,
    metrics: Empty,
}

/// `GET /api/search/tags?scope=`: names without scope; every scope means span and resource.
pub(super) async fn names(State(st): State<AppState>, RawQuery(q): RawQuery) -> Reply {
    let p = Params::new(q.as_deref(), None);
    let scope = scope(&p)?;
    let limit = check_common(&p)?;
    let mut names: Vec<String> = st
        .blocking(move |s| {
            let t = s.traces();
            Ok(match scope {
                None => {
                    let mut v = t.tag_names(TagScope::Span);
                    v.extend(t.tag_names(TagScope::Resource));
                    v.sort();
                    v.dedup();
                    v
                }
                Some(sc) => scope_names(t, sc),
            })
        })
        .await?;
    if let Some(n) = limit {
        names.truncate(n);
    }
    Ok(json_ok(&NamesJson {
        tag_names: names,
        metrics: Empty {},
    }))
}

fn scope_names(t: &otelstore::traces::Store, sc: Scope) -> Vec<String> {
    match sc {
        Scope::Resource => t.tag_names(TagScope::Resource),
        Scope::Span => t.tag_names(TagScope::Span),
        Scope::Event => t.tag_names(TagScope::Event),
        Scope::Intrinsic => INTRINSICS.iter().map(|s| (*s).to_owned()).collect(),
        Scope::Empty => Vec::new(),
    }
}

#[derive(Serialize)]
struct ScopeJson {
    name: &'static str,
    tags: Vec<String>,
}

#[derive(Serialize)]
struct ScopesJson {
    scopes: Vec<ScopeJson>,
    metrics: Empty,
}

/// `GET /api/v2/search/tags?scope=`: names per scope (empty attribute scopes left out).
pub(super) async fn names_v2(State(st): State<AppState>, RawQuery(q): RawQuery) -> Reply {
    let p = Params::new(q.as_deref(), None);
    let wanted = scope(&p)?;
    let limit = check_common(&p)?;
    let scopes = st
        .blocking(move |s| {
            let t = s.traces();
            let all = [
                ("resource", Scope::Resource),
                ("span", Scope::Span),
                ("intrinsic", Scope::Intrinsic),
                ("event", Scope::Event),
            ];
            Ok(all
                .into_iter()
                .filter(|(_, sc)| wanted.is_none_or(|w| w == *sc))
                .map(|(name, sc)| {
                    let mut tags = scope_names(t, sc);
                    if let Some(n) = limit {
                        tags.truncate(n);
                    }
                    ScopeJson { name, tags }
                })
                .filter(|s| !s.tags.is_empty() || s.name != "event")
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(json_ok(&ScopesJson {
        scopes,
        metrics: Empty {},
    }))
}

#[derive(Serialize)]
struct ValuesJson<T: Serialize> {
    #[serde(rename = "tagValues")]
    tag_values: Vec<T>,
    metrics: Empty,
}

#[derive(Serialize)]
struct TypedJson {
    #[serde(rename = "type")]
    kind: &'static str,
    value: String,
}

fn typed(v: TagValue) -> TypedJson {
    let (kind, value) = match v {
        TagValue::String(s) => ("string", s),
        TagValue::Int(i) => ("int", i.to_string()),
        TagValue::Double(d) => ("float", d.to_string()),
        TagValue::Bool(b) => ("bool", b.to_string()),
        TagValue::Keyword(k) => ("keyword", k.to_owned()),
    };
    TypedJson { kind, value }
}

/// `GET /api/search/tag/{tag}/values`: values of an unscoped attribute, as text.
pub(super) async fn values(
    State(st): State<AppState>,
    Path(tag): Path<String>,
    RawQuery(q): RawQuery,
) -> Reply {
    let p = Params::new(q.as_deref(), None);
    let limit = check_common(&p)?.unwrap_or(usize::MAX);
    let field = Field::attr(AttrScope::Unscoped, tag);
    let values: Vec<String> = st
        .blocking(move |s| {
            Ok(s.traces()
                .tag_values(&field, limit)
                .into_iter()
                .map(|v| typed(v).value)
                .collect())
        })
        .await?;
    Ok(json_ok(&ValuesJson {
        tag_values: values,
        metrics: Empty {},
    }))
}

/// `GET /api/v2/search/tag/{tag}/values`: typed values of a TraceQL field.
pub(super) async fn values_v2(
    State(st): State<AppState>,
    Path(tag): Path<String>,
    RawQuery(q): RawQuery,
) -> Reply {
    let p = Params::new(q.as_deref(), None);
    let limit = check_common(&p)?.unwrap_or(usize::MAX);
    let field = traceql::parse_field(&tag)
        .map_err(|e| ApiError::bad_data(format!("invalid tag {tag:?}: {}", e.message)))?;
    let values: Vec<TypedJson> = st
        .blocking(move |s| {
            Ok(s.traces()
                .tag_values(&field, limit)
                .into_iter()
                .map(typed)
                .collect())
        })
        .await?;
    Ok(json_ok(&ValuesJson {
        tag_values: values,
        metrics: Empty {},
    }))
}
