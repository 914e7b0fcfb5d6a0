//! `connect()` and the native Connection: adapters over `sluice_kernel::Connection`.

use napi::bindgen_prelude::*;
use napi::threadsafe_function::ThreadsafeFunction;
use napi_derive::napi;

use crate::error::IntoNapi;
use crate::options::ConnectOptions;
use crate::statement::NativeStatement;

#[napi]
pub struct NativeConnection {
    inner: sluice_kernel::Connection,
}

/// Opens a session on the warehouse. `tokenProvider`, when given, is the credential: an async
/// function returning a ready-to-use token, called again when the server rejects it, or ahead of
/// its expiry when it is a JWT.
#[napi]
pub async fn connect(
    options: ConnectOptions,
    token_provider: Option<ThreadsafeFunction<(), Promise<String>, (), Status, false, true>>,
) -> Result<NativeConnection> {
    let config = options.into_config(token_provider).napi()?;
    let inner = sluice_kernel::Connection::open(config).await.napi()?;
    Ok(NativeConnection { inner })
}

impl NativeConnection {
    pub fn kernel(&self) -> &sluice_kernel::Connection {
        &self.inner
    }
}

#[napi]
impl NativeConnection {
    /// A new statement handle; each runs one statement.
    #[napi(catch_unwind)]
    pub fn statement(&self) -> Result<NativeStatement> {
        Ok(NativeStatement::new(self.inner.statement().napi()?))
    }

    #[napi]
    pub async fn session_id(&self) -> Result<String> {
        self.inner.session_id().await.napi()
    }

    /// Idempotent.
    #[napi]
    pub async fn close(&self) -> Result<()> {
        self.inner.close().await.napi()
    }
}
