//! The aggregates of two variables: `corr`, `covar_pop`, `covar_samp` and
//! the `regr_*` family, each over the pairs `(y, x)` where neither is NULL,
//! computed in double precision as PostgreSQL computes them so the digits
//! agree: the count, the sums of `x` and `y`, and the sums of squared and
//! crossed deviations kept with the Youngs-Cramer update
//! (`float8_regr_accum`), then PostgreSQL's formula for each.

use arbor_schema::Value;

use crate::error::{Error, Result, SqlState};

/// The aggregates this module computes.
pub const REGRESSION_AGGREGATES: &[&str] = &[
    "corr",
    "covar_pop",
    "covar_samp",
    "regr_avgx",
    "regr_avgy",
    "regr_count",
    "regr_intercept",
    "regr_r2",
    "regr_slope",
    "regr_sxx",
    "regr_sxy",
    "regr_syy",
];

/// The running state of one of [`REGRESSION_AGGREGATES`].
#[derive(Debug, Clone)]
pub(super) struct Regression {
    function: &'static str,
    n: f64,
    sx: f64,
    sy: f64,
    sxx: f64,
    syy: f64,
    sxy: f64,
}

fn as_double(function: &str, v: &Value) -> Result<f64> {
    v.as_f64().ok_or_else(|| {
        Error::new(
            SqlState::UndefinedFunction,
            format!(
                "function {function}({}, ...) does not exist",
                crate::sql::eval::type_name(v)
            ),
        )
    })
}

impl Regression {
    /// The state of aggregate `function`.
    pub(super) fn new(function: &'static str) -> Regression {
        Regression {
            function,
            n: 0.0,
            sx: 0.0,
            sy: 0.0,
            sxx: 0.0,
            syy: 0.0,
            sxy: 0.0,
        }
    }

    /// Whether the aggregate counts (and so is 0, not NULL, over no pairs).
    pub(super) fn counts(&self) -> bool {
        self.function == "regr_count"
    }

    /// Takes in one pair; a pair with a NULL is skipped.
    pub(super) fn add(&mut self, y: &Value, x: &Value) -> Result<()> {
        if y.is_null() || x.is_null() {
            return Ok(());
        }
        let (y, x) = (as_double(self.function, y)?, as_double(self.function, x)?);
        let previous = self.n;
        self.n += 1.0;
        self.sx += x;
        self.sy += y;
        if previous > 0.0 {
            let tx = x * self.n - self.sx;
            let ty = y * self.n - self.sy;
            let scale = 1.0 / (self.n * previous);
            self.sxx += tx * tx * scale;
            self.syy += ty * ty * scale;
            self.sxy += tx * ty * scale;
            let inputs_finite = x.is_finite() && y.is_finite();
            if inputs_finite
                && [self.sx, self.sy, self.sxx, self.syy, self.sxy]
                    .iter()
                    .any(|s| s.is_infinite())
            {
                return Err(Error::new(
                    SqlState::NumericValueOutOfRange,
                    "value out of range: overflow",
                ));
            }
        } else {
            if !x.is_finite() {
                self.sxx = f64::NAN;
                self.sxy = f64::NAN;
            }
            if !y.is_finite() {
                self.syy = f64::NAN;
                self.sxy = f64::NAN;
            }
        }
        Ok(())
    }

    /// The aggregate's value: NULL where PostgreSQL's is (too few pairs, a
    /// vertical or horizontal line).
    pub(super) fn finish(&self) -> Value {
        let n = self.n;
        let double = |x: f64| Value::Double(x);
        if self.function == "regr_count" {
            return Value::BigInt(n as i64);
        }
        if n < 1.0 || (self.function == "covar_samp" && n < 2.0) {
            return Value::Null;
        }
        match self.function {
            "regr_sxx" => double(self.sxx),
            "regr_syy" => double(self.syy),
            "regr_sxy" => double(self.sxy),
            "regr_avgx" => double(self.sx / n),
            "regr_avgy" => double(self.sy / n),
            "covar_pop" => double(self.sxy / n),
            "covar_samp" => double(self.sxy / (n - 1.0)),
            "corr" if self.sxx == 0.0 || self.syy == 0.0 => Value::Null,
            "corr" => double(self.sxy / (self.sxx * self.syy).sqrt()),
            "regr_r2" if self.sxx == 0.0 => Value::Null,
            "regr_r2" if self.syy == 0.0 => double(1.0),
            "regr_r2" => double((self.sxy * self.sxy) / (self.sxx * self.syy)),
            _ if self.sxx == 0.0 => Value::Null,
            "regr_slope" => double(self.sxy / self.sxx),
            _ => double((self.sy - self.sx * self.sxy / self.sxx) / n),
        }
    }
}
