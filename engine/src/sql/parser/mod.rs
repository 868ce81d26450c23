//! Parsing: SQL text to sqlparser's syntax tree, in Arbor's dialect.
//!
//! Arbor's SQL is PostgreSQL's (see [`ArborDialect`]) plus time travel:
//! `SELECT ... FROM t AS OF 'main'`. sqlparser has no `AS OF` clause, so the
//! token stream is rewritten before parsing: `AS OF <string or $n>` after a
//! table becomes `FOR SYSTEM_TIME AS OF ...`, which the dialect accepts and
//! which arrives in the tree as the table's version. The rewrite only fires
//! when `AS OF` is followed by a string literal or a placeholder, so a column
//! aliased `of` still parses as before.

mod dialect;

pub use dialect::ArborDialect;

use sqlparser::ast::Statement;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Whitespace};

use crate::error::{Error, Result, SqlState};

/// Deepest expression nesting accepted, so hostile input cannot overflow the stack.
const RECURSION_LIMIT: usize = 200;

/// The most operators a statement may chain, counted as [`check_chains`]
/// does. sqlparser's recursion limit does not see chains: it builds
/// `a + b + c` (and `UNION`s, `::` casts, `AND`s) in a loop, as a left-deep
/// tree as deep as the chain is long, and dropping, cloning or walking such a
/// tree recurses once per level. This bounds the depth of every tree parsed.
const MAX_CHAIN: usize = 10_000;

/// Parses one or more `;`-separated statements.
pub fn parse(sql: &str) -> Result<Vec<Statement>> {
    super::set_stack_growth();
    let dialect = ArborDialect::default();
    // About one token (a word, a symbol or the space between them) per
    // three bytes: sized once, the buffer of a long script is not copied
    // into ever larger ones as it grows.
    let mut tokens = Vec::with_capacity(sql.len() / 3 + 16);
    Tokenizer::new(&dialect, sql)
        .tokenize_with_location_into_buf(&mut tokens)
        .map_err(|e| located(sql, e.message, e.location.line, e.location.column))?;
    let tokens = rewrite_table_queries(rewrite_as_of(tokens));
    check_chains(sql, &tokens)?;
    Parser::new(&dialect)
        .with_recursion_limit(RECURSION_LIMIT)
        .with_tokens_with_locations(tokens)
        .parse_statements()
        .map_err(|e| parser_error(sql, e))
}

/// One statement's text in a script: where it starts (in characters, for
/// placing its errors in the whole script) and its text, `;` included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScriptStatement<'a> {
    /// Characters of the script before it.
    pub offset: usize,
    /// Its text.
    pub text: &'a str,
}

/// Splits a script into its statements as psql reads a file: at each `;`
/// outside quotes, comments and parentheses, so that each statement is
/// parsed (and fails) on its own. Text that cannot be split (an
/// unterminated quote or comment) runs to the end, as one last statement
/// whose parse says what is wrong. Pieces holding only spaces and
/// comments are left out.
pub fn split_script(sql: &str) -> Vec<ScriptStatement<'_>> {
    let dialect = ArborDialect::default();
    let (tokens, rest) = match Tokenizer::new(&dialect, sql).tokenize_with_location() {
        Ok(tokens) => (tokens, None),
        Err(e) => {
            // What precedes the bad token splits as usual; the bad
            // token's statement runs to the end.
            let bad = byte_offset(sql, e.location.line, e.location.column);
            match Tokenizer::new(&dialect, &sql[..bad]).tokenize_with_location() {
                Ok(tokens) => (tokens, Some(bad)),
                Err(_) => (Vec::new(), Some(0)),
            }
        }
    };
    let mut statements = Vec::new();
    let mut start = 0;
    let mut depth = 0usize;
    let mut significant = false;
    let mut push = |from: usize, to: usize, significant: bool| {
        if significant {
            statements.push(ScriptStatement {
                offset: sql[..from].chars().count(),
                text: &sql[from..to],
            });
        }
    };
    for t in &tokens {
        match &t.token {
            Token::Whitespace(_) => continue,
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            Token::SemiColon if depth == 0 => {
                let end = byte_offset(sql, t.span.end.line, t.span.end.column);
                push(start, end, significant);
                start = end;
                significant = false;
                continue;
            }
            _ => {}
        }
        significant = true;
    }
    match rest {
        // The unsplittable text joins the statement it starts in.
        Some(_) => push(start, sql.len(), true),
        None => push(start, sql.len(), significant),
    }
    statements
}

/// The byte offset of 1-based `line` and character `column` in `sql` (its
/// length if past the end).
fn byte_offset(sql: &str, line: u64, column: u64) -> usize {
    let mut offset = 0;
    for (i, text) in sql.split_inclusive('\n').enumerate() {
        if i as u64 + 1 == line {
            return offset
                + text
                    .char_indices()
                    .nth(column.saturating_sub(1) as usize)
                    .map_or(text.len(), |(b, _)| b);
        }
        offset += text.len();
    }
    sql.len()
}

/// Parses a statement Arbor wrote itself, which is exactly one.
pub fn parse_one(sql: &str) -> Result<Statement> {
    let mut statements = parse(sql)?;
    match statements.len() {
        1 => Ok(statements.remove(0)),
        n => Err(Error::internal(format!(
            "a generated statement parsed as {n} statements"
        ))),
    }
}

/// Rewrites `AS OF <literal>` (a string, a placeholder, `TIMESTAMP '...'`
/// or `TIMESTAMPTZ '...'`) to `FOR SYSTEM_TIME AS OF <literal>`.
fn rewrite_as_of(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    let mut insert_before = Vec::new();
    for (n, w) in significant.windows(3).enumerate() {
        let is_kw = |i: usize, kw: Keyword| matches!(&tokens[i].token, Token::Word(word) if word.keyword == kw);
        let is_literal = |i: usize| {
            matches!(
                tokens[i].token,
                Token::SingleQuotedString(_) | Token::Placeholder(_)
            )
        };
        let after_timestamp = significant.get(n + 3).copied();
        let is_version = is_literal(w[2])
            || ((is_kw(w[2], Keyword::TIMESTAMP) || is_kw(w[2], Keyword::TIMESTAMPTZ))
                && after_timestamp.is_some_and(is_literal));
        if is_kw(w[0], Keyword::AS) && is_kw(w[1], Keyword::OF) && is_version {
            insert_before.push(w[0]);
        }
    }
    let inserted = [
        Token::make_keyword("FOR"),
        Token::Whitespace(Whitespace::Space),
        Token::make_keyword("SYSTEM_TIME"),
        Token::Whitespace(Whitespace::Space),
    ];
    splice(tokens, &insert_before, &inserted, true)
}

/// `tokens` with `inserted` put before each token at a position in `at`
/// (that token kept if `keep`, else replaced), each new token placed
/// where the one it stands before is, for error positions.
fn splice(
    tokens: Vec<TokenWithSpan>,
    at: &[usize],
    inserted: &[Token],
    keep: bool,
) -> Vec<TokenWithSpan> {
    if at.is_empty() {
        return tokens;
    }
    let mut out = Vec::with_capacity(tokens.len() + inserted.len() * at.len());
    for (i, t) in tokens.into_iter().enumerate() {
        if at.contains(&i) {
            let span = t.span;
            out.extend(inserted.iter().map(|token| TokenWithSpan {
                token: token.clone(),
                span,
            }));
            if !keep {
                continue;
            }
        }
        out.push(t);
    }
    out
}

/// Rewrites PostgreSQL's `TABLE name` query to `SELECT * FROM name`, which
/// sqlparser reads: `TABLE` where a query starts (a statement's start,
/// after `(`, or after UNION, INTERSECT or EXCEPT and their ALL or
/// DISTINCT), never in `CREATE TABLE`, `DROP TABLE` and the like.
fn rewrite_table_queries(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let starts_query = |previous: Option<&Token>| match previous {
        None | Some(Token::SemiColon | Token::LParen) => true,
        Some(Token::Word(w)) => matches!(
            w.keyword,
            Keyword::UNION
                | Keyword::INTERSECT
                | Keyword::EXCEPT
                | Keyword::ALL
                | Keyword::DISTINCT
        ),
        _ => false,
    };
    let mut previous: Option<&Token> = None;
    let mut at = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if matches!(t.token, Token::Whitespace(_)) {
            continue;
        }
        if matches!(&t.token, Token::Word(w) if w.keyword == Keyword::TABLE)
            && starts_query(previous)
        {
            at.push(i);
        }
        previous = Some(&t.token);
    }
    let inserted = [
        Token::make_keyword("SELECT"),
        Token::Whitespace(Whitespace::Space),
        Token::Mul,
        Token::Whitespace(Whitespace::Space),
        Token::make_keyword("FROM"),
    ];
    splice(tokens, &at, &inserted, false)
}

/// Refuses a statement whose operators could chain into a tree deeper than
/// [`MAX_CHAIN`], before it is parsed (54001, at the operator that passes the
/// limit).
///
/// The count over-approximates the depth of the tree: every operator token
/// (and keyword that sqlparser reads as an operator) counts one level; a comma or `;` ends an
/// expression, and so do the clause keywords that cannot stand inside one;
/// brackets, and `CASE ... END`, open a nested count that adds to the one
/// around it. Set operations count apart from expressions, since a `SELECT`
/// ends the expression before it but not the chain of `UNION`s around it.
fn check_chains(sql: &str, tokens: &[TokenWithSpan]) -> Result<()> {
    #[derive(Clone, Copy, Default)]
    struct Chain {
        operators: usize,
        set_operations: usize,
    }
    let mut outer: Vec<Chain> = Vec::new();
    let mut enclosing = 0; // the sum of the counts in `outer`
    let mut chain = Chain::default();
    for t in tokens {
        match &t.token {
            Token::Whitespace(_)
            | Token::Number(..)
            | Token::Char(_)
            | Token::SingleQuotedString(_)
            | Token::DoubleQuotedString(_)
            | Token::NationalStringLiteral(_)
            | Token::EscapedStringLiteral(_)
            | Token::UnicodeStringLiteral(_)
            | Token::HexStringLiteral(_)
            | Token::DollarQuotedString(_)
            | Token::Placeholder(_) => continue,
            Token::LParen | Token::LBracket | Token::LBrace => {
                chain.operators += 1;
                outer.push(chain);
                enclosing += chain.operators + chain.set_operations;
                chain = Chain::default();
                continue;
            }
            Token::RParen | Token::RBracket | Token::RBrace => {
                if let Some(c) = outer.pop() {
                    enclosing -= c.operators + c.set_operations;
                    chain = c;
                }
                continue;
            }
            Token::Comma => chain.operators = 0,
            Token::SemiColon => chain = Chain::default(),
            Token::Word(w) => match w.keyword {
                Keyword::CASE => {
                    chain.operators += 1;
                    outer.push(chain);
                    enclosing += chain.operators + chain.set_operations;
                    chain = Chain::default();
                    continue;
                }
                Keyword::END => {
                    if let Some(c) = outer.pop() {
                        enclosing -= c.operators + c.set_operations;
                        chain = c;
                    }
                    continue;
                }
                Keyword::UNION | Keyword::INTERSECT | Keyword::EXCEPT | Keyword::MINUS => {
                    chain.set_operations += 1;
                }
                Keyword::SELECT
                | Keyword::WHERE
                | Keyword::GROUP
                | Keyword::HAVING
                | Keyword::ORDER
                | Keyword::LIMIT
                | Keyword::OFFSET
                | Keyword::VALUES
                | Keyword::RETURNING
                | Keyword::WHEN
                | Keyword::THEN
                | Keyword::ELSE => chain.operators = 0,
                // The keywords that sqlparser reads as infix or postfix
                // operators, and so can chain.
                Keyword::AND
                | Keyword::OR
                | Keyword::XOR
                | Keyword::NOT
                | Keyword::IS
                | Keyword::NOTNULL
                | Keyword::IN
                | Keyword::BETWEEN
                | Keyword::LIKE
                | Keyword::ILIKE
                | Keyword::SIMILAR
                | Keyword::REGEXP
                | Keyword::RLIKE
                | Keyword::COLLATE
                | Keyword::AT
                | Keyword::OVERLAPS
                | Keyword::MEMBER
                | Keyword::OPERATOR
                | Keyword::DIV => chain.operators += 1,
                // Names, and keywords that are operands or parts of one.
                _ => continue,
            },
            _ => chain.operators += 1,
        }
        if enclosing + chain.operators + chain.set_operations > MAX_CHAIN {
            let position =
                located(sql, String::new(), t.span.start.line, t.span.start.column).position;
            let mut error = too_complex(format!("its operators chain more than {MAX_CHAIN} deep"));
            if let Some(p) = position {
                error = error.at(p);
            }
            return Err(error);
        }
    }
    Ok(())
}

/// PostgreSQL's 54001, saying `why`.
pub(crate) fn too_complex(why: String) -> Error {
    Error::new(
        SqlState::StatementTooComplex,
        format!("statement is too complex: {why}"),
    )
    .with_hint("split a long chain of operators or UNIONs into parts (a CTE, a temporary table), or write a list of values as IN (...)")
}

/// sqlparser reports "... at Line: L, Column: C"; PostgreSQL reports a
/// character position. Converts one to the other and words the message as
/// PostgreSQL would.
fn parser_error(sql: &str, e: sqlparser::parser::ParserError) -> Error {
    let text = match e {
        sqlparser::parser::ParserError::TokenizerError(m)
        | sqlparser::parser::ParserError::ParserError(m) => m,
        sqlparser::parser::ParserError::RecursionLimitExceeded => {
            return too_complex(format!(
                "its expressions nest more than {RECURSION_LIMIT} levels deep"
            ));
        }
    };
    match text.rsplit_once(" at Line: ") {
        Some((message, place)) => {
            let mut parts = place.split(", Column: ");
            let line = parts
                .next()
                .and_then(|l| l.trim().parse().ok())
                .unwrap_or(0);
            let column = parts
                .next()
                .and_then(|c| c.trim().parse().ok())
                .unwrap_or(0);
            located(sql, message.to_owned(), line, column)
        }
        None => Error::syntax(lowercase_first(&text)),
    }
}

fn located(sql: &str, message: String, line: u64, column: u64) -> Error {
    let mut error = Error::syntax(lowercase_first(&message));
    if line > 0 && column > 0 {
        error = error.at(crate::error::character_position(sql, line, column));
    }
    error
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod split_tests {
    use super::split_script;

    fn texts(sql: &str) -> Vec<&str> {
        split_script(sql)
            .into_iter()
            .map(|s| s.text.trim())
            .collect()
    }

    #[test]
    fn statements_split_at_semicolons_outside_quotes_comments_and_parentheses() {
        assert_eq!(
            texts("SELECT ';'; -- a; comment\nSELECT $$a;b$$ /* c; */ ; SELECT (1;2); SELECT 3"),
            [
                "SELECT ';';",
                "-- a; comment\nSELECT $$a;b$$ /* c; */ ;",
                "SELECT (1;2);",
                "SELECT 3"
            ]
        );
        assert_eq!(texts("  ;\n -- only a comment\n"), Vec::<&str>::new());
    }

    #[test]
    fn an_unterminated_quote_runs_to_the_end_as_one_statement() {
        let split = split_script("SELECT 1;\nSELECT 'open;\nSELECT 2;");
        assert_eq!(split.len(), 2);
        assert_eq!(split[0].text, "SELECT 1;");
        assert_eq!(split[1].text, "\nSELECT 'open;\nSELECT 2;");
        assert_eq!(split[1].offset, 9);
    }
}

#[cfg(test)]
mod tests {
    use sqlparser::ast::{SetExpr, TableFactor, TableVersion};

    use super::*;

    fn version_of_first_table(sql: &str) -> Option<String> {
        let stmts = parse(sql).unwrap();
        let Statement::Query(q) = &stmts[0] else {
            panic!("not a query")
        };
        let SetExpr::Select(s) = q.body.as_ref() else {
            panic!("not a select")
        };
        match &s.from[0].relation {
            TableFactor::Table {
                version: Some(TableVersion::ForSystemTimeAsOf(e)),
                ..
            } => Some(e.to_string()),
            _ => None,
        }
    }

    #[test]
    fn as_of_becomes_a_table_version() {
        assert_eq!(
            version_of_first_table("SELECT * FROM t AS OF 'main'").as_deref(),
            Some("'main'")
        );
        assert_eq!(
            version_of_first_table("select * from t as of 'HEAD~1' as x where a = 1").as_deref(),
            Some("'HEAD~1'")
        );
        assert_eq!(version_of_first_table("SELECT * FROM t"), None);
    }

    #[test]
    fn a_column_named_of_is_left_alone() {
        assert!(parse("SELECT a AS of FROM t").is_ok());
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let e = parse("SELECT * FROM WHERE").unwrap_err();
        assert_eq!(e.code, "42601");
        assert_eq!(e.position, Some(15));
        let e = parse("SELECT 1;\nSELEC 2").unwrap_err();
        assert_eq!(e.position, Some(11), "{e:?}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let sql = format!("SELECT {}1{}", "(".repeat(5000), ")".repeat(5000));
        assert!(parse(&sql).is_err());
    }
}
