//! `interval`: a span of time as PostgreSQL holds it.
//!
//! An interval is three fields that do not convert into one another
//! exactly: months (28 to 31 days long), days (a day is 24 hours only
//! where clocks never change) and microseconds. Adding one to a timestamp
//! adds the months first (clamping the day to the end of a shorter month:
//! January 31 plus a month is February's last day), then the days, then
//! the microseconds. Comparing two intervals compares them as if a month
//! were 30 days and a day 24 hours, so `'1 mon' = '30 days'` is true
//! while the two stay distinct values that print differently.
//!
//! Text input is PostgreSQL's: units (`3 days 4 hours`, `1.5 years`,
//! `2 mons ago`, `1 day 02:03:04`), a bare time (`04:05:06`), the SQL
//! standard's `1-2` (a year and two months) and ISO 8601's
//! `P1Y2M3DT4H5M6S`. Output is PostgreSQL's `IntervalStyle = postgres`:
//! `1 year 2 mons 3 days 04:05:06.5`.

use std::fmt::{self, Write as _};

use chrono::{Datelike, Duration, Months, NaiveDateTime, NaiveTime, Timelike};

use crate::error::{ErrorKind, Result, ValueError};

/// Microseconds in a second, a minute, an hour and a day.
const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_MINUTE: i64 = 60 * MICROS_PER_SECOND;
const MICROS_PER_HOUR: i64 = 60 * MICROS_PER_MINUTE;
/// Microseconds in a day of 24 hours.
pub const MICROS_PER_DAY: i64 = 24 * MICROS_PER_HOUR;
/// The days a month counts for wherever months and days are compared.
const DAYS_PER_MONTH: i64 = 30;

/// A value of type `interval`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Interval {
    /// Months (a year is 12).
    pub months: i32,
    /// Days.
    pub days: i32,
    /// Microseconds.
    pub micros: i64,
}

/// 22008: an interval too large for its fields.
pub fn out_of_range() -> ValueError {
    ValueError::new(ErrorKind::DatetimeFieldOverflow, "interval out of range")
}

impl Interval {
    /// The interval of `months`, `days` and `micros`.
    pub fn new(months: i32, days: i32, micros: i64) -> Interval {
        Interval {
            months,
            days,
            micros,
        }
    }

    /// The microseconds the interval stands for where intervals are
    /// compared: a month counts 30 days and a day 24 hours (PostgreSQL's
    /// `interval_cmp_value`).
    pub fn span(&self) -> i128 {
        (i128::from(self.months) * i128::from(DAYS_PER_MONTH) + i128::from(self.days))
            * i128::from(MICROS_PER_DAY)
            + i128::from(self.micros)
    }

    /// An interval from fields computed wide, or 22008 where one overflows.
    fn checked(months: i64, days: i64, micros: i128) -> Result<Interval> {
        Ok(Interval {
            months: i32::try_from(months).map_err(|_| out_of_range())?,
            days: i32::try_from(days).map_err(|_| out_of_range())?,
            micros: i64::try_from(micros).map_err(|_| out_of_range())?,
        })
    }

    /// `self + other`, field by field.
    pub fn checked_add(self, other: Interval) -> Result<Interval> {
        Interval::checked(
            i64::from(self.months) + i64::from(other.months),
            i64::from(self.days) + i64::from(other.days),
            i128::from(self.micros) + i128::from(other.micros),
        )
    }

    /// `-self`.
    pub fn negate(self) -> Result<Interval> {
        Interval::checked(
            -i64::from(self.months),
            -i64::from(self.days),
            -i128::from(self.micros),
        )
    }

    /// `self - other`.
    pub fn checked_sub(self, other: Interval) -> Result<Interval> {
        self.checked_add(other.negate()?)
    }

    /// `self * factor`, as PostgreSQL's `interval_mul`: the fraction of a
    /// month that the product leaves goes to days (30 to a month), and the
    /// fraction of a day to microseconds.
    pub fn checked_mul(self, factor: f64) -> Result<Interval> {
        self.scale(|x| x * factor)
    }

    /// `self / divisor` (the caller refuses a zero divisor), as
    /// PostgreSQL's `interval_div`.
    pub fn checked_div(self, divisor: f64) -> Result<Interval> {
        self.scale(|x| x / divisor)
    }

    fn scale(self, f: impl Fn(f64) -> f64) -> Result<Interval> {
        let in_range = |x: f64, limit: f64| x.is_finite() && x.abs() < limit;
        let months = f(f64::from(self.months));
        let days = f(f64::from(self.days));
        if !in_range(months, 2_147_483_648.0) || !in_range(days, 2_147_483_648.0) {
            return Err(out_of_range());
        }
        let (whole_months, whole_days) = (months.trunc(), days.trunc());
        // Rounded to a microsecond of a day, as PostgreSQL's TSROUND.
        let round = |x: f64| (x * 1e6).round_ties_even() / 1e6;
        let month_remainder_days = round((months - whole_months) * DAYS_PER_MONTH as f64);
        let mut seconds = round(
            (days - whole_days + month_remainder_days - month_remainder_days.trunc()) * 86_400.0,
        );
        let mut extra_days = month_remainder_days.trunc();
        if seconds.abs() >= 86_400.0 {
            extra_days += (seconds / 86_400.0).trunc();
            seconds -= (seconds / 86_400.0).trunc() * 86_400.0;
        }
        let micros = (f(self.micros as f64) + seconds * 1e6).round_ties_even();
        if !in_range(micros, 9.2e18) {
            return Err(out_of_range());
        }
        Interval::checked(
            whole_months as i64,
            whole_days as i64 + extra_days as i64,
            micros as i128,
        )
    }

    /// Whole 24-hour days of the microseconds moved into the days, the two
    /// then given one sign (`justify_hours`).
    pub fn justify_hours(self) -> Result<Interval> {
        let mut days = i64::from(self.days) + self.micros / MICROS_PER_DAY;
        let mut micros = self.micros % MICROS_PER_DAY;
        one_sign(&mut days, &mut micros, MICROS_PER_DAY);
        Interval::checked(i64::from(self.months), days, i128::from(micros))
    }

    /// Whole 30-day months of the days moved into the months, the two then
    /// given one sign (`justify_days`).
    pub fn justify_days(self) -> Result<Interval> {
        let mut months = i64::from(self.months) + i64::from(self.days) / DAYS_PER_MONTH;
        let mut days = i64::from(self.days) % DAYS_PER_MONTH;
        one_sign(&mut months, &mut days, DAYS_PER_MONTH);
        Interval::checked(months, days, i128::from(self.micros))
    }

    /// Both justifications, the three fields given one sign
    /// (`justify_interval`).
    pub fn justify_interval(self) -> Result<Interval> {
        let mut months = i64::from(self.months) + i64::from(self.days) / DAYS_PER_MONTH;
        let mut days = i64::from(self.days) % DAYS_PER_MONTH + self.micros / MICROS_PER_DAY;
        let mut micros = self.micros % MICROS_PER_DAY;
        if months > 0 && (days < 0 || (days == 0 && micros < 0)) {
            days += DAYS_PER_MONTH;
            months -= 1;
        } else if months < 0 && (days > 0 || (days == 0 && micros > 0)) {
            days -= DAYS_PER_MONTH;
            months += 1;
        }
        one_sign(&mut days, &mut micros, MICROS_PER_DAY);
        Interval::checked(months, days, i128::from(micros))
    }

    /// `t + self`: months first (the day clamped to the month's last),
    /// then days, then microseconds; `None` past the timestamps' range.
    pub fn add_to(self, t: NaiveDateTime) -> Option<NaiveDateTime> {
        let t = match self.months {
            0 => t,
            m if m > 0 => t.checked_add_months(Months::new(m.unsigned_abs()))?,
            m => t.checked_sub_months(Months::new(m.unsigned_abs()))?,
        };
        t.checked_add_signed(Duration::try_days(i64::from(self.days))?)?
            .checked_add_signed(Duration::microseconds(self.micros))
    }

    /// `t + self` for a time of day: only the microseconds count, around
    /// the clock.
    pub fn add_to_time(self, t: NaiveTime) -> NaiveTime {
        let micros = time_micros(t) + self.micros.rem_euclid(MICROS_PER_DAY);
        time_of_micros(micros.rem_euclid(MICROS_PER_DAY))
    }

    /// `a - b` for timestamps: the microseconds between them, whole days
    /// moved into the days (`justify_hours`).
    pub fn between(a: NaiveDateTime, b: NaiveDateTime) -> Result<Interval> {
        let micros = (a - b).num_microseconds().ok_or_else(out_of_range)?;
        Interval::new(0, 0, micros).justify_hours()
    }

    /// `a - b` for times of day.
    pub fn between_times(a: NaiveTime, b: NaiveTime) -> Interval {
        Interval::new(0, 0, time_micros(a) - time_micros(b))
    }

    /// A time of day as an interval (`time::interval`).
    pub fn of_time(t: NaiveTime) -> Interval {
        Interval::new(0, 0, time_micros(t))
    }

    /// The time of day of the microseconds (`interval::time`).
    pub fn time_of_day(self) -> NaiveTime {
        time_of_micros(self.micros.rem_euclid(MICROS_PER_DAY))
    }

    /// `age(a, b)`: years, months and days between the two by the
    /// calendar, as PostgreSQL subtracts them field by field, borrowing
    /// from the next field up (a month borrowed is the length of the
    /// earlier timestamp's month).
    pub fn age(a: NaiveDateTime, b: NaiveDateTime) -> Result<Interval> {
        let fields = |t: NaiveDateTime| {
            [
                i64::from(t.year()),
                i64::from(t.month()),
                i64::from(t.day()),
                i64::from(t.hour()),
                i64::from(t.minute()),
                i64::from(t.second()),
                i64::from(t.nanosecond() / 1000),
            ]
        };
        let (fa, fb) = (fields(a), fields(b));
        let negative = a < b;
        let mut d: Vec<i64> = fa.iter().zip(&fb).map(|(x, y)| x - y).collect();
        if negative {
            d.iter_mut().for_each(|x| *x = -*x);
        }
        // Each field borrows from the one above it: micros, seconds,
        // minutes, hours, then days (a month's length), then months.
        let (year, month, day, hour, minute, second, micro) = (0, 1, 2, 3, 4, 5, 6);
        for (field, above, size) in [
            (micro, second, 1_000_000),
            (second, minute, 60),
            (minute, hour, 60),
            (hour, day, 24),
        ] {
            while d[field] < 0 {
                d[field] += size;
                d[above] -= 1;
            }
        }
        let earlier = if negative { a } else { b };
        while d[day] < 0 {
            d[day] += i64::from(days_in_month(earlier.year(), earlier.month()));
            d[month] -= 1;
        }
        while d[month] < 0 {
            d[month] += 12;
            d[year] -= 1;
        }
        if negative {
            d.iter_mut().for_each(|x| *x = -*x);
        }
        Interval::checked(
            d[year] * 12 + d[month],
            d[day],
            i128::from(d[hour]) * i128::from(MICROS_PER_HOUR)
                + i128::from(d[minute]) * i128::from(MICROS_PER_MINUTE)
                + i128::from(d[second]) * i128::from(MICROS_PER_SECOND)
                + i128::from(d[micro]),
        )
    }

    /// The fields as PostgreSQL breaks an interval down for `EXTRACT`
    /// and `date_trunc`: years, months (under 12), days, hours (any
    /// number), minutes, seconds and microseconds (under a second), each
    /// with the sign of the field it comes from.
    pub fn parts(self) -> IntervalParts {
        let m = self.micros;
        IntervalParts {
            years: self.months / 12,
            months: self.months % 12,
            days: self.days,
            hours: m / MICROS_PER_HOUR,
            minutes: (m % MICROS_PER_HOUR) / MICROS_PER_MINUTE,
            seconds: (m % MICROS_PER_MINUTE) / MICROS_PER_SECOND,
            micros: m % MICROS_PER_SECOND,
        }
    }

    /// The interval with every field below `unit` set to zero
    /// (`date_trunc`, and a field qualifier: `INTERVAL '...' HOUR`).
    pub fn truncate(self, unit: IntervalUnit) -> Interval {
        use IntervalUnit as U;
        let whole_years = |n: i32| Interval::new(self.months / (12 * n) * (12 * n), 0, 0);
        let micros_to = |m: i64| Interval::new(self.months, self.days, self.micros / m * m);
        match unit {
            U::Microsecond => self,
            U::Millisecond => micros_to(1000),
            U::Second => micros_to(MICROS_PER_SECOND),
            U::Minute => micros_to(MICROS_PER_MINUTE),
            U::Hour => micros_to(MICROS_PER_HOUR),
            U::Day | U::Week => Interval::new(self.months, self.days, 0),
            U::Month => Interval::new(self.months, 0, 0),
            U::Year => whole_years(1),
            U::Decade => whole_years(10),
            U::Century => whole_years(100),
            U::Millennium => whole_years(1000),
        }
    }

    /// Seconds the interval stands for, with a year of 365.25 days and a
    /// month of 30 (`EXTRACT(epoch FROM interval)`), in microseconds.
    pub fn epoch_micros(self) -> i128 {
        let (years, months) = (i128::from(self.months / 12), i128::from(self.months % 12));
        // In quarter days, so that a year's 365.25 days stay whole.
        let quarter_days = 1461 * years + 120 * months + 4 * i128::from(self.days);
        quarter_days * i128::from(MICROS_PER_DAY) / 4 + i128::from(self.micros)
    }
}

/// An interval broken into the fields `EXTRACT` names (see
/// [`Interval::parts`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IntervalParts {
    pub years: i32,
    pub months: i32,
    pub days: i32,
    pub hours: i64,
    pub minutes: i64,
    pub seconds: i64,
    pub micros: i64,
}

/// Gives a larger field (`high`) and the smaller one below it (`low`,
/// `unit` of which make one `high`) the same sign, borrowing one `high`.
fn one_sign(high: &mut i64, low: &mut i64, unit: i64) {
    if *high > 0 && *low < 0 {
        *low += unit;
        *high -= 1;
    } else if *high < 0 && *low > 0 {
        *low -= unit;
        *high += 1;
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    chrono::NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|first| first.pred_opt())
        .map_or(31, |last| last.day())
}

fn time_micros(t: NaiveTime) -> i64 {
    i64::from(t.num_seconds_from_midnight()) * MICROS_PER_SECOND
        + i64::from(t.nanosecond() / 1000).min(MICROS_PER_SECOND - 1)
}

fn time_of_micros(micros: i64) -> NaiveTime {
    NaiveTime::MIN
        .overflowing_add_signed(Duration::microseconds(micros))
        .0
}

impl fmt::Display for Interval {
    /// PostgreSQL's `IntervalStyle = postgres`: years, months and days by
    /// name (`-1 days`), then the time as `[-]HH:MM:SS[.ffffff]` unless it
    /// is zero; a field after a negative one shows its `+`; a zero
    /// interval is `00:00:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        let mut after_negative = false;
        for (value, unit) in [
            (self.months / 12, "year"),
            (self.months % 12, "mon"),
            (self.days, "day"),
        ] {
            if value == 0 {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            let sign = if after_negative && value > 0 { "+" } else { "" };
            let plural = if value == 1 { "" } else { "s" };
            let _ = write!(out, "{sign}{value} {unit}{plural}");
            after_negative = value < 0;
        }
        if out.is_empty() || self.micros != 0 {
            let sign = if self.micros < 0 {
                "-"
            } else if after_negative {
                "+"
            } else {
                ""
            };
            if !out.is_empty() {
                out.push(' ');
            }
            let m = self.micros.unsigned_abs();
            let (h, rest) = (m / MICROS_PER_HOUR as u64, m % MICROS_PER_HOUR as u64);
            let (min, rest) = (
                rest / MICROS_PER_MINUTE as u64,
                rest % MICROS_PER_MINUTE as u64,
            );
            let (s, fraction) = (
                rest / MICROS_PER_SECOND as u64,
                rest % MICROS_PER_SECOND as u64,
            );
            let _ = write!(out, "{sign}{h:02}:{min:02}:{s:02}");
            if fraction != 0 {
                let digits = format!("{fraction:06}");
                out.push('.');
                out.push_str(digits.trim_end_matches('0'));
            }
        }
        f.write_str(&out)
    }
}

/// A unit of interval input, and the field it fills (each at most once).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntervalUnit {
    Microsecond,
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
    Decade,
    Century,
    Millennium,
}

impl IntervalUnit {
    /// The unit named `word` (singular, plural or abbreviated, lower case).
    pub fn named(word: &str) -> Option<IntervalUnit> {
        use IntervalUnit as U;
        Some(match word {
            "microsecond" | "microseconds" | "microsecon" | "us" | "usec" | "usecs"
            | "useconds" => U::Microsecond,
            "millisecond" | "milliseconds" | "millisecon" | "ms" | "msec" | "msecs"
            | "mseconds" => U::Millisecond,
            "second" | "seconds" | "s" | "sec" | "secs" => U::Second,
            "minute" | "minutes" | "m" | "min" | "mins" => U::Minute,
            "hour" | "hours" | "h" | "hr" | "hrs" => U::Hour,
            "day" | "days" | "d" => U::Day,
            "week" | "weeks" | "w" => U::Week,
            "month" | "months" | "mon" | "mons" => U::Month,
            "year" | "years" | "y" | "yr" | "yrs" => U::Year,
            "decade" | "decades" | "dec" | "decs" => U::Decade,
            "century" | "centuries" | "c" | "cent" => U::Century,
            "millennium" | "millennia" | "mil" | "mils" | "millenniums" => U::Millennium,
            _ => return None,
        })
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// Interval text being read: the fields summed so far, wide.
#[derive(Default)]
struct Sum {
    months: i64,
    days: i64,
    micros: i128,
    /// The units given so far (each may appear once).
    seen: u16,
}

impl Sum {
    /// Adds `value` of `unit`, a fraction of a unit spilling into the
    /// smaller fields as PostgreSQL spills it.
    fn add(&mut self, value: f64, unit: IntervalUnit) -> Option<()> {
        use IntervalUnit as U;
        if self.seen & unit.bit() != 0 || !value.is_finite() || value.abs() > 1e18 {
            return None;
        }
        self.seen |= unit.bit();
        let (whole, fraction) = (value.trunc(), value.fract());
        let micros_of = |x: f64, scale: i64| -> i128 {
            let scaled = x * scale as f64;
            let whole = scaled.trunc();
            whole as i128 + (scaled - whole).round_ties_even() as i128
        };
        let spill_days = |sum: &mut Sum, x: f64, scale: i64| {
            let scaled = x * scale as f64;
            let extra = scaled.trunc();
            sum.days += extra as i64;
            sum.micros += micros_of(scaled - extra, MICROS_PER_DAY);
        };
        let years = |sum: &mut Sum, scale: i64| {
            sum.months += whole as i64 * 12 * scale;
            sum.months += (fraction * scale as f64 * 12.0).round_ties_even() as i64;
        };
        match unit {
            U::Microsecond => self.micros += micros_of(value, 1),
            U::Millisecond => self.micros += micros_of(value, 1000),
            U::Second => self.micros += micros_of(value, MICROS_PER_SECOND),
            U::Minute => self.micros += micros_of(value, MICROS_PER_MINUTE),
            U::Hour => self.micros += micros_of(value, MICROS_PER_HOUR),
            U::Day => {
                self.days += whole as i64;
                self.micros += micros_of(fraction, MICROS_PER_DAY);
            }
            U::Week => {
                self.days += whole as i64 * 7;
                spill_days(self, fraction, 7);
            }
            U::Month => {
                self.months += whole as i64;
                spill_days(self, fraction, DAYS_PER_MONTH);
            }
            U::Year => years(self, 1),
            U::Decade => years(self, 10),
            U::Century => years(self, 100),
            U::Millennium => years(self, 1000),
        }
        Some(())
    }

    fn time_bits() -> u16 {
        IntervalUnit::Hour.bit() | IntervalUnit::Minute.bit() | IntervalUnit::Second.bit()
    }
}

/// Why interval text did not read.
enum Refusal {
    /// Not interval syntax (22007).
    Syntax,
    /// A field out of its range, such as 60 minutes in a time or more
    /// days than an interval holds (22015).
    Field,
}

impl Interval {
    /// Reads PostgreSQL's interval input. `unit` is the field a bare
    /// number counts (`INTERVAL '3' DAY`); seconds when `None`.
    pub fn parse(text: &str, unit: Option<IntervalUnit>) -> Result<Interval> {
        let refused = |r: Refusal| match r {
            Refusal::Syntax => ValueError::new(
                ErrorKind::InvalidDatetimeFormat,
                format!("invalid input syntax for type interval: \"{text}\""),
            ),
            Refusal::Field => ValueError::new(
                ErrorKind::IntervalFieldOverflow,
                format!("interval field value out of range: \"{text}\""),
            ),
        };
        let lower = text.trim().to_ascii_lowercase();
        let sum = if let Some(iso) = lower.strip_prefix('p') {
            parse_iso(iso).ok_or(Refusal::Syntax)
        } else {
            parse_words(&lower, unit)
        }
        .map_err(refused)?;
        Interval::checked(sum.months, sum.days, sum.micros).map_err(|_| refused(Refusal::Field))
    }
}

/// Splits interval text into words, a number written against its unit
/// (`1day`, `-2h`) into two.
fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for word in text.split_ascii_whitespace() {
        let starts_number = word
            .trim_start_matches(['+', '-'])
            .starts_with(|c: char| c.is_ascii_digit() || c == '.');
        match word.find(|c: char| c.is_ascii_alphabetic()) {
            Some(at) if at > 0 && starts_number && !word.contains(':') => {
                out.push(&word[..at]);
                out.push(&word[at..]);
            }
            _ => out.push(word),
        }
    }
    out
}

fn parse_words(text: &str, bare_unit: Option<IntervalUnit>) -> Result<Sum, Refusal> {
    let text = text.strip_prefix('@').unwrap_or(text);
    let words = words(text);
    let mut sum = Sum::default();
    let mut ago = false;
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        let next = words.get(i + 1).copied();
        if word == "ago" {
            ago = true;
            i += 1;
            continue;
        }
        if word.contains(':') {
            add_time(&mut sum, word)?;
            i += 1;
            continue;
        }
        if let Some(months) = year_month(word) {
            if sum.seen & (IntervalUnit::Year.bit() | IntervalUnit::Month.bit()) != 0 {
                return Err(Refusal::Syntax);
            }
            sum.seen |= IntervalUnit::Year.bit() | IntervalUnit::Month.bit();
            sum.months += months;
            i += 1;
            continue;
        }
        let value: f64 = number(word).ok_or(Refusal::Syntax)?;
        let unit = match next.and_then(IntervalUnit::named) {
            Some(u) => {
                i += 2;
                u
            }
            None => {
                i += 1;
                // A number before a time is days (`1 02:03:04`).
                if next.is_some_and(|n| n.contains(':')) {
                    IntervalUnit::Day
                } else if next.is_none() || next == Some("ago") {
                    bare_unit.unwrap_or(IntervalUnit::Second)
                } else {
                    return Err(Refusal::Syntax);
                }
            }
        };
        sum.add(value, unit).ok_or(Refusal::Syntax)?;
    }
    if sum.seen == 0 {
        return Err(Refusal::Syntax);
    }
    if ago {
        sum.months = -sum.months;
        sum.days = -sum.days;
        sum.micros = -sum.micros;
    }
    Ok(sum)
}

/// A decimal number, signed, with digits.
fn number(word: &str) -> Option<f64> {
    let digits = word.trim_start_matches(['+', '-']);
    if digits.is_empty()
        || !digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        || !digits.chars().any(|c| c.is_ascii_digit())
        || word.len() - digits.len() > 1
    {
        return None;
    }
    word.parse().ok()
}

/// The SQL standard's `years-months` (`1-2`, `-1-2`), in months.
fn year_month(word: &str) -> Option<i64> {
    let (negative, body) = match word.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, word.strip_prefix('+').unwrap_or(word)),
    };
    let (y, m) = body.split_once('-')?;
    let all_digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !all_digits(y) || !all_digits(m) {
        return None;
    }
    let months = y.parse::<i64>().ok()?.checked_mul(12)? + m.parse::<i64>().ok()?;
    Some(if negative { -months } else { months })
}

/// A time field: `[-]H:M`, `[-]H:M:S[.f]`, or `[-]M:S.f` (a fraction in
/// the second part makes it minutes and seconds).
fn add_time(sum: &mut Sum, word: &str) -> Result<(), Refusal> {
    if sum.seen & Sum::time_bits() != 0 {
        return Err(Refusal::Syntax);
    }
    sum.seen |= Sum::time_bits();
    let (negative, body) = match word.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, word.strip_prefix('+').unwrap_or(word)),
    };
    let parts: Vec<&str> = body.split(':').collect();
    let whole = |s: &str| -> Result<i64, Refusal> {
        if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(Refusal::Syntax);
        }
        s.parse().map_err(|_| Refusal::Field)
    };
    let seconds = |s: &str| -> Result<i128, Refusal> {
        let value: f64 = number(s)
            .filter(|_| !s.starts_with(['+', '-']))
            .ok_or(Refusal::Syntax)?;
        if value >= 60.0 {
            return Err(Refusal::Field);
        }
        Ok((value * 1e6).round_ties_even() as i128)
    };
    let minute = |s: &str| -> Result<i64, Refusal> {
        let m = whole(s)?;
        if m >= 60 {
            return Err(Refusal::Field);
        }
        Ok(m)
    };
    let micros: i128 = match parts.as_slice() {
        [m, s] if s.contains('.') => {
            i128::from(whole(m)?) * i128::from(MICROS_PER_MINUTE) + seconds(s)?
        }
        [h, m] => {
            i128::from(whole(h)?) * i128::from(MICROS_PER_HOUR)
                + i128::from(minute(m)?) * i128::from(MICROS_PER_MINUTE)
        }
        [h, m, s] => {
            i128::from(whole(h)?) * i128::from(MICROS_PER_HOUR)
                + i128::from(minute(m)?) * i128::from(MICROS_PER_MINUTE)
                + seconds(s)?
        }
        _ => return Err(Refusal::Syntax),
    };
    sum.micros += if negative { -micros } else { micros };
    Ok(())
}

/// ISO 8601's format with designators, after its `P`:
/// `nYnMnWnD` then, after `T`, `nHnMnS` (any may be left out; numbers may
/// have fractions and signs).
fn parse_iso(text: &str) -> Option<Sum> {
    use IntervalUnit as U;
    let mut sum = Sum::default();
    let mut in_time = false;
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('t') {
            if in_time {
                return None;
            }
            in_time = true;
            rest = r;
            continue;
        }
        let end = rest.find(|c: char| c.is_ascii_alphabetic())?;
        let value = number(&rest[..end])?;
        let unit = match (in_time, rest[end..].chars().next()?) {
            (false, 'y') => U::Year,
            (false, 'm') => U::Month,
            (false, 'w') => U::Week,
            (false, 'd') => U::Day,
            (true, 'h') => U::Hour,
            (true, 'm') => U::Minute,
            (true, 's') => U::Second,
            _ => return None,
        };
        sum.add(value, unit)?;
        rest = &rest[end + 1..];
    }
    (sum.seen != 0).then_some(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> String {
        match Interval::parse(text, None) {
            Ok(i) => i.to_string(),
            Err(e) => format!("{}: {}", e.code, e.message),
        }
    }

    /// Each case as PostgreSQL 15 reads and prints it.
    #[test]
    fn input_and_output_as_postgresql() {
        for (input, output) in [
            ("1.5 years", "1 year 6 mons"),
            ("1.01 years", "1 year"),
            ("1.05 years", "1 year 1 mon"),
            ("1.7 days", "1 day 16:48:00"),
            ("-1 day 2 hours", "-1 days +02:00:00"),
            (
                "1 year -2 mons +3 days -04:05:06",
                "10 mons 3 days -04:05:06",
            ),
            ("5", "00:00:05"),
            ("1.5", "00:00:01.5"),
            ("1-2", "1 year 2 mons"),
            ("1 2:03:04", "1 day 02:03:04"),
            ("@ 1 day ago", "-1 days"),
            ("P1Y2M3DT4H5M6.5S", "1 year 2 mons 3 days 04:05:06.5"),
            ("1 day 2", "1 day 00:00:02"),
            ("1day", "1 day"),
            ("-1.5 weeks", "-10 days -12:00:00"),
            ("1:30", "01:30:00"),
            ("1:30.5", "00:01:30.5"),
            ("-1:30", "-01:30:00"),
            ("25:00:00", "25:00:00"),
            ("+3 days -2 hours", "3 days -02:00:00"),
            ("1 year ago", "-1 years"),
            ("0.5 months", "15 days"),
            ("1 mon 1.5 hours", "1 mon 01:30:00"),
            ("1 week 1 day", "8 days"),
            ("P1W", "7 days"),
            ("PT1.5H", "01:30:00"),
            ("P0.5Y", "6 mons"),
            ("-00:00:01", "-00:00:01"),
            (
                "1 hour 1 minute 1 second 1 millisecond 1 microsecond",
                "01:01:01.001001",
            ),
            ("2 centuries 1 decade 1 millennium", "1210 years"),
            ("12 h 5 m 3 s", "12:05:03"),
            ("1 hours ago 2 days", "-2 days -01:00:00"),
            ("0", "00:00:00"),
            (
                "1 day 2 days",
                "22007: invalid input syntax for type interval: \"1 day 2 days\"",
            ),
            (
                "1 2",
                "22007: invalid input syntax for type interval: \"1 2\"",
            ),
            (
                "abc",
                "22007: invalid input syntax for type interval: \"abc\"",
            ),
            ("", "22007: invalid input syntax for type interval: \"\""),
            ("1:60", "22015: interval field value out of range: \"1:60\""),
            (
                "3000000000 days",
                "22015: interval field value out of range: \"3000000000 days\"",
            ),
        ] {
            assert_eq!(p(input), output, "input {input:?}");
        }
    }

    #[test]
    fn arithmetic_as_postgresql() {
        let i = |s: &str| Interval::parse(s, None).unwrap();
        assert_eq!(
            i("1 day 02:00").checked_mul(0.3).unwrap().to_string(),
            "07:48:00"
        );
        assert_eq!(
            i("1 day").checked_mul(1.5).unwrap().to_string(),
            "1 day 12:00:00"
        );
        assert_eq!(
            i("1 mon").checked_div(7.0).unwrap().to_string(),
            "4 days 06:51:25.6896"
        );
        assert_eq!(
            i("1 mon -1 hour").justify_interval().unwrap().to_string(),
            "29 days 23:00:00"
        );
        assert_eq!(
            i("35 days").justify_days().unwrap().to_string(),
            "1 mon 5 days"
        );
        assert_eq!(
            i("-27 hours").justify_hours().unwrap().to_string(),
            "-1 days -03:00:00"
        );
        assert_eq!(i("1 mon").span(), i("30 days").span());
        assert!(i("2147483647 days").checked_add(i("1 day")).is_err());
        let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(
            Interval::age(t("2024-03-01 00:00"), t("2023-12-31 10:00"))
                .unwrap()
                .to_string(),
            "2 mons 14:00:00"
        );
        assert_eq!(
            Interval::age(t("2023-12-31 10:00"), t("2024-03-01 00:00"))
                .unwrap()
                .to_string(),
            "-2 mons -14:00:00"
        );
        assert_eq!(
            Interval::between(t("2024-03-01 10:00"), t("2024-01-01 12:00"))
                .unwrap()
                .to_string(),
            "59 days 22:00:00"
        );
        assert_eq!(
            i("1 mon").add_to(t("2024-01-31 00:00")),
            Some(t("2024-02-29 00:00"))
        );
        assert_eq!(
            i("1 year 1 mon 1 day 01:00:00.5").epoch_micros(),
            34_239_600_500_000
        );
    }
}
