//! One client connection: its session, and the protocol's messages turned
//! into calls on it.
//!
//! Every connection has its own [`Session`] on the database its startup
//! message names, and a thread and single-threaded runtime of its own
//! (`serve_connection` in `lib.rs`). The engine is synchronous: each call
//! on the session runs inline ([`on_session`]), with no thread hop or
//! hand-off (measured: sysbench's point select at 4 threads ran 16,155
//! transactions a second through `block_in_place`, whose hand-off of the
//! worker wakes a thread each call, and about 33,000 inline). Running
//! inline on a shared multi-threaded runtime instead would let one long
//! statement hold the worker that drives every connection's I/O.

//! The simple query protocol runs a string of statements as `psql -c`
//! does ([`Session::execute_as_one`]). The extended protocol parses and
//! describes a statement once at Parse (its parameter and result types
//! from planning, see [`Described`]); Bind reads the arguments as those
//! types (or the types the client sent); Execute runs the statement's kept
//! plan. A result column whose type planning cannot tell is described by
//! its values: Describe of such a portal runs it and keeps the result for
//! the Execute that follows.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use arbor_engine::{
    CopyCommand, CopyDirection, DataType, Described, EXPLAIN_COLUMN, Error, Interrupt, Prepared,
    Session, StatementResult, Value,
};
use async_trait::async_trait;
use bytes::BytesMut;
use futures::{Sink, SinkExt, stream};
use pgwire::api::auth::{
    StartupHandler, finish_authentication, protocol_negotiation,
    save_startup_parameters_to_metadata,
};
use pgwire::api::cancel::CancelHandler;
use pgwire::api::copy::CopyHandler;
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::{
    CopyResponse, DescribePortalResponse, DescribeResponse, DescribeStatementResponse, FieldFormat,
    FieldInfo, QueryResponse, Response, Tag,
};
use pgwire::api::stmt::{QueryParser, StoredStatement};
use pgwire::api::store::{Entry, PortalStore};
use pgwire::api::{
    ClientInfo, ClientPortalStore, DEFAULT_NAME, PgWireConnectionState, PgWireServerHandlers, Type,
};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::cancel::CancelRequest;
use pgwire::messages::copy::{CopyData, CopyDone, CopyFail};
use pgwire::messages::data::DataRow;
use pgwire::messages::extendedquery::{Bind, BindComplete};
use pgwire::messages::startup::SecretKey;
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};

use crate::Log;
use crate::auth::{PasswordCheck, server_parameters};
use crate::databases::Databases;
use crate::errors::{fatal, wire_error};
use crate::wire_types::{self, column_type, decode_parameter};

/// Prepared statements kept per connection, by SQL text; past this many
/// the oldest are dropped (a client that never closes its statements
/// cannot grow the server without bound).
const PREPARED_LIMIT: usize = 1024;

/// What a connection holds between messages.
#[derive(Debug, Default)]
struct State {
    /// The session, once startup has opened it.
    session: Option<Session>,
    /// Parsed statements with their kept plans, by SQL text.
    prepared: HashMap<String, Prepared>,
    /// Results of portals run early, at Describe, for their Execute.
    early: HashMap<String, Result<StatementResult, Error>>,
    /// A `COPY ... FROM STDIN` waiting for its data, and the data so far.
    copy_in: Option<(CopyCommand, Vec<u8>)>,
    /// Notices of the statements run, to send before their results.
    notices: Vec<arbor_engine::Notice>,
}

/// The running statements' stop handles, by the process id and secret a
/// client got at startup (what its cancel request names).
#[derive(Debug, Default)]
pub struct Cancels(Mutex<HashMap<(i32, i32), Interrupt>>);

impl Cancels {
    /// Stops every running statement (the server is shutting down).
    pub fn interrupt_all(&self) {
        let cancels = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for interrupt in cancels.values() {
            interrupt.interrupt();
        }
    }
}

#[async_trait]
impl CancelHandler for Cancels {
    async fn on_cancel_request(&self, request: CancelRequest) {
        // The key comes back as the four bytes it was sent as.
        let Some(key) = secret_key_value(&request.secret_key) else {
            return;
        };
        let cancels = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // A request that names no connection is ignored, as PostgreSQL does.
        if let Some(interrupt) = cancels.get(&(request.pid, key)) {
            interrupt.interrupt();
        }
    }
}

/// One connection's handlers (pgwire asks for each by kind).
#[derive(Debug)]
pub struct Connection {
    databases: Arc<Databases>,
    log: Arc<Log>,
    cancels: Arc<Cancels>,
    /// The password check, when the server has users.
    password_check: Option<Arc<PasswordCheck>>,
    /// This connection's entry in `cancels`, once startup made one.
    backend_key: Mutex<Option<(i32, i32)>>,
    state: Arc<Mutex<State>>,
    parser: Arc<Parser>,
}

/// A statement as Parse left it: its text, and what planning tells of it.
#[derive(Clone, Debug)]
pub struct Parsed {
    sql: String,
    described: Described,
}

/// Parses and describes statements on the connection's session.
#[derive(Debug)]
pub struct Parser {
    state: Arc<Mutex<State>>,
}

impl Connection {
    pub fn new(
        databases: Arc<Databases>,
        log: Arc<Log>,
        cancels: Arc<Cancels>,
        password_check: Option<Arc<PasswordCheck>>,
    ) -> Connection {
        let state = Arc::new(Mutex::new(State::default()));
        Connection {
            databases,
            log,
            cancels,
            password_check,
            backend_key: Mutex::new(None),
            parser: Arc::new(Parser {
                state: state.clone(),
            }),
            state,
        }
    }

    /// Runs `work` on the session (see [`on_session`]).
    async fn on_session<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut State, &mut Session) -> T + Send + 'static,
    ) -> PgWireResult<T> {
        on_session(&self.state, work).await
    }
}

/// Runs `work` on the connection's session, inline on the connection's
/// own thread (see the module's docs).
async fn on_session<T: Send + 'static>(
    state: &Arc<Mutex<State>>,
    work: impl FnOnce(&mut State, &mut Session) -> T + Send + 'static,
) -> PgWireResult<T> {
    let mut guard = state.lock().unwrap_or_else(|e| e.into_inner());
    let state = &mut *guard;
    let mut session = state
        .session
        .take()
        .ok_or_else(|| PgWireError::ApiError("no session: startup did not finish".into()))?;
    let out = work(state, &mut session);
    state.notices.extend(session.take_notices());
    state.session = Some(session);
    Ok(out)
}

#[async_trait]
impl StartupHandler for Connection {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let Some(check) = &self.password_check else {
            // No users: every client is trusted (the server is on loopback).
            let PgWireFrontendMessage::Startup(ref startup) = message else {
                return Ok(());
            };
            protocol_negotiation(client, startup).await?;
            save_startup_parameters_to_metadata(client, startup);
            let (pid, key) = backend_key();
            client.set_pid_and_secret_key(pid, SecretKey::I32(key));
            self.open_session(client, (pid, key))?;
            return finish_authentication(client, &server_parameters()).await;
        };
        let started = matches!(message, PgWireFrontendMessage::Startup(_));
        if let Err(e) = check.0.on_startup(client, message).await {
            let metadata = client.metadata();
            let database = metadata.get("database").cloned().unwrap_or_default();
            self.log
                .refused(client.socket_addr(), &database, &e.to_string());
            return Err(match e {
                // PostgreSQL's words (28P01), naming the user who tried,
                // whether it exists or the password is wrong.
                PgWireError::InvalidPassword(_) => {
                    let user = metadata.get("user").cloned().unwrap_or_default();
                    PgWireError::UserError(Box::new(ErrorInfo::new(
                        "FATAL".to_owned(),
                        "28P01".to_owned(),
                        format!("password authentication failed for user \"{user}\""),
                    )))
                }
                other => other,
            });
        }
        // Once the password is proven, the session opens (a client never
        // learns which databases exist before it has proven who it is).
        let authenticated = matches!(client.state(), PgWireConnectionState::ReadyForQuery);
        if !started && authenticated {
            let (pid, key) = client.pid_and_secret_key();
            self.open_session(client, (pid, secret_key_value(&key).unwrap_or_default()))?;
        }
        Ok(())
    }
}

impl Connection {
    /// Opens the session on the database the client's startup names, and
    /// registers its interrupt under the client's backend key.
    fn open_session<C: ClientInfo>(&self, client: &C, (pid, key): (i32, i32)) -> PgWireResult<()> {
        let metadata = client.metadata();
        let database = metadata
            .get("database")
            .or_else(|| metadata.get("user"))
            .cloned()
            .unwrap_or_default();
        let peer = client.socket_addr();
        let databases = self.databases.clone();
        let name = database.clone();
        let opened = databases.session(&name);
        let mut session = match opened {
            Ok(s) => s,
            Err(e) => {
                self.log.refused(peer, &database, &e.message);
                return Err(fatal(&e));
            }
        };
        session.set_connected_as(arbor_engine::ConnectedAs {
            database: database.clone(),
            user: metadata.get("user").cloned().unwrap_or_default(),
        });
        // A time zone in the startup message (JDBC sends its JVM's) is
        // set as `SET TimeZone` sets it; one Arbor does not know refuses
        // the connection, as PostgreSQL's does.
        if let Some((_, zone)) = metadata
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("timezone"))
        {
            let set = format!("SET TimeZone = '{}'", zone.replace('\'', "''"));
            if let Err(e) = session.execute(&set) {
                self.log.refused(peer, &database, &e.message);
                return Err(fatal(&e));
            }
        }
        self.log.connected(peer, &database, session.branch());
        self.cancels
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((pid, key), session.interrupter());
        *self.backend_key.lock().unwrap_or_else(|e| e.into_inner()) = Some((pid, key));
        self.state.lock().unwrap_or_else(|e| e.into_inner()).session = Some(session);
        Ok(())
    }
}

/// A backend key's secret as the number it was made from.
fn secret_key_value(key: &SecretKey) -> Option<i32> {
    match key {
        SecretKey::I32(key) => Some(*key),
        SecretKey::Bytes(bytes) => <[u8; 4]>::try_from(bytes.as_ref())
            .ok()
            .map(i32::from_be_bytes),
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let key = self
            .backend_key
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(key) = key {
            let mut cancels = self.cancels.0.lock().unwrap_or_else(|e| e.into_inner());
            cancels.remove(&key);
        }
    }
}

/// A process id and secret for the client's BackendKeyData: unique
/// enough per connection, and not guessable from another connection.
fn backend_key() -> (i32, i32) {
    let bits = crate::auth::random_u64();
    ((bits >> 33) as i32 & 0x3fff_ffff, bits as i32)
}

#[async_trait]
impl SimpleQueryHandler for Connection {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if looks_like_copy(query) {
            let sql = query.to_owned();
            let copy = self
                .on_session(move |_, session| {
                    let copy = session.copy_command(&sql)?;
                    let width = match &copy {
                        Some(c) => c.width(session)?,
                        None => 0,
                    };
                    Ok::<_, Error>(copy.map(|c| (c, width)))
                })
                .await?;
            match copy {
                Err(e) => {
                    self.log.failed(client.socket_addr(), query, &e);
                    return Ok(vec![Response::Error(Box::new(wire_error(&e)))]);
                }
                Ok(Some((copy, width))) if copy.payload().is_none() => {
                    return self.start_copy(client, query, copy, width).await;
                }
                Ok(_) => {}
            }
        }
        let sql = query.to_owned();
        let (results, error) = self
            .on_session(move |_, session| {
                let mut results = Vec::new();
                let error = session
                    .execute_as_one(&sql, &mut |r| {
                        results.push(r);
                        Ok(())
                    })
                    .err();
                (results, error)
            })
            .await?;
        self.send_notices(client).await?;
        let mut responses: Vec<Response> = results
            .into_iter()
            .map(|r| response(r, &Format::UnifiedText))
            .collect();
        if let Some(e) = error {
            self.log.failed(client.socket_addr(), query, &e);
            responses.push(Response::Error(Box::new(wire_error(&e))));
        }
        Ok(responses)
    }
}

impl Connection {
    /// Sends the notices of the statements run so far, ahead of their
    /// results.
    async fn send_notices<C>(&self, client: &mut C) -> PgWireResult<()>
    where
        C: Sink<PgWireBackendMessage> + Unpin + Send,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let notices =
            std::mem::take(&mut self.state.lock().unwrap_or_else(|e| e.into_inner()).notices);
        for n in &notices {
            client
                .send(PgWireBackendMessage::NoticeResponse(crate::errors::notice(
                    n,
                )))
                .await?;
        }
        Ok(())
    }

    /// Starts a COPY: rows in wait for the client's CopyData; rows out are
    /// read and sent.
    async fn start_copy<C>(
        &self,
        client: &mut C,
        query: &str,
        copy: CopyCommand,
        width: usize,
    ) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        match copy.direction {
            CopyDirection::In => {
                self.state.lock().unwrap_or_else(|e| e.into_inner()).copy_in =
                    Some((copy, Vec::new()));
                Ok(vec![Response::CopyIn(CopyResponse::new(
                    0,
                    width,
                    stream::empty(),
                ))])
            }
            CopyDirection::Out => {
                let header = copy.has_header();
                let lines = self
                    .on_session(move |_, session| {
                        let mut lines = Vec::new();
                        session
                            .copy_out(&copy, &mut |line| {
                                lines.push(line);
                                Ok(())
                            })
                            .map(|_| lines)
                    })
                    .await?;
                match lines {
                    Ok(mut lines) => {
                        // The tag counts CopyData messages: the header
                        // travels with the first row.
                        if header && lines.len() > 1 {
                            let first = lines.remove(1);
                            lines[0].extend_from_slice(&first);
                        }
                        let data = lines
                            .into_iter()
                            .map(|l| Ok(CopyData::new(bytes::Bytes::from(l))));
                        Ok(vec![Response::CopyOut(CopyResponse::new(
                            0,
                            width,
                            stream::iter(data),
                        ))])
                    }
                    Err(e) => {
                        self.log.failed(client.socket_addr(), query, &e);
                        Ok(vec![Response::Error(Box::new(wire_error(&e)))])
                    }
                }
            }
        }
    }
}

/// Whether a simple query may be a COPY (checked before it is parsed).
fn looks_like_copy(query: &str) -> bool {
    query
        .trim_start()
        .get(..4)
        .is_some_and(|w| w.eq_ignore_ascii_case("copy"))
}

#[async_trait]
impl CopyHandler for Connection {
    async fn on_copy_data<C>(&self, _client: &mut C, data: CopyData) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, buffer)) = &mut state.copy_in {
            buffer.extend_from_slice(&data.data);
        }
        Ok(())
    }

    async fn on_copy_done<C>(&self, client: &mut C, _done: CopyDone) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let pending = self
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .copy_in
            .take();
        let Some((copy, data)) = pending else {
            return Err(user_error("08P01", "COPY data without a COPY".into()));
        };
        let copied = self
            .on_session(move |_, session| session.copy_in(&copy, &data))
            .await?;
        match copied {
            Ok(n) => {
                let tag = Tag::new("COPY").with_rows(n as usize);
                client
                    .send(PgWireBackendMessage::CommandComplete(tag.into()))
                    .await?;
                Ok(())
            }
            Err(e) => {
                self.log.failed(client.socket_addr(), "COPY FROM STDIN", &e);
                Err(PgWireError::UserError(Box::new(wire_error(&e))))
            }
        }
    }

    async fn on_copy_fail<C>(&self, _client: &mut C, fail: CopyFail) -> PgWireError
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).copy_in = None;
        user_error("57014", format!("COPY from stdin failed: {}", fail.message))
    }
}

#[async_trait]
impl QueryParser for Parser {
    type Statement = Parsed;

    async fn parse_sql<C>(
        &self,
        _client: &C,
        sql: &str,
        _types: &[Option<Type>],
    ) -> PgWireResult<Option<Parsed>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let text = sql.to_owned();
        let described = on_session(&self.state, move |state, session| {
            let mut prepared = session.prepare(&text)?;
            let described = session.describe(&mut prepared)?;
            if state.prepared.len() >= PREPARED_LIMIT {
                state.prepared.clear();
            }
            state.prepared.insert(text, prepared);
            Ok::<_, Error>(described)
        })
        .await?
        .map_err(|e| PgWireError::UserError(Box::new(wire_error(&e))))?;
        Ok(Some(Parsed {
            sql: sql.to_owned(),
            described,
        }))
    }

    fn get_parameter_types(&self, stmt: &Parsed) -> PgWireResult<Vec<Type>> {
        Ok(parameter_types(stmt, &[]))
    }

    fn get_result_schema(
        &self,
        stmt: &Parsed,
        column_format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        Ok(planned_fields(
            stmt,
            column_format.unwrap_or(&Format::UnifiedText),
        ))
    }
}

/// The types of a statement's parameters: what the client declared, else
/// what planning gives, else `text` (read as the statement's context says).
fn parameter_types(stmt: &Parsed, declared: &[Option<Type>]) -> Vec<Type> {
    stmt.described
        .parameters
        .iter()
        .enumerate()
        .map(|(i, planned)| match declared.get(i) {
            Some(Some(t)) if *t != Type::UNKNOWN => t.clone(),
            _ => planned.as_ref().map_or(Type::TEXT, wire_types::pg_type),
        })
        .collect()
}

/// A statement's result columns as planning types them (`text` where it
/// cannot tell).
fn planned_fields(stmt: &Parsed, format: &Format) -> Vec<FieldInfo> {
    let (names, types): (Vec<String>, Vec<Option<DataType>>) =
        stmt.described.columns.iter().flatten().cloned().unzip();
    fields(&names, &types, &[], format)
}

/// The arguments a portal binds, as values of its parameters' types.
fn arguments(portal: &Portal<Parsed>) -> PgWireResult<Vec<Value>> {
    let stmt = &portal.statement;
    let mut values = Vec::with_capacity(portal.parameters.len());
    for (i, bytes) in portal.parameters.iter().enumerate() {
        let declared = stmt
            .parameter_types
            .get(i)
            .cloned()
            .flatten()
            .filter(|t| *t != Type::UNKNOWN);
        let t = match declared {
            Some(t) => Some(wire_types::data_type(&t).ok_or_else(|| {
                user_error("0A000", format!("parameters of type {t} are not supported"))
            })?),
            None => stmt
                .statement
                .described
                .parameters
                .get(i)
                .cloned()
                .flatten(),
        };
        let value = decode_parameter(
            bytes.as_deref(),
            portal.parameter_format.is_binary(i),
            t.as_ref(),
        )
        .map_err(|e| user_error(e.code, format!("parameter ${}: {}", i + 1, e.message)))?;
        values.push(value);
    }
    Ok(values)
}

fn user_error(code: &str, message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".to_owned(),
        code.to_owned(),
        message,
    )))
}

#[async_trait]
impl ExtendedQueryHandler for Connection {
    type Statement = Parsed;
    type QueryParser = Parser;

    fn query_parser(&self) -> Arc<Parser> {
        self.parser.clone()
    }

    /// Bind as pgwire's, but BindComplete waits in the buffer for the
    /// responses that follow (Execute's, ReadyForQuery at Sync): one write
    /// to the socket the fewer per statement, as PostgreSQL sends them.
    async fn on_bind<C>(&self, client: &mut C, message: Bind) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let statement = message.statement_name.as_deref().unwrap_or(DEFAULT_NAME);
        match client.portal_store().get_statement(statement) {
            Some(Entry::Value(stored)) => {
                let portal = Portal::try_new(&message, stored)?;
                client.portal_store().put_portal(Arc::new(portal));
            }
            Some(Entry::Empty) if message.parameters.is_empty() => {
                let portal = message.portal_name.as_deref().unwrap_or(DEFAULT_NAME);
                client.portal_store().put_empty_portal(portal);
            }
            Some(Entry::Empty) => {
                return Err(PgWireError::UserError(Box::new(ErrorInfo::new(
                    "ERROR".to_owned(),
                    "08P01".to_owned(),
                    format!(
                        "bind message supplies {} parameters, but prepared statement \"{statement}\" requires 0",
                        message.parameters.len()
                    ),
                ))));
            }
            None => return Err(PgWireError::StatementNotFound(statement.to_owned())),
        }
        client
            .feed(PgWireBackendMessage::BindComplete(BindComplete::new()))
            .await?;
        Ok(())
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<Parsed>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let sql = portal.statement.statement.sql.clone();
        let name = portal.name.clone();
        let early = self
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .early
            .remove(&name);
        let result = match early {
            Some(early) => early,
            None => {
                let args = arguments(portal)?;
                self.on_session(move |state, session| run_prepared(state, session, &sql, &args))
                    .await?
            }
        };
        self.send_notices(client).await?;
        match result {
            Ok(r) => Ok(response(r, &portal.result_column_format)),
            Err(e) => {
                self.log
                    .failed(client.socket_addr(), &portal.statement.statement.sql, &e);
                Ok(Response::Error(Box::new(wire_error(&e))))
            }
        }
    }

    async fn do_describe_statement<C>(
        &self,
        _client: &mut C,
        stmt: &StoredStatement<Parsed>,
    ) -> PgWireResult<DescribeStatementResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let parsed = &stmt.statement;
        Ok(DescribeStatementResponse::new(
            parameter_types(parsed, &stmt.parameter_types),
            planned_fields(parsed, &Format::UnifiedText),
        ))
    }

    async fn do_describe_portal<C>(
        &self,
        _client: &mut C,
        portal: &Portal<Parsed>,
    ) -> PgWireResult<DescribePortalResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let parsed = &portal.statement.statement;
        let Some(columns) = &parsed.described.columns else {
            return Ok(DescribePortalResponse::no_data());
        };
        let format = &portal.result_column_format;
        if columns.iter().all(|(_, t)| t.is_some()) {
            return Ok(DescribePortalResponse::new(planned_fields(parsed, format)));
        }
        // Run it now to see its values' types; Execute sends this result.
        let args = arguments(portal)?;
        let sql = parsed.sql.clone();
        let name = portal.name.clone();
        let result_format = format.clone();
        let fields = self
            .on_session(move |state, session| {
                let result = run_prepared(state, session, &sql, &args);
                let fields = match &result {
                    Ok(StatementResult::Rows {
                        columns,
                        types,
                        rows,
                        ..
                    }) => Some(fields(columns, types, rows, &result_format)),
                    _ => None,
                };
                // An error is sent by the Execute that follows.
                state.early.insert(name, result);
                fields
            })
            .await?;
        Ok(DescribePortalResponse::new(
            fields.unwrap_or_else(|| planned_fields(parsed, format)),
        ))
    }
}

/// Runs the statement `sql` with `args`, through its kept plan.
fn run_prepared(
    state: &mut State,
    session: &mut Session,
    sql: &str,
    args: &[Value],
) -> Result<StatementResult, Error> {
    let mut prepared = match state.prepared.remove(sql) {
        Some(p) => p,
        None => session.prepare(sql)?,
    };
    let result = session.execute_prepared(&mut prepared, args);
    state.prepared.insert(sql.to_owned(), prepared);
    result
}

/// The fields of a result's columns.
fn fields(
    columns: &[String],
    types: &[Option<DataType>],
    rows: &[Vec<Value>],
    format: &Format,
) -> Vec<FieldInfo> {
    columns
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let t = column_type(types.get(i).and_then(Option::as_ref), i, rows);
            FieldInfo::new(name.clone(), None, None, t, format.format_for(i))
        })
        .collect()
}

/// A statement's result as the protocol's response.
fn response(result: StatementResult, format: &Format) -> Response {
    match result {
        StatementResult::Rows {
            columns,
            types,
            rows,
            tag,
        } => rows_response(fields(&columns, &types, &rows, format), rows, tag),
        StatementResult::Explain(text) => {
            let rows: Vec<Vec<Value>> = text
                .lines()
                .map(|l| vec![Value::Text(l.to_owned())])
                .collect();
            let fields = fields(
                &[EXPLAIN_COLUMN.to_owned()],
                &[Some(DataType::Text)],
                &rows,
                format,
            );
            rows_response(fields, rows, None)
        }
        StatementResult::Command { tag, .. } => match tag.as_str() {
            "BEGIN" | "START TRANSACTION" => Response::TransactionStart(Tag::new(&tag)),
            "COMMIT" | "ROLLBACK" => Response::TransactionEnd(Tag::new(&tag)),
            _ => Response::Execution(Tag::new(&tag)),
        },
    }
}

/// Rows as a response; `tag` is the command tag of a change's RETURNING
/// rows (`INSERT 0`), completed with their count (`INSERT 0 2`), as
/// PostgreSQL reports them; a query's is `SELECT n`.
fn rows_response(fields: Vec<FieldInfo>, rows: Vec<Vec<Value>>, tag: Option<String>) -> Response {
    let formats: Vec<(Type, FieldFormat)> = fields
        .iter()
        .map(|f| (f.datatype().clone(), f.format()))
        .collect();
    let count = i16::try_from(fields.len()).unwrap_or(i16::MAX);
    let data = rows.into_iter().map(move |row| {
        let mut bytes = Vec::new();
        for (v, (t, f)) in row.iter().zip(&formats) {
            wire_types::encode(v, t, *f, &mut bytes);
        }
        Ok(DataRow::new(BytesMut::from(&bytes[..]), count))
    });
    let mut response = QueryResponse::new(Arc::new(fields), stream::iter(data));
    if let Some(tag) = tag {
        response.set_command_tag(&tag);
    }
    Response::Query(response)
}

/// The handlers of one connection, as pgwire asks for them.
#[derive(Debug)]
pub struct Handlers(pub Arc<Connection>);

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.0.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.0.clone()
    }

    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        self.0.clone()
    }

    fn cancel_handler(&self) -> Arc<impl CancelHandler> {
        self.0.cancels.clone()
    }

    fn copy_handler(&self) -> Arc<impl CopyHandler> {
        self.0.clone()
    }
}
