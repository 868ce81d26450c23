//! The benchmark table of `../shared/bench/`, regenerated in Rust.
//!
//! `../shared/bench/datagen.py` defines table `t` so that every value is a pure
//! function of (seed, row id, column) through SplitMix64. This module computes
//! the same rows, so benchmarks need not run Python or read a 147 MB file; a
//! test checks it against the Python generator byte for byte.

/// The generator's seed ("ARB0").
const SEED: u64 = 0x4152_4230;

const CATEGORIES: [&str; 8] = [
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
];
const COLORS: [&str; 8] = [
    "red", "green", "blue", "black", "white", "orange", "purple", "grey",
];
const TAGS: [&str; 8] = [
    "new", "sale", "eco", "bulk", "gift", "rare", "promo", "basic",
];

/// The CSV header line (without its newline).
pub const CSV_HEADER: &str = "id,name,category,qty,price,created,attrs";

/// Table t as `../shared/bench/README.md` defines it.
pub const CREATE_TABLE: &str = "CREATE TABLE t (id integer PRIMARY KEY, name text NOT NULL, category text NOT NULL, qty integer NOT NULL, price double precision NOT NULL, created text NOT NULL, attrs jsonb NOT NULL)";

/// Row `i` as SQL values for table t (`Session::insert_rows`).
pub fn values(i: u64) -> Result<Vec<arbor_schema::Value>, arbor_schema::ValueError> {
    use arbor_schema::{DataType, Value, text::parse_value};
    let r = row(i);
    Ok(vec![
        Value::Integer(i32::try_from(i).unwrap_or(i32::MAX)),
        Value::Text(r.name),
        Value::Text(r.category.into()),
        Value::Integer(i32::try_from(r.qty).unwrap_or(i32::MAX)),
        Value::Double(r.price),
        Value::Text(r.created),
        parse_value(&r.attrs, &DataType::Jsonb)?,
    ])
}

/// SplitMix64's output function, as `datagen.py` defines it.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One row of table `t`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Primary key, 1-based.
    pub id: u64,
    /// `item-<id>-<6 hex>`.
    pub name: String,
    /// One of eight category names.
    pub category: &'static str,
    /// 0..9999.
    pub qty: u64,
    /// 0.00..999.99, two decimals.
    pub price: f64,
    /// `YYYY-MM-DD`.
    pub created: String,
    /// A compact JSON object.
    pub attrs: String,
}

/// The row with primary key `i` (1-based).
pub fn row(i: u64) -> Row {
    let h0 = splitmix64((SEED << 32) ^ i);
    let h1 = splitmix64(h0);
    let h2 = splitmix64(h1);
    let pick = |table: &[&'static str; 8], bits: u64| table[(bits & 7) as usize];
    let ntags = (h2 >> 40) & 3;
    let tags: Vec<String> = (0..ntags)
        .map(|j| format!("\"{}\"", pick(&TAGS, h2 >> (44 + 3 * j))))
        .collect();
    let score = ((h2 >> 8) & 0x3ff) as f64 / 1000.0;
    Row {
        id: i,
        name: format!("item-{i}-{:06x}", h0 & 0xff_ffff),
        category: pick(&CATEGORIES, h0 >> 24),
        qty: (h0 >> 27) % 10_000,
        price: ((h1 & 0xf_ffff) % 100_000) as f64 / 100.0,
        created: format!(
            "{:04}-{:02}-{:02}",
            2020 + ((h1 >> 20) & 7),
            1 + ((h1 >> 23) % 12),
            1 + ((h1 >> 27) % 28)
        ),
        attrs: format!(
            "{{\"color\":\"{}\",\"size\":{},\"score\":{},\"active\":{},\"tags\":[{}]}}",
            pick(&COLORS, h2),
            (h2 >> 3) % 10,
            python_float(score),
            if (h2 >> 18) & 1 == 1 { "true" } else { "false" },
            tags.join(",")
        ),
    }
}

/// Python's `repr` of a float for the values the generator makes: the
/// shortest round-trip digits, with `.0` kept on whole numbers.
fn python_float(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

impl Row {
    /// The row as `datagen.py` writes it: a CSV line with its newline.
    pub fn csv_line(&self) -> String {
        format!(
            "{},{},{},{},{:.2},{},\"{}\"\n",
            self.id,
            self.name,
            self.category,
            self.qty,
            self.price,
            self.created,
            self.attrs.replace('"', "\"\"")
        )
    }
}

/// The aggregate every benchmark of whole-table reads runs (README).
pub const AGGREGATE: &str = "SELECT category, count(*), sum(qty), round(avg(price), 4) FROM t GROUP BY category ORDER BY category";

/// The JSON filter of the same benchmarks.
pub const JSON_FILTER: &str = "SELECT count(*), coalesce(sum(qty), 0) FROM t WHERE attrs->>'color' = 'red' AND (attrs->>'size')::int >= 5";

/// W1: the 1,000 ids of the point-lookup workload.
pub fn point_ids(n: u64) -> Vec<u64> {
    (0..1000)
        .map(|j| 1 + splitmix64(SEED ^ (0xc0ffee + j)) % n)
        .collect()
}

/// W3: `k` ids evenly spread over `1..=n`.
pub fn update_ids(n: u64, k: u64) -> Vec<u64> {
    let s = n / k;
    (1..=k).map(|j| s * j).collect()
}

/// W5: two disjoint sets of `k` ids, never adjacent when `n / k >= 4`.
pub fn branch_ids(n: u64, k: u64) -> (Vec<u64>, Vec<u64>) {
    let s = n / k;
    (
        (0..k).map(|j| 1 + s * j).collect(),
        (0..k).map(|j| 1 + s * j + s / 2).collect(),
    )
}

/// The number of rows a benchmark was given on its command line
/// (`cargo bench ... -- ROWS`), else `default`.
pub fn rows_argument(default: u64) -> u64 {
    std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(default)
}

/// Writes the table's first `n` rows as CSV (header first), rows for which
/// `changed` holds with their quantity raised by one.
pub fn write_csv(
    path: &std::path::Path,
    n: u64,
    changed: impl Fn(u64) -> bool,
) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(f, "{CSV_HEADER}")?;
    for i in 1..=n {
        let mut r = row(i);
        if changed(i) {
            r.qty += 1;
        }
        f.write_all(r.csv_line().as_bytes())?;
    }
    f.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_have_the_documented_shape() {
        let r = row(1);
        assert!(r.name.starts_with("item-1-"));
        assert!(r.qty < 10_000 && r.price < 1000.0);
        assert!(r.attrs.starts_with("{\"color\":"));
        assert_eq!(update_ids(100, 4), vec![25, 50, 75, 100]);
        let (a, b) = branch_ids(100, 10);
        assert!(a.iter().all(|x| !b.contains(x)));
    }
}
