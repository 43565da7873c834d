//! Operators: unary, binary (with precedence), aggregation, and vector matching.

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-`
    Neg,
    /// `+`
    Pos,
}

impl UnaryOp {
    /// As written.
    pub fn as_str(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Pos => "+",
        }
    }
}

/// Binary operators, including the set operators and `atan2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Atan2,
    Eql,
    Neq,
    Gtr,
    Lss,
    Gte,
    Lte,
    TrimUpper,
    TrimLower,
    And,
    Or,
    Unless,
}

impl BinaryOp {
    /// As written.
    pub fn as_str(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            Mod => "%",
            Pow => "^",
            Atan2 => "atan2",
            Eql => "==",
            Neq => "!=",
            Gtr => ">",
            Lss => "<",
            Gte => ">=",
            Lte => "<=",
            TrimUpper => "</",
            TrimLower => ">/",
            And => "and",
            Or => "or",
            Unless => "unless",
        }
    }

    /// `== != > < >= <=`.
    pub fn is_comparison(self) -> bool {
        use BinaryOp::*;
        matches!(self, Eql | Neq | Gtr | Lss | Gte | Lte)
    }

    /// `and or unless`.
    pub fn is_set_operator(self) -> bool {
        matches!(self, BinaryOp::And | BinaryOp::Or | BinaryOp::Unless)
    }

    /// Binding strength, 1 (`or`) to 6 (`^`); unary operators bind like 5.
    pub fn precedence(self) -> u8 {
        use BinaryOp::*;
        match self {
            Or => 1,
            And | Unless => 2,
            Eql | Neq | Gtr | Lss | Gte | Lte | TrimUpper | TrimLower => 3,
            Add | Sub => 4,
            Mul | Div | Mod | Atan2 => 5,
            Pow => 6,
        }
    }

    /// Only `^` groups to the right.
    pub fn is_right_associative(self) -> bool {
        self == BinaryOp::Pow
    }
}

/// Cardinality of vector matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VectorMatchCardinality {
    /// Plain binary operators.
    OneToOne,
    /// `group_left`.
    ManyToOne,
    /// `group_right`.
    OneToMany,
    /// Set operators.
    ManyToMany,
}

/// How the two sides of a vector binary operation are matched.
#[derive(Debug, Clone)]
pub struct VectorMatching {
    /// Cardinality.
    pub card: VectorMatchCardinality,
    /// `on(...)` (true) or `ignoring(...)` (false) labels.
    pub on: bool,
    /// The `on`/`ignoring` label list.
    pub matching_labels: Vec<String>,
    /// The `group_left(...)`/`group_right(...)` label list.
    pub include: Vec<String>,
    /// Experimental `fill`/`fill_left` value for series missing on the left side.
    pub fill_lhs: Option<f64>,
    /// Experimental `fill`/`fill_right` value for series missing on the right side.
    pub fill_rhs: Option<f64>,
}

impl PartialEq for VectorMatching {
    fn eq(&self, other: &Self) -> bool {
        let same = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => a == b || (a.is_nan() && b.is_nan()),
            (a, b) => a.is_none() && b.is_none(),
        };
        self.card == other.card
            && self.on == other.on
            && self.matching_labels == other.matching_labels
            && self.include == other.include
            && same(self.fill_lhs, other.fill_lhs)
            && same(self.fill_rhs, other.fill_rhs)
    }
}

impl Default for VectorMatching {
    fn default() -> Self {
        VectorMatching {
            card: VectorMatchCardinality::OneToOne,
            on: false,
            matching_labels: Vec::new(),
            include: Vec::new(),
            fill_lhs: None,
            fill_rhs: None,
        }
    }
}

/// Aggregation operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum AggregateOp {
    Sum,
    Avg,
    Count,
    Min,
    Max,
    Group,
    Stddev,
    Stdvar,
    Topk,
    Bottomk,
    CountValues,
    Quantile,
    Limitk,
    LimitRatio,
}

impl AggregateOp {
    /// Every operator.
    pub const ALL: [AggregateOp; 14] = {
        use AggregateOp::*;
        [
            Sum,
            Avg,
            Count,
            Min,
            Max,
            Group,
            Stddev,
            Stdvar,
            Topk,
            Bottomk,
            CountValues,
            Quantile,
            Limitk,
            LimitRatio,
        ]
    };

    /// Canonical (lower-case) name.
    pub fn as_str(self) -> &'static str {
        use AggregateOp::*;
        match self {
            Sum => "sum",
            Avg => "avg",
            Count => "count",
            Min => "min",
            Max => "max",
            Group => "group",
            Stddev => "stddev",
            Stdvar => "stdvar",
            Topk => "topk",
            Bottomk => "bottomk",
            CountValues => "count_values",
            Quantile => "quantile",
            Limitk => "limitk",
            LimitRatio => "limit_ratio",
        }
    }

    /// The operator with this lower-case name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.as_str() == name)
    }

    /// Whether it takes a parameter before the vector (`topk(3, v)`).
    pub fn has_param(self) -> bool {
        use AggregateOp::*;
        matches!(
            self,
            Topk | Bottomk | CountValues | Quantile | Limitk | LimitRatio
        )
    }

    /// Whether Prometheus marks it experimental.
    pub fn is_experimental(self) -> bool {
        matches!(self, AggregateOp::Limitk | AggregateOp::LimitRatio)
    }
}
