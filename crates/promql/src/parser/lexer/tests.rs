//! Lexer unit tests.

use super::*;

fn kinds(input: &str) -> Vec<TokenKind> {
    let mut l = Lexer::new(input);
    let mut out = Vec::new();
    loop {
        let t = l.next_token().expect("lexes");
        if t.kind == TokenKind::Eof {
            return out;
        }
        out.push(t.kind);
    }
}

fn error(input: &str) -> Error {
    let mut l = Lexer::new(input);
    loop {
        match l.next_token() {
            Err(e) => return e,
            Ok(t) if t.kind == TokenKind::Eof => panic!("no error in {input:?}"),
            Ok(_) => {}
        }
    }
}

#[test]
fn keywords_are_case_insensitive_and_fill_needs_a_paren() {
    use TokenKind::*;
    assert_eq!(
        kinds("SUM BY (x)"),
        [
            Agg(super::super::ast::AggregateOp::Sum),
            By,
            LeftParen,
            Identifier,
            RightParen
        ]
    );
    assert_eq!(
        kinds("fill + fill (0)"),
        [Identifier, Add, Fill, LeftParen, Number, RightParen]
    );
    assert_eq!(kinds("foo:bar Inf"), [MetricIdentifier, Number]);
}

#[test]
fn brackets_switch_to_duration_expressions() {
    use TokenKind::*;
    assert_eq!(
        kinds("x[5m:step()]"),
        [
            Identifier,
            LeftBracket,
            Duration,
            Colon,
            Step,
            LeftParen,
            RightParen,
            RightBracket
        ]
    );
    assert_eq!(
        kinds("x[min_of(1h, 2)]"),
        [
            Identifier,
            LeftBracket,
            MinOf,
            LeftParen,
            Duration,
            Comma,
            Number,
            RightParen,
            RightBracket
        ]
    );
}

#[test]
fn errors_match_prometheus() {
    assert_eq!(
        error("2.5.").message,
        r#"bad number or duration syntax: "2.5.""#
    );
    assert_eq!(
        error("0deadbeef").message,
        r#"bad number or duration syntax: "0de""#
    );
    assert_eq!(
        error("foo[5m1]").message,
        r#"bad number or duration syntax: "5m1""#
    );
    assert_eq!(error("(1))").span.start, 4);
    assert_eq!(
        error(r#""\c""#).message,
        "unknown escape sequence U+0063 'c'"
    );
    assert_eq!(
        error(r#""\x.""#).message,
        "illegal character U+002E '.' in escape sequence"
    );
    assert_eq!(
        error("foo[5s x 5s]").message,
        "unexpected character: 'x', expected ':'"
    );
    assert_eq!(error("{").message, "unexpected end of input inside braces");
}
