//! Bearer-token checks on requests: every `/api/` route, and the `/admin/` routes.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::errors::ApiError;
use crate::http::state::AppState;
use crate::tokens::TokenCheck;

pub fn bearer(req: &Request) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Middleware for every `/api/` route.
pub async fn require_token(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let verdict = match bearer(&req) {
        None => Err(ApiError::Unauthenticated),
        Some(token) => match state.tokens.check(token) {
            TokenCheck::Valid => Ok(()),
            TokenCheck::Unknown => Err(ApiError::Unauthenticated),
            TokenCheck::ExpiredOrRevoked => Err(ApiError::InvalidToken),
        },
    };
    match verdict {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

/// Middleware for `/admin/` routes: any configured personal token, even a revoked one.
pub async fn require_admin(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    match bearer(&req) {
        Some(token)
            if state.tokens.is_personal(token)
                || state.tokens.check(token) == TokenCheck::Valid =>
        {
            next.run(req).await
        }
        _ => ApiError::Unauthenticated.into_response(),
    }
}
