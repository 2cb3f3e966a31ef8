//! go-plugin's AutoMTLS, server side.
//!
//! Terraform hands us its client certificate in `PLUGIN_CLIENT_CERT` and
//! expects us to generate a fresh server certificate, print it in the
//! handshake line and accept exactly that one client certificate.
//!
//! Terraform's certificate is a self-signed P-521 CA certificate. Stock
//! webpki verification rejects it twice (ring lacks P-521, and webpki refuses a
//! CA certificate as an end entity), so client authentication here is a
//! byte-for-byte pin on the offered DER plus an aws-lc-rs check of the
//! handshake signature, which is all the trust go-plugin itself establishes.
//!
//! Everything that needs randomness (our key, the certificate signature, key
//! exchange, nonces) runs on ring; aws-lc-rs only verifies signatures. The
//! split is for start-up time: aws-lc seeds its generator with CPU jitter
//! entropy on first use, about 30 ms of pure CPU per process, and Terraform
//! starts the provider several times per command.

use std::sync::Arc;

use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyUsagePurpose,
    PublicKeyData, SanType, SerialNumber, SignatureAlgorithm, SigningKey,
};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName as TlsName, ServerConfig, SignatureScheme};

/// Why the TLS set-up failed.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// `PLUGIN_CLIENT_CERT` did not hold a PEM certificate.
    #[error("PLUGIN_CLIENT_CERT does not contain a PEM certificate: {0}")]
    ClientCertificate(String),
    /// Generating our own certificate failed.
    #[error("cannot generate the server certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// Generating our own key failed.
    #[error("cannot generate the server key: {0}")]
    Key(String),
    /// rustls refused the configuration.
    #[error("cannot configure TLS: {0}")]
    Config(#[from] rustls::Error),
}

/// The server side of one plugin run: our certificate and the TLS config.
#[derive(Debug, Clone)]
pub struct ServerTls {
    /// Our certificate in DER, printed (base64, unpadded) in the handshake.
    pub certificate_der: Vec<u8>,
    /// rustls configuration requiring the pinned client certificate, ALPN h2.
    pub config: Arc<ServerConfig>,
}

/// The crypto provider for every TLS use in the provider: ring, with
/// aws-lc-rs's signature verification because only it verifies the
/// P-521/SHA-512 signatures Terraform's key produces.
fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(CryptoProvider {
        signature_verification_algorithms: rustls::crypto::aws_lc_rs::default_provider()
            .signature_verification_algorithms,
        ..rustls::crypto::ring::default_provider()
    })
}

impl ServerTls {
    /// Builds the TLS side from the PEM in `PLUGIN_CLIENT_CERT`.
    pub fn from_client_pem(client_pem: &str) -> Result<Self, TlsError> {
        let client = CertificateDer::from_pem_slice(client_pem.as_bytes())
            .map_err(|e| TlsError::ClientCertificate(e.to_string()))?;
        let (certificate, key) = generate_server_certificate()?;
        let provider = crypto_provider();
        let verifier = Arc::new(PinnedClientVerifier {
            pinned: client.into_owned(),
            provider: provider.clone(),
        });
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(verifier)
            .with_single_cert(vec![certificate.clone()], key)?;
        // grpc-go 1.67+ (Terraform 1.12+) refuses TLS peers without ALPN h2.
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(Self {
            certificate_der: certificate.to_vec(),
            config: Arc::new(config),
        })
    }
}

/// A fresh self-signed certificate shaped like go-plugin's own: SAN
/// `localhost` (Go ignores the CN), server and client auth, valid from 30 s
/// ago to tolerate clock steps between the two processes.
fn generate_server_certificate(
) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), TlsError> {
    let key = ServerKey::generate()?;
    let mut params = CertificateParams::default();
    params.serial_number = Some(key.serial_number()?);
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "localhost");
    name.push(DnType::OrganizationName, "terraform-provider-proton");
    params.distinguished_name = name;
    params.subject_alt_names = vec![SanType::DnsName("localhost".try_into()?)];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::seconds(30);
    params.not_after = now + time::Duration::days(365 * 30);
    // Terraform trusts exactly this certificate as its only root, so it is
    // its own CA, as go-plugin's are.
    params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let certificate = params.self_signed(&key)?;
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.pkcs8));
    Ok((certificate.der().clone(), key_der))
}

/// Our P-256 key, generated and used for the one certificate signature with
/// ring (see the module comment for why not rcgen's aws-lc-rs backend).
struct ServerKey {
    pair: EcdsaKeyPair,
    pkcs8: Vec<u8>,
    rng: SystemRandom,
}

impl ServerKey {
    fn generate() -> Result<Self, TlsError> {
        let rng = SystemRandom::new();
        let algorithm = &ECDSA_P256_SHA256_ASN1_SIGNING;
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(algorithm, &rng)
            .map_err(|e| TlsError::Key(e.to_string()))?;
        let pair = EcdsaKeyPair::from_pkcs8(algorithm, pkcs8.as_ref(), &rng)
            .map_err(|e| TlsError::Key(e.to_string()))?;
        Ok(Self {
            pair,
            pkcs8: pkcs8.as_ref().to_vec(),
            rng,
        })
    }

    /// A random positive 128-bit serial (rcgen draws one only with its own backend).
    fn serial_number(&self) -> Result<SerialNumber, TlsError> {
        let mut serial = [0u8; 16];
        self.rng
            .fill(&mut serial)
            .map_err(|e| TlsError::Key(e.to_string()))?;
        serial[0] &= 0x7f;
        Ok(SerialNumber::from_slice(&serial))
    }
}

impl PublicKeyData for ServerKey {
    fn der_bytes(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl SigningKey for ServerKey {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.pair
            .sign(&self.rng, message)
            .map(|signature| signature.as_ref().to_vec())
            .map_err(|_| rcgen::Error::RemoteKeyError)
    }
}

/// Accepts exactly one client certificate, compared byte for byte.
#[derive(Debug)]
struct PinnedClientVerifier {
    pinned: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl ClientCertVerifier for PinnedClientVerifier {
    fn root_hint_subjects(&self) -> &[TlsName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.pinned.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
