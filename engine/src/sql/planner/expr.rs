//! Bound expressions: names resolved to column positions, functions to
//! implementations, ready to evaluate against a row.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use arbor_schema::{DataType, Value};

use super::plan::Plan;

/// An expression over the columns of one row (and, for correlated
/// subqueries, the rows of enclosing queries).
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A constant.
    Literal(Value),
    /// Column `n` of the current row.
    Column(usize),
    /// Column `index` of the row of the query `depth` levels out.
    Outer {
        /// 1 for the immediately enclosing query.
        depth: usize,
        /// Column position in that row.
        index: usize,
    },
    /// `$n` (1-based), bound when a prepared statement runs.
    Parameter(usize),
    /// A unary operator.
    Unary(UnaryOp, Box<Expr>),
    /// A binary operator.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `expr IS [NOT] NULL`.
    IsNull(Box<Expr>, bool),
    /// `a IS [NOT] DISTINCT FROM b`.
    IsDistinctFrom(Box<Expr>, Box<Expr>, bool),
    /// `expr [NOT] IN (list)`; build it with [`Expr::in_list`].
    InList {
        /// The tested value.
        expr: Box<Expr>,
        /// The candidates.
        list: Vec<Expr>,
        /// `NOT IN`.
        negated: bool,
        /// The list's constants hashed, when it is long and all of one kind.
        set: Option<Arc<ValueSet>>,
    },
    /// `expr [NOT] BETWEEN low AND high`.
    Between {
        /// The tested value.
        expr: Box<Expr>,
        /// Lower bound (inclusive).
        low: Box<Expr>,
        /// Upper bound (inclusive).
        high: Box<Expr>,
        /// `NOT BETWEEN`.
        negated: bool,
    },
    /// `expr [NOT] [I]LIKE pattern [ESCAPE e]`.
    Like {
        /// The tested text.
        expr: Box<Expr>,
        /// The pattern.
        pattern: Box<Expr>,
        /// `NOT LIKE`.
        negated: bool,
        /// `ILIKE`.
        case_insensitive: bool,
    },
    /// `CASE [operand] WHEN ... THEN ... ELSE ... END`.
    Case {
        /// The simple-CASE operand, if any.
        operand: Option<Box<Expr>>,
        /// (condition or value, result) pairs.
        branches: Vec<(Expr, Expr)>,
        /// The ELSE result.
        otherwise: Option<Box<Expr>>,
    },
    /// `CAST(expr AS type)` and `expr::type`.
    Cast(Box<Expr>, DataType),
    /// A scalar function call.
    Function(String, Vec<Expr>),
    /// `expr op ANY (array)` or `expr op ALL (array)`: the comparison with
    /// each element, OR-ed (ANY) or AND-ed (ALL) with SQL's NULL rules.
    ArrayQuantified {
        /// The left operand.
        expr: Box<Expr>,
        /// The comparison.
        op: BinaryOp,
        /// `ALL` (true) or `ANY`/`SOME` (false).
        all: bool,
        /// The array.
        array: Box<Expr>,
    },
    /// A subquery used as a value.
    Subquery(Box<Subquery>),
    /// Aggregate call number `n` of the enclosing grouped query. Exists only
    /// while binding; the binder rewrites it to a column of the aggregate's output.
    Aggregate(usize),
    /// Window call number `n` of the enclosing SELECT. Exists only while
    /// binding; the binder rewrites it to a column of the window's output.
    Window(usize),
}

/// A subquery inside an expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Subquery {
    /// How its result is used.
    pub kind: SubqueryKind,
    /// The subquery's plan. It may refer to the enclosing rows (`Expr::Outer`).
    pub plan: Plan,
    /// Whether it refers to any enclosing row; if not, it is evaluated once.
    pub correlated: bool,
    /// The type of its (first) column, where binding could tell it.
    pub data_type: Option<DataType>,
}

/// How a subquery's result is used.
#[derive(Clone, Debug, PartialEq)]
pub enum SubqueryKind {
    /// `(SELECT x ...)`: its single value, or NULL if no row.
    Scalar,
    /// `EXISTS (SELECT ...)`.
    Exists,
    /// `expr [NOT] IN (SELECT x ...)`.
    In(Box<Expr>, bool),
    /// `ARRAY(SELECT x ...)`: the values of its one column as an array.
    Array,
    /// A LATERAL subquery in FROM: its rows, each as an array of its
    /// values, in an array (expanded by an `Unnest` above). With
    /// `nulls_if_none` (a LEFT JOIN's width), no rows give one row of that
    /// many NULLs, so the left row is kept.
    Rows {
        /// The row of NULLs to give when there are no rows: its width.
        nulls_if_none: Option<usize>,
    },
    /// `expr op ANY|ALL (SELECT x ...)`.
    Quantified {
        /// The left operand.
        expr: Box<Expr>,
        /// The comparison.
        op: BinaryOp,
        /// `ALL` (true) or `ANY`/`SOME` (false).
        all: bool,
    },
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`.
    Negate,
    /// `+x`.
    Plus,
    /// `NOT x`.
    Not,
    /// `~x`.
    BitNot,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Subtract,
    /// `*`
    Multiply,
    /// `/`
    Divide,
    /// `%`
    Modulo,
    /// `^`
    Power,
    /// `=`
    Eq,
    /// `<>`, `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `AND`
    And,
    /// `OR`
    Or,
    /// `||` (text or jsonb concatenation)
    Concat,
    /// `&`
    BitAnd,
    /// `|`
    BitOr,
    /// `#`
    BitXor,
    /// `<<`
    ShiftLeft,
    /// `>>`
    ShiftRight,
    /// `->` (jsonb field or element)
    JsonGet,
    /// `->>` (jsonb field or element as text)
    JsonGetText,
    /// `#>` (jsonb path)
    JsonPath,
    /// `#>>` (jsonb path as text)
    JsonPathText,
    /// `@>`
    Contains,
    /// `<@`
    ContainedBy,
    /// `&&` (arrays with an element in common)
    Overlap,
    /// `?`
    JsonHasKey,
    /// `?|`
    JsonHasAnyKey,
    /// `?&`
    JsonHasAllKeys,
    /// `#-`
    JsonDeletePath,
    /// `@?`
    JsonPathExists,
    /// `@@`
    JsonPathMatch,
    /// `~`, `~*`, `!~`, `!~*`: whether text matches a POSIX-style regular
    /// expression.
    Regex {
        /// `~*` and `!~*`.
        case_insensitive: bool,
        /// `!~` and `!~*`.
        negated: bool,
    },
    /// `array[index]` (1-based; NULL outside the array).
    Subscript,
}

impl BinaryOp {
    /// The operator as written in SQL.
    pub fn symbol(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "+",
            Subtract => "-",
            Multiply => "*",
            Divide => "/",
            Modulo => "%",
            Power => "^",
            Eq => "=",
            NotEq => "<>",
            Lt => "<",
            LtEq => "<=",
            Gt => ">",
            GtEq => ">=",
            And => "AND",
            Or => "OR",
            Concat => "||",
            BitAnd => "&",
            BitOr => "|",
            BitXor => "#",
            ShiftLeft => "<<",
            ShiftRight => ">>",
            JsonGet => "->",
            JsonGetText => "->>",
            JsonPath => "#>",
            JsonPathText => "#>>",
            Contains => "@>",
            Overlap => "&&",
            ContainedBy => "<@",
            JsonHasKey => "?",
            JsonHasAnyKey => "?|",
            JsonHasAllKeys => "?&",
            JsonDeletePath => "#-",
            JsonPathExists => "@?",
            JsonPathMatch => "@@",
            Regex {
                case_insensitive: false,
                negated: false,
            } => "~",
            Regex {
                case_insensitive: true,
                negated: false,
            } => "~*",
            Regex {
                case_insensitive: false,
                negated: true,
            } => "!~",
            Regex {
                case_insensitive: true,
                negated: true,
            } => "!~*",
            Subscript => "[]",
        }
    }

    /// Whether this is a comparison (its result is boolean, NULL on NULL input).
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq
                | BinaryOp::NotEq
                | BinaryOp::Lt
                | BinaryOp::LtEq
                | BinaryOp::Gt
                | BinaryOp::GtEq
        )
    }

    /// The comparison with its operands swapped (`a < b` is `b > a`).
    pub fn flip(self) -> BinaryOp {
        match self {
            BinaryOp::Lt => BinaryOp::Gt,
            BinaryOp::LtEq => BinaryOp::GtEq,
            BinaryOp::Gt => BinaryOp::Lt,
            BinaryOp::GtEq => BinaryOp::LtEq,
            other => other,
        }
    }
}

/// The constants of a long `IN` list, hashed, so that testing a value is
/// one probe instead of a comparison with each item. Only lists whose
/// items are all integers or all text are hashed: for those, equality is
/// equality of the hashed form (integers of any width by value, text by
/// bytes), so a probe answers exactly what the comparisons would.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueSet {
    items: SetItems,
    /// Whether the list holds a NULL (then a value not in it gives NULL).
    has_null: bool,
}

#[derive(Clone, Debug, PartialEq)]
enum SetItems {
    Integers(HashSet<i64>),
    Texts(HashSet<String>),
}

impl ValueSet {
    /// Lists shorter than this are compared item by item.
    const MIN_ITEMS: usize = 8;

    /// The set of `list`, if it is long, all constants, and all integers or all text.
    fn of(list: &[Expr]) -> Option<ValueSet> {
        if list.len() < Self::MIN_ITEMS {
            return None;
        }
        let mut has_null = false;
        let mut integers = HashSet::new();
        let mut texts = HashSet::new();
        for item in list {
            match item {
                Expr::Literal(Value::Null) => has_null = true,
                Expr::Literal(Value::Text(t)) => {
                    texts.insert(t.clone());
                }
                Expr::Literal(v @ (Value::SmallInt(_) | Value::Integer(_) | Value::BigInt(_))) => {
                    integers.insert(v.as_i64()?);
                }
                _ => return None,
            }
        }
        let items = match (integers.is_empty(), texts.is_empty()) {
            (_, true) => SetItems::Integers(integers),
            (true, false) => SetItems::Texts(texts),
            (false, false) => return None,
        };
        Some(ValueSet { items, has_null })
    }

    /// `v IN (list)` by one probe: `None` when `v` is not of the set's kind
    /// (then the items are compared one by one).
    pub fn contains(&self, v: &Value) -> Option<Value> {
        let found = match (&self.items, v) {
            (
                SetItems::Integers(set),
                Value::SmallInt(_) | Value::Integer(_) | Value::BigInt(_),
            ) => set.contains(&v.as_i64()?),
            (SetItems::Texts(set), Value::Text(t)) => set.contains(t),
            _ => return None,
        };
        Some(match (found, self.has_null) {
            (true, _) => Value::Boolean(true),
            (false, true) => Value::Null,
            (false, false) => Value::Boolean(false),
        })
    }
}

impl Expr {
    /// `expr [NOT] IN (list)`, with a long list of constants hashed.
    pub fn in_list(expr: Expr, list: Vec<Expr>, negated: bool) -> Expr {
        let set = ValueSet::of(&list).map(Arc::new);
        Expr::InList {
            expr: Box::new(expr),
            list,
            negated,
            set,
        }
    }

    /// `left AND right`.
    pub fn and(left: Expr, right: Expr) -> Expr {
        Expr::Binary(BinaryOp::And, Box::new(left), Box::new(right))
    }

    /// Splits a conjunction into its terms.
    pub fn into_conjuncts(self) -> Vec<Expr> {
        match self {
            Expr::Binary(BinaryOp::And, l, r) => {
                let mut out = l.into_conjuncts();
                out.extend(r.into_conjuncts());
                out
            }
            other => vec![other],
        }
    }

    /// Joins terms with AND (`None` for no terms).
    pub fn conjunction(terms: Vec<Expr>) -> Option<Expr> {
        (!terms.is_empty()).then(|| Expr::balanced(BinaryOp::And, terms))
    }

    /// Joins one or more terms with an associative `op` (AND, OR) as a
    /// balanced tree, so ten thousand terms nest 14 deep, not ten thousand.
    /// Up to three terms the tree is the left-deep one a parser builds.
    pub fn balanced(op: BinaryOp, mut terms: Vec<Expr>) -> Expr {
        if terms.len() <= 1 {
            // No terms at all cannot be asked for; NULL keeps this total.
            return terms.pop().unwrap_or(Expr::Literal(Value::Null));
        }
        let right = terms.split_off(terms.len().div_ceil(2));
        Expr::Binary(
            op,
            Box::new(Expr::balanced(op, terms)),
            Box::new(Expr::balanced(op, right)),
        )
    }

    /// Calls `f` on this expression and every sub-expression, outside subqueries.
    pub fn walk(&self, f: &mut impl FnMut(&Expr)) {
        f(self);
        self.for_each_child(&mut |c| c.walk(f));
    }

    /// Calls `f` on each direct child of this expression (outside
    /// subqueries: an `IN (SELECT ...)`'s left operand is a child, the
    /// subquery's own expressions are not).
    pub fn for_each_child(&self, f: &mut impl FnMut(&Expr)) {
        match self {
            Expr::Literal(_)
            | Expr::Column(_)
            | Expr::Outer { .. }
            | Expr::Parameter(_)
            | Expr::Aggregate(_)
            | Expr::Window(_) => {}
            Expr::Unary(_, e) | Expr::IsNull(e, _) | Expr::Cast(e, _) => f(e),
            Expr::Binary(_, l, r) | Expr::IsDistinctFrom(l, r, _) => {
                f(l);
                f(r);
            }
            Expr::InList { expr, list, .. } => {
                f(expr);
                list.iter().for_each(f);
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                f(expr);
                f(low);
                f(high);
            }
            Expr::Like { expr, pattern, .. } => {
                f(expr);
                f(pattern);
            }
            Expr::Case {
                operand,
                branches,
                otherwise,
            } => {
                if let Some(o) = operand {
                    f(o);
                }
                for (w, t) in branches {
                    f(w);
                    f(t);
                }
                if let Some(o) = otherwise {
                    f(o);
                }
            }
            Expr::Function(_, args) => args.iter().for_each(f),
            Expr::ArrayQuantified { expr, array, .. } => {
                f(expr);
                f(array);
            }
            Expr::Subquery(s) => match &s.kind {
                SubqueryKind::In(e, _) | SubqueryKind::Quantified { expr: e, .. } => f(e),
                SubqueryKind::Scalar
                | SubqueryKind::Exists
                | SubqueryKind::Array
                | SubqueryKind::Rows { .. } => {}
            },
        }
    }

    /// Applies `f` to each direct child, rebuilding this node.
    pub fn try_map_children(
        self,
        f: &mut impl FnMut(Expr) -> crate::Result<Expr>,
    ) -> crate::Result<Expr> {
        // Boxes are what the variants hold, so take and give them as boxes.
        #[allow(clippy::boxed_local)]
        fn b(
            e: Box<Expr>,
            f: &mut impl FnMut(Expr) -> crate::Result<Expr>,
        ) -> crate::Result<Box<Expr>> {
            Ok(Box::new(f(*e)?))
        }
        Ok(match self {
            e @ (Expr::Literal(_)
            | Expr::Column(_)
            | Expr::Outer { .. }
            | Expr::Parameter(_)
            | Expr::Aggregate(_)
            | Expr::Window(_)) => e,
            Expr::Unary(op, e) => Expr::Unary(op, b(e, f)?),
            Expr::IsNull(e, n) => Expr::IsNull(b(e, f)?, n),
            Expr::Cast(e, t) => Expr::Cast(b(e, f)?, t),
            Expr::Binary(op, l, r) => Expr::Binary(op, b(l, f)?, b(r, f)?),
            Expr::IsDistinctFrom(l, r, n) => Expr::IsDistinctFrom(b(l, f)?, b(r, f)?, n),
            Expr::InList {
                expr,
                list,
                negated,
                ..
            } => Expr::in_list(
                *b(expr, f)?,
                list.into_iter()
                    .map(&mut *f)
                    .collect::<crate::Result<_>>()?,
                negated,
            ),
            Expr::Between {
                expr,
                low,
                high,
                negated,
            } => Expr::Between {
                expr: b(expr, f)?,
                low: b(low, f)?,
                high: b(high, f)?,
                negated,
            },
            Expr::Like {
                expr,
                pattern,
                negated,
                case_insensitive,
            } => Expr::Like {
                expr: b(expr, f)?,
                pattern: b(pattern, f)?,
                negated,
                case_insensitive,
            },
            Expr::Case {
                operand,
                branches,
                otherwise,
            } => Expr::Case {
                operand: operand.map(|o| b(o, f)).transpose()?,
                branches: branches
                    .into_iter()
                    .map(|(w, t)| Ok((f(w)?, f(t)?)))
                    .collect::<crate::Result<_>>()?,
                otherwise: otherwise.map(|o| b(o, f)).transpose()?,
            },
            Expr::Function(name, args) => Expr::Function(
                name,
                args.into_iter()
                    .map(&mut *f)
                    .collect::<crate::Result<_>>()?,
            ),
            Expr::ArrayQuantified {
                expr,
                op,
                all,
                array,
            } => Expr::ArrayQuantified {
                expr: b(expr, f)?,
                op,
                all,
                array: b(array, f)?,
            },
            Expr::Subquery(mut s) => {
                s.kind = match s.kind {
                    SubqueryKind::In(e, n) => SubqueryKind::In(b(e, f)?, n),
                    SubqueryKind::Quantified { expr, op, all } => SubqueryKind::Quantified {
                        expr: b(expr, f)?,
                        op,
                        all,
                    },
                    k => k,
                };
                Expr::Subquery(s)
            }
        })
    }

    /// Rewrites every sub-expression bottom-up with `f`.
    pub fn transform(self, f: &mut impl FnMut(Expr) -> Expr) -> Expr {
        let mapped = self
            .try_map_children(&mut |c| Ok(c.transform(&mut *f)))
            .expect("an infallible rewrite cannot fail");
        f(mapped)
    }

    /// The local columns this expression reads (outside subqueries).
    pub fn columns(&self) -> Vec<usize> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let Expr::Column(i) = e {
                out.push(*i);
            }
        });
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether the expression contains a subquery.
    pub fn has_subquery(&self) -> bool {
        let mut found = false;
        self.walk(&mut |e| found |= matches!(e, Expr::Subquery(_)));
        found
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Literal(v) => match v {
                Value::Null => f.write_str("NULL"),
                other => write!(f, "{other}"),
            },
            Expr::Column(i) => write!(f, "#{i}"),
            Expr::Outer { depth, index } => write!(f, "outer{depth}.#{index}"),
            Expr::Parameter(n) => write!(f, "${n}"),
            Expr::Aggregate(n) => write!(f, "aggregate#{n}"),
            Expr::Window(n) => write!(f, "window#{n}"),
            Expr::Unary(UnaryOp::Negate, e) => write!(f, "(-{e})"),
            Expr::Unary(UnaryOp::Plus, e) => write!(f, "(+{e})"),
            Expr::Unary(UnaryOp::Not, e) => write!(f, "(NOT {e})"),
            Expr::Unary(UnaryOp::BitNot, e) => write!(f, "(~{e})"),
            Expr::Binary(BinaryOp::Subscript, l, r) => write!(f, "{l}[{r}]"),
            Expr::Binary(op, l, r) => write!(f, "({l} {} {r})", op.symbol()),
            Expr::IsNull(e, false) => write!(f, "({e} IS NULL)"),
            Expr::IsNull(e, true) => write!(f, "({e} IS NOT NULL)"),
            Expr::IsDistinctFrom(l, r, n) => {
                write!(
                    f,
                    "({l} IS {}DISTINCT FROM {r})",
                    if *n { "NOT " } else { "" }
                )
            }
            Expr::InList {
                expr,
                list,
                negated,
                ..
            } => {
                let items: Vec<String> = list.iter().map(|e| e.to_string()).collect();
                write!(
                    f,
                    "({expr} {}IN ({}))",
                    if *negated { "NOT " } else { "" },
                    items.join(", ")
                )
            }
            Expr::Between {
                expr,
                low,
                high,
                negated,
            } => {
                write!(
                    f,
                    "({expr} {}BETWEEN {low} AND {high})",
                    if *negated { "NOT " } else { "" }
                )
            }
            Expr::Like {
                expr,
                pattern,
                negated,
                case_insensitive,
            } => write!(
                f,
                "({expr} {}{} {pattern})",
                if *negated { "NOT " } else { "" },
                if *case_insensitive { "ILIKE" } else { "LIKE" }
            ),
            Expr::Case {
                operand,
                branches,
                otherwise,
            } => {
                f.write_str("CASE")?;
                if let Some(o) = operand {
                    write!(f, " {o}")?;
                }
                for (w, t) in branches {
                    write!(f, " WHEN {w} THEN {t}")?;
                }
                if let Some(o) = otherwise {
                    write!(f, " ELSE {o}")?;
                }
                f.write_str(" END")
            }
            Expr::Cast(e, t) => write!(f, "CAST({e} AS {t})"),
            Expr::Function(name, args) => {
                let items: Vec<String> = args.iter().map(|e| e.to_string()).collect();
                write!(f, "{name}({})", items.join(", "))
            }
            Expr::ArrayQuantified {
                expr,
                op,
                all,
                array,
            } => write!(
                f,
                "({expr} {} {}({array}))",
                op.symbol(),
                if *all { "ALL" } else { "ANY" }
            ),
            Expr::Subquery(s) => match &s.kind {
                SubqueryKind::Scalar => f.write_str("(subquery)"),
                SubqueryKind::Array => f.write_str("ARRAY(subquery)"),
                SubqueryKind::Rows { .. } => f.write_str("LATERAL (subquery)"),
                SubqueryKind::Exists => f.write_str("EXISTS(subquery)"),
                SubqueryKind::In(e, n) => {
                    write!(f, "({e} {}IN (subquery))", if *n { "NOT " } else { "" })
                }
                SubqueryKind::Quantified { expr, op, all } => {
                    write!(
                        f,
                        "({expr} {} {}(subquery))",
                        op.symbol(),
                        if *all { "ALL" } else { "ANY" }
                    )
                }
            },
        }
    }
}
