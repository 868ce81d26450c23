//! Who may connect: users with passwords, checked by SCRAM-SHA-256.
//!
//! Without users the server trusts every connection, and so listens on
//! loopback only. With users (from `--config`), each client proves its
//! password by SCRAM-SHA-256, as PostgreSQL's default method: the server
//! keeps only a salted hash of each password (derived at start), and the
//! password never crosses the wire.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use pgwire::api::auth::sasl::SASLAuthStartupHandler;
use pgwire::api::auth::sasl::scram::{ScramAuth, gen_salted_password};
use pgwire::api::auth::{AuthSource, DefaultServerParameterProvider, LoginInfo, Password};
use pgwire::error::{PgWireError, PgWireResult};

/// Hash iterations: PostgreSQL's default.
const ITERATIONS: usize = 4096;

/// The users a server admits: name, and the salt and salted password.
#[derive(Debug)]
pub struct Users(HashMap<String, (Vec<u8>, Vec<u8>)>);

impl Users {
    /// Users from names and passwords.
    pub fn new(users: &[(String, String)]) -> Users {
        Users(
            users
                .iter()
                .map(|(name, password)| {
                    let salt = salt();
                    let salted = gen_salted_password(password, &salt, ITERATIONS);
                    (name.clone(), (salt, salted))
                })
                .collect(),
        )
    }
}

/// Sixteen random bytes.
fn salt() -> Vec<u8> {
    [random_u64(), random_u64()]
        .iter()
        .flat_map(|n| n.to_le_bytes())
        .collect()
}

/// A random number from the keys the standard library seeds from the
/// operating system for each hash map (salts and backend keys need to be
/// unpredictable, not cryptographically strong: SCRAM's nonces are
/// pgwire's own).
pub fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish()
}

#[async_trait]
impl AuthSource for Users {
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        let user = login.user().unwrap_or_default();
        match self.0.get(user) {
            Some((salt, salted)) => Ok(Password::new(Some(salt.clone()), salted.clone())),
            // Refused as a wrong password would be: whether a user exists
            // is not told.
            None => Err(PgWireError::InvalidPassword(user.to_owned())),
        }
    }
}

/// The parameters a client is told at startup.
pub fn server_parameters() -> DefaultServerParameterProvider {
    let mut parameters = DefaultServerParameterProvider::default();
    parameters.server_version = arbor_engine::SERVER_VERSION.to_owned();
    parameters.time_zone = "UTC".to_owned();
    parameters.date_style = "ISO, MDY".to_owned();
    parameters
}

/// The startup handler that checks users' passwords (SCRAM-SHA-256).
pub struct PasswordCheck(pub SASLAuthStartupHandler<DefaultServerParameterProvider>);

impl std::fmt::Debug for PasswordCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordCheck(SCRAM-SHA-256)")
    }
}

/// A startup handler for `users`.
pub fn password_check(users: Arc<Users>) -> PasswordCheck {
    let mut scram = ScramAuth::new(users);
    scram.set_iterations(ITERATIONS);
    PasswordCheck(SASLAuthStartupHandler::new(Arc::new(server_parameters())).with_scram(scram))
}
