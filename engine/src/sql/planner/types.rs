//! Static types: what binding can tell of an expression's type before any
//! row is read.
//!
//! Arbor's values carry their own types, so execution never needs this.
//! Binding uses it for two things PostgreSQL does at parse time:
//!
//! - a string literal (`'5'`) has no type of its own until its context
//!   gives one: compared with an `integer` column it is read as an
//!   integer, with a `timestamptz` as a timestamp (PostgreSQL's "unknown"
//!   literals). [`Binder`](super::Binder) reads it so, once, at binding;
//! - a parameter (`$1`) takes the type of what it is compared with,
//!   assigned to or cast to: a client that sends its arguments untyped (as
//!   text) gets them read as that type, and a prepared statement describes
//!   its parameters and its result columns by type.
//!
//! The answer is best effort: `None` where only the values will tell (an
//! aggregate, most functions, a subquery), and a front end then looks at
//! the values.

use arbor_schema::{DataType, Value};

use super::expr::{BinaryOp, Expr, SubqueryKind, UnaryOp};
use super::scope::Scope;

/// The type of `e`'s values over rows of `scope` (inside queries whose
/// scopes are `outer`, innermost last), where binding can tell it.
pub fn static_type(e: &Expr, scope: &Scope, outer: &[&Scope]) -> Option<DataType> {
    match e {
        Expr::Literal(v) => v.data_type(),
        Expr::Column(i) => scope.columns.get(*i)?.data_type.clone(),
        Expr::Outer { depth, index } => {
            let s = outer.get(outer.len().checked_sub(*depth)?)?;
            s.columns.get(*index)?.data_type.clone()
        }
        Expr::Cast(_, t) => Some(t.clone()),
        Expr::Unary(UnaryOp::Not, _)
        | Expr::IsNull(..)
        | Expr::IsDistinctFrom(..)
        | Expr::InList { .. }
        | Expr::Between { .. }
        | Expr::Like { .. }
        | Expr::ArrayQuantified { .. } => Some(DataType::Boolean),
        Expr::Unary(_, x) => static_type(x, scope, outer),
        Expr::Binary(op, l, r) => binary_type(
            *op,
            static_type(l, scope, outer),
            static_type(r, scope, outer),
        ),
        Expr::Case {
            branches,
            otherwise,
            ..
        } => common_type(
            branches
                .iter()
                .map(|(_, then)| then)
                .chain(otherwise.as_deref())
                .map(|x| static_type(x, scope, outer)),
        ),
        Expr::Function(name, args)
            if matches!(name.as_str(), "coalesce" | "greatest" | "least") =>
        {
            common_type(args.iter().map(|a| static_type(a, scope, outer)))
        }
        Expr::Function(name, args) => function_type(name, &|i| {
            args.get(i).and_then(|a| static_type(a, scope, outer))
        }),
        Expr::Subquery(s) => match s.kind {
            SubqueryKind::Scalar => s.data_type.clone(),
            SubqueryKind::Array => Some(DataType::Array(Box::new(s.data_type.clone()?))),
            SubqueryKind::Rows { .. } => None,
            _ => Some(DataType::Boolean),
        },
        // Aggregate and window markers: see `aggregate_type`, typed where
        // the calls are known.
        Expr::Parameter(_) | Expr::Aggregate(_) | Expr::Window(_) => None,
    }
}

/// The type PostgreSQL resolves values of `types` to where one of them
/// is taken (CASE branches, COALESCE's arguments, a UNION's sides): for
/// numbers the widest (`integer` and `bigint` give `bigint`, with
/// `numeric` `numeric`), else the first type known.
pub fn common_type(types: impl IntoIterator<Item = Option<DataType>>) -> Option<DataType> {
    let known: Vec<DataType> = types.into_iter().flatten().collect();
    let widest = known
        .iter()
        .try_fold(None::<DataType>, |acc, t| {
            number_rank(t)?;
            Some(Some(match acc {
                Some(a) if number_rank(&a) >= number_rank(t) => a,
                _ => t.clone(),
            }))
        })
        .flatten();
    widest.or_else(|| known.into_iter().next())
}

/// The type of aggregate or window function `function`'s result, from its
/// first argument's type, as PostgreSQL types it: `count` and the ranks are
/// `bigint`, `sum` of integers `bigint` (of `bigint`, `numeric`), `avg` of
/// integers and numerics `numeric`, `min`, `max` and the value functions
/// their argument's type (an ordered-set aggregate's first argument is
/// the one it sorts).
pub fn aggregate_type(function: &str, arg: Option<DataType>) -> Option<DataType> {
    use DataType as T;
    Some(match function {
        "count" | "row_number" | "rank" | "dense_rank" => T::BigInt,
        "ntile" => T::Integer,
        "percent_rank" | "cume_dist" => T::Double,
        "bool_and" | "bool_or" | "every" => T::Boolean,
        "string_agg" => T::Text,
        "jsonb_agg" | "jsonb_object_agg" => T::Jsonb,
        "json_agg" | "json_object_agg" => T::Json,
        "array_agg" => T::Array(Box::new(arg?)),
        // A sum of reals is summed (and typed) in double precision.
        "sum" => match arg? {
            T::Interval => T::Interval,
            T::SmallInt | T::Integer => T::BigInt,
            T::BigInt | T::Numeric(_) => T::Numeric(None),
            T::Real | T::Double => T::Double,
            _ => return None,
        },
        "avg" => match arg? {
            T::Interval => T::Interval,
            T::SmallInt | T::Integer | T::BigInt | T::Numeric(_) => T::Numeric(None),
            T::Real | T::Double => T::Double,
            _ => return None,
        },
        "percentile_cont" => T::Double,
        "regr_count" => T::BigInt,
        "corr" | "covar_pop" | "covar_samp" | "regr_avgx" | "regr_avgy" | "regr_intercept"
        | "regr_r2" | "regr_slope" | "regr_sxx" | "regr_sxy" | "regr_syy" => T::Double,
        "bit_and" | "bit_or" | "bit_xor" => arg?,
        "percentile_disc" | "mode" => arg?,
        "stddev" | "stddev_samp" | "stddev_pop" | "variance" | "var_samp" | "var_pop" => match arg?
        {
            T::SmallInt | T::Integer | T::BigInt | T::Numeric(_) => T::Numeric(None),
            T::Real | T::Double => T::Double,
            _ => return None,
        },
        "min" | "max" | "lag" | "lead" | "first_value" | "last_value" | "nth_value" => arg?,
        _ => return None,
    })
}

/// The type of `l op r` from its operands' types.
fn binary_type(op: BinaryOp, l: Option<DataType>, r: Option<DataType>) -> Option<DataType> {
    use BinaryOp as B;
    match op {
        B::Eq
        | B::NotEq
        | B::Lt
        | B::LtEq
        | B::Gt
        | B::GtEq
        | B::And
        | B::Or
        | B::Contains
        | B::ContainedBy
        | B::Overlap
        | B::JsonHasKey
        | B::JsonHasAnyKey
        | B::JsonHasAllKeys
        | B::JsonPathExists
        | B::JsonPathMatch
        | B::Regex { .. } => Some(DataType::Boolean),
        B::Subscript => match l? {
            DataType::Array(element) | DataType::Vector(element) => Some(*element),
            DataType::Text => Some(DataType::Text),
            _ => None,
        },
        B::Concat if matches!(l, Some(DataType::Array(_))) => l,
        B::Concat if matches!(r, Some(DataType::Array(_))) => r,
        B::Concat if l == Some(DataType::Jsonb) => Some(DataType::Jsonb),
        B::Concat | B::JsonGetText | B::JsonPathText => Some(DataType::Text),
        B::JsonGet | B::JsonPath | B::JsonDeletePath => l,
        B::Power => numeric_result(l?, r?).map(|_| DataType::Double),
        B::Add | B::Subtract | B::Multiply | B::Divide | B::Modulo => {
            let (l, r) = (l?, r?);
            numeric_result(l.clone(), r.clone()).or_else(|| datetime_result(op, &l, &r))
        }
        B::BitAnd | B::BitOr | B::BitXor | B::ShiftLeft | B::ShiftRight => numeric_result(l?, r?),
    }
}

/// The type arithmetic over two number types gives (PostgreSQL's
/// promotions: the wider integer, else numeric, else double), or `None`
/// for other types (dates and times, which their own rules cover).
fn numeric_result(l: DataType, r: DataType) -> Option<DataType> {
    let (a, b) = (number_rank(&l)?, number_rank(&r)?);
    Some(match a.max(b) {
        0 => DataType::SmallInt,
        1 => DataType::Integer,
        2 => DataType::BigInt,
        3 => DataType::Numeric(None),
        // real op real is real; with anything wider it is double.
        4 if a == b => DataType::Real,
        _ => DataType::Double,
    })
}

/// A number type's place in PostgreSQL's promotions (narrowest first);
/// `None` for any other type.
/// Whether a value of type `from` must be cast to be one of `to`: both are
/// numbers, of different kinds (an `integer` in a `numeric` column).
pub fn other_number(from: &DataType, to: &DataType) -> bool {
    matches!((number_rank(from), number_rank(to)), (Some(a), Some(b)) if a != b)
}

fn number_rank(t: &DataType) -> Option<u8> {
    Some(match t {
        DataType::SmallInt => 0,
        DataType::Integer => 1,
        DataType::BigInt => 2,
        DataType::Numeric(_) => 3,
        DataType::Real => 4,
        DataType::Double => 5,
        _ => return None,
    })
}

/// The result type of the scalar function `name`, given its arguments'
/// types by position, for the functions whose type is fixed or follows an
/// argument.
fn function_type(name: &str, arg: &dyn Fn(usize) -> Option<DataType>) -> Option<DataType> {
    Some(match name {
        "nextval" | "currval" | "setval" | "lastval" => DataType::BigInt,
        // Its first argument carries the enum type (`user_types`).
        "enum_range" => DataType::Array(Box::new(arg(0)?)),
        "sha224" | "sha256" | "sha384" | "sha512" | "decode" | "convert_to" => DataType::Bytea,
        "encode" | "convert_from" => DataType::Text,
        "length" | "char_length" | "character_length" | "octet_length" | "bit_length"
        | "width_bucket" | "strpos" | "position" | "ascii" | "jsonb_array_length"
        | "json_array_length" => DataType::Integer,
        "lower" | "upper" | "initcap" | "trim" | "btrim" | "ltrim" | "rtrim" | "substr"
        | "substring" | "concat" | "concat_ws" | "replace" | "left" | "right" | "lpad" | "rpad"
        | "repeat" | "reverse" | "md5" | "chr" | "to_hex" | "split_part" | "translate"
        | "similar_to_escape" | "like_escape" | "jsonb_typeof" | "json_typeof" | "jsonb_pretty"
        | "quote_ident" | "quote_literal" | "quote_nullable" | "format" | "overlay"
        | "regexp_replace" | "current_user" | "session_user" | "version" => DataType::Text,
        "now"
        | "current_timestamp"
        | "transaction_timestamp"
        | "statement_timestamp"
        | "clock_timestamp" => DataType::TimestampTz,
        "current_date" => DataType::Date,
        "make_time" => DataType::Time,
        "age" | "justify_days" | "justify_hours" | "justify_interval" | "make_interval" => {
            DataType::Interval
        }
        "date_part" => DataType::Double,
        "localtime" => DataType::Time,
        "isfinite" => DataType::Boolean,
        "make_timestamp" => DataType::Timestamp,
        "make_timestamptz" => DataType::TimestampTz,
        "date_bin" => arg(1)?,
        "timezone" => match arg(1)? {
            DataType::Timestamp => DataType::TimestampTz,
            _ => DataType::Timestamp,
        },
        "extract" => DataType::Numeric(None),
        "date_trunc" => match arg(1)? {
            DataType::Date => DataType::TimestampTz,
            other => other,
        },
        "regexp_match" | "regexp_split_to_array" | "string_to_array" | "regexp_matches" => {
            DataType::Array(Box::new(DataType::Text))
        }
        // Set-returning, as select list items: the type of their rows.
        "jsonb_array_elements" => DataType::Jsonb,
        "jsonb_array_elements_text" | "jsonb_object_keys" => DataType::Text,
        "regexp_like" => DataType::Boolean,
        "to_char" => DataType::Text,
        "to_number" => DataType::Numeric(None),
        "to_date" => DataType::Date,
        "to_timestamp" => DataType::TimestampTz,
        "regexp_count" | "regexp_instr" => DataType::Integer,
        "regexp_substr" => DataType::Text,
        "make_date" => DataType::Date,
        "random" | "pi" | "sqrt" | "cbrt" | "ln" | "log10" | "exp" | "sin" | "cos" | "tan"
        | "degrees" | "radians" | "cot" | "sinh" | "cosh" | "tanh" | "asinh" | "acosh"
        | "atanh" => DataType::Double,
        "scale" | "min_scale" | "num_nulls" | "num_nonnulls" => DataType::Integer,
        "trim_scale" => DataType::Numeric(None),
        "to_jsonb" | "jsonb_build_object" | "jsonb_build_array" | "jsonb_set"
        | "jsonb_strip_nulls" | "jsonb_agg" | "jsonb_object_agg" => DataType::Jsonb,
        "gen_random_uuid" => DataType::Uuid,
        "json_build_object" | "json_build_array" | "row_to_json" | "json_extract_path" => {
            DataType::Json
        }
        "json_extract_path_text" => DataType::Text,
        "array_to_string" | "format_type" => DataType::Text,
        "array_length" | "array_upper" | "array_lower" | "cardinality" | "array_position" => {
            DataType::Integer
        }
        "unnest" => match arg(0)? {
            DataType::Array(element) | DataType::Vector(element) => *element,
            _ => return None,
        },
        "array_append" | "array_cat" | "array_remove" | "array_replace" | "trim_array"
        | "array_slice" => arg(0)?,
        "array_positions" => DataType::Array(Box::new(DataType::Integer)),
        "array_dims" => DataType::Text,
        "array_fill" => DataType::Array(Box::new(arg(0)?)),
        "array_prepend" => arg(1)?,
        "generate_subscripts" | "pg_partition_ancestors" | "to_regtype" => DataType::Integer,
        // Integers and reals have no functions of their own here:
        // PostgreSQL reads them as double precision.
        // With places, they round a numeric.
        "round" | "trunc" if arg(1).is_some() => DataType::Numeric(None),
        "ceil" | "ceiling" | "floor" | "round" | "trunc" | "sign" => match arg(0)? {
            DataType::SmallInt | DataType::Integer | DataType::BigInt | DataType::Real => {
                DataType::Double
            }
            other => other,
        },
        "abs" => arg(0)?,
        "power" | "pow" => DataType::Double,
        "mod" | "gcd" | "lcm" => numeric_result(arg(0)?, arg(1)?)?,
        "div" | "factorial" => DataType::Numeric(None),
        "coalesce" | "nullif" | "greatest" | "least" => (0..8).find_map(arg)?,
        _ => return None,
    })
}

/// Whether a string literal compared with (or combined by `op` with) a
/// value of type `t` is read as a `t` (PostgreSQL resolves an unknown
/// literal to the other operand's type): always for comparisons with a
/// type other than text, for arithmetic only with a number type.
pub fn literal_takes_type(op: Option<BinaryOp>, t: &DataType) -> bool {
    use BinaryOp as B;
    let text_like = matches!(t, DataType::Text | DataType::Varchar(_) | DataType::Char(_));
    match op {
        None
        | Some(B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq)
        | Some(B::Contains | B::ContainedBy) => !text_like && *t != DataType::Json,
        // An untyped string beside an array is an array (`a || '{3}'`).
        Some(B::Concat) => matches!(t, DataType::Array(_)),
        Some(B::Add | B::Subtract | B::Multiply | B::Divide | B::Modulo) => {
            number_rank(t).is_some()
                || (matches!(op, Some(B::Add | B::Subtract)) && *t == DataType::Interval)
                || (op == Some(B::Subtract) && is_datetime(t))
        }
        _ => false,
    }
}

/// The type an untyped operand of `op` (a string literal, a parameter)
/// takes beside a value of type `t`: `t`, except that what is added to a
/// timestamp or a time is an interval (PostgreSQL's only `+` for them).
pub fn operand_type(op: Option<BinaryOp>, t: &DataType) -> DataType {
    match (op, t) {
        (Some(BinaryOp::Add), DataType::Timestamp | DataType::TimestampTz | DataType::Time) => {
            DataType::Interval
        }
        _ => t.clone(),
    }
}

fn is_datetime(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Date | DataType::Time | DataType::Timestamp | DataType::TimestampTz
    )
}

/// The type of date, time and interval arithmetic, as PostgreSQL's
/// operators define it (see `functions::datetime::arithmetic`).
fn datetime_result(op: BinaryOp, l: &DataType, r: &DataType) -> Option<DataType> {
    use BinaryOp as B;
    use DataType as T;
    let int = |t: &DataType| t.is_integer();
    Some(match (op, l, r) {
        (B::Add, T::Date, n) | (B::Add, n, T::Date) if int(n) => T::Date,
        (B::Subtract, T::Date, n) if int(n) => T::Date,
        (B::Subtract, T::Date, T::Date) => T::Integer,
        (B::Add, T::Date, T::Time) | (B::Add, T::Time, T::Date) => T::Timestamp,
        (B::Add | B::Subtract, T::Date | T::Timestamp, T::Interval)
        | (B::Add, T::Interval, T::Date | T::Timestamp) => T::Timestamp,
        (B::Add | B::Subtract, T::TimestampTz, T::Interval)
        | (B::Add, T::Interval, T::TimestampTz) => T::TimestampTz,
        (B::Add | B::Subtract, T::Time, T::Interval) | (B::Add, T::Interval, T::Time) => T::Time,
        (B::Subtract, T::Timestamp, T::Timestamp)
        | (B::Subtract, T::TimestampTz, T::TimestampTz)
        | (B::Subtract, T::Time, T::Time)
        | (B::Add | B::Subtract, T::Interval, T::Interval) => T::Interval,
        (B::Multiply, T::Interval, n)
        | (B::Multiply, n, T::Interval)
        | (B::Divide, T::Interval, n)
            if number_rank(n).is_some() =>
        {
            T::Interval
        }
        _ => return None,
    })
}

/// The value of an untyped string literal read as type `t`.
pub fn read_literal(text: &str, t: &DataType) -> crate::error::Result<Value> {
    super::super::eval::cast(Value::Text(text.to_owned()), t)
}
