//! TLS for the connections that ask for it (psql's `sslmode=require`):
//! rustls, with the certificate chain and private key the server is given
//! as PEM files. Without them the server answers a client's SSLRequest
//! with `N` and the connection goes on in the clear, as PostgreSQL does
//! without `ssl = on`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arbor_engine::{Error, SqlState};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

/// The certificate chain and private key files of a TLS server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, PEM (the server's certificate first).
    pub certificate: PathBuf,
    /// The private key, PEM (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// The protocol name PostgreSQL's clients offer in ALPN.
const ALPN_POSTGRESQL: &[u8] = b"postgresql";

/// An acceptor for TLS connections with the certificate and key in `files`;
/// an error naming the file when one cannot be read or does not hold what
/// it should.
pub fn acceptor(files: &TlsFiles) -> Result<TlsAcceptor, Error> {
    let bad = |path: &Path, what: &str| {
        Error::new(
            SqlState::InvalidParameterValue,
            format!("{} is not {what}", path.display()),
        )
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.certificate)
        .and_then(|certs| certs.collect::<Result<_, _>>())
        .map_err(|e| bad(&files.certificate, &format!("a PEM certificate chain: {e}")))?;
    if chain.is_empty() {
        return Err(bad(
            &files.certificate,
            "a PEM certificate chain: it holds no certificate",
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| bad(&files.key, &format!("a PEM private key: {e}")))?;
    // The crypto provider is rustls' one built in (ring, as pgwire's).
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            Error::new(
                SqlState::InvalidParameterValue,
                format!(
                    "{} and {} do not make a TLS identity: {e}",
                    files.certificate.display(),
                    files.key.display()
                ),
            )
        })?;
    config.alpn_protocols = vec![ALPN_POSTGRESQL.to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
