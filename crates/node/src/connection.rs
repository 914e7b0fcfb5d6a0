//! `connect()` and the native Connection: adapters over `sluice_kernel::Connection`.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::error::IntoNapi;
use crate::options::ConnectOptions;
use crate::statement::NativeStatement;

#[napi]
pub struct NativeConnection {
    inner: sluice_kernel::Connection,
}

/// Opens a session on the warehouse.
#[napi]
pub async fn connect(options: ConnectOptions) -> Result<NativeConnection> {
    let config = options.into_config().napi()?;
    let inner = sluice_kernel::Connection::open(config).await.napi()?;
    Ok(NativeConnection { inner })
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
