//! OAuth M2M: discovery, client-credentials grants (Basic and form), JWT-shaped tokens with
//! `exp`, expiry and revocation.

use std::time::Duration;

use crate::common::Harness;
use base64::Engine as _;
use serde_json::{json, Value};
use sluice_warehouse::WarehouseConfig;

fn oauth(ttl: u64) -> WarehouseConfig {
    WarehouseConfig {
        oauth_client_id: Some("client-1".into()),
        oauth_client_secret: Some("s3cret".into()),
        token_ttl: Duration::from_secs(ttl),
        ..Default::default()
    }
}

async fn grant_basic(h: &Harness, id: &str, secret: &str) -> reqwest::Response {
    h.http
        .post(h.url("/oidc/v1/token"))
        .basic_auth(id, Some(secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&scope=all-apis")
        .send()
        .await
        .unwrap()
}

fn claims(token: &str) -> Value {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "JWT-shaped");
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[1])
        .unwrap();
    serde_json::from_slice(&payload).unwrap()
}

#[tokio::test]
async fn discovery_document() {
    let h = Harness::with(oauth(3600)).await;
    let r = h
        .send(
            reqwest::Method::GET,
            "/oidc/.well-known/oauth-authorization-server",
            None,
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["token_endpoint"],
        format!("{}/oidc/v1/token", h.wh.url())
    );
    assert!(r.body["grant_types_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("client_credentials")));
}

#[tokio::test]
async fn basic_and_form_grants_mint_usable_tokens() {
    let h = Harness::with(oauth(3600)).await;
    let resp = grant_basic(&h, "client-1", "s3cret").await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "all-apis");
    let token = body["access_token"].as_str().unwrap().to_string();
    let c = claims(&token);
    assert_eq!(
        c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(),
        3600
    );
    let r = h
        .send(
            reqwest::Method::POST,
            "/api/2.0/sql/sessions",
            Some(json!({})),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, 200);

    let resp = h
        .http
        .post(h.url("/oidc/v1/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            "grant_type=client_credentials&client_id=client-1&client_secret=s3cret&scope=all-apis",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(h.wh.counters().token_grants, 2);
}

#[tokio::test]
async fn bad_client_credentials_are_rejected() {
    let h = Harness::with(oauth(3600)).await;
    let resp = grant_basic(&h, "client-1", "wrong").await;
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    let resp = h
        .http
        .post(h.url("/oidc/v1/token"))
        .basic_auth("client-1", Some("s3cret"))
        .body("grant_type=password")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(h.wh.counters().token_grants, 0);
}

#[tokio::test]
async fn expired_and_revoked_oauth_tokens_are_403() {
    let h = Harness::with(oauth(1)).await;
    let body: Value = grant_basic(&h, "client-1", "s3cret")
        .await
        .json()
        .await
        .unwrap();
    let token = body["access_token"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = h
        .send(
            reqwest::Method::POST,
            "/api/2.0/sql/sessions",
            Some(json!({})),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.body,
        json!({"error_code": 403, "message": "Invalid access token."})
    );

    let h = Harness::with(oauth(3600)).await;
    let body: Value = grant_basic(&h, "client-1", "s3cret")
        .await
        .json()
        .await
        .unwrap();
    let token = body["access_token"].as_str().unwrap().to_string();
    h.wh.admin().revoke_all_oauth_tokens();
    let r = h
        .send(
            reqwest::Method::POST,
            "/api/2.0/sql/sessions",
            Some(json!({})),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, 403);
    let body: Value = grant_basic(&h, "client-1", "s3cret")
        .await
        .json()
        .await
        .unwrap();
    let fresh = body["access_token"].as_str().unwrap().to_string();
    let r = h
        .send(
            reqwest::Method::POST,
            "/api/2.0/sql/sessions",
            Some(json!({})),
            Some(&fresh),
        )
        .await;
    assert_eq!(r.status, 200);
}
