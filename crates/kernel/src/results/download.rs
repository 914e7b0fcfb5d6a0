//! One download of a pre-signed link: only the link's own headers (never `Authorization`), no
//! redirects, a size cap derived from the manifest, and a classification of failures into
//! "the link was refused" (refresh it) and "the transfer failed" (retry it as is).

use futures::StreamExt;
use reqwest::header::{HeaderName, HeaderValue};

use crate::error::{Error, ErrorCode};
use crate::prefault::prefault_spare;
use crate::wire::ExternalLink;

pub(crate) enum DownloadError {
    /// 401/403/404 from the blob store: the link expired or was revoked.
    Refused(u16),
    /// A timeout, reset or cut transfer, or a transient status: the same link may work again.
    Transient(Error),
    /// Retrying cannot help (oversized body, a status that will not change).
    Fatal(Error),
}

pub(crate) async fn fetch(
    client: &reqwest::Client,
    link: &ExternalLink,
    max_bytes: usize,
) -> Result<Vec<u8>, DownloadError> {
    let url = reqwest::Url::parse(link.external_link.expose())
        .map_err(|_| DownloadError::Fatal(Error::data_loss("a result link is not a valid URL")))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(DownloadError::Fatal(Error::data_loss(
            "a result link is not an http(s) URL",
        )));
    }
    let mut request = client.get(url);
    for (name, value) in &link.http_headers {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value.expose()),
        ) else {
            return Err(DownloadError::Fatal(Error::data_loss(
                "a result link carries a header that is not valid HTTP",
            )));
        };
        if name == reqwest::header::AUTHORIZATION {
            continue;
        }
        request = request.header(name, value);
    }
    let request = request.build().map_err(|e| {
        DownloadError::Fatal(Error::from_request_build(
            "a result download could not be sent",
            e,
        ))
    })?;
    let response = client.execute(request).await.map_err(|e| {
        DownloadError::Transient(Error::from_transport("result download failed", e))
    })?;
    let status = response.status().as_u16();
    match status {
        200 => {}
        401 | 403 | 404 => return Err(DownloadError::Refused(status)),
        408 | 429 | 500..=599 => {
            return Err(DownloadError::Transient(
                Error::new(
                    ErrorCode::Unavailable,
                    format!("result download answered HTTP {status}"),
                )
                .with_http_status(status)
                .with_retryable(true),
            ))
        }
        _ => {
            return Err(DownloadError::Fatal(
                Error::new(
                    ErrorCode::DataLoss,
                    format!("result download answered HTTP {status}"),
                )
                .with_http_status(status),
            ))
        }
    }
    let capacity = response
        .content_length()
        .map(|n| n as usize)
        .unwrap_or(0)
        .min(max_bytes);
    let mut body = Vec::with_capacity(capacity);
    prefault_spare(&mut body);
    let mut stream = response.bytes_stream();
    while let Some(piece) = stream.next().await {
        let piece = piece.map_err(|e| {
            DownloadError::Transient(Error::from_transport("result download was cut", e))
        })?;
        if body.len() + piece.len() > max_bytes {
            return Err(DownloadError::Fatal(Error::data_loss(format!(
                "a result download is larger than the manifest allows ({max_bytes} bytes)"
            ))));
        }
        body.extend_from_slice(&piece);
    }
    Ok(body)
}
