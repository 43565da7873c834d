//! Label names, collisions and attribute values as label text (§4).

use opentelemetry_proto::tonic::common::v1::{
    AnyValue, ArrayValue, KeyValueList, any_value::Value,
};

use super::super::labels::LabelNamer;
use super::super::values;
use super::super::{MetricsOptions, TranslationStrategy};
use super::*;
use model::text::base64;

fn namer(underscore_sanitization: bool, preserve: bool) -> LabelNamer {
    LabelNamer {
        utf8: false,
        underscore_sanitization,
        preserve_multiple_underscores: preserve,
    }
}

#[test]
fn label_names_with_prometheus_defaults() {
    let n = LabelNamer::new(&MetricsOptions::default());
    assert_eq!(n, namer(true, true));
    for (key, want) in [
        ("http.method", "http_method"),
        ("gen_ai.token.type", "gen_ai_token_type"),
        ("http.status_code", "http_status_code"),
        ("a.b", "a_b"),
        ("a..b", "a__b"),
        ("1st", "key_1st"),
        ("_tenant", "key_tenant"),
        ("__reserved__", "__reserved__"),
        ("__x", "__x"),
        ("über", "key_ber"),
        ("Content-Type", "Content_Type"),
        ("_", "key_"),
    ] {
        assert_eq!(n.build(key).as_deref(), Ok(want), "{key:?}");
    }
    for bad in ["", "...", "__"] {
        assert!(n.build(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn label_names_collapsing_underscores() {
    let n = namer(true, false);
    for (key, want) in [
        ("a..b", "a_b"),
        ("a__b", "a_b"),
        ("__reserved__", "__reserved__"),
        ("__a..b__", "__a_b__"),
        ("___x", "key_x"),
        ("1..x", "key_1_x"),
    ] {
        assert_eq!(n.build(key).as_deref(), Ok(want), "{key:?}");
    }
}

#[test]
fn label_names_without_underscore_sanitization() {
    let n = namer(false, true);
    assert_eq!(n.build("_tenant").as_deref(), Ok("_tenant"));
    assert_eq!(n.build("1st").as_deref(), Ok("key_1st"));
}

#[test]
fn label_names_under_utf8_strategies() {
    for strategy in [
        TranslationStrategy::NoUTF8EscapingWithSuffixes,
        TranslationStrategy::NoTranslation,
    ] {
        let n = LabelNamer::new(&MetricsOptions {
            strategy,
            ..Default::default()
        });
        assert_eq!(n.build("http.method").as_deref(), Ok("http.method"));
        assert_eq!(n.build("_x").as_deref(), Ok("_x"));
        assert!(n.build("").is_err());
        assert!(n.build("__").is_err());
    }
}

#[test]
fn colliding_names_join_values_in_key_order() {
    let p = num(
        attrs(&[("a_b", "2"), ("a.b", "1"), ("a-b", "3"), ("z", "z")]),
        T0,
        1.0,
    );
    let t = run_default(vec![gauge("g", "", vec![p])]);
    // Keys in byte order: "a-b" < "a.b" < "a_b".
    assert_eq!(value(&t, "g", &[("a_b", "3;1;2"), ("z", "z")]), 1.0);
}

#[test]
fn name_attribute_is_dropped_and_reserved_labels_win() {
    let p = num(
        attrs(&[("__name__", "evil"), ("job", "mine"), ("x", "1")]),
        T0,
        1.0,
    );
    let t = run_default(vec![gauge("g", "", vec![p])]);
    let s = one(&t, "g", &[("x", "1")]);
    // `job` comes from service.name and overwrites the attribute.
    assert_eq!(get(&s.labels, "job"), Some("svc"));
    assert_eq!(
        s.labels.iter().filter(|l| &*l.name == "__name__").count(),
        1
    );
}

#[test]
fn invalid_attribute_names_reject_the_point() {
    let good = num(attrs(&[("ok", "1")]), T0, 1.0);
    let bad = num(attrs(&[("...", "1")]), T0, 2.0);
    let t = run_default(vec![gauge("g", "", vec![good, bad])]);
    assert_eq!((t.accepted_points, t.rejected_points), (1, 1));
    assert_eq!(series(&t, "g", &[]).len(), 1);
    assert!(
        t.messages[0].contains("not a valid label name"),
        "{:?}",
        t.messages
    );
}

fn any(v: Value) -> AnyValue {
    AnyValue { value: Some(v) }
}

#[test]
fn every_attribute_type_as_a_label_value() {
    let array = any(Value::ArrayValue(ArrayValue {
        values: vec![
            any(Value::IntValue(1)),
            s("a"),
            any(Value::BoolValue(true)),
            any(Value::DoubleValue(1.5)),
            AnyValue { value: None },
            any(Value::BytesValue(b"hi".to_vec())),
        ],
    }));
    let map = any(Value::KvlistValue(KeyValueList {
        values: vec![
            kv("b", any(Value::IntValue(1))),
            kv("a", s("x<y")),
            kv("b", any(Value::IntValue(2))),
            kv(
                "n",
                any(Value::ArrayValue(ArrayValue {
                    values: vec![s("stop")],
                })),
            ),
        ],
    }));
    let cases: Vec<(AnyValue, Option<&str>)> = vec![
        (s("plain"), Some("plain")),
        (any(Value::BoolValue(true)), Some("true")),
        (any(Value::BoolValue(false)), Some("false")),
        (any(Value::IntValue(-42)), Some("-42")),
        (any(Value::DoubleValue(0.2)), Some("0.2")),
        (any(Value::DoubleValue(3.0)), Some("3")),
        (any(Value::DoubleValue(1e-7)), Some("1e-7")),
        (any(Value::DoubleValue(1.5e-10)), Some("1.5e-10")),
        (any(Value::DoubleValue(1e21)), Some("1e+21")),
        (any(Value::DoubleValue(1e20)), Some("100000000000000000000")),
        (any(Value::DoubleValue(0.000001)), Some("0.000001")),
        (any(Value::DoubleValue(f64::NAN)), Some("NaN")),
        (any(Value::DoubleValue(f64::INFINITY)), Some("Infinity")),
        (
            any(Value::DoubleValue(f64::NEG_INFINITY)),
            Some("-Infinity"),
        ),
        (
            any(Value::BytesValue(vec![0xde, 0xad, 0xbe, 0xef])),
            Some("3q2+7w=="),
        ),
        (
            any(Value::ArrayValue(ArrayValue {
                values: vec![s("stop")],
            })),
            Some(r#"["stop"]"#),
        ),
        (array, Some(r#"[1,"a",true,1.5,null,"aGk="]"#)),
        (map, Some(r#"{"a":"x\u003cy","b":2,"n":["stop"]}"#)),
        (
            any(Value::ArrayValue(ArrayValue {
                values: vec![any(Value::DoubleValue(f64::NAN))],
            })),
            None,
        ),
        (s(""), None),
        (AnyValue { value: None }, None),
    ];
    let points: Vec<_> = cases
        .iter()
        .enumerate()
        .map(|(i, (v, _))| {
            num(
                vec![kv("v", v.clone()), kv("i", s(&i.to_string()))],
                T0,
                1.0,
            )
        })
        .collect();
    let t = run_default(vec![gauge("g", "", points)]);
    for (i, (_, want)) in cases.iter().enumerate() {
        let s = one(&t, "g", &[("i", &i.to_string())]);
        assert_eq!(get(&s.labels, "v"), *want, "case {i}");
    }
}

#[test]
fn json_strings_escape_like_go() {
    let v = any(Value::ArrayValue(ArrayValue {
        values: vec![s("q\"b\\n\n\r\t\u{1}\u{8}\u{c}<>&\u{2028}é\u{7f}")],
    }));
    let want = r#"["q\"b\\n\n\r\t\u0001\b\f\u003c\u003e\u0026\u2028é"#.to_string() + "\u{7f}\"]";
    assert_eq!(values::any_value(Some(&v)), want);
}

#[test]
fn base64_padding() {
    for (input, want) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
    ] {
        assert_eq!(base64(input.as_bytes()), want);
    }
    assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
}

#[test]
fn bucket_bounds_format_like_go() {
    for (v, want) in [
        (0.005, "0.005"),
        (1.0, "1"),
        (1000.0, "1000"),
        (2.5, "2.5"),
        (1e-7, "0.0000001"),
        (1e21, "1000000000000000000000"),
        (0.1 + 0.2, "0.30000000000000004"),
        (-0.0, "-0"),
        (f64::INFINITY, "+Inf"),
        (f64::NEG_INFINITY, "-Inf"),
        (f64::NAN, "NaN"),
    ] {
        assert_eq!(values::le(v), want, "{v}");
    }
}
