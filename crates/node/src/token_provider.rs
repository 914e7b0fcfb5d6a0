//! A JavaScript async function as the kernel's token provider: called through a threadsafe
//! function (weak, so it never keeps Node's event loop alive), its promise awaited in Rust.

use futures::future::BoxFuture;
use napi::bindgen_prelude::Promise;
use napi::threadsafe_function::ThreadsafeFunction;
use napi::Status;
use sluice_kernel::{Error, ErrorCode, FetchedToken, Secret, TokenProvider};

/// `() => Promise<string>`, called from any thread.
pub type JsTokenFunction = ThreadsafeFunction<(), Promise<String>, (), Status, false, true>;

pub struct JsTokenProvider {
    function: JsTokenFunction,
}

impl JsTokenProvider {
    pub fn new(function: JsTokenFunction) -> Self {
        JsTokenProvider { function }
    }
}

impl TokenProvider for JsTokenProvider {
    fn fetch(&self) -> BoxFuture<'_, sluice_kernel::Result<FetchedToken>> {
        Box::pin(async move {
            let failed = |what: &str, e: napi::Error| {
                Error::new(
                    ErrorCode::Unauthenticated,
                    format!("the token provider {what}: {}", e.reason),
                )
            };
            let promise = self
                .function
                .call_async(())
                .await
                .map_err(|e| failed("could not be called", e))?;
            let token = promise.await.map_err(|e| failed("failed", e))?;
            Ok(FetchedToken {
                token: Secret::new(token),
                expires_in: None,
            })
        })
    }
}
