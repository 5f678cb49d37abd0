//! A test CA in a temporary folder, made with the `openssl` command as the TLS unit tests make
//! theirs (src/callback/tls.rs), issuing server certificates for `127.0.0.1` and `localhost`:
//! what the relay serves itself, or Caddy serves in front of it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;

use crate::support::installed;

/// OpenSSL settings for the CA and the server certificates it signs.
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
subjectAltName = IP:127.0.0.1, DNS:localhost
";

pub struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    /// A new CA, or `None` (said on stderr) when openssl is not installed and `CI` is not set.
    pub fn new() -> Option<Self> {
        if !installed("openssl", &["version"], "openssl") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("openssl.cnf"), OPENSSL_CONFIG).unwrap();
        let pki = Self { dir };
        pki.openssl(
            "req -x509 -config openssl.cnf -extensions ca -subj /CN=handoff-test-CA \
             -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
             -out ca.pem -days 2",
        );
        Some(pki)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The CA's certificate, PEM: what a client that trusts only the test CA is given.
    pub fn ca_pem(&self) -> String {
        std::fs::read_to_string(self.path("ca.pem")).unwrap()
    }

    /// Makes `NAME.pem` and `NAME.key`: a certificate for `127.0.0.1` and `localhost` signed by
    /// the CA, and its key. `serial` tells certificates apart.
    pub fn issue(&self, name: &str, serial: u32) -> (PathBuf, PathBuf) {
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
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// An HTTP client that trusts the test CA and nothing else, and opens a new connection (so
    /// a new handshake) for each request, as the platform does.
    pub fn client(&self) -> reqwest::Client {
        let ca = reqwest::Certificate::from_pem(self.ca_pem().as_bytes()).unwrap();
        reqwest::Client::builder()
            .no_proxy()
            .tls_built_in_root_certs(false)
            .add_root_certificate(ca)
            .pool_max_idle_per_host(0)
            .build()
            .unwrap()
    }

    /// A TLS handshake with `127.0.0.1:port`, trusting the test CA only: the certificate the
    /// server showed (DER).
    pub async fn served_certificate(&self, port: u16) -> Vec<u8> {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(self.ca_pem().as_bytes()).unwrap())
            .unwrap();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let name = ServerName::try_from("127.0.0.1").unwrap();
        let tls = connector.connect(name, stream).await.unwrap();
        tls.get_ref().1.peer_certificates().unwrap()[0].to_vec()
    }
}

/// The DER of the first certificate in a PEM file.
pub fn der_of(path: &Path) -> Vec<u8> {
    CertificateDer::from_pem_slice(&std::fs::read(path).unwrap())
        .unwrap()
        .to_vec()
}
