//! Session settings: `SET`, `SHOW` and `RESET`, as PostgreSQL has them.
//!
//! Clients set and read a handful of PostgreSQL's run-time parameters as
//! they connect (`client_encoding`, `DateStyle`, `TimeZone`, `search_path`,
//! `extra_float_digits`, `application_name`, ...) and expect the answers
//! PostgreSQL gives. A session keeps each setting's value as text; the
//! parameters that would change how Arbor reads or prints values accept
//! only the values Arbor implements (UTF-8, ISO dates; `TimeZone` any zone
//! `arbor_schema::zone` knows), and anything else is refused rather than
//! silently ignored.

use std::collections::BTreeMap;

use arbor_schema::zone::Zone;

use crate::error::{Error, Result, SqlState};

/// The settings of one session.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Values set in this session, by lower-case name.
    set: BTreeMap<String, String>,
    /// The zone `TimeZone` names, if set (UTC if not).
    zone: Option<Zone>,
}

/// A parameter Arbor knows: its name as PostgreSQL spells it, its value
/// (the default), and whether another value may be set.
struct Parameter {
    name: &'static str,
    default: &'static str,
    rule: Rule,
}

enum Rule {
    /// Any value is kept (and shown back); nothing in Arbor reads it.
    Free,
    /// Only values that mean the default (compared without case, spaces
    /// and quotes), since Arbor implements only that.
    Fixed(&'static [&'static str]),
    /// Read only (`SHOW` only).
    ReadOnly,
    /// A time zone, as `arbor_schema::zone` reads names.
    Zone,
}

/// What `SHOW` answers for each parameter Arbor knows, PostgreSQL's names.
const PARAMETERS: &[Parameter] = &[
    Parameter {
        name: "server_version",
        default: SERVER_VERSION,
        rule: Rule::ReadOnly,
    },
    Parameter {
        name: "server_version_num",
        default: "150000",
        rule: Rule::ReadOnly,
    },
    Parameter {
        name: "server_encoding",
        default: "UTF8",
        rule: Rule::ReadOnly,
    },
    Parameter {
        name: "client_encoding",
        default: "UTF8",
        rule: Rule::Fixed(&["utf8", "utf-8", "unicode"]),
    },
    Parameter {
        name: "DateStyle",
        default: "ISO, MDY",
        rule: Rule::Fixed(&["iso", "iso,mdy", "iso,ymd", "iso,dmy", "mdy", "ymd"]),
    },
    Parameter {
        name: "TimeZone",
        default: "UTC",
        rule: Rule::Zone,
    },
    Parameter {
        name: "IntervalStyle",
        default: "postgres",
        rule: Rule::Fixed(&["postgres"]),
    },
    Parameter {
        name: "standard_conforming_strings",
        default: "on",
        rule: Rule::Fixed(&["on", "true", "1"]),
    },
    Parameter {
        name: "integer_datetimes",
        default: "on",
        rule: Rule::ReadOnly,
    },
    Parameter {
        name: "transaction_isolation",
        default: "repeatable read",
        rule: Rule::Free,
    },
    Parameter {
        name: "default_transaction_isolation",
        default: "repeatable read",
        rule: Rule::Free,
    },
    Parameter {
        name: "transaction_read_only",
        default: "off",
        rule: Rule::Free,
    },
    Parameter {
        name: "search_path",
        default: "\"$user\", public",
        rule: Rule::Free,
    },
    Parameter {
        name: "application_name",
        default: "",
        rule: Rule::Free,
    },
    Parameter {
        name: "extra_float_digits",
        default: "1",
        rule: Rule::Free,
    },
    Parameter {
        name: "statement_timeout",
        default: "0",
        rule: Rule::Free,
    },
    Parameter {
        name: "lock_timeout",
        default: "0",
        rule: Rule::Free,
    },
    Parameter {
        name: "idle_in_transaction_session_timeout",
        default: "0",
        rule: Rule::Free,
    },
    Parameter {
        name: "client_min_messages",
        default: "notice",
        rule: Rule::Free,
    },
    Parameter {
        name: "bytea_output",
        default: "hex",
        rule: Rule::Fixed(&["hex"]),
    },
    Parameter {
        name: "max_identifier_length",
        default: "63",
        rule: Rule::ReadOnly,
    },
    Parameter {
        name: "synchronize_seqscans",
        default: "on",
        rule: Rule::Free,
    },
    Parameter {
        name: "row_security",
        default: "on",
        rule: Rule::Free,
    },
    Parameter {
        name: "default_table_access_method",
        default: "heap",
        rule: Rule::Fixed(&["heap"]),
    },
    Parameter {
        name: "is_superuser",
        default: "on",
        rule: Rule::ReadOnly,
    },
];

/// The PostgreSQL version Arbor answers to (`server_version`): the
/// dialect it follows, which clients check before they use a feature.
pub const SERVER_VERSION: &str = "15.0";

fn parameter(name: &str) -> Result<&'static Parameter> {
    let wanted = match name.to_ascii_lowercase().as_str() {
        "time zone" | "time_zone" => "timezone".to_owned(),
        "transaction isolation level" => "transaction_isolation".to_owned(),
        "names" => "client_encoding".to_owned(),
        other => other.to_owned(),
    };
    PARAMETERS
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(&wanted))
        .ok_or_else(|| {
            Error::new(
                SqlState::UndefinedObject,
                format!("unrecognized configuration parameter \"{name}\""),
            )
        })
}

/// `value` as compared with a fixed parameter's accepted spellings.
fn normalized(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\'' && *c != '"')
        .flat_map(char::to_lowercase)
        .collect()
}

impl Settings {
    /// `SET name TO value` (`DEFAULT` given as `None`).
    pub fn set(&mut self, name: &str, value: Option<String>) -> Result<()> {
        let p = parameter(name)?;
        let Some(value) = value else {
            self.set.remove(&p.name.to_ascii_lowercase());
            if matches!(p.rule, Rule::Zone) {
                self.zone = None;
            }
            return Ok(());
        };
        match p.rule {
            // `LOCAL` and `DEFAULT` are the server's zone, UTC.
            Rule::Zone if matches!(normalized(&value).as_str(), "local" | "default") => {
                self.set.remove(&p.name.to_ascii_lowercase());
                self.zone = None;
                return Ok(());
            }
            Rule::Zone => {
                let name = value.trim_matches(['\'', '"']);
                // A bare number is hours east (SQL's sign, as PostgreSQL
                // reads `SET TIME ZONE 3`); anything else a zone's name.
                let hours = name
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|h| h.is_finite() && h.abs() < 24.0);
                let zone = match hours {
                    Some(h) => Some(Zone::Fixed((h * 3600.0).round() as i64)),
                    None => Zone::named(name),
                };
                let zone = zone.ok_or_else(|| {
                    Error::new(
                        SqlState::InvalidParameterValue,
                        format!("invalid value for parameter \"{}\": \"{value}\"", p.name),
                    )
                })?;
                self.zone = Some(zone);
            }
            Rule::ReadOnly => {
                return Err(Error::new(
                    SqlState::CantChangeRuntimeParam,
                    format!("parameter \"{}\" cannot be changed", p.name),
                ));
            }
            Rule::Fixed(accepted) => {
                if !accepted.contains(&normalized(&value).as_str()) {
                    return Err(Error::new(
                        SqlState::FeatureNotSupported,
                        format!(
                            "{} = {value} is not supported: Arbor works in {}",
                            p.name, p.default
                        ),
                    ));
                }
                // The value Arbor uses, whichever spelling was given.
                self.set.remove(&p.name.to_ascii_lowercase());
                return Ok(());
            }
            Rule::Free => {}
        }
        self.set.insert(p.name.to_ascii_lowercase(), value);
        Ok(())
    }

    /// `SHOW name`: the parameter's name as PostgreSQL spells it, and value.
    pub fn show(&self, name: &str) -> Result<(&'static str, String)> {
        let p = parameter(name)?;
        let value = self
            .set
            .get(&p.name.to_ascii_lowercase())
            .cloned()
            .unwrap_or_else(|| p.default.to_owned());
        Ok((p.name, value))
    }

    /// `SHOW ALL`: every parameter, by name.
    pub fn all(&self) -> Vec<(&'static str, String)> {
        PARAMETERS
            .iter()
            .filter_map(|p| self.show(p.name).ok())
            .collect()
    }

    /// `RESET ALL` (and `DISCARD ALL`).
    pub fn reset_all(&mut self) {
        self.set.clear();
        self.zone = None;
    }

    /// The session's time zone (`TimeZone`).
    pub fn zone(&self) -> Zone {
        self.zone.unwrap_or(Zone::UTC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_show_reset() {
        let mut s = Settings::default();
        assert_eq!(
            s.show("datestyle").unwrap(),
            ("DateStyle", "ISO, MDY".into())
        );
        s.set("application_name", Some("psql".into())).unwrap();
        assert_eq!(s.show("APPLICATION_NAME").unwrap().1, "psql");
        s.set("application_name", None).unwrap();
        assert_eq!(s.show("application_name").unwrap().1, "");
        // The values Arbor implements are accepted in any spelling...
        s.set("client_encoding", Some("'utf-8'".into())).unwrap();
        s.set("time zone", Some("UTC".into())).unwrap();
        assert!(s.zone().is_utc());
        // A zone is any the zone database or PostgreSQL's forms name...
        s.set("TimeZone", Some("Europe/Paris".into())).unwrap();
        assert_eq!(s.show("timezone").unwrap().1, "Europe/Paris");
        assert!(!s.zone().is_utc());
        s.set("TimeZone", Some("LOCAL".into())).unwrap();
        assert!(s.zone().is_utc());
        let e = s.set("TimeZone", Some("Mars/Base".into())).unwrap_err();
        assert_eq!(e.code, SqlState::InvalidParameterValue);
        // ...other values Arbor does not implement are refused, never
        // silently ignored.
        let e = s.set("DateStyle", Some("German".into())).unwrap_err();
        assert_eq!(e.code, SqlState::FeatureNotSupported);
        let e = s.set("server_version", Some("16".into())).unwrap_err();
        assert_eq!(e.code, SqlState::CantChangeRuntimeParam);
        let e = s.show("no_such").unwrap_err();
        assert_eq!(e.code, SqlState::UndefinedObject);
        s.set("search_path", Some("public".into())).unwrap();
        s.reset_all();
        assert_eq!(s.show("search_path").unwrap().1, "\"$user\", public");
        assert!(s.all().iter().any(|(n, _)| *n == "server_version"));
    }
}
