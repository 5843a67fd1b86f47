//! The bontsim clinic: a web app (`bontsim serve`) that charts injections on a face map and
//! shows each patient what their plan does. Every charted point is a muscle, a side and units
//! on a date, so a patient's chart is a bontsim plan: the pages call the core's `Engine` to
//! check, simulate and plan it, and draw with the render crate. Records live in SQLite
//! (embedded, the default) or PostgreSQL through one portable schema ([`store`]). Pages are
//! rendered on the server; the only script is the face map's, and every asset is embedded in
//! the binary.

pub mod auth;
pub mod error;
pub mod facemap;
pub mod forecast;
pub mod pages;
pub mod records;
pub mod store;

use crate::auth::{cookie, hash_password, set_cookie, verify_password, LoginLimiter};
use crate::error::WebError;
use crate::store::{random_hex, Role, Store};
use askama::Template;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use bontsim_core::report::DISCLAIMER;
use bontsim_core::Engine;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

/// Largest request body outside photo uploads.
pub const BODY_LIMIT: usize = 1 << 20;
/// A request taking longer is answered 408 (a forecast takes milliseconds).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// No inline script, no foreign origin, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub engine: Engine,
    /// Where photos are kept: beside the database.
    pub photo_dir: PathBuf,
    pub limiter: Arc<LoginLimiter>,
    /// Mark cookies `Secure` (behind a TLS reverse proxy).
    pub secure_cookies: bool,
    /// Untreated face maps by patient (`[patient]` and `[palsy]` text): every page of a
    /// visit needs one, and it only changes with the patient's age.
    maps: Arc<std::sync::Mutex<std::collections::HashMap<String, Arc<facemap::FaceMap>>>>,
}

impl AppState {
    pub fn new(store: Store, photo_dir: PathBuf) -> AppState {
        AppState {
            store,
            engine: Engine::default(),
            photo_dir,
            limiter: Arc::new(LoginLimiter::default()),
            secure_cookies: false,
            maps: Default::default(),
        }
    }

    /// The untreated face map of a patient today.
    pub fn untreated_map(
        &self,
        patient: &store::Patient,
    ) -> Result<Arc<facemap::FaceMap>, WebError> {
        let key = forecast::patient_toml(patient, forecast::today());
        let mut maps = self.maps.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(map) = maps.get(&key) {
            return Ok(map.clone());
        }
        let map = Arc::new(
            facemap::FaceMap::untreated(&self.engine, &key)
                .map_err(|e| WebError::Internal(format!("face map: {e}")))?,
        );
        if maps.len() >= 256 {
            maps.clear();
        }
        maps.insert(key, map.clone());
        Ok(map)
    }
}

/// The whole app: public routes (login, share links, assets), the rest behind the login.
pub fn router(state: AppState) -> Router {
    let protected = Router::new()
        .route(
            "/patients",
            get(pages::patients).post(pages::create_patient),
        )
        .route("/patients/{id}", get(pages::patient))
        .route("/patients/{id}/visits", post(pages::create_visit))
        .route("/patients/{id}/observations", post(pages::add_observation))
        .route("/patients/{id}/page", get(records::patient_print))
        .route("/patients/{id}/share", post(records::share))
        .route("/patients/{id}/share/revoke", post(records::revoke))
        .route("/patients/{id}/import", post(records::import))
        .route(
            "/patients/{id}/photos",
            post(records::upload_photo).layer(DefaultBodyLimit::max(records::PHOTO_LIMIT + 4096)),
        )
        .route("/patients/{id}/proposal", get(records::proposal))
        .route(
            "/patients/{id}/proposal/accept",
            post(records::accept_proposal),
        )
        .route("/patients/{id}/{format}", get(records::export))
        .route("/visits/{id}", get(pages::visit))
        .route("/visits/{id}/points", post(pages::add_point))
        .route("/visits/{id}/points/{point}", post(pages::update_point))
        .route(
            "/visits/{id}/points/{point}/delete",
            post(pages::delete_point),
        )
        .route("/visits/{id}/repeat-last", post(pages::repeat_last))
        .route("/visits/{id}/mirror", post(pages::mirror))
        .route("/visits/{id}/sign", post(pages::sign))
        .route("/visits/{id}/addendum", post(pages::addendum))
        .route("/visits/{id}/check", get(pages::check))
        .route("/photos/{id}", get(records::photo))
        .route("/lots", get(pages::lots))
        .route("/audit", get(pages::audit))
        .route("/logout", post(logout))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_user,
        ));
    Router::new()
        .route("/", get(|| async { Redirect::to("/patients") }))
        .route("/login", get(login_form).post(login))
        .route("/share/{token}", get(records::shared))
        .route("/assets/app.css", get(stylesheet))
        .route("/assets/facemap.js", get(script))
        .route("/healthz", get(|| async { "ok" }))
        .merge(protected)
        .fallback(|| async { WebError::NotFound })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(state)
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../assets/app.css"),
    )
}

async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../assets/facemap.js"),
    )
}

// -----------------------------------------------------------------------------------------
// Login.

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    disclaimer: &'static str,
    csrf: String,
    message: String,
}

fn login_page(state: &AppState, status: StatusCode, message: &str) -> Response {
    let csrf = random_hex(32);
    let page = LoginPage {
        disclaimer: DISCLAIMER,
        csrf: csrf.clone(),
        message: message.to_string(),
    };
    let cookie = set_cookie(auth::LOGIN_COOKIE, &csrf, 3600, state.secure_cookies);
    match page.render() {
        Ok(text) => (status, [(header::SET_COOKIE, cookie)], Html(text)).into_response(),
        Err(e) => WebError::Internal(format!("template: {e}")).into_response(),
    }
}

async fn login_form(State(state): State<AppState>) -> Response {
    login_page(&state, StatusCode::OK, "")
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let expected = cookie(&headers, auth::LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || expected != form.csrf {
        return Err(WebError::Csrf);
    }
    let email = form.email.trim().to_lowercase();
    let now = store::now();
    if !state.limiter.allowed(&email, now) {
        return Ok(login_page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            &WebError::TooManyAttempts.message(),
        ));
    }
    let record = state.store.login_record(&email).await?;
    let password = form.password.clone();
    let verified = match record {
        Some((user, hash, clinic)) => tokio::task::spawn_blocking(move || {
            verify_password(&password, &hash).then_some((user, clinic))
        })
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?,
        None => None,
    };
    let Some((user, clinic)) = verified else {
        state.limiter.failed(&email, now);
        return Ok(login_page(
            &state,
            StatusCode::UNAUTHORIZED,
            "Wrong email or password.",
        ));
    };
    state.limiter.succeeded(&email);
    let old = cookie(&headers, auth::SESSION_COOKIE);
    let session =
        auth::start_session(&state.store, &user, old.as_deref(), state.secure_cookies).await?;
    state.store.audit(&clinic, &user, "log in", &user).await?;
    let mut response = Redirect::to("/patients").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        session
            .parse()
            .map_err(|_| WebError::Internal("cookie".into()))?,
    );
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(auth::LOGIN_COOKIE, "", 0, state.secure_cookies)
            .parse()
            .map_err(|_| WebError::Internal("cookie".into()))?,
    );
    Ok(response)
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    if let Some(token) = cookie(&headers, auth::SESSION_COOKIE) {
        state
            .store
            .delete_session(&auth::token_hash(&token))
            .await?;
    }
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, "/login".to_string()),
            (
                header::SET_COOKIE,
                set_cookie(auth::SESSION_COOKIE, "", 0, state.secure_cookies),
            ),
        ],
    )
        .into_response())
}

// -----------------------------------------------------------------------------------------
// Accounts, the demo clinic and serving.

/// Add a user (and their clinic when new). The password must be at least 10 characters.
pub async fn add_user(
    store: &Store,
    clinic_name: &str,
    email: &str,
    password: &str,
    role: Role,
) -> Result<String, WebError> {
    let email = email.trim().to_lowercase();
    if !email.contains('@') || email.len() > 200 {
        return Err(WebError::field(
            "email",
            format!("\"{email}\" is not an email address"),
        ));
    }
    if clinic_name.trim().is_empty() {
        return Err(WebError::field("clinic", "must not be empty"));
    }
    auth::check_password(password)?;
    let clinic = match store.clinic_by_name(clinic_name.trim()).await? {
        Some(id) => id,
        None => store.create_clinic(clinic_name.trim()).await?,
    };
    let hash = hash_password(password)?;
    store.create_user(&clinic, &email, &hash, role).await
}

/// The demo clinic's examples: (code, sex, birth year, palsy, plan file text).
const DEMO_PATIENTS: &[(&str, &str)] = &[
    (
        "DEMO-GLABELLA",
        include_str!("../../../examples/glabella_20u_every_4_months.toml"),
    ),
    (
        "DEMO-MASSETER",
        include_str!("../../../examples/masseter_25u_every_3_months.toml"),
    ),
    (
        "DEMO-PALSY",
        include_str!("../../../examples/palsy_acute_bell_healthy_side.toml"),
    ),
];

/// Seed a demo clinic with a login and the example patients (their plans' sessions as
/// signed visits ending before today); returns (email, password). A second run keeps the
/// clinic and its records and gives the demo login a new password.
pub async fn seed_demo(store: &Store, engine: &Engine) -> Result<(String, String), WebError> {
    let email = "demo@bontsim.invalid".to_string();
    let password = random_hex(8);
    if let Some((user, _, _)) = store.login_record(&email).await? {
        // The clinic is seeded already; a fresh password, so a lost one never locks out.
        store
            .set_password(&user, &hash_password(&password)?)
            .await?;
        return Ok((email, password));
    }
    let user = add_user(store, "Demo clinic", &email, &password, Role::Clinician).await?;
    let clinic = store
        .clinic_by_name("Demo clinic")
        .await?
        .unwrap_or_default();
    let today = forecast::today();
    for (code, text) in DEMO_PATIENTS {
        let plan = engine
            .parse_plan(text, bontsim_core::Format::Toml)
            .map_err(|e| WebError::Internal(format!("demo {code}: {e}")))?;
        // Day 0 about a year ago, so the charts show past and future.
        let reference = today - 400;
        let palsy = plan.palsy.as_ref().map(|_| store::Palsy {
            side: "left".into(),
            house_brackmann: 4,
            onset: bontsim_core::plan::date::format_iso_date(reference),
        });
        let patient = store
            .create_patient(
                &clinic,
                &store::NewPatient {
                    code: code.to_string(),
                    sex: match plan.patient.sex {
                        bontsim_core::plan::Sex::Female => "female".into(),
                        bontsim_core::plan::Sex::Male => "male".into(),
                    },
                    birth_year: 2026 - plan.patient.age as i64,
                    palsy,
                },
            )
            .await?;
        let map = facemap::FaceMap::untreated(engine, "[patient]\nsex = \"female\"\nage = 40\n")
            .map_err(|e| WebError::Internal(e.to_string()))?;
        let anatomy = bontsim_core::anatomy::Anatomy::get();
        let mut days: Vec<f64> = plan.injections.iter().map(|i| i.day).collect();
        days.dedup();
        for day in days.into_iter().filter(|d| reference + (*d as i64) < today) {
            let date = bontsim_core::plan::date::format_iso_date(reference + day as i64);
            let injections: Vec<_> = plan.injections.iter().filter(|i| i.day == day).collect();
            let points = injections
                .iter()
                .map(|i| {
                    let muscle = anatomy.muscle(i.muscle).name.clone();
                    let side = match i.site {
                        bontsim_core::plan::Site::Left => "left",
                        bontsim_core::plan::Site::Right => "right",
                        bontsim_core::plan::Site::Midline => "midline",
                    }
                    .to_string();
                    let (x, y) = map.anchor(&muscle, &side);
                    store::NewPoint {
                        x,
                        y,
                        muscle,
                        side,
                        units: i.units,
                    }
                })
                .collect();
            let visit = store
                .create_visit(
                    &clinic,
                    &store::NewVisit {
                        patient: patient.clone(),
                        date: date.clone(),
                        product: injections[0].product.to_string(),
                        lot: format!("DEMO-LOT-{}", (day as i64) / 180 + 1),
                        expiry: bontsim_core::plan::date::format_iso_date(
                            reference + day as i64 + 365,
                        ),
                        dilution_ml: 2.5,
                        amends: None,
                        note: "demo".into(),
                        points,
                    },
                )
                .await?;
            store.sign_visit(&clinic, &visit, &user).await?;
        }
    }
    Ok((email, password))
}

/// Options of `bontsim serve`.
pub struct ServeOptions {
    /// A SQLite path, or a `sqlite:`/`postgres:` URL.
    pub database: String,
    pub listen: String,
    pub demo: bool,
    pub secure_cookies: bool,
}

/// The folder beside the database where photos are kept.
pub fn photo_dir(database: &str) -> PathBuf {
    if database.starts_with("postgres") {
        return PathBuf::from("bontsim-photos");
    }
    let path = database
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or("bontsim.db");
    let path = PathBuf::from(path);
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bontsim".into());
    path.with_file_name(format!("{stem}-photos"))
}

/// Run the clinic until interrupted (Ctrl-C).
pub async fn serve(options: ServeOptions) -> Result<(), WebError> {
    let store = Store::open(&options.database).await?;
    let mut state = AppState::new(store.clone(), photo_dir(&options.database));
    state.secure_cookies = options.secure_cookies;
    if options.demo {
        let (email, password) = seed_demo(&store, &state.engine).await?;
        println!("demo clinic: log in as {email} with password {password}");
    } else if store.user_count().await? == 0 {
        println!(
            "no user yet: add one with `bontsim user add --clinic NAME --email EMAIL` (or start with --demo)"
        );
    }
    let listener = tokio::net::TcpListener::bind(&options.listen)
        .await
        .map_err(|e| WebError::Internal(format!("listen on {}: {e}", options.listen)))?;
    let address = listener
        .local_addr()
        .map_err(|e| WebError::Internal(e.to_string()))?;
    println!("bontsim clinic on http://{address}/  ({DISCLAIMER})");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(stop_signal())
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    // Closing the pool checkpoints SQLite's write-ahead log into the database file.
    store.pool.close().await;
    println!("bontsim clinic stopped");
    Ok(())
}

/// Ctrl-C, or SIGTERM (what systemd and `kill` send): the server stops accepting and
/// finishes the requests in flight; every committed write is already on disk.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// A runtime for the CLI's blocking calls.
pub fn runtime() -> Result<tokio::runtime::Runtime, WebError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| WebError::Internal(format!("runtime: {e}")))
}
