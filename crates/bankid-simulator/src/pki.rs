//! A throwaway PKI for the simulator's mutual TLS, made fresh at each start: one CA
//! that signs the server certificate (for `localhost` and `127.0.0.1`) and the client
//! certificates. The RP then uses the same code path as against BankID: its client
//! certificate, and the one CA it trusts.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use std::sync::Arc;

/// Why the PKI or the TLS settings could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// Certificate generation.
    #[error("certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),
    /// TLS settings.
    #[error("TLS settings refused: {0}")]
    Tls(String),
}

/// A client certificate with its key, as PEM (key first, then certificate).
#[derive(Clone)]
pub struct IssuedIdentity {
    /// `PRIVATE KEY` and `CERTIFICATE` blocks.
    pub pem: String,
    /// The certificate alone (DER).
    pub cert_der: Vec<u8>,
    /// The PKCS#8 key alone (DER).
    pub key_der: Vec<u8>,
}

impl std::fmt::Debug for IssuedIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IssuedIdentity([private key redacted])")
    }
}

/// The simulator's CA.
pub struct TestPki {
    name: String,
    ca_pem: String,
    ca_der: Vec<u8>,
    issuer: Issuer<'static, KeyPair>,
}

impl TestPki {
    /// A new CA named `name`.
    pub fn generate(name: &str) -> Result<Self, PkiError> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params
            .distinguished_name
            .push(DnType::OrganizationName, "Portvakt (simulated)");
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate()?;
        let cert = params.self_signed(&key)?;
        Ok(TestPki {
            name: name.to_owned(),
            ca_pem: cert.pem(),
            ca_der: cert.der().to_vec(),
            issuer: Issuer::new(params, key),
        })
    }

    /// The CA certificate the RP pins.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// A client certificate for an RP (like the one BankID's banks issue).
    pub fn issue_client(&self, common_name: &str) -> Result<IssuedIdentity, PkiError> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        self.issue(&params)
    }

    /// The server certificate, for `localhost` and `127.0.0.1`.
    pub fn issue_server(&self) -> Result<IssuedIdentity, PkiError> {
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?;
        params
            .distinguished_name
            .push(DnType::CommonName, format!("{} server", self.name));
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        self.issue(&params)
    }

    fn issue(&self, params: &CertificateParams) -> Result<IssuedIdentity, PkiError> {
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(IssuedIdentity {
            pem: format!("{}{}", key.serialize_pem(), cert.pem()),
            cert_der: cert.der().to_vec(),
            key_der: key.serialize_der(),
        })
    }

    /// Server TLS settings: this CA's server certificate; client certificates are
    /// asked for and must chain to this CA. A connection without one is let through
    /// so that the RP API can answer 401 and the simulated app's page stays reachable
    /// from a browser.
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, PkiError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from(self.ca_der.clone()))
            .map_err(|e| PkiError::Tls(e.to_string()))?;
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .allow_unauthenticated()
                .build()
                .map_err(|e| PkiError::Tls(e.to_string()))?;
        let server = self.issue_server()?;
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| PkiError::Tls(e.to_string()))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(
                vec![
                    CertificateDer::from(server.cert_der),
                    CertificateDer::from(self.ca_der.clone()),
                ],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server.key_der)),
            )
            .map_err(|e| PkiError::Tls(e.to_string()))?;
        Ok(Arc::new(config))
    }
}
