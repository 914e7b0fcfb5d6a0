//! One error type for everything the kernel does, with a stable `code` that the binding and the
//! TypeScript facade map to PEP 249 classes. Messages never carry secrets: every place that builds
//! one from foreign text (HTTP bodies, reqwest errors) goes through the constructors here.

use std::fmt;

/// Stable, closed set of error codes. Their string forms are part of the public contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidArgument,
    Unauthenticated,
    PermissionDenied,
    NotFound,
    ResourceExhausted,
    Unavailable,
    Timeout,
    Cancelled,
    Network,
    SqlError,
    DataLoss,
    Closed,
    NotSupported,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "InvalidArgument",
            ErrorCode::Unauthenticated => "Unauthenticated",
            ErrorCode::PermissionDenied => "PermissionDenied",
            ErrorCode::NotFound => "NotFound",
            ErrorCode::ResourceExhausted => "ResourceExhausted",
            ErrorCode::Unavailable => "Unavailable",
            ErrorCode::Timeout => "Timeout",
            ErrorCode::Cancelled => "Cancelled",
            ErrorCode::Network => "Network",
            ErrorCode::SqlError => "SqlError",
            ErrorCode::DataLoss => "DataLoss",
            ErrorCode::Closed => "Closed",
            ErrorCode::NotSupported => "NotSupported",
            ErrorCode::Internal => "Internal",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kernel error. Fields mirror what a driver user needs to react (code, SQLSTATE, statement
/// id, HTTP status, retryable) plus a redacted cause chain as text. Boxed so `Result`s stay small.
#[derive(Debug, Clone, PartialEq)]
pub struct Error(Box<ErrorFields>);

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorFields {
    pub code: ErrorCode,
    pub message: String,
    pub sql_state: Option<String>,
    pub error_class: Option<String>,
    pub statement_id: Option<String>,
    pub http_status: Option<u16>,
    pub retryable: bool,
    pub vendor_code: Option<String>,
    pub causes: Vec<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl std::ops::Deref for Error {
    type Target = ErrorFields;
    fn deref(&self) -> &ErrorFields {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut ErrorFields {
        &mut self.0
    }
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error(Box::new(ErrorFields {
            code,
            message: message.into(),
            sql_state: None,
            error_class: None,
            statement_id: None,
            http_status: None,
            retryable: false,
            vendor_code: None,
            causes: Vec::new(),
        }))
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidArgument, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Internal, message)
    }

    pub fn data_loss(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::DataLoss, message)
    }

    pub fn cancelled(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Cancelled, message)
    }

    pub fn closed(what: &str) -> Self {
        Error::new(ErrorCode::Closed, format!("{what} is closed"))
    }

    pub fn with_statement_id(mut self, id: impl Into<String>) -> Self {
        self.statement_id = Some(id.into());
        self
    }

    pub fn with_http_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.retryable = retryable;
        self
    }

    pub fn with_vendor_code(mut self, vendor_code: impl Into<String>) -> Self {
        self.vendor_code = Some(vendor_code.into());
        self
    }

    pub fn with_cause(mut self, cause: impl fmt::Display) -> Self {
        self.causes.push(cause.to_string());
        self
    }

    /// A request reqwest refused to build (a header value with control bytes, say): it would
    /// fail the same way every time, so it is not retried and names no network problem.
    pub fn from_request_build(context: &str, err: reqwest::Error) -> Self {
        let mut e = Error::from_transport(context, err).with_retryable(false);
        e.code = ErrorCode::InvalidArgument;
        e
    }

    /// A transport failure, its message naming the cause found in the error chain (reqwest's
    /// own reads "error sending request" whatever happened). A host name that does not exist
    /// and a certificate that is not trusted are not retryable: no retry can fix them. reqwest's
    /// Display includes the URL, which for downloads is a pre-signed secret, so the URL is
    /// always stripped first.
    pub fn from_transport(context: &str, err: reqwest::Error) -> Self {
        let err = err.without_url();
        let chain: Vec<&(dyn std::error::Error + 'static)> =
            std::iter::successors(Some(&err as &(dyn std::error::Error + 'static)), |e| {
                e.source()
            })
            .collect();
        let cause = TransportCause::of(&err, &chain);
        let innermost = chain.last().map(|e| e.to_string()).unwrap_or_default();
        let message = match cause.describe() {
            Some(what) => format!("{context}: {what} ({innermost})"),
            None => format!("{context}: {innermost}"),
        };
        let code = if cause == TransportCause::TimedOut {
            ErrorCode::Timeout
        } else {
            ErrorCode::Network
        };
        let mut e = Error::new(code, message).with_retryable(cause.is_healable());
        e.causes = chain[1..].iter().map(|s| s.to_string()).collect();
        e
    }
}

/// What a transport failure comes down to, read from its error chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TransportCause {
    /// The host name does not exist (NXDOMAIN).
    NoSuchHost,
    /// The resolver failed, perhaps for now.
    Dns,
    Refused,
    Reset,
    /// The server's TLS certificate is not trusted (unknown issuer, expired, wrong name, ...).
    Untrusted,
    TimedOut,
    Other,
}

impl TransportCause {
    fn of(err: &reqwest::Error, chain: &[&(dyn std::error::Error + 'static)]) -> TransportCause {
        if chain.iter().any(|e| {
            is_certificate_error(*e) || e.to_string().starts_with("invalid peer certificate")
        }) {
            return TransportCause::Untrusted;
        }
        if err.is_timeout() {
            return TransportCause::TimedOut;
        }
        for e in chain {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                use std::io::ErrorKind::*;
                match io.kind() {
                    ConnectionRefused => return TransportCause::Refused,
                    ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof => {
                        return TransportCause::Reset
                    }
                    TimedOut => return TransportCause::TimedOut,
                    _ => {}
                }
            }
        }
        let text = chain
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join(": ");
        if text.contains("dns error") || text.contains("failed to lookup address") {
            // getaddrinfo's EAI_NONAME / EAI_NODATA texts (glibc, musl, macOS): the name is
            // not there. Any other resolver failure may pass.
            let missing = [
                "Name or service not known",
                "No address associated with hostname",
                "nodename nor servname provided",
                "Name does not resolve",
            ];
            return if missing.iter().any(|m| text.contains(m)) {
                TransportCause::NoSuchHost
            } else {
                TransportCause::Dns
            };
        }
        TransportCause::Other
    }

    fn describe(self) -> Option<&'static str> {
        Some(match self {
            TransportCause::NoSuchHost => "the host name does not exist",
            TransportCause::Dns => "the host name could not be resolved",
            TransportCause::Refused => "the connection was refused",
            TransportCause::Reset => "the connection was reset",
            TransportCause::Untrusted => "the server's TLS certificate is not trusted",
            TransportCause::TimedOut => "timed out",
            TransportCause::Other => return None,
        })
    }

    fn is_healable(self) -> bool {
        !matches!(self, TransportCause::NoSuchHost | TransportCause::Untrusted)
    }
}

/// Whether one link of an error chain is rustls refusing the server's certificate; rustls
/// errors travel inside `io::Error`s, whose `source()` skips them, and boxed by the connector,
/// which hides their type: the caller also reads rustls' text for its verdict.
fn is_certificate_error(e: &(dyn std::error::Error + 'static)) -> bool {
    let tls = e.downcast_ref::<rustls::Error>().or_else(|| {
        e.downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    });
    matches!(
        tls,
        Some(rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented)
    )
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(state) = &self.sql_state {
            write!(f, " (SQLSTATE {state})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
