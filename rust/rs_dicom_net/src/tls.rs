//! TLS for associations (PS3.15 B.1 secure transport): rustls with the ring provider, PEM
//! certificates and keys, and the peer checks of DCMTK's tools (`-rc` require and verify,
//! `-vc` verify if present, `-ic` ignore). [`Conn`] is the byte stream an association runs
//! on, plain TCP or TLS; the handshake completes within the ARTIM timeout before any PDU.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::ClientConnectionData;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::{ServerConnectionData, WebPkiClientVerifier};
use rustls::{
    CertificateError, ClientConfig, ClientConnection, ConnectionCommon, DigitallySignedStruct,
    RootCertStore, ServerConfig, ServerConnection, SignatureScheme, StreamOwned,
};

use crate::error::{NetResult, io_error, net_error};

/// How the peer's certificate is checked (DCMTK's `-rc`, `-vc`, `-ic`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerCheck {
    /// The peer must present a certificate that chains to a trusted CA.
    Require,
    /// A certificate the peer presents must chain to a trusted CA; none is accepted too
    /// (a server always presents one, so for a client this is [`PeerCheck::Require`]).
    VerifyIfPresent,
    /// Any certificate (or none) is accepted: encryption without authentication.
    Ignore,
}

/// The TLS settings of one side, from PEM files.
#[derive(Debug, Clone)]
pub struct TlsOptions {
    /// Our certificate chain (PEM), leaf first; a server needs one, a client may go without.
    pub cert: Option<PathBuf>,
    /// The private key of `cert` (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key: Option<PathBuf>,
    /// The trusted CA certificates (PEM files) the peer's certificate must chain to.
    pub ca: Vec<PathBuf>,
    /// How the peer's certificate is checked.
    pub peer: PeerCheck,
    /// A client also checks that the server's certificate names the host it connected to
    /// (DCMTK does not; DICOM certificates often name an AE rather than a host).
    pub check_hostname: bool,
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions {
            cert: None,
            key: None,
            ca: Vec::new(),
            peer: PeerCheck::Require,
            check_hostname: false,
        }
    }
}

/// ring's suites and key exchanges. rustls deprecates this provider because ring has no
/// post-quantum key exchange; DICOM peers (DCMTK over OpenSSL, pynetdicom) negotiate X25519 or
/// P-256 with it, and ring builds without cmake or NASM, unlike aws-lc-rs.
#[allow(deprecated)]
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

#[cold]
fn tls_error(what: &str, e: impl std::fmt::Display) -> rs_dicom::DicomError {
    net_error(format!("TLS: {what}: {e}"))
}

fn certificates(path: &Path) -> NetResult<Vec<CertificateDer<'static>>> {
    let certs: Result<Vec<_>, _> = CertificateDer::pem_file_iter(path)
        .map_err(|e| tls_error(&format!("cannot read {}", path.display()), e))?
        .collect();
    let certs = certs.map_err(|e| tls_error(&format!("bad PEM in {}", path.display()), e))?;
    if certs.is_empty() {
        return Err(net_error(format!(
            "TLS: no certificate in {}",
            path.display()
        )));
    }
    Ok(certs)
}

fn private_key(path: &Path) -> NetResult<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_file(path)
        .map_err(|e| tls_error(&format!("no private key in {}", path.display()), e))
}

fn roots(ca: &[PathBuf]) -> NetResult<Arc<RootCertStore>> {
    if ca.is_empty() {
        return Err(net_error(
            "TLS: verifying the peer's certificate needs a trusted CA certificate file (+cf); \
             or ignore the peer's certificate (-ic)",
        ));
    }
    let mut store = RootCertStore::empty();
    for path in ca {
        for cert in certificates(path)? {
            store
                .add(cert)
                .map_err(|e| tls_error(&format!("bad CA certificate in {}", path.display()), e))?;
        }
    }
    Ok(Arc::new(store))
}

fn own_identity(
    o: &TlsOptions,
) -> NetResult<Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>> {
    match (&o.cert, &o.key) {
        (Some(c), Some(k)) => Ok(Some((certificates(c)?, private_key(k)?))),
        (None, None) => Ok(None),
        _ => Err(net_error(
            "TLS: a certificate needs its private key and a key its certificate",
        )),
    }
}

/// The settings of a TLS client (the requestor) for one peer.
#[derive(Debug, Clone)]
pub struct TlsClient {
    /// The rustls configuration.
    pub config: Arc<ClientConfig>,
    /// The name the server's certificate is checked against (and sent as SNI for a host).
    pub server_name: ServerName<'static>,
}

impl TlsClient {
    /// A client for the server at `host` (a name or an IP address).
    pub fn new(o: &TlsOptions, host: &str) -> NetResult<TlsClient> {
        let server_name = ServerName::try_from(host.to_string())
            .map_err(|e| tls_error(&format!("bad server name {host:?}"), e))?;
        Ok(TlsClient {
            config: client_config(o)?,
            server_name,
        })
    }
}

/// A rustls client configuration from `o`.
pub fn client_config(o: &TlsOptions) -> NetResult<Arc<ClientConfig>> {
    let p = provider();
    let builder = ClientConfig::builder_with_provider(p.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("no protocol version", e))?;
    let verifier: Arc<dyn ServerCertVerifier> = match o.peer {
        PeerCheck::Ignore => Arc::new(ServerCheck {
            chain: None,
            provider: p,
        }),
        PeerCheck::Require | PeerCheck::VerifyIfPresent => {
            let webpki = WebPkiServerVerifier::builder_with_provider(roots(&o.ca)?, p.clone())
                .build()
                .map_err(|e| tls_error("cannot verify with these CAs", e))?;
            if o.check_hostname {
                webpki
            } else {
                Arc::new(ServerCheck {
                    chain: Some(webpki),
                    provider: p,
                })
            }
        }
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let config = match own_identity(o)? {
        Some((certs, key)) => builder
            .with_client_auth_cert(certs, key)
            .map_err(|e| tls_error("unusable certificate or key", e))?,
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// A rustls server configuration from `o` (a server needs a certificate and key: rustls
/// has no anonymous cipher suites).
pub fn server_config(o: &TlsOptions) -> NetResult<Arc<ServerConfig>> {
    let Some((certs, key)) = own_identity(o)? else {
        return Err(net_error(
            "TLS: a server needs a certificate and its private key (+tls KEY CERT)",
        ));
    };
    let p = provider();
    let builder = ServerConfig::builder_with_provider(p.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("no protocol version", e))?;
    let builder = match o.peer {
        PeerCheck::Ignore => builder.with_no_client_auth(),
        PeerCheck::Require | PeerCheck::VerifyIfPresent => {
            let mut v = WebPkiClientVerifier::builder_with_provider(roots(&o.ca)?, p);
            if o.peer == PeerCheck::VerifyIfPresent {
                v = v.allow_unauthenticated();
            }
            let v = v
                .build()
                .map_err(|e| tls_error("cannot verify with these CAs", e))?;
            builder.with_client_cert_verifier(v)
        }
    };
    let config = builder
        .with_single_cert(certs, key)
        .map_err(|e| tls_error("unusable certificate or key", e))?;
    Ok(Arc::new(config))
}

/// Checks the server's certificate as the options say: the chain (without the host name,
/// as DCMTK, unless asked), or nothing at all (`-ic`); either way the handshake signatures
/// are checked, so the server must hold the key of the certificate it shows.
#[derive(Debug)]
struct ServerCheck {
    /// None: any certificate is accepted.
    chain: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for ServerCheck {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        // The name is checked after the chain: a name error means the chain was trusted.
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(m, c, d, &self.provider.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(m, c, d, &self.provider.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

enum Io {
    Plain(TcpStream),
    Client(Box<StreamOwned<ClientConnection, TcpStream>>),
    Server(Box<StreamOwned<ServerConnection, TcpStream>>),
}

/// The byte stream of an association: plain TCP or TLS over it.
pub struct Conn {
    /// The socket itself, for timeouts and shutdown.
    tcp: TcpStream,
    io: Io,
}

/// A second handle on the socket, for timeouts and shutdown.
fn control(tcp: &TcpStream) -> NetResult<TcpStream> {
    tcp.try_clone()
        .map_err(|e| io_error(&e, "cannot use the connection"))
}

/// Completes the handshake; rustls' reason (an untrusted certificate, a received alert) is in
/// the error.
fn handshake<D>(conn: &mut ConnectionCommon<D>, sock: &mut TcpStream) -> NetResult<()> {
    while conn.is_handshaking() {
        conn.complete_io(sock).map_err(|e| match e.kind() {
            io::ErrorKind::InvalidData => net_error(format!("TLS handshake failed: {e}")),
            _ => io_error(&e, "TLS handshake failed"),
        })?;
    }
    Ok(())
}

/// Takes in the TLS records already received, so that only decrypted application data counts
/// (a record may carry none); the plaintext stays in rustls for the next read.
fn tls_input<D>(conn: &mut ConnectionCommon<D>, sock: &mut TcpStream) -> io::Result<bool> {
    loop {
        let state = conn
            .process_new_packets()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        if state.plaintext_bytes_to_read() > 0 {
            return Ok(true);
        }
        if state.peer_has_closed() {
            return Ok(false);
        }
        match conn.read_tls(sock) {
            Ok(0) => return Ok(false),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) => return Err(e),
        }
    }
}

impl Conn {
    /// A plain TCP connection.
    pub fn plain(tcp: TcpStream) -> NetResult<Conn> {
        Ok(Conn {
            tcp: control(&tcp)?,
            io: Io::Plain(tcp),
        })
    }

    /// TLS as the client; the handshake is done when this returns (within the socket's
    /// read timeout).
    pub fn client(tcp: TcpStream, tls: &TlsClient) -> NetResult<Conn> {
        let control = control(&tcp)?;
        let conn = ClientConnection::new(tls.config.clone(), tls.server_name.clone())
            .map_err(|e| tls_error("cannot start", e))?;
        let mut s = StreamOwned::new(conn, tcp);
        handshake::<ClientConnectionData>(&mut s.conn, &mut s.sock)?;
        Ok(Conn {
            tcp: control,
            io: Io::Client(Box::new(s)),
        })
    }

    /// TLS as the server; the handshake is done when this returns.
    pub fn server(tcp: TcpStream, config: &Arc<ServerConfig>) -> NetResult<Conn> {
        let control = control(&tcp)?;
        let conn =
            ServerConnection::new(config.clone()).map_err(|e| tls_error("cannot start", e))?;
        let mut s = StreamOwned::new(conn, tcp);
        handshake::<ServerConnectionData>(&mut s.conn, &mut s.sock)?;
        Ok(Conn {
            tcp: control,
            io: Io::Server(Box::new(s)),
        })
    }

    /// The TCP socket (timeouts, peer address).
    pub fn tcp(&self) -> &TcpStream {
        &self.tcp
    }

    /// Whether the peer's bytes wait to be read, without blocking; a closed connection says
    /// no (the next blocking read reports it).
    pub fn has_input(&mut self) -> io::Result<bool> {
        self.tcp.set_nonblocking(true)?;
        let ready = match &mut self.io {
            Io::Plain(s) => {
                let mut one = [0u8; 1];
                match s.peek(&mut one) {
                    Ok(n) => Ok(n > 0),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
                    Err(e) => Err(e),
                }
            }
            Io::Client(s) => tls_input(&mut s.conn, &mut s.sock),
            Io::Server(s) => tls_input(&mut s.conn, &mut s.sock),
        };
        self.tcp.set_nonblocking(false)?;
        ready
    }

    /// The connection is encrypted.
    pub fn is_tls(&self) -> bool {
        !matches!(self.io, Io::Plain(_))
    }

    /// Ends the connection: TLS close_notify when encrypted, then a TCP shutdown.
    pub fn close(&mut self) {
        match &mut self.io {
            Io::Plain(_) => {}
            Io::Client(s) => {
                s.conn.send_close_notify();
                let _ = s.flush();
            }
            Io::Server(s) => {
                s.conn.send_close_notify();
                let _ = s.flush();
            }
        }
        let _ = self.tcp.shutdown(Shutdown::Both);
    }
}

impl Conn {
    /// Whether bytes go to the socket as they are (no TLS record layer).
    pub(crate) fn is_plain(&self) -> bool {
        matches!(self.io, Io::Plain(_))
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.io {
            Io::Plain(s) => s.read(buf),
            Io::Client(s) => s.read(buf),
            Io::Server(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    /// Each write goes out at once: a PDU is one write, and nothing may wait in rustls'
    /// buffer while we wait for the answer.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.io {
            Io::Plain(s) => s.write(buf),
            Io::Client(s) => s.write(buf).and_then(|n| s.flush().map(|()| n)),
            Io::Server(s) => s.write(buf).and_then(|n| s.flush().map(|()| n)),
        }
    }
    /// Plain TCP gathers the buffers in one `writev`; TLS takes the first (the default).
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        match &mut self.io {
            Io::Plain(s) => s.write_vectored(bufs),
            _ => {
                let first = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| b);
                self.write(first)
            }
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.io {
            Io::Plain(s) => s.flush(),
            Io::Client(s) => s.flush(),
            Io::Server(s) => s.flush(),
        }
    }
}
