//! Mutual TLS material: the RP's client certificate and the one CA that BankID's server
//! certificate must chain to. BankID's servers use BankID's own CA, never a public web
//! CA, so the system roots are not trusted at all (reference: "Transport").

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use p12_keystore::{KeyStore, KeyStoreEntry, Pkcs12ImportPolicy};

/// Why TLS material could not be loaded. The messages name the problem, never the
/// password or key bytes.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The PKCS#12 file could not be opened (wrong password, or not PKCS#12).
    #[error("the PKCS#12 file could not be opened (wrong password, or not a PKCS#12 file): {0}")]
    Pkcs12(String),
    /// The PKCS#12 file holds no private key with a certificate.
    #[error("the PKCS#12 file holds no private key with its certificate")]
    NoKeyInPkcs12,
    /// The PEM client identity is unusable.
    #[error("the PEM client identity needs a PRIVATE KEY and a CERTIFICATE block: {0}")]
    Pem(String),
    /// The CA file holds no usable certificate.
    #[error("the BankID CA file holds no PEM certificate: {0}")]
    Ca(String),
}

/// The RP's client certificate with its private key, as PEM (the form the TLS stack
/// takes). Built from the PKCS#12 file BankID and the banks hand out, or from PEM.
#[derive(Clone)]
pub struct ClientIdentity {
    pem: Vec<u8>,
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientIdentity([private key redacted])")
    }
}

impl ClientIdentity {
    /// From a PKCS#12 (`.p12` / `.pfx`) file, e.g. the public test certificate
    /// `FPTestcert5_20240610.p12` with password `qwerty123`. Legacy (3DES, RC2-40) and
    /// current (PBES2/AES) encryption are both read.
    pub fn from_pkcs12(der: &[u8], password: &str) -> Result<Self, TlsError> {
        let store = KeyStore::from_pkcs12(der, password, Pkcs12ImportPolicy::Relaxed)
            .map_err(|e| TlsError::Pkcs12(e.to_string()))?;
        // The first key that comes with its certificate (a relaxed import may also
        // yield keys without one).
        let chain = store
            .entries()
            .find_map(|(_, entry)| match entry {
                KeyStoreEntry::PrivateKeyChain(chain) if !chain.certs().is_empty() => Some(chain),
                _ => None,
            })
            .ok_or(TlsError::NoKeyInPkcs12)?;
        let mut pem = pem_block("PRIVATE KEY", chain.key().as_der());
        for cert in chain.certs() {
            pem.push_str(&pem_block("CERTIFICATE", cert.as_der()));
        }
        Self::from_pem(pem.as_bytes())
    }

    /// When the certificate (the first in the PEM, the leaf) stops being valid, in Unix
    /// seconds; `None` when it cannot be read (the TLS stack then refuses it anyway).
    pub fn not_after(&self) -> Option<i64> {
        let text = std::str::from_utf8(&self.pem).ok()?;
        let start = text.find("-----BEGIN CERTIFICATE-----")?;
        let (_, pem) = x509_parser::pem::parse_x509_pem(&self.pem[start..]).ok()?;
        let cert = pem.parse_x509().ok()?;
        Some(cert.validity().not_after.timestamp())
    }

    /// From PEM holding a PKCS#8 `PRIVATE KEY` (or `RSA`/`EC PRIVATE KEY`) and the
    /// certificate, leaf first.
    pub fn from_pem(pem: &[u8]) -> Result<Self, TlsError> {
        let text = std::str::from_utf8(pem).map_err(|_| TlsError::Pem("not text".into()))?;
        if text.contains("ENCRYPTED PRIVATE KEY-----") || text.contains("Proc-Type: 4,ENCRYPTED") {
            return Err(TlsError::Pem(
                "the key is encrypted; decrypt it once with `openssl pkey -in key.pem -out plain.pem` and keep that file mode 0600, or use the PKCS#12 file"
                    .into(),
            ));
        }
        if !text.contains("PRIVATE KEY-----") {
            return Err(TlsError::Pem("no private key".into()));
        }
        if !text.contains("-----BEGIN CERTIFICATE-----") {
            return Err(TlsError::Pem("no certificate".into()));
        }
        // Let the TLS stack judge the contents now, not at the first login.
        reqwest::Identity::from_pem(pem).map_err(|e| TlsError::Pem(e.to_string()))?;
        Ok(ClientIdentity { pem: pem.to_vec() })
    }

    pub(crate) fn to_reqwest(&self) -> Result<reqwest::Identity, TlsError> {
        reqwest::Identity::from_pem(&self.pem).map_err(|e| TlsError::Pem(e.to_string()))
    }
}

/// The CA BankID's server certificate must chain to: "Test BankID SSL Root CA v1 Test"
/// for the test environment, "BankID SSL Root CA v1" for production (both published by
/// BankID), or the simulator's generated CA.
#[derive(Clone)]
pub struct ServerCa {
    certs: Vec<reqwest::Certificate>,
}

impl std::fmt::Debug for ServerCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServerCa({} certificate(s))", self.certs.len())
    }
}

impl ServerCa {
    /// From PEM with one or more certificates.
    pub fn from_pem(pem: &[u8]) -> Result<Self, TlsError> {
        let certs =
            reqwest::Certificate::from_pem_bundle(pem).map_err(|e| TlsError::Ca(e.to_string()))?;
        if certs.is_empty() {
            return Err(TlsError::Ca("no certificate found".into()));
        }
        Ok(ServerCa { certs })
    }

    pub(crate) fn certs(&self) -> &[reqwest::Certificate] {
        &self.certs
    }
}

/// One PEM block, 64 characters a line (RFC 7468).
pub fn pem_block(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_material_is_named_not_echoed() {
        let e = ClientIdentity::from_pkcs12(b"not a p12", "qwerty123").expect_err("refused");
        assert!(matches!(e, TlsError::Pkcs12(_)));
        assert!(!e.to_string().contains("qwerty123"));
        let e = ClientIdentity::from_pem(b"-----BEGIN CERTIFICATE-----\n").expect_err("refused");
        assert!(e.to_string().contains("no private key"), "{e}");
        assert!(ServerCa::from_pem(b"nothing here").is_err());
        let e = ClientIdentity::from_pem(
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nx\n-----END ENCRYPTED PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\n",
        )
        .expect_err("refused");
        assert!(e.to_string().contains("encrypted"), "{e}");
        assert!(
            !format!(
                "{:?}",
                ClientIdentity {
                    pem: b"KEY".to_vec()
                }
            )
            .contains("KEY\"")
        );
    }

    /// The CA files shipped in `config/bankid/` are the ones BankID's servers chain to.
    #[test]
    fn shipped_bankid_cas_have_the_known_fingerprints() {
        use sha2::{Digest, Sha256};
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/bankid");
        for (file, fingerprint) in [
            (
                "test-bankid-ssl-root-ca-v1-test.pem",
                "f3d0740ebfb3700e3b81aa791fee451472698c84e199c2eb48a443ff1d5b405c",
            ),
            (
                "bankid-ssl-root-ca-v1.pem",
                "e6a2d45c0a1051c959428649f86a09a9b2152cd551993cc2eb4cf094bdacbecb",
            ),
        ] {
            let pem = std::fs::read_to_string(dir.join(file)).expect("CA file");
            ServerCa::from_pem(pem.as_bytes()).expect("a usable CA");
            let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
            let der = STANDARD.decode(body).expect("base64");
            let hex: String = Sha256::digest(&der)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(hex, fingerprint, "{file}");
        }
    }

    #[test]
    fn pem_blocks_wrap_at_64() {
        let block = pem_block("CERTIFICATE", &[7u8; 100]);
        let lines: Vec<&str> = block.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines.last().copied(), Some("-----END CERTIFICATE-----"));
    }
}
