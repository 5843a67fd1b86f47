//! What can go wrong in a request, and the status and words each gives: a field's error names
//! the field (as the core's plan errors do), a locked visit says so, and a database fault is
//! logged and answered without internals.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub enum WebError {
    /// Not there, or not this clinic's (the same answer, so ids leak nothing).
    NotFound,
    /// Logged in, but the role may not do this (an assistant reads only).
    Forbidden(String),
    /// A POST without the session's CSRF token.
    Csrf,
    /// Not logged in.
    Unauthorised,
    /// A signed visit cannot change; corrections are addenda.
    Locked,
    /// Too many failed logins.
    TooManyAttempts,
    /// Bad input: "field: reason".
    BadRequest(String),
    Internal(String),
}

impl WebError {
    pub fn field(field: &str, reason: impl std::fmt::Display) -> WebError {
        WebError::BadRequest(format!("{field}: {reason}"))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden(_) | WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::Unauthorised => StatusCode::SEE_OTHER,
            WebError::Locked => StatusCode::CONFLICT,
            WebError::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            WebError::BadRequest(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn message(&self) -> String {
        match self {
            WebError::NotFound => "Not found.".into(),
            WebError::Forbidden(why) => why.clone(),
            WebError::Csrf => {
                "Refused: the form's security token is missing or stale. Reload the page and try again."
                    .into()
            }
            WebError::Unauthorised => "Please log in.".into(),
            WebError::Locked => {
                "This visit is signed and locked; add an addendum to correct it.".into()
            }
            WebError::TooManyAttempts => {
                "Too many failed logins; wait 15 minutes and try again.".into()
            }
            WebError::BadRequest(why) => why.clone(),
            WebError::Internal(_) => "The server failed; nothing was saved.".into(),
        }
    }
}

impl std::fmt::Display for WebError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WebError::Internal(why) => write!(f, "{why}"),
            other => write!(f, "{}", other.message()),
        }
    }
}

impl From<sqlx::Error> for WebError {
    fn from(error: sqlx::Error) -> WebError {
        WebError::Internal(format!("database: {error}"))
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Internal(why) = &self {
            eprintln!("bontsim serve: {why}");
        }
        if let WebError::Unauthorised = self {
            return (StatusCode::SEE_OTHER, [("location", "/login")]).into_response();
        }
        let page = crate::pages::error_page(self.status(), &self.message());
        (self.status(), page).into_response()
    }
}
