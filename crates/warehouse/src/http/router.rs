//! The route table.

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{delete, get, post};
use axum::Router;

use crate::errors::ApiError;
use crate::http::state::AppState;
use crate::http::{
    admin, auth, blob, discovery, oauth, session_routes, statement_routes, thrift_gate,
};

/// The largest request body: a 16 MiB statement plus its JSON envelope and parameters.
const MAX_BODY_BYTES: usize = 17 * 1024 * 1024;

pub fn build(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/api/2.0/sql/sessions", post(session_routes::create))
        .route("/api/2.0/sql/sessions/{id}", delete(session_routes::delete))
        // JDBC 3.4 opens its sessions here.
        .route(
            "/api/2.0/sql/warehouses/{warehouse_id}/sessions",
            post(session_routes::create_on_warehouse),
        )
        .route(
            "/api/2.0/connector-service/feature-flags/{client}/{version}",
            get(discovery::feature_flags),
        )
        // Thrift at the warehouse's http_path (and the cluster form): see thrift_gate.rs.
        .route("/sql/1.0/warehouses/{id}", post(thrift_gate::handle))
        .route("/sql/1.0/endpoints/{id}", post(thrift_gate::handle))
        .route(
            "/sql/protocolv1/o/{org}/{cluster}",
            post(thrift_gate::handle),
        )
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
        .route(
            "/.well-known/databricks-config",
            get(discovery::databricks_config),
        )
        .route("/blob/{statement}/{chunk}", get(blob::download));
    let mut app = api.merge(open);
    if state.config.enable_admin {
        app = app.merge(admin::routes(state.clone()));
    }
    app.fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("No API found for this path.".to_string())
}
