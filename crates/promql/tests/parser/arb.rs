//! Random, well-typed ASTs that print unambiguously: children are parenthesised where the
//! grammar needs it, and nodes take the shape the parser gives them (signs folded into
//! literals, matching dropped for scalar operands ...), so `parse(print(ast)) == ast`.

use model::{MatchOp, Matcher};
use otelstore_promql::parser::FUNCTIONS;
use otelstore_promql::{
    AggregateExpr, AggregateOp, AtModifier, BinaryExpr, BinaryOp, Call, Expr, MatrixSelector,
    NumberLiteral, ParenExpr, Span, StringLiteral, SubqueryExpr, UnaryExpr, UnaryOp, ValueType,
    VectorMatchCardinality, VectorMatching, VectorSelector,
};

/// A small xorshift generator: proptest supplies the seed.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

mod durations;

use durations::duration;

const METRICS: &[&str] = &[
    "foo",
    "bar",
    "http_requests_total",
    "a:b:c",
    "sum",
    "offset",
    "step",
    "x1",
];
const LABELS: &[&str] = &[
    "job",
    "instance",
    "le",
    "a.b",
    "ünï",
    "with space",
    "_x",
    "group",
];
const VALUES: &[&str] = &[
    "",
    "v",
    "a\"b",
    "back\\slash",
    "new\nline",
    "ünï",
    "\u{200b}",
    "'",
];
const REGEXES: &[&str] = &["a.*", "b|c", ".+", "(?i:x)", ""];

fn sp() -> Span {
    Span::default()
}

fn number(value: f64) -> Expr {
    Expr::NumberLiteral(NumberLiteral {
        value,
        duration: false,
        span: sp(),
    })
}

fn paren(e: Expr) -> Expr {
    Expr::Paren(ParenExpr {
        expr: Box::new(e),
        span: sp(),
    })
}

fn random_float(rng: &mut Rng) -> f64 {
    match rng.below(8) {
        0 => f64::INFINITY,
        1 => f64::NEG_INFINITY,
        2 => f64::NAN,
        3 => -(rng.below(1000) as f64) / 8.0,
        4 => f64::from_bits(rng.next()).abs().min(1e300),
        _ => rng.below(1000) as f64 / 4.0,
    }
}

fn selector(rng: &mut Rng) -> VectorSelector {
    let name = rng.chance(70).then(|| rng.pick(METRICS).to_string());
    let mut matchers = Vec::new();
    for _ in 0..rng.below(3) {
        let label = rng.pick(LABELS).to_string();
        let m = match rng.below(4) {
            0 => Matcher::new(MatchOp::Equal, label, *rng.pick(VALUES)),
            1 => Matcher::new(MatchOp::NotEqual, label, *rng.pick(VALUES)),
            2 => Matcher::new(MatchOp::Regex, label, *rng.pick(REGEXES)),
            _ => Matcher::new(MatchOp::NotRegex, label, *rng.pick(REGEXES)),
        };
        matchers.push(m.expect("valid matcher"));
    }
    match &name {
        Some(n) => matchers.push(Matcher::equal("__name__", n.clone())),
        None if matchers.iter().all(Matcher::matches_empty) => {
            matchers.push(Matcher::equal(
                "__name__",
                *rng.pick(&["my.metric", "up", "x y"]),
            ));
        }
        None => {}
    }
    VectorSelector {
        name,
        matchers,
        offset: None,
        at: None,
        anchored: false,
        smoothed: false,
        bypass_empty_matcher_check: false,
        span: sp(),
    }
}

fn at(rng: &mut Rng) -> Option<AtModifier> {
    match rng.below(6) {
        0 => Some(AtModifier::Start),
        1 => Some(AtModifier::End),
        2 => Some(AtModifier::Timestamp(
            rng.next() as i64 % 10_000_000_000_000,
        )),
        _ => None,
    }
}

/// Binding strength of an expression node, as for durations.
fn prec(e: &Expr) -> u8 {
    match e {
        Expr::Binary(b) => b.op.precedence(),
        Expr::Unary(_) => 5,
        // `+Inf` prints with a sign too.
        Expr::NumberLiteral(n) if n.value.is_sign_negative() || n.value == f64::INFINITY => 5,
        _ => 7,
    }
}

fn wrap(e: Expr, needs: bool) -> Expr {
    if needs { paren(e) } else { e }
}

fn binary(
    op: BinaryOp,
    l: Expr,
    r: Expr,
    return_bool: bool,
    matching: Option<VectorMatching>,
) -> Expr {
    let p = op.precedence();
    let (l, r) = if op == BinaryOp::Pow {
        let (lp, rp) = (prec(&l), prec(&r));
        (wrap(l, lp <= 6), wrap(r, rp < 6))
    } else {
        let (lp, rp) = (prec(&l), prec(&r));
        (wrap(l, lp < p), wrap(r, rp <= p))
    };
    Expr::Binary(BinaryExpr {
        op,
        lhs: Box::new(l),
        rhs: Box::new(r),
        return_bool,
        matching,
        span: sp(),
    })
}

fn unary(op: UnaryOp, e: Expr) -> Expr {
    let needs = prec(&e) < 6 || matches!(e, Expr::NumberLiteral(_));
    Expr::Unary(UnaryExpr {
        op,
        expr: Box::new(wrap(e, needs)),
        span: sp(),
    })
}

fn labels(rng: &mut Rng) -> Vec<String> {
    let pool: &[&str] = &["job", "instance", "a.b", "and", "by", "ünï", "le"];
    (0..rng.below(3))
        .map(|_| rng.pick(pool).to_string())
        .collect()
}

fn string(rng: &mut Rng) -> Expr {
    let (value, invalid_utf8) = if rng.chance(10) {
        ("a\u{FFFD}z".to_string(), Some(b"a\xc5z".to_vec()))
    } else {
        (rng.pick(VALUES).to_string(), None)
    };
    Expr::StringLiteral(StringLiteral {
        value,
        invalid_utf8,
        span: sp(),
    })
}

const ARITH: &[BinaryOp] = &[
    BinaryOp::Add,
    BinaryOp::Sub,
    BinaryOp::Mul,
    BinaryOp::Div,
    BinaryOp::Mod,
    BinaryOp::Pow,
    BinaryOp::Atan2,
    BinaryOp::TrimUpper,
    BinaryOp::TrimLower,
];
const COMPARISON: &[BinaryOp] = &[
    BinaryOp::Eql,
    BinaryOp::Neq,
    BinaryOp::Gtr,
    BinaryOp::Lss,
    BinaryOp::Gte,
    BinaryOp::Lte,
];
const SET: &[BinaryOp] = &[BinaryOp::And, BinaryOp::Or, BinaryOp::Unless];

fn call(rng: &mut Rng, ret: ValueType, depth: usize) -> Expr {
    let candidates: Vec<_> = FUNCTIONS
        .iter()
        .filter(|f| f.return_type == ret && f.name != "info")
        .collect();
    let func = *rng.pick(&candidates);
    let n = func.arg_types.len();
    let count = match func.variadic {
        0 => n,
        v if v > 0 => n - 1 + rng.below(v as usize + 1),
        _ => n - 1 + rng.below(3),
    };
    let args = (0..count)
        .map(|i| expr(rng, func.arg_types[i.min(n - 1)], depth))
        .collect();
    Expr::Call(Call {
        func,
        args,
        span: sp(),
    })
}

fn vector_matching(rng: &mut Rng, op: BinaryOp) -> VectorMatching {
    let mut m = VectorMatching {
        on: rng.chance(50),
        matching_labels: labels(rng),
        ..Default::default()
    };
    if op.is_set_operator() {
        m.card = VectorMatchCardinality::ManyToMany;
        return m;
    }
    if rng.chance(30) {
        m.card = if rng.chance(50) {
            VectorMatchCardinality::ManyToOne
        } else {
            VectorMatchCardinality::OneToMany
        };
        let on = m.on;
        let matching = m.matching_labels.clone();
        m.include = labels(rng)
            .into_iter()
            .filter(|l| !on || !matching.contains(l))
            .collect();
    }
    if rng.chance(20) {
        let lhs = random_float(rng);
        let rhs = random_float(rng);
        m.fill_lhs = rng.chance(70).then_some(lhs);
        m.fill_rhs = if rng.chance(50) {
            m.fill_lhs
        } else {
            rng.chance(70).then_some(rhs)
        };
    }
    m
}

/// A random expression of type `ty`, at most `depth` levels deep.
pub(crate) fn expr(rng: &mut Rng, ty: ValueType, depth: usize) -> Expr {
    let leaf = depth == 0 || rng.chance(25);
    let d = depth.saturating_sub(1);
    match ty {
        ValueType::String => string(rng),
        ValueType::Scalar if leaf => number(random_float(rng)),
        ValueType::Scalar => match rng.below(5) {
            0 => paren(expr(rng, ValueType::Scalar, d)),
            1 => {
                let op = *rng.pick(&[UnaryOp::Neg, UnaryOp::Pos]);
                unary(op, expr(rng, ValueType::Scalar, d))
            }
            2 => {
                let (l, r) = (
                    expr(rng, ValueType::Scalar, d),
                    expr(rng, ValueType::Scalar, d),
                );
                binary(*rng.pick(ARITH), l, r, false, None)
            }
            3 => {
                let (l, r) = (
                    expr(rng, ValueType::Scalar, d),
                    expr(rng, ValueType::Scalar, d),
                );
                binary(*rng.pick(COMPARISON), l, r, true, None)
            }
            _ => call(rng, ValueType::Scalar, d),
        },
        ValueType::Vector if leaf => {
            let vs = selector(rng);
            Expr::VectorSelector(modified(rng, vs))
        }
        ValueType::Vector => match rng.below(7) {
            0 => paren(expr(rng, ValueType::Vector, d)),
            1 => {
                let op = *rng.pick(&[UnaryOp::Neg, UnaryOp::Pos]);
                unary(op, expr(rng, ValueType::Vector, d))
            }
            2 => {
                let op = *rng.pick(&[ARITH, COMPARISON, SET].concat());
                let (l, r) = (
                    expr(rng, ValueType::Vector, d),
                    expr(rng, ValueType::Vector, d),
                );
                let m = vector_matching(rng, op);
                binary(op, l, r, op.is_comparison() && rng.chance(50), Some(m))
            }
            3 => {
                let op = *rng.pick(&[ARITH, COMPARISON].concat());
                let (mut l, mut r) = (
                    expr(rng, ValueType::Vector, d),
                    expr(rng, ValueType::Scalar, d),
                );
                if rng.chance(50) {
                    std::mem::swap(&mut l, &mut r);
                }
                binary(op, l, r, op.is_comparison() && rng.chance(50), None)
            }
            4 => aggregate(rng, d),
            5 => call(rng, ValueType::Vector, d),
            _ => {
                let vs = selector(rng);
                Expr::VectorSelector(modified(rng, vs))
            }
        },
        ValueType::Matrix => {
            if leaf || rng.chance(40) {
                let mut selector = selector(rng);
                let range = duration(rng, true);
                selector.anchored = rng.chance(10);
                selector.smoothed = !selector.anchored && rng.chance(10);
                selector.offset = rng.chance(30).then(|| duration(rng, false));
                selector.at = at(rng);
                return Expr::MatrixSelector(MatrixSelector {
                    selector,
                    range,
                    span: sp(),
                });
            }
            let inner = expr(rng, ValueType::Vector, d);
            let atomic = matches!(
                inner,
                Expr::VectorSelector(_) | Expr::Call(_) | Expr::Aggregate(_) | Expr::Paren(_)
            );
            Expr::Subquery(SubqueryExpr {
                expr: Box::new(wrap(inner, !atomic)),
                range: duration(rng, true),
                step: rng.chance(60).then(|| duration(rng, true)),
                offset: rng.chance(30).then(|| duration(rng, false)),
                at: at(rng),
                span: sp(),
            })
        }
    }
}

fn modified(rng: &mut Rng, mut vs: VectorSelector) -> VectorSelector {
    vs.offset = rng.chance(25).then(|| duration(rng, false));
    vs.at = at(rng);
    vs.anchored = rng.chance(5);
    vs.smoothed = !vs.anchored && rng.chance(5);
    vs
}

fn aggregate(rng: &mut Rng, depth: usize) -> Expr {
    let op = *rng.pick(&AggregateOp::ALL);
    let param = op.has_param().then(|| {
        let ty = if op == AggregateOp::CountValues {
            ValueType::String
        } else {
            ValueType::Scalar
        };
        Box::new(expr(rng, ty, depth))
    });
    Expr::Aggregate(AggregateExpr {
        op,
        expr: Box::new(expr(rng, ValueType::Vector, depth)),
        param,
        grouping: labels(rng),
        without: rng.chance(30),
        span: sp(),
    })
}
