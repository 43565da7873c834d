//! `series`, `labels`, `label/<name>/values`, `metadata` and `query_exemplars`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::ApiParams;
use super::response::{Success, string_array};
use crate::error::ApiError;
use crate::format::{push_json_str, push_labels, push_time, push_value};
use crate::params::{MAX_TIME, MIN_TIME};
use crate::state::AppState;

const TRUNCATED: &str = "results truncated due to limit";

fn truncate<T>(items: &mut Vec<T>, limit: Option<usize>) -> Vec<String> {
    match limit {
        Some(n) if items.len() > n => {
            items.truncate(n);
            vec![TRUNCATED.to_string()]
        }
        _ => Vec::new(),
    }
}

/// `GET|POST /api/v1/series`.
pub(super) async fn series(
    State(st): State<AppState>,
    ApiParams(p): ApiParams,
) -> Result<Success, ApiError> {
    if p.all("match[]").is_empty() {
        return Err(ApiError::bad_data("no match[] parameter provided"));
    }
    let sets = p.matchers()?;
    let (start, end) = (p.time_or("start", MIN_TIME)?, p.time_or("end", MAX_TIME)?);
    let limit = p.limit()?;
    let mut found = st
        .blocking(move |s| s.series(&sets, start, end).map_err(ApiError::from))
        .await?;
    let warnings = truncate(&mut found, limit);
    let mut data = String::from("[");
    for (i, l) in found.iter().enumerate() {
        if i > 0 {
            data.push(',');
        }
        push_labels(&mut data, l);
    }
    data.push(']');
    Ok(Success {
        data,
        warnings,
        infos: Vec::new(),
    })
}

/// `GET|POST /api/v1/labels`.
pub(super) async fn labels(
    State(st): State<AppState>,
    ApiParams(p): ApiParams,
) -> Result<Success, ApiError> {
    let sets = p.matchers()?;
    let (start, end) = (p.time_or("start", MIN_TIME)?, p.time_or("end", MAX_TIME)?);
    let limit = p.limit()?;
    let mut names = st
        .blocking(move |s| s.label_names(&sets, start, end).map_err(ApiError::from))
        .await?;
    let warnings = truncate(&mut names, limit);
    Ok(Success {
        data: string_array(&names),
        warnings,
        infos: Vec::new(),
    })
}

/// `GET /api/v1/label/<name>/values`.
pub(super) async fn label_values(
    State(st): State<AppState>,
    Path(name): Path<String>,
    ApiParams(p): ApiParams,
) -> Result<Success, ApiError> {
    let name = unescape_label_name(&name);
    if name.is_empty() {
        return Err(ApiError::bad_data(format!("invalid label name: {name:?}")));
    }
    let sets = p.matchers()?;
    let (start, end) = (p.time_or("start", MIN_TIME)?, p.time_or("end", MAX_TIME)?);
    let limit = p.limit()?;
    let mut values = st
        .blocking(move |s| {
            s.label_values(&name, &sets, start, end)
                .map_err(ApiError::from)
        })
        .await?;
    let warnings = truncate(&mut values, limit);
    Ok(Success {
        data: string_array(&values),
        warnings,
        infos: Vec::new(),
    })
}

/// Decodes Prometheus's `U__` escaping of label names in URL paths (`U__http_2e_status` is
/// `http.status`); names without the prefix, or that do not decode, are taken as they are.
pub(crate) fn unescape_label_name(s: &str) -> String {
    let Some(rest) = s.strip_prefix("U__") else {
        return s.to_string();
    };
    let mut out = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '_' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'_') {
            chars.next();
            out.push('_');
            continue;
        }
        let hex: String = chars.by_ref().take_while(|&h| h != '_').collect();
        match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
            Some(decoded) => out.push(decoded),
            None => return s.to_string(),
        }
    }
    out
}

/// `GET /api/v1/metadata`.
pub(super) async fn metadata(
    State(st): State<AppState>,
    ApiParams(p): ApiParams,
) -> Result<Success, ApiError> {
    let number = |name: &str| -> Result<Option<usize>, ApiError> {
        match p.get(name) {
            None => Ok(None),
            Some(s) => match s.parse::<i64>() {
                Ok(n) if n < 0 => Ok(None),
                Ok(n) => Ok(Some(n as usize)),
                Err(_) => Err(ApiError::bad_data(format!("{name} must be a number"))),
            },
        }
    };
    let (limit, per_metric) = (number("limit")?, number("limit_per_metric")?);
    let metric = p.get("metric").map(str::to_string);
    let families = st.store.metadata(metric.as_deref(), limit, per_metric);
    let mut data = String::from("{");
    for (i, (family, entries)) in families.iter().enumerate() {
        if i > 0 {
            data.push(',');
        }
        push_json_str(&mut data, family);
        data.push_str(":[");
        for (j, m) in entries.iter().enumerate() {
            if j > 0 {
                data.push(',');
            }
            data.push_str(r#"{"type":"#);
            push_json_str(&mut data, m.metric_type.as_str());
            data.push_str(r#","help":"#);
            push_json_str(&mut data, &m.help);
            data.push_str(r#","unit":"#);
            push_json_str(&mut data, &m.unit);
            data.push('}');
        }
        data.push(']');
    }
    data.push('}');
    Ok(Success::new(data))
}

/// `GET|POST /api/v1/query_exemplars`.
pub(super) async fn exemplars(
    State(st): State<AppState>,
    ApiParams(p): ApiParams,
) -> Result<Response, ApiError> {
    let query = p.required("query")?.to_string();
    let (start, end) = (p.time_or("start", MIN_TIME)?, p.time_or("end", MAX_TIME)?);
    if end < start {
        return Err(ApiError::bad_data(
            "end timestamp must not be before start time",
        ));
    }
    let found = st
        .blocking(move |s| s.exemplars(&query, start, end).map_err(ApiError::from))
        .await?;
    let Some(found) = found else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let mut data = String::from("[");
    for (i, (series, list)) in found.iter().enumerate() {
        if i > 0 {
            data.push(',');
        }
        data.push_str(r#"{"seriesLabels":"#);
        push_labels(&mut data, series);
        data.push_str(r#","exemplars":["#);
        for (j, e) in list.iter().enumerate() {
            if j > 0 {
                data.push(',');
            }
            data.push_str(r#"{"labels":"#);
            push_labels(&mut data, &e.labels);
            data.push_str(r#","value":""#);
            push_value(&mut data, e.value);
            data.push_str(r#"","timestamp":"#);
            push_time(&mut data, e.t);
            data.push('}');
        }
        data.push_str("]}");
    }
    data.push(']');
    Ok(Success::new(data).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u_escaped_names_decode() {
        assert_eq!(
            unescape_label_name("U__http_2e_status__code"),
            "http.status_code"
        );
        assert_eq!(unescape_label_name("U__a__b"), "a_b");
        assert_eq!(unescape_label_name("job"), "job");
        assert_eq!(unescape_label_name("U__bad_zz_"), "U__bad_zz_");
    }
}
