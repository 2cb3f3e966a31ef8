//! How the provider reaches AWS over the network: the proxies (`http_proxy`, `https_proxy`,
//! `no_proxy`) and the certificates it trusts (`custom_ca_bundle`), each falling back to its
//! environment variable as in terraform-provider-aws, and the one HTTP client that every AWS
//! client of the provider (Proton, S3, STS) is built with.
//!
//! Rules:
//! 1. A setting in the provider block wins over its environment variable; an empty proxy
//!    setting (`""`) means "no proxy" whatever the environment says.
//! 2. `https://` endpoints go through the HTTPS proxy (a `CONNECT` tunnel), `http://` ones
//!    through the HTTP proxy; neither falls back to the other.
//! 3. `no_proxy` is a comma-separated list of `*`, domains (matching their subdomains; a
//!    leading `.` matches subdomains only), IP addresses and CIDR blocks, each optionally with
//!    `:PORT`; a matching endpoint is reached directly. Loopback endpoints are proxied unless
//!    listed.
//! 4. The CA bundle's certificates replace the system's trust store. The file is read and
//!    every certificate in it parsed here, first: the SDK's TLS setup panics on a bad one.
//! 5. Proxy credentials (`http://USER:PASSWORD@HOST:PORT`) are redacted from logs and never
//!    appear in errors.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

use aws_smithy_http_client::proxy::{ProxyConfig, ProxyError};
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_types::os_shim_internal::Env;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

use super::{ConfigError, ProtonSettings};

/// A proxy URL that was checked: `http://` or `https://`, a host, an optional port and
/// optional credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    /// The attribute or environment variable it came from.
    setting: &'static str,
    url: String,
}

impl ProxyUrl {
    /// Checks `value`, the value of `setting` (an attribute or an environment variable).
    pub fn parse(setting: &'static str, value: &str) -> Result<ProxyUrl, ConfigError> {
        let invalid = |reason: &str| ConfigError::InvalidProxy {
            setting,
            value: redacted(value),
            reason: reason.to_string(),
        };
        let value = value.trim();
        let Some((scheme, rest)) = value.split_once("://") else {
            return Err(invalid("it has no scheme: use `http://HOST:PORT`"));
        };
        if !matches!(scheme, "http" | "https") {
            return Err(invalid("the scheme must be `http` or `https`"));
        }
        let authority = rest.split('/').next().unwrap_or_default();
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
        let Some((host, port)) = split_host_port(host_port) else {
            return Err(invalid("its port is not a number"));
        };
        if host.is_empty() {
            return Err(invalid("it names no host"));
        }
        if value.chars().any(char::is_whitespace) || port == Some(0) {
            return Err(invalid("it is not a valid URL"));
        }
        // The SDK's own check, so the URL is one it can use; its message never holds the URL.
        ProxyConfig::http(value).map_err(|e| invalid(&e.to_string()))?;
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            let password = userinfo.split_once(':').map_or(userinfo, |(_, p)| p);
            crate::plugin::logging::redact(password);
        }
        Ok(ProxyUrl {
            setting,
            url: value.to_string(),
        })
    }

    /// The SDK's proxy configuration for this URL, made by `config`.
    fn config(
        &self,
        config: fn(&str) -> Result<ProxyConfig, ProxyError>,
    ) -> Result<ProxyConfig, ConfigError> {
        config(&self.url).map_err(|e| ConfigError::InvalidProxy {
            setting: self.setting,
            value: redacted(&self.url),
            reason: e.to_string(),
        })
    }
}

// Hand-written so credentials in the URL never reach logs.
impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", redacted(&self.url))
    }
}

/// `url` with everything from its scheme to its last `@` (`USER:PASSWORD`) replaced by
/// `<redacted>`. Up to the last `@` of the whole text, not of the authority: a malformed URL
/// may hold a password with `/` in it, and redacting a path too is harmless.
pub(super) fn redacted(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), url),
    };
    match rest.rsplit_once('@') {
        Some((_, host_and_path)) => format!("{scheme}<redacted>@{host_and_path}"),
        None => url.to_string(),
    }
}

/// `HOST[:PORT]` (IPv6 hosts in brackets) as host and port; `None` when the port is not a number.
fn split_host_port(host_port: &str) -> Option<(&str, Option<u16>)> {
    if let Some(bracketed) = host_port.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']')?;
        return match after.strip_prefix(':') {
            Some(port) => Some((host, Some(port.parse().ok()?))),
            None if after.is_empty() => Some((host, None)),
            None => None,
        };
    }
    match host_port.rsplit_once(':') {
        // More than one colon: an IPv6 address without brackets, no port.
        Some((host, _)) if host.contains(':') => Some((host_port, None)),
        Some((host, port)) => Some((host, Some(port.parse().ok()?))),
        None => Some((host_port, None)),
    }
}

/// A checked `custom_ca_bundle`: the file's PEM text, holding at least one certificate.
#[derive(Clone, PartialEq, Eq)]
pub struct CaBundle {
    path: String,
    pem: Vec<u8>,
    certificates: usize,
}

impl fmt::Debug for CaBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaBundle")
            .field("path", &self.path)
            .field("certificates", &self.certificates)
            .finish()
    }
}

impl CaBundle {
    /// Reads and checks the bundle at `path`, the value of `setting`.
    pub fn read(setting: &'static str, path: &str) -> Result<CaBundle, ConfigError> {
        let pem = std::fs::read(path).map_err(|e| ConfigError::CaBundleUnreadable {
            setting,
            path: path.to_string(),
            reason: e.to_string(),
        })?;
        let certificates = Self::check(&pem).map_err(|reason| match reason {
            None => ConfigError::CaBundleWithoutCertificate {
                setting,
                path: path.to_string(),
            },
            Some(reason) => ConfigError::CaBundleInvalid {
                setting,
                path: path.to_string(),
                reason,
            },
        })?;
        Ok(CaBundle {
            path: path.to_string(),
            pem,
            certificates,
        })
    }

    /// How many certificates `pem` holds, each parsed as the SDK's TLS setup will parse it;
    /// `Err(None)` for none, `Err(Some(why))` for one that does not parse.
    fn check(pem: &[u8]) -> Result<usize, Option<String>> {
        let mut roots = rustls::RootCertStore::empty();
        let mut count = 0;
        for (index, certificate) in CertificateDer::pem_slice_iter(pem).enumerate() {
            let number = index + 1;
            let certificate = certificate
                .map_err(|e| Some(format!("certificate {number} is not valid PEM: {e}")))?;
            roots.add(certificate).map_err(|e| {
                Some(format!(
                    "certificate {number} is not a valid X.509 certificate: {e}"
                ))
            })?;
            count = number;
        }
        match count {
            0 => Err(None),
            count => Ok(count),
        }
    }

    fn trust_store(&self) -> TrustStore {
        TrustStore::empty().with_pem_certificate(self.pem.clone())
    }
}

/// One `no_proxy` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Bypass {
    /// `*`: every host.
    Everything,
    /// `example.com` (with `subdomains_only: false`, the domain and its subdomains) or
    /// `.example.com` / `*.example.com` (subdomains only), optionally on one port.
    Domain {
        suffix: String,
        subdomains_only: bool,
        port: Option<u16>,
    },
    /// An IP address, optionally on one port.
    Address { ip: IpAddr, port: Option<u16> },
    /// A CIDR block.
    Network(IpNet),
}

/// The hosts reached directly (`no_proxy`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoProxy(Vec<Bypass>);

impl NoProxy {
    /// Reads a comma-separated list; entries that are none of the above are domains.
    pub fn parse(list: &str) -> NoProxy {
        let entries = list
            .split(',')
            .map(|entry| entry.trim().to_ascii_lowercase())
            .filter(|entry| !entry.is_empty())
            .map(|entry| Self::entry(&entry));
        NoProxy(entries.collect())
    }

    fn entry(entry: &str) -> Bypass {
        if entry == "*" {
            return Bypass::Everything;
        }
        if let Some((ip, prefix)) = entry.split_once('/') {
            if let (Ok(ip), Ok(prefix)) = (ip.parse::<IpAddr>(), prefix.parse::<u8>()) {
                let bits = if ip.is_ipv4() { 32 } else { 128 };
                if let Ok(network) = IpNet::new(ip, prefix.min(bits)) {
                    return Bypass::Network(network);
                }
            }
        }
        let (host, port) = split_host_port(entry).unwrap_or((entry, None));
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Bypass::Address { ip, port };
        }
        let (suffix, subdomains_only) = match host.strip_prefix("*.") {
            Some(domain) => (domain, true),
            None => match host.strip_prefix('.') {
                Some(domain) => (domain, true),
                None => (host, false),
            },
        };
        Bypass::Domain {
            suffix: suffix.to_string(),
            subdomains_only,
            port,
        }
    }

    /// Whether `host` on `port` is reached directly.
    pub fn bypasses(&self, host: &str, port: u16) -> bool {
        let host = host.to_ascii_lowercase();
        let ip = host.parse::<IpAddr>().ok();
        let port_matches = |wanted: &Option<u16>| wanted.is_none_or(|wanted| wanted == port);
        self.0.iter().any(|bypass| match bypass {
            Bypass::Everything => true,
            Bypass::Address {
                ip: listed,
                port: p,
            } => Some(*listed) == ip && port_matches(p),
            Bypass::Network(network) => ip.is_some_and(|ip| network.contains(&ip)),
            Bypass::Domain {
                suffix,
                subdomains_only,
                port: p,
            } => {
                let subdomain = host
                    .strip_suffix(suffix.as_str())
                    .is_some_and(|label| label.ends_with('.'));
                (subdomain || (!subdomains_only && host == *suffix)) && port_matches(p)
            }
        })
    }
}

/// The transport settings in force: the provider block's, else the environment's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Transport {
    pub(super) http_proxy: Option<ProxyUrl>,
    pub(super) https_proxy: Option<ProxyUrl>,
    pub(super) no_proxy: NoProxy,
    pub(super) ca_bundle: Option<CaBundle>,
}

/// The first of `variables` that is set.
fn from_env(env: &Env, variables: &[&'static str]) -> Option<(&'static str, String)> {
    variables
        .iter()
        .find_map(|name| env.get(name).ok().map(|value| (*name, value)))
}

impl Transport {
    /// The settings, each falling back to its environment variable, checked.
    pub(super) fn resolve(settings: &ProtonSettings, env: &Env) -> Result<Transport, ConfigError> {
        let proxy = |attribute: &'static str,
                     setting: &Option<String>,
                     variables: &[&'static str]|
         -> Result<Option<ProxyUrl>, ConfigError> {
            let (source, value) = match setting {
                Some(value) => (attribute, value.clone()),
                None => match from_env(env, variables) {
                    Some(found) => found,
                    None => return Ok(None),
                },
            };
            match value.trim() {
                "" => Ok(None),
                value => ProxyUrl::parse(source, value).map(Some),
            }
        };
        let http_proxy = proxy(
            "http_proxy",
            &settings.http_proxy,
            &["HTTP_PROXY", "http_proxy"],
        )?;
        let https_proxy = proxy(
            "https_proxy",
            &settings.https_proxy,
            &["HTTPS_PROXY", "https_proxy"],
        )?;
        let no_proxy = match &settings.no_proxy {
            Some(list) => NoProxy::parse(list),
            None => from_env(env, &["NO_PROXY", "no_proxy"])
                .map(|(_, list)| NoProxy::parse(&list))
                .unwrap_or_default(),
        };
        let ca_bundle = match &settings.custom_ca_bundle {
            Some(path) => Some(CaBundle::read("custom_ca_bundle", path)?),
            None => match from_env(env, &["AWS_CA_BUNDLE"]) {
                Some((variable, path)) if !path.trim().is_empty() => {
                    Some(CaBundle::read(variable, path.trim())?)
                }
                _ => None,
            },
        };
        Ok(Transport {
            http_proxy,
            https_proxy,
            no_proxy,
            ca_bundle,
        })
    }

    /// The HTTP client of every AWS client: the SDK's own (hyper and rustls, as its default
    /// client), with these proxies and trust store.
    pub(super) fn http_client(&self) -> Result<SharedHttpClient, ConfigError> {
        let tls_context = match &self.ca_bundle {
            Some(bundle) => TlsContext::builder()
                .with_trust_store(bundle.trust_store())
                .build()
                .map_err(|e| ConfigError::CaBundleInvalid {
                    setting: "custom_ca_bundle",
                    path: bundle.path.clone(),
                    reason: e.to_string(),
                })?,
            None => TlsContext::default(),
        };
        let through = |proxy: Option<ProxyConfig>| sdk_client(proxy, tls_context.clone());
        // A proxy the SDK cannot take is an error, never a silent direct connection.
        let proxied = |url: &Option<ProxyUrl>,
                       config: fn(&str) -> Result<ProxyConfig, ProxyError>|
         -> Result<Option<SharedHttpClient>, ConfigError> {
            url.as_ref()
                .map(|url| url.config(config).map(|proxy| through(Some(proxy))))
                .transpose()
        };
        Ok(SharedHttpClient::new(RoutedClient {
            direct: through(None),
            http: proxied(&self.http_proxy, |url| ProxyConfig::http(url))?,
            https: proxied(&self.https_proxy, |url| ProxyConfig::https(url))?,
            no_proxy: self.no_proxy.clone(),
        }))
    }
}

/// The SDK's default HTTPS client (as `aws-smithy-runtime` builds it) with `proxy` and `tls`.
fn sdk_client(proxy: Option<ProxyConfig>, tls: TlsContext) -> SharedHttpClient {
    Builder::new().build_with_connector_fn(move |settings, components| {
        let mut connector = ConnectorBuilder::default()
            .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(tls.clone());
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(proxy.clone().unwrap_or_else(ProxyConfig::disabled)));
        connector.build()
    })
}

/// Sends each request directly or through the proxy of its scheme ([`NoProxy`] decides).
#[derive(Debug)]
struct RoutedClient {
    direct: SharedHttpClient,
    http: Option<SharedHttpClient>,
    https: Option<SharedHttpClient>,
    no_proxy: NoProxy,
}

impl HttpClient for RoutedClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        let connector = |client: &SharedHttpClient| client.http_connector(settings, components);
        SharedHttpConnector::new(RoutedConnector {
            direct: connector(&self.direct),
            http: self.http.as_ref().map(connector),
            https: self.https.as_ref().map(connector),
            no_proxy: self.no_proxy.clone(),
        })
    }

    // What the SDK's own client reports (its user agent names it).
    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.direct.connector_metadata()
    }
}

#[derive(Debug)]
struct RoutedConnector {
    direct: SharedHttpConnector,
    http: Option<SharedHttpConnector>,
    https: Option<SharedHttpConnector>,
    no_proxy: NoProxy,
}

/// Where a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Direct,
    HttpProxy,
    HttpsProxy,
}

/// The route of a request to `uri` with these proxies and `no_proxy`.
fn route(uri: &str, http: bool, https: bool, no_proxy: &NoProxy) -> Route {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return Route::Direct;
    };
    let (route, default_port) = match scheme.to_ascii_lowercase().as_str() {
        "http" if http => (Route::HttpProxy, 80),
        "https" if https => (Route::HttpsProxy, 443),
        _ => return Route::Direct,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    match split_host_port(host_port) {
        Some((host, port)) if no_proxy.bypasses(host, port.unwrap_or(default_port)) => {
            Route::Direct
        }
        _ => route,
    }
}

impl HttpConnector for RoutedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let chosen = route(
            request.uri(),
            self.http.is_some(),
            self.https.is_some(),
            &self.no_proxy,
        );
        let connector = match chosen {
            Route::HttpProxy => self.http.as_ref(),
            Route::HttpsProxy => self.https.as_ref(),
            Route::Direct => None,
        };
        connector.unwrap_or(&self.direct).call(request)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn proxy_urls_must_be_http_or_https_with_a_host() {
        for good in [
            "http://proxy.internal:3128",
            "https://proxy.internal",
            "http://127.0.0.1:8080/",
            "http://[::1]:3128",
            "http://user:p%40ss@proxy.internal:3128",
        ] {
            assert!(ProxyUrl::parse("http_proxy", good).is_ok(), "{good}");
        }
        for (bad, why) in [
            ("proxy.internal:3128", "no scheme"),
            ("socks5://127.0.0.1:1080", "`http` or `https`"),
            ("http://", "no host"),
            ("http://:3128", "no host"),
            ("http://proxy:port", "port is not a number"),
            ("http://proxy internal:3128", "not a valid URL"),
        ] {
            let err = ProxyUrl::parse("https_proxy", bad).unwrap_err();
            let message = err.to_string();
            assert!(message.contains(why), "{bad}: {message}");
            assert!(message.starts_with("`https_proxy` "), "{message}");
            assert_eq!(err.attribute(), Some("https_proxy"));
        }
        let from_env = ProxyUrl::parse("HTTPS_PROXY", "proxy:1").unwrap_err();
        assert_eq!(from_env.attribute(), None);
    }

    #[test]
    fn proxy_credentials_never_reach_errors_or_debug_output() {
        let url = ProxyUrl::parse("http_proxy", "http://alice:s3cret@proxy.internal:3128").unwrap();
        let shown = format!("{url:?}");
        assert_eq!(shown, "\"http://<redacted>@proxy.internal:3128\"");
        let err = ProxyUrl::parse("http_proxy", "ftp://alice:s3cret@proxy.internal").unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
        assert!(
            err.to_string().contains("ftp://<redacted>@proxy.internal"),
            "{err}"
        );
        assert_eq!(redacted("http://proxy:1/x"), "http://proxy:1/x");
        assert_eq!(
            redacted("http://u:pa/ss@proxy:1"),
            "http://<redacted>@proxy:1"
        );
        assert_eq!(redacted("u:pass@proxy:1"), "<redacted>@proxy:1");
        let err = ProxyUrl::parse("http_proxy", "http://u:pa/ss@proxy:1").unwrap_err();
        assert!(!err.to_string().contains("pa/ss"), "{err}");
    }

    #[test]
    fn no_proxy_matches_domains_addresses_networks_and_ports() {
        let list = NoProxy::parse(
            " Example.com, .internal, *.corp.test, 10.0.0.0/8, 192.168.1.5, 127.0.0.1:4580, [::1]:80, svc:8443 ,",
        );
        let bypassed = [
            ("example.com", 443),
            ("api.EXAMPLE.com", 443),
            ("a.b.internal", 80),
            ("x.corp.test", 443),
            ("10.1.2.3", 443),
            ("192.168.1.5", 80),
            ("127.0.0.1", 4580),
            ("::1", 80),
            ("svc", 8443),
        ];
        for (host, port) in bypassed {
            assert!(list.bypasses(host, port), "{host}:{port} should be direct");
        }
        let proxied = [
            ("notexample.com", 443),
            ("internal", 443),
            ("corp.test", 443),
            ("11.0.0.1", 443),
            ("192.168.1.6", 80),
            ("127.0.0.1", 4581),
            ("::1", 443),
            ("svc", 443),
        ];
        for (host, port) in proxied {
            assert!(
                !list.bypasses(host, port),
                "{host}:{port} should be proxied"
            );
        }
        assert!(NoProxy::parse("*").bypasses("anything", 1));
        assert!(!NoProxy::parse("").bypasses("127.0.0.1", 80));
        assert!(NoProxy::parse("::/0").bypasses("2001:db8::1", 443));
        assert!(NoProxy::parse("0.0.0.0/0").bypasses("8.8.8.8", 443));
    }

    fn pem_of(certificate: &rcgen::Certificate) -> String {
        certificate.pem()
    }

    fn a_certificate() -> String {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["ca.test".to_string()]).unwrap();
        pem_of(&params.self_signed(&key).unwrap())
    }

    fn bundle_file(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    #[test]
    fn a_ca_bundle_must_hold_certificates_that_parse() {
        let two = format!("# team CA\n{}\n{}", a_certificate(), a_certificate());
        let file = bundle_file(&two);
        let path = file.path().display().to_string();
        let bundle = CaBundle::read("custom_ca_bundle", &path).unwrap();
        assert_eq!(bundle.certificates, 2);

        let empty = bundle_file("no certificate here\n");
        let path = empty.path().display().to_string();
        let err = CaBundle::read("custom_ca_bundle", &path).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("`custom_ca_bundle` {path} holds no PEM certificate (`-----BEGIN CERTIFICATE-----` blocks)")
        );
        assert_eq!(err.attribute(), Some("custom_ca_bundle"));

        // Armour around bytes that are no certificate: the SDK would panic on this one.
        let garbage = bundle_file(
            "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
        );
        let path = garbage.path().display().to_string();
        let err = CaBundle::read("AWS_CA_BUNDLE", &path).unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("AWS_CA_BUNDLE {path} is not a usable CA bundle: certificate 1 is not a valid X.509 certificate")),
            "{message}"
        );
        assert_eq!(err.attribute(), None);

        let bad_base64 =
            bundle_file("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
        let path = bad_base64.path().display().to_string();
        let message = CaBundle::read("custom_ca_bundle", &path)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("certificate 1 is not valid PEM"),
            "{message}"
        );

        let missing = "/nonexistent/ca.pem";
        let message = CaBundle::read("custom_ca_bundle", missing)
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("`custom_ca_bundle` /nonexistent/ca.pem could not be read: "),
            "{message}"
        );
    }

    #[test]
    fn settings_win_over_the_environment_and_an_empty_proxy_means_none() {
        let env = Env::from_slice(&[
            ("HTTP_PROXY", "http://env-proxy:1"),
            ("https_proxy", "http://env-proxy:2"),
            ("no_proxy", "example.com"),
        ]);
        let from_env = Transport::resolve(&ProtonSettings::default(), &env).unwrap();
        assert_eq!(from_env.http_proxy.unwrap().url, "http://env-proxy:1");
        assert_eq!(from_env.https_proxy.unwrap().url, "http://env-proxy:2");
        assert!(from_env.no_proxy.bypasses("example.com", 443));

        let settings = ProtonSettings {
            http_proxy: Some("http://block-proxy:3".into()),
            https_proxy: Some(String::new()),
            no_proxy: Some("other.test".into()),
            ..ProtonSettings::default()
        };
        let from_block = Transport::resolve(&settings, &env).unwrap();
        assert_eq!(from_block.http_proxy.unwrap().url, "http://block-proxy:3");
        assert_eq!(from_block.https_proxy, None);
        assert!(!from_block.no_proxy.bypasses("example.com", 443));

        let bad_env = Env::from_slice(&[("HTTPS_PROXY", "proxy:3128")]);
        let err = Transport::resolve(&ProtonSettings::default(), &bad_env).unwrap_err();
        assert!(
            err.to_string().starts_with("HTTPS_PROXY `proxy:3128` "),
            "{err}"
        );

        let missing = Env::from_slice(&[("AWS_CA_BUNDLE", "/nonexistent/env.pem")]);
        let err = Transport::resolve(&ProtonSettings::default(), &missing).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("AWS_CA_BUNDLE /nonexistent/env.pem could not be read"),
            "{err}"
        );
    }

    #[test]
    fn requests_are_routed_by_scheme_and_no_proxy() {
        let no_proxy = NoProxy::parse("direct.test, 127.0.0.1:4580");
        let cases = [
            ("http://proton.test/x", true, true, Route::HttpProxy),
            ("https://proton.test/x", true, true, Route::HttpsProxy),
            ("https://proton.test/x", true, false, Route::Direct),
            ("http://proton.test/x", false, true, Route::Direct),
            ("http://api.direct.test:8080/x", true, true, Route::Direct),
            ("http://127.0.0.1:4580/", true, true, Route::Direct),
            ("http://127.0.0.1:4581/", true, true, Route::HttpProxy),
            ("https://user@[::1]:443/", true, true, Route::HttpsProxy),
        ];
        for (uri, http, https, expected) in cases {
            assert_eq!(route(uri, http, https, &no_proxy), expected, "{uri}");
        }
        let transport = Transport {
            http_proxy: Some(ProxyUrl::parse("http_proxy", "http://p:1").unwrap()),
            ..Transport::default()
        };
        assert!(transport.http_client().is_ok());
    }
}
