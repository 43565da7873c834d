//! The function table: every function Prometheus 3.14 knows, with argument and return types.
//! The engine dispatches on [`Function::name`].

use super::ast::ValueType;
use ValueType::{Matrix as M, Scalar as S, String as Str, Vector as V};

/// A PromQL function's signature.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Function {
    /// Name as called.
    pub name: &'static str,
    /// Types of the arguments. With `variadic != 0` the last type repeats.
    pub arg_types: &'static [ValueType],
    /// 0: exactly `arg_types.len()` arguments. `n > 0`: the last argument is optional and may
    /// appear up to `n` times. `-1`: the last argument may repeat without limit.
    pub variadic: i32,
    /// Type of the result.
    pub return_type: ValueType,
    /// Marked experimental by Prometheus (the conformance suite enables them; so do we).
    pub experimental: bool,
}

const fn f(name: &'static str, arg_types: &'static [ValueType], ret: ValueType) -> Function {
    Function {
        name,
        arg_types,
        variadic: 0,
        return_type: ret,
        experimental: false,
    }
}

const fn var(mut func: Function, variadic: i32) -> Function {
    func.variadic = variadic;
    func
}

const fn exp(mut func: Function) -> Function {
    func.experimental = true;
    func
}

/// All functions, sorted by name.
pub static FUNCTIONS: &[Function] = &[
    f("abs", &[V], V),
    f("absent", &[V], V),
    f("absent_over_time", &[M], V),
    f("acos", &[V], V),
    f("acosh", &[V], V),
    f("asin", &[V], V),
    f("asinh", &[V], V),
    f("atan", &[V], V),
    f("atanh", &[V], V),
    f("avg_over_time", &[M], V),
    f("ceil", &[V], V),
    f("changes", &[M], V),
    f("clamp", &[V, S, S], V),
    f("clamp_max", &[V, S], V),
    f("clamp_min", &[V, S], V),
    f("cos", &[V], V),
    f("cosh", &[V], V),
    f("count_over_time", &[M], V),
    var(f("day_of_month", &[V], V), 1),
    var(f("day_of_week", &[V], V), 1),
    var(f("day_of_year", &[V], V), 1),
    var(f("days_in_month", &[V], V), 1),
    f("deg", &[V], V),
    f("delta", &[M], V),
    f("deriv", &[M], V),
    exp(f("double_exponential_smoothing", &[M, S, S], V)),
    exp(f("end", &[], S)),
    f("exp", &[V], V),
    exp(f("first_over_time", &[M], V)),
    f("floor", &[V], V),
    f("histogram_avg", &[V], V),
    f("histogram_count", &[V], V),
    f("histogram_fraction", &[S, S, V], V),
    f("histogram_quantile", &[S, V], V),
    exp(var(f("histogram_quantiles", &[V, Str, S, S], V), 9)),
    f("histogram_stddev", &[V], V),
    f("histogram_stdvar", &[V], V),
    f("histogram_sum", &[V], V),
    var(f("hour", &[V], V), 1),
    f("idelta", &[M], V),
    f("increase", &[M], V),
    exp(var(f("info", &[V, V], V), 1)),
    exp(var(f("integral", &[M, S], V), 1)),
    f("irate", &[M], V),
    var(f("label_join", &[V, Str, Str, Str], V), -1),
    f("label_replace", &[V, Str, Str, Str, Str], V),
    f("last_over_time", &[M], V),
    f("ln", &[V], V),
    f("log10", &[V], V),
    f("log2", &[V], V),
    exp(f("mad_over_time", &[M], V)),
    exp(f("max_of", &[S, S], S)),
    f("max_over_time", &[M], V),
    exp(f("min_of", &[S, S], S)),
    f("min_over_time", &[M], V),
    var(f("minute", &[V], V), 1),
    var(f("month", &[V], V), 1),
    f("pi", &[], S),
    f("predict_linear", &[M, S], V),
    f("present_over_time", &[M], V),
    f("quantile_over_time", &[S, M], V),
    f("rad", &[V], V),
    exp(f("range", &[], S)),
    f("rate", &[M], V),
    f("resets", &[M], V),
    var(f("round", &[V, S], V), 1),
    f("scalar", &[V], S),
    f("sgn", &[V], V),
    f("sin", &[V], V),
    f("sinh", &[V], V),
    f("sort", &[V], V),
    exp(var(f("sort_by_label", &[V, Str], V), -1)),
    exp(var(f("sort_by_label_desc", &[V, Str], V), -1)),
    f("sort_desc", &[V], V),
    f("sqrt", &[V], V),
    exp(f("start", &[], S)),
    exp(f("start_timestamp", &[V], V)),
    f("stddev_over_time", &[M], V),
    f("stdvar_over_time", &[M], V),
    exp(f("step", &[], S)),
    f("sum_over_time", &[M], V),
    f("tan", &[V], V),
    f("tanh", &[V], V),
    f("time", &[], S),
    f("timestamp", &[V], V),
    exp(f("ts_of_first_over_time", &[M], V)),
    exp(f("ts_of_last_over_time", &[M], V)),
    exp(f("ts_of_max_over_time", &[M], V)),
    exp(f("ts_of_min_over_time", &[M], V)),
    f("vector", &[S], V),
    var(f("year", &[V], V), 1),
];

/// The function called `name` (case-sensitive, as in Prometheus).
pub fn function(name: &str) -> Option<&'static Function> {
    FUNCTIONS
        .binary_search_by(|f| f.name.cmp(name))
        .ok()
        .map(|i| &FUNCTIONS[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_searchable() {
        assert!(FUNCTIONS.windows(2).all(|w| w[0].name < w[1].name));
        assert_eq!(function("rate").map(|f| f.arg_types), Some(&[M][..]));
        assert!(function("holt_winters").is_none());
        assert!(function("Rate").is_none());
    }
}
