//! Who is asking: Argon2id password hashes, table-backed sessions (the cookie holds a random
//! token, the table only its SHA-256, so a copy of the database opens no session), a CSRF
//! token per session that every POST must carry, and a limit on failed logins per account.

use crate::error::WebError;
use crate::store::{random_hex, Store, User};
use crate::AppState;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

pub const SESSION_COOKIE: &str = "bontsim_session";
/// The login form's own CSRF token (double-submit: cookie and field must match).
pub const LOGIN_COOKIE: &str = "bontsim_login";
/// A session lasts 12 hours: one working day.
pub const SESSION_SECONDS: i64 = 12 * 3600;
const FAILURES_ALLOWED: usize = 5;
const FAILURE_WINDOW_SECONDS: i64 = 15 * 60;
/// Largest form body the CSRF check reads (uploads carry their token in a header or the URL).
const FORM_LIMIT: usize = 1 << 20;

pub fn hash_password(password: &str) -> Result<String, WebError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| WebError::Internal(format!("password hashing: {e}")))
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A password a clinic may use: at least 10 characters.
pub fn check_password(password: &str) -> Result<(), WebError> {
    if password.chars().count() < 10 {
        return Err(WebError::field(
            "password",
            "must be at least 10 characters long",
        ));
    }
    Ok(())
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, the whole site; `Secure` behind TLS.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Log `user` in: a new session (the old one, if any, is ended first, so the token changes
/// at every login) and its cookie.
pub async fn start_session(
    store: &Store,
    user: &str,
    old_token: Option<&str>,
    secure: bool,
) -> Result<String, WebError> {
    if let Some(old) = old_token {
        store.delete_session(&token_hash(old)).await?;
    }
    let token = random_hex(32);
    store
        .create_session(user, &token_hash(&token), &random_hex(32), SESSION_SECONDS)
        .await?;
    Ok(set_cookie(SESSION_COOKIE, &token, SESSION_SECONDS, secure))
}

/// Failed logins per account in the last window.
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<i64>>>,
}

impl LoginLimiter {
    pub fn allowed(&self, account: &str, now: i64) -> bool {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let entry = failures.entry(account.to_lowercase()).or_default();
        entry.retain(|&at| now - at < FAILURE_WINDOW_SECONDS);
        entry.len() < FAILURES_ALLOWED
    }

    pub fn failed(&self, account: &str, now: i64) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures
            .entry(account.to_lowercase())
            .or_default()
            .push(now);
    }

    pub fn succeeded(&self, account: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&account.to_lowercase());
    }
}

fn constant_time_equal(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The CSRF token a request carries: the `x-csrf-token` header, a `csrf` query parameter
/// (multipart uploads) or a `csrf` form field.
fn carried_token(request_headers: &HeaderMap, query: Option<&str>, body: &[u8]) -> Option<String> {
    if let Some(token) = request_headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return Some(token.to_string());
    }
    let field = |text: &str| {
        text.split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == "csrf")
            .map(|(_, value)| value.to_string())
    };
    if let Some(token) = query.and_then(field) {
        return Some(token);
    }
    std::str::from_utf8(body).ok().and_then(field)
}

/// The guard of every page behind the login: finds the session's user (or sends the browser
/// to the login page) and refuses a POST whose CSRF token is not the session's (403).
pub async fn require_user(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, WebError> {
    let token = cookie(request.headers(), SESSION_COOKIE).ok_or(WebError::Unauthorised)?;
    let user = state
        .store
        .session_user(&token_hash(&token))
        .await?
        .ok_or(WebError::Unauthorised)?;
    let mut request = if request.method() == Method::POST {
        let (parts, body) = request.into_parts();
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let (bytes, body) = if is_form {
            let bytes = axum::body::to_bytes(body, FORM_LIMIT)
                .await
                .map_err(|_| WebError::BadRequest("the form is too large".into()))?;
            (bytes.clone(), Body::from(bytes))
        } else {
            (Default::default(), body)
        };
        let carried = carried_token(&parts.headers, parts.uri.query(), &bytes);
        if !carried.is_some_and(|t| constant_time_equal(&t, &user.csrf)) {
            return Err(WebError::Csrf);
        }
        Request::from_parts(parts, body)
    } else {
        request
    };
    request.extensions_mut().insert(user);
    Ok(next.run(request).await)
}

/// Refuse a change by a read-only user.
pub fn clinician(user: &User) -> Result<(), WebError> {
    match user.role {
        crate::store::Role::Clinician => Ok(()),
        crate::store::Role::Assistant => Err(WebError::Forbidden(
            "Assistants read only; a clinician makes changes.".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn logins_are_limited_per_account() {
        let limiter = LoginLimiter::default();
        for _ in 0..FAILURES_ALLOWED {
            assert!(limiter.allowed("a@clinic", 100));
            limiter.failed("a@clinic", 100);
        }
        assert!(!limiter.allowed("A@clinic", 101));
        assert!(limiter.allowed("b@clinic", 101));
        assert!(limiter.allowed("a@clinic", 100 + FAILURE_WINDOW_SECONDS));
    }

    #[test]
    fn the_token_is_found_in_header_query_or_form() {
        let mut headers = HeaderMap::new();
        assert_eq!(
            carried_token(&headers, None, b"a=1&csrf=xyz"),
            Some("xyz".into())
        );
        assert_eq!(
            carried_token(&headers, Some("csrf=q"), b""),
            Some("q".into())
        );
        headers.insert("x-csrf-token", "h".parse().unwrap());
        assert_eq!(carried_token(&headers, None, b""), Some("h".into()));
        assert_eq!(carried_token(&HeaderMap::new(), None, b"a=1"), None);
    }
}
