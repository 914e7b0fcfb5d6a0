//! The route table.

use std::sync::Arc;

use axum::middleware;
use axum::routing::{delete, get, post};
use axum::Router;

use crate::errors::ApiError;
use crate::state::AppState;
use crate::{admin, auth, blob, oauth, sessions, statement_routes};

pub fn build(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/api/2.0/sql/sessions", post(sessions::create))
        .route("/api/2.0/sql/sessions/{id}", delete(sessions::delete))
        .route("/api/2.0/sql/statements", post(statement_routes::execute))
        .route(
            "/api/2.0/sql/statements/{id}",
            get(statement_routes::get).delete(statement_routes::close),
        )
        .route(
            "/api/2.0/sql/statements/{id}/cancel",
            post(statement_routes::cancel),
        )
        .route(
            "/api/2.0/sql/statements/{id}/result/chunks/{index}",
            get(statement_routes::chunk),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ));
    let open = Router::new()
        .route(
            "/oidc/.well-known/oauth-authorization-server",
            get(oauth::discovery),
        )
        .route("/oidc/v1/token", post(oauth::token))
        .route("/blob/{statement}/{chunk}", get(blob::download));
    let mut app = api.merge(open);
    if state.config.enable_admin {
        app = app.merge(admin::routes(state.clone()));
    }
    app.fallback(not_found).with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("No API found for this path.".to_string())
}
