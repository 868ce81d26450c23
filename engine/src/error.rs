//! Errors shaped like PostgreSQL's: a message, a SQLSTATE code, and where known
//! the position in the statement, a detail and a hint.

use std::fmt;

/// A SQLSTATE: PostgreSQL's class of an error, as a type. Each variant is
/// named after PostgreSQL's condition name (Appendix A of its manual);
/// [`SqlState::code`] gives the five characters clients see.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SqlState {
    /// 00000 `successful_completion` (the code of a notice that is not a
    /// warning).
    SuccessfulCompletion,
    /// 08P01 `protocol_violation`.
    ProtocolViolation,
    /// 25006 `read_only_sql_transaction`.
    ReadOnlySqlTransaction,
    /// 3D000 `invalid_catalog_name`: no such database.
    InvalidCatalogName,
    /// 0A000 `feature_not_supported`.
    FeatureNotSupported,
    /// 21000 `cardinality_violation`.
    CardinalityViolation,
    /// 22001 `string_data_right_truncation`.
    StringDataRightTruncation,
    /// 22003 `numeric_value_out_of_range`.
    NumericValueOutOfRange,
    /// 22004 `null_value_not_allowed`.
    NullValueNotAllowed,
    /// 22007 `invalid_datetime_format`.
    InvalidDatetimeFormat,
    /// 22008 `datetime_field_overflow`.
    DatetimeFieldOverflow,
    /// 2202E `array_subscript_error`.
    ArraySubscriptError,
    /// 22015 `interval_field_overflow`.
    IntervalFieldOverflow,
    /// 22011 `substring_error`.
    SubstringError,
    /// 22012 `division_by_zero`.
    DivisionByZero,
    /// 22013 `invalid_preceding_or_following_size`.
    InvalidPrecedingOrFollowingSize,
    /// 22014 `invalid_argument_for_ntile_function`.
    InvalidArgumentForNtileFunction,
    /// 22016 `invalid_argument_for_nth_value_function`.
    InvalidArgumentForNthValueFunction,
    /// 2200H `sequence_generator_limit_exceeded`.
    SequenceGeneratorLimitExceeded,
    /// 2201E `invalid_argument_for_logarithm`.
    InvalidArgumentForLogarithm,
    /// 2201F `invalid_argument_for_power_function`.
    InvalidArgumentForPowerFunction,
    /// 2201G `invalid_argument_for_width_bucket_function`.
    InvalidArgumentForWidthBucketFunction,
    /// 2201W `invalid_row_count_in_limit_clause`.
    InvalidRowCountInLimitClause,
    /// 22023 `invalid_parameter_value`.
    InvalidParameterValue,
    /// 22038 `singleton_sql_json_item_required`.
    SingletonSqlJsonItemRequired,
    /// 22021 `character_not_in_repertoire`: a NUL byte in text.
    CharacterNotInRepertoire,
    /// 22P02 `invalid_text_representation`.
    InvalidTextRepresentation,
    /// 2201B `invalid_regular_expression`.
    InvalidRegularExpression,
    /// 22025 `invalid_escape_sequence`.
    InvalidEscapeSequence,
    /// 428C9 `generated_always`.
    GeneratedAlways,
    /// 3F000 `invalid_schema_name`: a schema that does not exist.
    InvalidSchemaName,
    /// 3B001 `invalid_savepoint_specification`: no savepoint of that name.
    InvalidSavepointSpecification,
    /// 25P01 `no_active_sql_transaction`.
    NoActiveSqlTransaction,
    /// 22P04 `bad_copy_file_format`.
    BadCopyFileFormat,
    /// 23502 `not_null_violation`.
    NotNullViolation,
    /// 23503 `foreign_key_violation`.
    ForeignKeyViolation,
    /// 23505 `unique_violation`.
    UniqueViolation,
    /// 23514 `check_violation`.
    CheckViolation,
    /// 25001 `active_sql_transaction`.
    ActiveSqlTransaction,
    /// 25P02 `in_failed_sql_transaction`.
    InFailedSqlTransaction,
    /// 26000 `invalid_sql_statement_name`.
    InvalidSqlStatementName,
    /// 28000 `invalid_authorization_specification`.
    InvalidAuthorizationSpecification,
    /// 2BP01 `dependent_objects_still_exist`.
    DependentObjectsStillExist,
    /// 40000 `transaction_rollback`.
    TransactionRollback,
    /// 40001 `serialization_failure`.
    SerializationFailure,
    /// 42501 `insufficient_privilege`.
    InsufficientPrivilege,
    /// 42601 `syntax_error`.
    SyntaxError,
    /// 42602 `invalid_name`.
    InvalidName,
    /// 42701 `duplicate_column`.
    DuplicateColumn,
    /// 42702 `ambiguous_column`.
    AmbiguousColumn,
    /// 42703 `undefined_column`.
    UndefinedColumn,
    /// 42704 `undefined_object`.
    UndefinedObject,
    /// 42710 `duplicate_object`.
    DuplicateObject,
    /// 42712 `duplicate_alias`.
    DuplicateAlias,
    /// 42803 `grouping_error`.
    GroupingError,
    /// 42804 `datatype_mismatch`.
    DatatypeMismatch,
    /// 42809 `wrong_object_type`.
    WrongObjectType,
    /// 42830 `invalid_foreign_key`.
    InvalidForeignKey,
    /// 42846 `cannot_coerce`.
    CannotCoerce,
    /// 42939 `reserved_name`.
    ReservedName,
    /// 42883 `undefined_function`.
    UndefinedFunction,
    /// 42723 `duplicate_function`.
    DuplicateFunction,
    /// 42725 `ambiguous_function`.
    AmbiguousFunction,
    /// 42P13 `invalid_function_definition`.
    InvalidFunctionDefinition,
    /// 42P01 `undefined_table`.
    UndefinedTable,
    /// 42P02 `undefined_parameter`.
    UndefinedParameter,
    /// 42P04 `duplicate_database`.
    DuplicateDatabase,
    /// 42P05 `duplicate_prepared_statement`.
    DuplicatePreparedStatement,
    /// 42P07 `duplicate_table`.
    DuplicateTable,
    /// 42P10 `invalid_column_reference`.
    InvalidColumnReference,
    /// 42P16 `invalid_table_definition`.
    InvalidTableDefinition,
    /// 42P20 `windowing_error`.
    WindowingError,
    /// 54000 `program_limit_exceeded`.
    ProgramLimitExceeded,
    /// 54001 `statement_too_complex`.
    StatementTooComplex,
    /// 54011 `too_many_columns`.
    TooManyColumns,
    /// 55000 `object_not_in_prerequisite_state`.
    ObjectNotInPrerequisiteState,
    /// 55P02 `cant_change_runtime_param`.
    CantChangeRuntimeParam,
    /// 55P03 `lock_not_available`.
    LockNotAvailable,
    /// 57014 `query_canceled`.
    QueryCanceled,
    /// 58030 `io_error`.
    IoError,
    /// 58P01 `undefined_file`.
    UndefinedFile,
    /// XX000 `internal_error`.
    InternalError,
    /// XX001 `data_corrupted`.
    DataCorrupted,
}

impl SqlState {
    /// The five-character code (`23505`).
    pub fn code(self) -> &'static str {
        match self {
            SqlState::ProtocolViolation => "08P01",
            SqlState::ReadOnlySqlTransaction => "25006",
            SqlState::InvalidCatalogName => "3D000",
            SqlState::FeatureNotSupported => "0A000",
            SqlState::CardinalityViolation => "21000",
            SqlState::StringDataRightTruncation => "22001",
            SqlState::NumericValueOutOfRange => "22003",
            SqlState::NullValueNotAllowed => "22004",
            SqlState::InvalidDatetimeFormat => "22007",
            SqlState::DatetimeFieldOverflow => "22008",
            SqlState::ArraySubscriptError => "2202E",
            SqlState::IntervalFieldOverflow => "22015",
            SqlState::SubstringError => "22011",
            SqlState::DivisionByZero => "22012",
            SqlState::InvalidPrecedingOrFollowingSize => "22013",
            SqlState::InvalidArgumentForNtileFunction => "22014",
            SqlState::InvalidArgumentForNthValueFunction => "22016",
            SqlState::SequenceGeneratorLimitExceeded => "2200H",
            SqlState::InvalidArgumentForLogarithm => "2201E",
            SqlState::InvalidArgumentForPowerFunction => "2201F",
            SqlState::InvalidArgumentForWidthBucketFunction => "2201G",
            SqlState::InvalidRowCountInLimitClause => "2201W",
            SqlState::InvalidParameterValue => "22023",
            SqlState::SingletonSqlJsonItemRequired => "22038",
            SqlState::CharacterNotInRepertoire => "22021",
            SqlState::InvalidTextRepresentation => "22P02",
            SqlState::InvalidRegularExpression => "2201B",
            SqlState::InvalidEscapeSequence => "22025",
            SqlState::GeneratedAlways => "428C9",
            SqlState::InvalidSchemaName => "3F000",
            SqlState::SuccessfulCompletion => "00000",
            SqlState::InvalidSavepointSpecification => "3B001",
            SqlState::NoActiveSqlTransaction => "25P01",
            SqlState::BadCopyFileFormat => "22P04",
            SqlState::NotNullViolation => "23502",
            SqlState::ForeignKeyViolation => "23503",
            SqlState::UniqueViolation => "23505",
            SqlState::CheckViolation => "23514",
            SqlState::ActiveSqlTransaction => "25001",
            SqlState::InFailedSqlTransaction => "25P02",
            SqlState::InvalidSqlStatementName => "26000",
            SqlState::InvalidAuthorizationSpecification => "28000",
            SqlState::DependentObjectsStillExist => "2BP01",
            SqlState::TransactionRollback => "40000",
            SqlState::SerializationFailure => "40001",
            SqlState::InsufficientPrivilege => "42501",
            SqlState::SyntaxError => "42601",
            SqlState::InvalidName => "42602",
            SqlState::DuplicateColumn => "42701",
            SqlState::AmbiguousColumn => "42702",
            SqlState::UndefinedColumn => "42703",
            SqlState::UndefinedObject => "42704",
            SqlState::DuplicateObject => "42710",
            SqlState::DuplicateAlias => "42712",
            SqlState::GroupingError => "42803",
            SqlState::DatatypeMismatch => "42804",
            SqlState::WrongObjectType => "42809",
            SqlState::InvalidForeignKey => "42830",
            SqlState::CannotCoerce => "42846",
            SqlState::ReservedName => "42939",
            SqlState::UndefinedFunction => "42883",
            SqlState::DuplicateFunction => "42723",
            SqlState::AmbiguousFunction => "42725",
            SqlState::InvalidFunctionDefinition => "42P13",
            SqlState::UndefinedTable => "42P01",
            SqlState::UndefinedParameter => "42P02",
            SqlState::DuplicateDatabase => "42P04",
            SqlState::DuplicatePreparedStatement => "42P05",
            SqlState::DuplicateTable => "42P07",
            SqlState::InvalidColumnReference => "42P10",
            SqlState::InvalidTableDefinition => "42P16",
            SqlState::WindowingError => "42P20",
            SqlState::ProgramLimitExceeded => "54000",
            SqlState::StatementTooComplex => "54001",
            SqlState::TooManyColumns => "54011",
            SqlState::ObjectNotInPrerequisiteState => "55000",
            SqlState::CantChangeRuntimeParam => "55P02",
            SqlState::LockNotAvailable => "55P03",
            SqlState::QueryCanceled => "57014",
            SqlState::IoError => "58030",
            SqlState::UndefinedFile => "58P01",
            SqlState::InternalError => "XX000",
            SqlState::DataCorrupted => "XX001",
        }
    }
}

impl From<arbor_schema::ErrorKind> for SqlState {
    fn from(kind: arbor_schema::ErrorKind) -> SqlState {
        use arbor_schema::ErrorKind as K;
        match kind {
            K::InvalidTextRepresentation => SqlState::InvalidTextRepresentation,
            K::NumericValueOutOfRange => SqlState::NumericValueOutOfRange,
            K::StringDataRightTruncation => SqlState::StringDataRightTruncation,
            K::InvalidDatetimeFormat => SqlState::InvalidDatetimeFormat,
            K::DatetimeFieldOverflow => SqlState::DatetimeFieldOverflow,
            K::IntervalFieldOverflow => SqlState::IntervalFieldOverflow,
            K::CannotCoerce => SqlState::CannotCoerce,
            K::DatatypeMismatch => SqlState::DatatypeMismatch,
            K::FeatureNotSupported => SqlState::FeatureNotSupported,
            K::InvalidTableDefinition => SqlState::InvalidTableDefinition,
            K::DataCorrupted => SqlState::DataCorrupted,
            K::Internal => SqlState::InternalError,
        }
    }
}

impl fmt::Display for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Tests and clients compare a SQLSTATE with the code they expect.
impl PartialEq<&str> for SqlState {
    fn eq(&self, other: &&str) -> bool {
        self.code() == *other
    }
}

/// Why a version-control operation refused, as a type: front ends word
/// their own hints from it (the command line names `arbor` commands, SQL
/// names procedures), and at the SQL boundary it is reported with
/// [`VcError::sqlstate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VcError {
    /// A merge is in progress: merging again, checking out, cherry-picking
    /// or stashing waits until it is committed or aborted.
    MergeInProgress,
    /// There is no merge in progress to abort or resolve.
    NoMergeInProgress,
    /// A cherry-pick, revert or rebase is in progress: another one, or a
    /// merge, waits until it is continued to its end or aborted.
    SequenceInProgress {
        /// Its command's name: `cherry-pick`, `revert` or `rebase`.
        operation: String,
    },
    /// `--continue`, `--skip` or `--abort` with no such sequence in progress.
    NoSequenceInProgress {
        /// The command's name.
        operation: String,
    },
    /// A commit while the merge in progress has unresolved conflicts.
    UnresolvedConflicts {
        /// What stopped with them: `merge`, or the `cherry-pick`,
        /// `revert` or `rebase` whose step they are.
        operation: String,
    },
    /// Uncommitted changes would be overwritten or mixed in.
    UncommittedChanges,
    /// Untracked tables (new in the working set, never staged, not in the
    /// head commit) would be overwritten by tables of the same name: a
    /// checkout, merge, `reset --hard <revision>` or stash refuses rather
    /// than lose them, since `reset --hard` does not discard them either.
    UntrackedOverwritten {
        /// The untracked tables (views, sequences) in the way.
        tables: Vec<String>,
    },
    /// Staging with nothing named to stage.
    NothingToAdd,
    /// A stash with no local changes to save (untracked tables alone are
    /// none, without `-u`).
    NothingToStash,
    /// Nothing changed since the head commit; `staged` when there are
    /// changes that were not staged.
    NothingToCommit {
        /// Whether the working set has changes that were not staged.
        unstaged: bool,
    },
    /// Deleting a branch whose commits are not in the checked-out one.
    NotFullyMerged {
        /// The branch.
        branch: String,
    },
    /// No branch of that name.
    UnknownBranch,
    /// No remote of that name.
    UnknownRemote,
    /// A revision that names no commit.
    UnknownRevision,
    /// A branch update that is not a fast-forward.
    NotFastForward,
    /// A push refused: the remote branch has commits the pushed one lacks.
    PushRejected {
        /// The remote's name.
        remote: String,
        /// The branch on the remote.
        branch: String,
    },
    /// Two commits with no common ancestor.
    UnrelatedHistories,
    /// An operation that records an author, with none known.
    UnknownAuthor,
    /// A folder or store that holds no repository.
    NotARepository,
}

impl VcError {
    /// The SQLSTATE a SQL client sees for it.
    pub fn sqlstate(&self) -> SqlState {
        match self {
            VcError::UnknownBranch | VcError::UnknownRemote | VcError::UnknownRevision => {
                SqlState::UndefinedObject
            }
            VcError::UnknownAuthor => SqlState::InvalidAuthorizationSpecification,
            VcError::NotARepository => SqlState::UndefinedFile,
            _ => SqlState::ObjectNotInPrerequisiteState,
        }
    }
}

/// An error from the engine, as a PostgreSQL client would see it: its
/// [`ErrorFields`], boxed, so that a `Result` carrying it stays one word
/// wider than its value (results pass through every row of a scan).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(Box<ErrorFields>);

/// What an [`Error`] says, in PostgreSQL's fields; read through the error
/// (`error.code`, `error.message`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorFields {
    /// The SQLSTATE code.
    pub code: SqlState,
    /// The primary message, lower case, no trailing period (PostgreSQL style).
    pub message: String,
    /// 1-based character position in the statement text, where known.
    pub position: Option<usize>,
    /// Where in the statement text the error is, as 1-based line and
    /// column, when planning knows that but not the text: the session,
    /// which has the text, turns it into `position` ([`Error::locate`]).
    pub line_column: Option<(u64, u64)>,
    /// More detail about the cause.
    pub detail: Option<String>,
    /// What the user might do about it.
    pub hint: Option<String>,
    /// The table the error is about (PostgreSQL's `table_name` field).
    pub table: Option<String>,
    /// The column the error is about (`column_name`).
    pub column: Option<String>,
    /// The constraint the error is about (`constraint_name`).
    pub constraint: Option<String>,
    /// Why a version-control operation refused, when that is the error.
    pub vc: Option<VcError>,
}

/// A result whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with `code` and `message`.
    pub fn new(code: SqlState, message: impl Into<String>) -> Error {
        Error(Box::new(ErrorFields {
            code,
            message: message.into(),
            position: None,
            line_column: None,
            detail: None,
            hint: None,
            table: None,
            column: None,
            constraint: None,
            vc: None,
        }))
    }

    /// A version-control refusal: `why`, reported with its SQLSTATE.
    pub fn vc(why: VcError, message: impl Into<String>) -> Error {
        let mut e = Error::new(why.sqlstate(), message);
        e.vc = Some(why);
        e
    }

    /// The error's fields, owned.
    pub fn into_fields(self) -> ErrorFields {
        *self.0
    }

    /// Names the table the error is about.
    pub fn with_table(mut self, table: impl Into<String>) -> Error {
        self.table = Some(table.into());
        self
    }

    /// Names the column the error is about.
    pub fn with_column(mut self, column: impl Into<String>) -> Error {
        self.column = Some(column.into());
        self
    }

    /// Names the constraint the error is about.
    pub fn with_constraint(mut self, constraint: impl Into<String>) -> Error {
        self.constraint = Some(constraint.into());
        self
    }

    /// Attaches the 1-based character position in the statement.
    pub fn at(mut self, position: usize) -> Error {
        self.position.get_or_insert(position);
        self
    }

    /// Attaches where in the statement text the error is, as 1-based line
    /// and column (0s: unknown), unless a place is known already (the
    /// innermost place wins).
    pub fn at_line_column(mut self, line: u64, column: u64) -> Error {
        if self.position.is_none() && self.line_column.is_none() && line > 0 && column > 0 {
            self.line_column = Some((line, column));
        }
        self
    }

    /// Turns a line and column into the character position in `sql`, the
    /// text the statement was parsed from.
    pub fn locate(mut self, sql: &str) -> Error {
        if let Some((line, column)) = self.line_column.take()
            && self.position.is_none()
        {
            self.position = Some(character_position(sql, line, column));
        }
        self
    }

    /// The error of a statement that starts `chars` characters into a
    /// longer text, placed in that text.
    pub fn shifted(mut self, chars: usize) -> Error {
        if let Some(p) = self.0.position.as_mut() {
            *p += chars;
        }
        self
    }

    /// Attaches a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }

    /// Attaches a detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Error {
        self.detail = Some(detail.into());
        self
    }

    /// A syntax error.
    pub fn syntax(message: impl Into<String>) -> Error {
        Error::new(SqlState::SyntaxError, message)
    }

    /// A broken invariant inside Arbor: a bug, never the user's doing.
    pub fn internal(what: impl Into<String>) -> Error {
        Error::new(SqlState::InternalError, what)
    }

    /// Something valid SQL that Arbor does not support yet.
    pub fn unsupported(what: impl fmt::Display) -> Error {
        Error::new(
            SqlState::FeatureNotSupported,
            format!("{what} is not supported"),
        )
    }
}

impl std::ops::Deref for Error {
    type Target = ErrorFields;

    fn deref(&self) -> &ErrorFields {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut ErrorFields {
        &mut self.0
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// A value error keeps its SQLSTATE, message and detail.
impl From<arbor_schema::ValueError> for Error {
    fn from(e: arbor_schema::ValueError) -> Error {
        let mut error = Error::new(SqlState::from(e.kind), e.message);
        error.detail = e.detail;
        error.hint = e.hint;
        error
    }
}

impl From<arbor_merkle::Error> for Error {
    fn from(e: arbor_merkle::Error) -> Error {
        use arbor_merkle::Error as M;
        let code = match &e {
            M::Io { .. } => SqlState::IoError,
            M::ChunkHashMismatch { .. }
            | M::MissingChunk(_)
            | M::Corrupt(_)
            | M::DamagedJournal { .. } => SqlState::DataCorrupted,
            M::Locked { .. } => SqlState::LockNotAvailable,
            _ => SqlState::InternalError,
        };
        Error::new(code, e.to_string())
    }
}

/// The 1-based character position of 1-based `line` and `column` in `sql`.
pub fn character_position(sql: &str, line: u64, column: u64) -> usize {
    let before: usize = sql
        .split_inclusive('\n')
        .take(line.saturating_sub(1) as usize)
        .map(|l| l.chars().count())
        .sum();
    before + column as usize
}
