//! A test clinic: the router on a fresh database (a temporary SQLite file, and the
//! PostgreSQL server of `BONTSIM_TEST_POSTGRES_URL` when set) and a client that keeps its
//! cookies and sends the session's CSRF token, as a browser with the pages would.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use bontsim_web::store::{random_hex, Role, Store};
use bontsim_web::{add_user, router, AppState};
use std::collections::BTreeMap;
use std::path::PathBuf;
use tower::ServiceExt;

pub struct Backend {
    pub name: &'static str,
    pub url: String,
    pub directory: PathBuf,
}

/// The databases to run on: SQLite always, PostgreSQL when `BONTSIM_TEST_POSTGRES_URL` is set.
pub fn backends() -> Vec<Backend> {
    let directory = std::env::temp_dir().join(format!("bontsim-web-test-{}", random_hex(8)));
    std::fs::create_dir_all(&directory).unwrap();
    let mut all = vec![Backend {
        name: "sqlite",
        url: directory.join("clinic.db").display().to_string(),
        directory: directory.clone(),
    }];
    if let Ok(url) = std::env::var("BONTSIM_TEST_POSTGRES_URL") {
        if !url.is_empty() {
            all.push(Backend {
                name: "postgres",
                url,
                directory,
            });
        }
    }
    all
}

pub struct Clinic {
    pub router: Router,
    pub store: Store,
    pub backend: &'static str,
}

impl Clinic {
    pub async fn open(backend: &Backend) -> Clinic {
        let store = Store::open(&backend.url).await.expect("the database opens");
        let state = AppState::new(store.clone(), backend.directory.join("photos"));
        Clinic {
            router: router(state),
            store,
            backend: backend.name,
        }
    }

    /// A new user of a new clinic (unique names, so tests share a PostgreSQL database).
    pub async fn user(&self, role: Role) -> (String, String, String) {
        let clinic = format!("clinic {}", random_hex(6));
        let email = format!("{}@example.invalid", random_hex(6));
        let password = "a long enough password".to_string();
        add_user(&self.store, &clinic, &email, &password, role)
            .await
            .unwrap();
        (clinic, email, password)
    }

    pub async fn logged_in(&self, role: Role) -> Client {
        let (_, email, password) = self.user(role).await;
        let mut client = Client::new(self.router.clone());
        let response = client.login(&email, &password).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
        client
    }
}

pub struct Response {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Response {
    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }
}

#[derive(Clone)]
pub struct Client {
    router: Router,
    pub cookies: BTreeMap<String, String>,
    pub csrf: String,
}

/// The first 64-hex-digit CSRF token in a page.
pub fn csrf_in(page: &str) -> Option<String> {
    let start = page.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(page[start..start + 64].to_string())
}

/// The first `/prefix/<32 hex>` link in a page.
pub fn link(page: &str, prefix: &str) -> Option<String> {
    let start = page.find(prefix)?;
    let id: String = page[start + prefix.len()..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    (id.len() == 32).then(|| format!("{prefix}{id}"))
}

fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Client {
    pub fn new(router: Router) -> Client {
        Client {
            router,
            cookies: BTreeMap::new(),
            csrf: String::new(),
        }
    }

    pub async fn send(&mut self, request: Request<Body>) -> Response {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for value in headers.get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let bytes = axum::body::to_bytes(response.into_body(), 64 << 20)
            .await
            .unwrap();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(token) = csrf_in(&body) {
            self.csrf = token;
        }
        Response {
            status,
            headers,
            body,
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn get(&mut self, path: &str) -> Response {
        let request = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    /// POST a form with the session's CSRF token.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let csrf = self.csrf.clone();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &form(&all)).await
    }

    /// POST a form as given (no token added).
    pub async fn post_raw(&mut self, path: &str, body: &str) -> Response {
        let request = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(request).await
    }

    pub async fn login(&mut self, email: &str, password: &str) -> Response {
        let page = self.get("/login").await;
        assert_eq!(page.status, StatusCode::OK);
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }

    /// Create a patient; returns its page path.
    pub async fn patient(&mut self, code: &str) -> String {
        self.get("/patients").await;
        let response = self
            .post(
                "/patients",
                &[("code", code), ("sex", "female"), ("birth_year", "1984")],
            )
            .await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
        response.location()
    }

    /// Create a draft visit of the patient at `path`; returns the visit's path.
    pub async fn visit(&mut self, patient: &str, date: &str, lot: &str) -> String {
        self.get(patient).await;
        let response = self
            .post(
                &format!("{patient}/visits"),
                &[
                    ("date", date),
                    ("product", "Botox"),
                    ("lot", lot),
                    ("expiry", "2030-01-01"),
                    ("dilution_ml", "2.5"),
                ],
            )
            .await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
        response.location()
    }

    pub async fn point(&mut self, visit: &str, muscle: &str, side: &str, units: &str) -> Response {
        self.get(visit).await;
        self.post(
            &format!("{visit}/points"),
            &[("muscle", muscle), ("side", side), ("units", units)],
        )
        .await
    }
}
