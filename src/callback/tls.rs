//! HTTPS for the callback receiver, from a certificate and key kept in PEM files. The relay runs
//! for months while certificates are renewed under it, so the files are read again on demand
//! (the relay does so on SIGHUP): a new handshake gets the new certificate, a connection already
//! open keeps the one it started with, and a renewal caught half-written (a new certificate
//! beside the old key) is refused with the old certificate kept, never served half-updated.
//!
//! Errors name the file and say what is wrong with it in a sysadmin's words; none ever quotes
//! the files' contents, so no key material reaches a log.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use tokio_rustls::TlsAcceptor;

/// A certificate chain or a key is a few KiB; a file far larger is the wrong file, and is refused
/// before it is read whole.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The callback receiver speaks HTTP/1.1 only; a client that insists on another protocol is
/// refused in the handshake rather than misunderstood after it.
const ALPN_HTTP_1_1: &[u8] = b"http/1.1";

/// Why the certificate or key cannot be used. Each names its file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{}: no such file", .path.display())]
    Missing { path: PathBuf },
    #[error("cannot read {}: {source}", .path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a regular file", .path.display())]
    NotAFile { path: PathBuf },
    #[error(
        "{} is larger than 1 MiB, far more than a certificate chain or key: is it the right file?",
        .path.display()
    )]
    TooLarge { path: PathBuf },
    #[error("{} is not valid PEM: {why}", .path.display())]
    NotPem { path: PathBuf, why: &'static str },
    #[error(
        "{} holds no certificate (a PEM block starting -----BEGIN CERTIFICATE-----){}",
        .path.display(),
        swapped(*.holds_key, "a private key")
    )]
    NoCertificate { path: PathBuf, holds_key: bool },
    #[error(
        "{} holds no private key (a PEM block starting -----BEGIN PRIVATE KEY-----, or RSA or EC PRIVATE KEY){}",
        .path.display(),
        swapped(*.holds_certificate, "a certificate")
    )]
    NoKey {
        path: PathBuf,
        holds_certificate: bool,
    },
    #[error(
        "the private key in {} is encrypted with a passphrase; store it unencrypted, readable by the relay's user only",
        .path.display()
    )]
    EncryptedKey { path: PathBuf },
    #[error(
        "{} holds no usable private key: it must be RSA, ECDSA (P-256 or P-384) or Ed25519",
        .path.display()
    )]
    UnusableKey { path: PathBuf },
    #[error(
        "the first certificate in {} is damaged: it is not a well-formed X.509 certificate",
        .path.display()
    )]
    BadCertificate { path: PathBuf },
    #[error(
        "the private key in {} does not belong to the certificate in {}: the two files are from different certificates",
        .key.display(),
        .cert.display()
    )]
    KeyMismatch { cert: PathBuf, key: PathBuf },
    #[error("cannot set up TLS: {why}")]
    Setup { why: String },
}

/// The likely cause when a file holds the other file's kind of block instead of its own.
fn swapped(holds_the_other: bool, other: &str) -> String {
    match holds_the_other {
        true => format!("; it holds {other}: are the certificate and key files swapped?"),
        false => String::new(),
    }
}

/// Certificate and key files, read again on demand (the relay reloads on SIGHUP).
pub struct Tls {
    cert: PathBuf,
    key: PathBuf,
    /// What new handshakes use. Each handshake takes its own `Arc`, so a reload swaps this one
    /// without touching the connections already open.
    current: RwLock<Arc<ServerConfig>>,
}

impl Tls {
    /// Reads the certificate chain (the server's certificate first) and its private key.
    pub fn load(cert: &Path, key: &Path) -> Result<Self, TlsError> {
        let config = server_config(cert, key)?;
        Ok(Self {
            cert: cert.to_owned(),
            key: key.to_owned(),
            current: RwLock::new(Arc::new(config)),
        })
    }

    /// Reads both files again; on any error the certificate in use stays and the error says why.
    /// It reads files: from async code, call it where blocking briefly is fine (or through
    /// `spawn_blocking`).
    pub fn reload(&self) -> Result<(), TlsError> {
        let config = Arc::new(server_config(&self.cert, &self.key)?);
        // A poisoned lock still holds a whole config: the only write is this one assignment.
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = config;
        Ok(())
    }

    /// An acceptor on the certificate in use now (connections already open keep theirs).
    pub fn acceptor(&self) -> TlsAcceptor {
        let config = self.current.read().unwrap_or_else(PoisonError::into_inner);
        TlsAcceptor::from(Arc::clone(&config))
    }
}

/// Only the paths: the config holds the key.
impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls")
            .field("cert", &self.cert)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// A server config on the two files, each checked with words for what is wrong.
fn server_config(cert_path: &Path, key_path: &Path) -> Result<ServerConfig, TlsError> {
    let chain = read_chain(cert_path)?;
    let key = read_key(key_path)?;
    // The ring provider, named here rather than taken from the process default: it is the one
    // built (reqwest's), and nothing elsewhere can change which one the relay serves with.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certified = certified_key(&provider, chain, key, cert_path, key_path)?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Setup { why: e.to_string() })?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(SingleCertAndKey::from(certified)));
    config.alpn_protocols = vec![ALPN_HTTP_1_1.to_vec()];
    Ok(config)
}

/// The key loaded and checked against the chain's first certificate. rustls's own
/// `with_single_cert` checks the same, but its errors name no file and tell a damaged
/// certificate from a mismatched key only in its own terms ("invalid peer certificate").
fn certified_key(
    provider: &CryptoProvider,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    cert_path: &Path,
    key_path: &Path,
) -> Result<CertifiedKey, TlsError> {
    let signing_key =
        provider
            .key_provider
            .load_private_key(key)
            .map_err(|_| TlsError::UnusableKey {
                path: key_path.to_owned(),
            })?;
    let certified = CertifiedKey::new(chain, signing_key);
    match certified.keys_match() {
        // Unknown: the key cannot give its public half to compare (ring's keys always can),
        // which rustls accepts too.
        Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {
            Ok(certified)
        }
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
            Err(TlsError::KeyMismatch {
                cert: cert_path.to_owned(),
                key: key_path.to_owned(),
            })
        }
        // Otherwise the first certificate's DER did not parse: the chain is not empty.
        Err(_) => Err(TlsError::BadCertificate {
            path: cert_path.to_owned(),
        }),
    }
}

/// Every certificate in the file, in order.
fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = read_bounded(path)?;
    let chain = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| not_pem(path, &e))?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_owned(),
            holds_key: PrivateKeyDer::from_pem_slice(&bytes).is_ok(),
        });
    }
    Ok(chain)
}

/// The first private key in the file.
fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = read_bounded(path)?;
    // PKCS#8 encrypted, and the older OpenSSL form with its Proc-Type header: neither is a
    // section rustls reads, and "no private key" would mislead.
    if contains(&bytes, b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || contains(&bytes, b"Proc-Type: 4,ENCRYPTED")
    {
        return Err(TlsError::EncryptedKey {
            path: path.to_owned(),
        });
    }
    match PrivateKeyDer::from_pem_slice(&bytes) {
        Ok(key) => Ok(key),
        Err(pem::Error::NoItemsFound) => Err(TlsError::NoKey {
            path: path.to_owned(),
            holds_certificate: CertificateDer::from_pem_slice(&bytes).is_ok(),
        }),
        Err(e) => Err(not_pem(path, &e)),
    }
}

/// The file's bytes, refused past `MAX_FILE_BYTES` without reading further.
fn read_bounded(path: &Path) -> Result<Vec<u8>, TlsError> {
    let unreadable = |source: std::io::Error| match source.kind() {
        std::io::ErrorKind::NotFound => TlsError::Missing {
            path: path.to_owned(),
        },
        _ => TlsError::Unreadable {
            path: path.to_owned(),
            source,
        },
    };
    // Checked before opening: opening a FIFO would wait for a writer, and a directory opens
    // fine only to fail on the read with a vaguer message.
    if !std::fs::metadata(path).map_err(unreadable)?.is_file() {
        return Err(TlsError::NotAFile {
            path: path.to_owned(),
        });
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(unreadable)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(TlsError::TooLarge {
            path: path.to_owned(),
        });
    }
    Ok(bytes)
}

/// The PEM parser's error in words, without its details: some quote a line of the file, which
/// in a key file could be key material.
fn not_pem(path: &Path, error: &pem::Error) -> TlsError {
    let why = match error {
        pem::Error::MissingSectionEnd { .. } => {
            "a block has no -----END line: is the file cut short?"
        }
        pem::Error::IllegalSectionStart { .. } => "a -----BEGIN line is malformed",
        pem::Error::Base64Decode(_) => "a block's contents are not valid base64",
        pem::Error::SectionTooLarge => "a block is too large",
        _ => "it cannot be parsed",
    };
    TlsError::NotPem {
        path: path.to_owned(),
        why,
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    use rustls::pki_types::ServerName;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio_rustls::{TlsConnector, client, server};

    /// OpenSSL settings for a test CA and the server certificates it signs, for `localhost`.
    const OPENSSL_CONFIG: &str = "\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = handoff test
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign
[leaf]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
";

    /// A test CA in a temporary folder, made with the `openssl` command (on every machine the
    /// tests run on, CI's included), which issues server certificates.
    struct Pki {
        dir: tempfile::TempDir,
    }

    impl Pki {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("openssl.cnf"), OPENSSL_CONFIG).unwrap();
            let pki = Self { dir };
            pki.openssl(
                "req -x509 -config openssl.cnf -extensions ca -subj /CN=handoff-test-CA \
                 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
                 -out ca.pem -days 2",
            );
            pki
        }

        fn path(&self, name: &str) -> PathBuf {
            self.dir.path().join(name)
        }

        /// Makes `NAME.pem` and `NAME.key`: a certificate for `localhost` signed by the CA, and
        /// its key. `serial` tells certificates apart.
        fn issue(&self, name: &str, serial: u32) -> (PathBuf, PathBuf) {
            let (csr, cert, key) = (
                format!("{name}.csr"),
                format!("{name}.pem"),
                format!("{name}.key"),
            );
            self.openssl(&format!(
                "req -new -config openssl.cnf -subj /CN=localhost -newkey ec \
                 -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout {key} -out {csr}"
            ));
            self.openssl(&format!(
                "x509 -req -in {csr} -CA ca.pem -CAkey ca.key -set_serial {serial} -days 2 \
                 -extfile openssl.cnf -extensions leaf -out {cert}"
            ));
            (self.path(&cert), self.path(&key))
        }

        /// Runs `openssl` with `command`'s words as its arguments, in the folder.
        fn openssl(&self, command: &str) {
            let out = Command::new("openssl")
                .args(command.split_whitespace())
                .current_dir(self.dir.path())
                .output()
                .expect("the tests make their certificates with the `openssl` command");
            assert!(
                out.status.success(),
                "openssl {command}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }

        /// A client that trusts the test CA only, and asks for HTTP/1.1 as a real one would.
        fn connector(&self) -> TlsConnector {
            let mut roots = rustls::RootCertStore::empty();
            let ca = std::fs::read(self.path("ca.pem")).unwrap();
            roots
                .add(CertificateDer::from_pem_slice(&ca).unwrap())
                .unwrap();
            let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
            config.alpn_protocols = vec![ALPN_HTTP_1_1.to_vec()];
            TlsConnector::from(Arc::new(config))
        }
    }

    /// The DER of the first certificate in a PEM file.
    fn der_of(path: &Path) -> Vec<u8> {
        CertificateDer::from_pem_slice(&std::fs::read(path).unwrap())
            .unwrap()
            .to_vec()
    }

    /// A real handshake over loopback TCP: the acceptor taken now on one side, a client that
    /// trusts the test CA on the other. Returns both ends, handshake done.
    async fn handshake(
        tls: &Tls,
        pki: &Pki,
    ) -> (client::TlsStream<TcpStream>, server::TlsStream<TcpStream>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let acceptor = tls.acceptor();
        let server = async {
            let (stream, _) = listener.accept().await.unwrap();
            acceptor.accept(stream).await.unwrap()
        };
        let client = async {
            let stream = TcpStream::connect(address).await.unwrap();
            let name = ServerName::try_from("localhost").unwrap();
            pki.connector().connect(name, stream).await.unwrap()
        };
        tokio::join!(client, server)
    }

    /// The certificate the server showed the client.
    fn seen(client: &client::TlsStream<TcpStream>) -> Vec<u8> {
        let (_, connection) = client.get_ref();
        connection.peer_certificates().unwrap()[0].to_vec()
    }

    #[tokio::test]
    async fn a_handshake_sees_the_certificate_loaded_and_http_1_1() {
        let pki = Pki::new();
        let (cert, key) = pki.issue("server", 1);
        let tls = Tls::load(&cert, &key).unwrap();
        let (client, _server) = handshake(&tls, &pki).await;
        assert_eq!(seen(&client), der_of(&cert));
        assert_eq!(client.get_ref().1.alpn_protocol(), Some(ALPN_HTTP_1_1));
    }

    /// A renewal: new files in place, then a reload. New handshakes see the new certificate; a
    /// connection opened before goes on working on the old one.
    #[tokio::test]
    async fn a_reload_serves_the_new_certificate_to_new_handshakes() {
        let pki = Pki::new();
        let (cert, key) = pki.issue("server", 1);
        let (renewed_cert, renewed_key) = pki.issue("renewed", 2);
        let tls = Tls::load(&cert, &key).unwrap();
        let (mut old_client, mut old_server) = handshake(&tls, &pki).await;
        let old = der_of(&cert);
        assert_eq!(seen(&old_client), old);

        std::fs::rename(&renewed_cert, &cert).unwrap();
        std::fs::rename(&renewed_key, &key).unwrap();
        tls.reload().unwrap();

        let (new_client, _new_server) = handshake(&tls, &pki).await;
        let new = der_of(&cert);
        assert_ne!(new, old);
        assert_eq!(seen(&new_client), new);

        old_client.write_all(b"still here").await.unwrap();
        old_client.flush().await.unwrap();
        let mut received = [0; 10];
        old_server.read_exact(&mut received).await.unwrap();
        assert_eq!(&received, b"still here");
        assert_eq!(seen(&old_client), old);
    }

    /// A reload that cannot read its files keeps serving what it had, and says which file and
    /// why.
    #[tokio::test]
    async fn a_broken_file_on_reload_keeps_the_old_certificate() {
        let pki = Pki::new();
        let (cert, key) = pki.issue("server", 1);
        let tls = Tls::load(&cert, &key).unwrap();
        let old = der_of(&cert);
        let pem = std::fs::read(&cert).unwrap();

        std::fs::write(&cert, &pem[..pem.len() / 2]).unwrap();
        let error = tls.reload().unwrap_err();
        assert!(matches!(error, TlsError::NotPem { .. }), "{error:?}");
        let words = error.to_string();
        assert!(words.contains(&cert.display().to_string()), "{words}");
        assert!(words.contains("cut short"), "{words}");

        let (client, _server) = handshake(&tls, &pki).await;
        assert_eq!(seen(&client), old);
    }

    /// The renewal caught halfway: the new certificate beside the old key. Refused at load and
    /// at reload, naming both files, and the certificate in use stays.
    #[tokio::test]
    async fn a_key_of_another_certificate_is_refused_in_words() {
        let pki = Pki::new();
        let (cert, key) = pki.issue("server", 1);
        let (other_cert, _) = pki.issue("other", 2);

        let error = Tls::load(&other_cert, &key).unwrap_err();
        assert!(matches!(error, TlsError::KeyMismatch { .. }), "{error:?}");
        let words = error.to_string();
        assert!(
            words.contains("does not belong to the certificate"),
            "{words}"
        );
        assert!(words.contains(&other_cert.display().to_string()), "{words}");
        assert!(words.contains(&key.display().to_string()), "{words}");

        let tls = Tls::load(&cert, &key).unwrap();
        let old = der_of(&cert);
        std::fs::copy(&other_cert, &cert).unwrap();
        let error = tls.reload().unwrap_err();
        assert!(matches!(error, TlsError::KeyMismatch { .. }), "{error:?}");
        let (client, _server) = handshake(&tls, &pki).await;
        assert_eq!(seen(&client), old);
    }

    /// Each file problem a sysadmin may meet, in words that name the file and the fix, and
    /// never a line of the file.
    #[test]
    fn file_problems_are_named_in_words() {
        let pki = Pki::new();
        let (cert, key) = pki.issue("server", 1);
        let words = |result: Result<Tls, TlsError>| {
            let error = result.unwrap_err();
            (error.to_string(), error)
        };

        let missing = pki.path("nowhere.pem");
        let (text, error) = words(Tls::load(&missing, &key));
        assert!(matches!(error, TlsError::Missing { .. }), "{error:?}");
        assert_eq!(text, format!("{}: no such file", missing.display()));

        let (_, error) = words(Tls::load(pki.dir.path(), &key));
        assert!(matches!(error, TlsError::NotAFile { .. }), "{error:?}");

        let huge = pki.path("huge.pem");
        let mut bytes = std::fs::read(&cert).unwrap();
        bytes.resize(MAX_FILE_BYTES as usize + 1, b'\n');
        std::fs::write(&huge, &bytes).unwrap();
        let (text, error) = words(Tls::load(&huge, &key));
        assert!(matches!(error, TlsError::TooLarge { .. }), "{error:?}");
        assert!(text.contains("larger than 1 MiB"), "{text}");
        // Exactly the limit is still read.
        bytes.truncate(MAX_FILE_BYTES as usize);
        std::fs::write(&huge, &bytes).unwrap();
        assert!(Tls::load(&huge, &key).is_ok());

        // The two files given the wrong way round.
        let (text, error) = words(Tls::load(&key, &cert));
        assert!(
            matches!(
                error,
                TlsError::NoCertificate {
                    holds_key: true,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(text.contains("swapped"), "{text}");
        let (text, error) = words(Tls::load(&cert, &cert));
        assert!(
            matches!(
                error,
                TlsError::NoKey {
                    holds_certificate: true,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(text.starts_with(&cert.display().to_string()), "{text}");
        assert!(text.contains("swapped"), "{text}");

        // Well-formed PEM around bytes that are no certificate.
        let damaged = pki.path("damaged.pem");
        std::fs::write(
            &damaged,
            "-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let (text, error) = words(Tls::load(&damaged, &key));
        assert!(
            matches!(error, TlsError::BadCertificate { .. }),
            "{error:?}"
        );
        assert!(text.contains("not a well-formed X.509"), "{text}");

        let empty = pki.path("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let (text, error) = words(Tls::load(&empty, &key));
        assert!(
            matches!(
                error,
                TlsError::NoCertificate {
                    holds_key: false,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(!text.contains("swapped"), "{text}");

        let encrypted = pki.path("encrypted.key");
        pki.openssl("pkcs8 -topk8 -in server.key -out encrypted.key -passout pass:secret");
        let (text, error) = words(Tls::load(&cert, &encrypted));
        assert!(matches!(error, TlsError::EncryptedKey { .. }), "{error:?}");
        assert!(text.contains("passphrase"), "{text}");
    }

    /// A damaged key file: the error says what is wrong and quotes none of it.
    #[test]
    fn no_key_material_in_the_words() {
        let pki = Pki::new();
        let (cert, key) = pki.issue("server", 1);
        let pem = std::fs::read_to_string(&key).unwrap();
        let body: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).collect();

        // A line of the body broken, where the PEM parser's own error would quote it.
        let damaged = pem.replacen(body[0], &format!("{}!!", body[0]), 1);
        std::fs::write(&key, &damaged).unwrap();
        let error = Tls::load(&cert, &key).unwrap_err();
        assert!(matches!(error, TlsError::NotPem { .. }), "{error:?}");
        // The body's start spoiled the same way: the DER is then no key of any kind.
        let garbled = pem.replacen(body[0], &"A".repeat(body[0].len()), 1);
        std::fs::write(&key, &garbled).unwrap();
        let unusable = Tls::load(&cert, &key).unwrap_err();
        assert!(
            matches!(unusable, TlsError::UnusableKey { .. }),
            "{unusable:?}"
        );

        for error in [error, unusable] {
            let text = format!("{error} {error:?}");
            assert!(text.contains(&key.display().to_string()), "{text}");
            // Any 16 characters of a line would be a quote; a shorter last line could
            // match by chance.
            for line in body.iter().filter(|line| line.len() >= 16) {
                assert!(!text.contains(&line[..16]), "{text}");
            }
        }
    }
}
