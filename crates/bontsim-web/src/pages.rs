//! The clinic's pages and forms: server-rendered HTML (askama templates, escaped), one
//! handler per route. Every handler reads the logged-in user from the request (put there by
//! [`crate::auth::require_user`]) and passes the user's clinic to every query. Input is
//! checked with the core's rules (products and brand names, muscles, sides, dates, and the
//! whole visit parsed as a plan) before anything is written; a refused form is shown again
//! with the message beside its field.

use crate::auth::clinician;
use crate::error::WebError;
use crate::facemap::{FaceMap, Marker};
use crate::forecast::{self, line_chart, thin, Dots, Forecast, Series};
use crate::store::{NewPatient, NewPoint, NewVisit, Observation, Palsy, Patient, User, Visit};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use bontsim_core::anatomy::Anatomy;
use bontsim_core::plan::date::{format_iso_date, parse_iso_date};
use bontsim_core::product::{find_product, products, suggest_product};
use bontsim_core::report::DISCLAIMER;
use bontsim_core::Format;
use serde::Deserialize;
use std::collections::BTreeMap;

type Result<T> = std::result::Result<T, WebError>;

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A number as people write it: no trailing zeros, at most two decimals.
pub fn number(value: f64) -> String {
    let text = format!("{:.2}", value);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// A string inside TOML double quotes.
pub fn toml_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Text safe in a TOML comment: one line.
pub fn toml_comment(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// `snake_case` as words.
pub fn words(key: &str) -> String {
    key.replace('_', " ")
}

fn html<T: Template>(template: &T) -> Result<Response> {
    let text = template
        .render()
        .map_err(|e| WebError::Internal(format!("template: {e}")))?;
    Ok(Html(text).into_response())
}

fn html_status<T: Template>(status: StatusCode, template: &T) -> Result<Response> {
    let mut response = html(template)?;
    *response.status_mut() = status;
    Ok(response)
}

/// (field, message) of a refusal "field: message".
fn split_error(error: &WebError) -> (String, String) {
    let message = error.message();
    match message.split_once(": ") {
        Some((field, _)) if !field.contains(' ') => (field.to_string(), message.clone()),
        _ => (String::new(), message),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    disclaimer: &'static str,
    status: u16,
    message: &'a str,
}

pub fn error_page(status: StatusCode, message: &str) -> Html<String> {
    let page = ErrorPage {
        disclaimer: DISCLAIMER,
        status: status.as_u16(),
        message,
    };
    Html(page.render().unwrap_or_else(|_| escape(message)))
}

// -----------------------------------------------------------------------------------------
// Checks with the core's rules.

fn check_date(field: &str, text: &str) -> Result<i64> {
    parse_iso_date(text.trim()).map_err(|e| WebError::field(field, e))
}

fn check_number(field: &str, text: &str, low: f64, high: f64) -> Result<f64> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| WebError::field(field, format!("\"{}\" is not a number", text.trim())))?;
    if !(value.is_finite() && value >= low && value <= high) {
        return Err(WebError::field(
            field,
            format!(
                "must be between {} and {}, got {}",
                number(low),
                number(high),
                number(value)
            ),
        ));
    }
    Ok(value)
}

fn optional_number(field: &str, text: &str, low: f64, high: f64) -> Result<Option<f64>> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        check_number(field, text, low, high).map(Some)
    }
}

/// The product's generic name, from a generic or brand name.
pub fn check_product(text: &str) -> Result<String> {
    match find_product(text.trim()) {
        Some(product) => Ok(product.name.clone()),
        None => Err(WebError::field(
            "product",
            match suggest_product(text.trim()) {
                Some(s) => format!("unknown product \"{}\"; did you mean \"{s}\"?", text.trim()),
                None => format!("unknown product \"{}\"", text.trim()),
            },
        )),
    }
}

pub fn check_muscle_side(muscle: &str, side: &str) -> Result<(String, String)> {
    let anatomy = Anatomy::get();
    let Some(id) = anatomy.find(muscle.trim()) else {
        return Err(WebError::field(
            "muscle",
            match anatomy.suggest(muscle.trim()) {
                Some(s) => format!(
                    "unknown muscle \"{}\"; did you mean \"{s}\"?",
                    muscle.trim()
                ),
                None => format!("unknown muscle \"{}\"", muscle.trim()),
            },
        ));
    };
    let entry = anatomy.muscle(id);
    if !entry.injectable {
        return Err(WebError::field(
            "muscle",
            format!("{} is not injected", entry.name),
        ));
    }
    let side = side.trim();
    match side {
        "left" | "right" => {}
        "midline" if entry.midline_allowed => {}
        "midline" => {
            return Err(WebError::field(
                "side",
                format!(
                    "{} is injected left or right, not on the midline",
                    entry.name
                ),
            ))
        }
        other => {
            return Err(WebError::field(
                "side",
                format!("\"{other}\" is not left, right or midline"),
            ))
        }
    }
    Ok((entry.name.clone(), side.to_string()))
}

fn injectable_muscles() -> Vec<String> {
    let anatomy = Anatomy::get();
    anatomy
        .ids()
        .map(|id| anatomy.muscle(id))
        .filter(|m| m.injectable)
        .map(|m| m.name.clone())
        .collect()
}

/// The patient's whole chart with `visit` changed must still be a valid plan.
fn check_chart(state: &AppState, patient: &Patient, visits: &[Visit]) -> Result<()> {
    let (text, _) = forecast::plan_toml(patient, visits);
    state
        .engine
        .parse_plan(&text, Format::Toml)
        .map(|_| ())
        .map_err(|e| WebError::BadRequest(format!("plan: {e}")))
}

// -----------------------------------------------------------------------------------------
// Patients.

#[derive(Deserialize, Default)]
pub struct PatientForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    birth_year: String,
    #[serde(default)]
    palsy_side: String,
    #[serde(default)]
    palsy_house_brackmann: String,
    #[serde(default)]
    palsy_onset: String,
}

#[derive(Template)]
#[template(path = "patients.html")]
struct PatientsPage {
    disclaimer: &'static str,
    user: User,
    patients: Vec<Patient>,
    form: PatientForm,
    error: (String, String),
}

impl PatientsPage {
    fn error_for(&self, field: &str) -> String {
        if self.error.0 == field {
            self.error.1.clone()
        } else {
            String::new()
        }
    }
}

pub async fn patients(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
) -> Result<Response> {
    let patients = state.store.patients(&user.clinic).await?;
    html(&PatientsPage {
        disclaimer: DISCLAIMER,
        user,
        patients,
        form: PatientForm::default(),
        error: Default::default(),
    })
}

fn check_patient(form: &PatientForm) -> Result<NewPatient> {
    let code = form.code.trim();
    if code.is_empty() || code.len() > 40 {
        return Err(WebError::field("code", "must be 1 to 40 characters"));
    }
    let sex = match form.sex.trim() {
        "female" | "male" => form.sex.trim().to_string(),
        other => {
            return Err(WebError::field(
                "sex",
                format!("\"{other}\" is not female or male"),
            ))
        }
    };
    let this_year: f64 = format_iso_date(forecast::today())[..4]
        .parse()
        .unwrap_or(2026.0);
    let birth_year = check_number("birth_year", &form.birth_year, 1900.0, this_year)?;
    if birth_year.fract() != 0.0 {
        return Err(WebError::field("birth_year", "must be a whole year"));
    }
    let palsy = match form.palsy_side.trim() {
        "" => None,
        side @ ("left" | "right") => {
            let grade = check_number(
                "palsy_house_brackmann",
                &form.palsy_house_brackmann,
                1.0,
                6.0,
            )?;
            if grade.fract() != 0.0 {
                return Err(WebError::field(
                    "palsy_house_brackmann",
                    "must be a whole grade 1 to 6",
                ));
            }
            check_date("palsy_onset", &form.palsy_onset)?;
            Some(Palsy {
                side: side.to_string(),
                house_brackmann: grade as i64,
                onset: form.palsy_onset.trim().to_string(),
            })
        }
        other => {
            return Err(WebError::field(
                "palsy_side",
                format!("\"{other}\" is not left or right"),
            ))
        }
    };
    Ok(NewPatient {
        code: code.to_string(),
        sex,
        birth_year: birth_year as i64,
        palsy,
    })
}

pub async fn create_patient(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Form(form): Form<PatientForm>,
) -> Result<Response> {
    clinician(&user)?;
    let created = match check_patient(&form) {
        Ok(patient) => state.store.create_patient(&user.clinic, &patient).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(id) => {
            state
                .store
                .audit(&user.clinic, &user.id, "create patient", &id)
                .await?;
            Ok(Redirect::to(&format!("/patients/{id}")).into_response())
        }
        Err(e @ WebError::BadRequest(_)) => {
            let patients = state.store.patients(&user.clinic).await?;
            html_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &PatientsPage {
                    disclaimer: DISCLAIMER,
                    error: split_error(&e),
                    user,
                    patients,
                    form,
                },
            )
        }
        Err(e) => Err(e),
    }
}

// -----------------------------------------------------------------------------------------
// One patient.

#[derive(Deserialize, Default)]
pub struct VisitForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    lot: String,
    #[serde(default)]
    expiry: String,
    #[serde(default)]
    dilution_ml: String,
}

pub struct ForecastView {
    day0: String,
    today: i64,
    charts: Vec<String>,
    wear_off: Vec<String>,
    warnings: Vec<String>,
    risks: Vec<(String, String, String)>,
    disagreements: Vec<String>,
}

#[derive(Template)]
#[template(path = "patient.html")]
struct PatientPage {
    disclaimer: &'static str,
    user: User,
    clinician: bool,
    patient: Patient,
    visits: Vec<Visit>,
    form: VisitForm,
    error: (String, String),
    message: String,
    products: Vec<String>,
    forecast: Option<ForecastView>,
    forecast_error: String,
    observations: Vec<[String; 9]>,
    areas: Vec<String>,
    /// (photo id, date, the model's face on that date as SVG).
    photos: Vec<(String, String, String)>,
    shares: i64,
    share_url: String,
}

impl PatientPage {
    fn error_for(&self, field: &str) -> String {
        if self.error.0 == field {
            self.error.1.clone()
        } else {
            String::new()
        }
    }
}

fn optional(value: Option<f64>) -> String {
    value.map(number).unwrap_or_default()
}

/// The forecast's charts: severity per area, and strength, mass and volume per treated
/// muscle, today marked, recorded observations as dots.
fn charts(forecast: &Forecast, observations: &[Observation]) -> Vec<String> {
    let report = &forecast.report;
    let days = report.days as f64;
    let today = Some(forecast.today as f64);
    let mut charts = Vec::new();
    let severity: Vec<Series> = report
        .areas
        .iter()
        .map(|a| Series {
            label: words(&a.area),
            points: thin(&a.daily, |d| d.severity),
        })
        .collect();
    let recorded: Vec<Dots> = report
        .areas
        .iter()
        .map(|a| Dots {
            label: format!("recorded {}", words(&a.area)),
            points: observations
                .iter()
                .filter(|o| o.area == a.area)
                .filter_map(|o| {
                    let day = forecast::day_number(&o.date)? - forecast.reference;
                    Some((day as f64, o.max_severity?))
                })
                .collect(),
        })
        .filter(|d| !d.points.is_empty())
        .collect();
    if !severity.is_empty() {
        charts.push(line_chart(
            "Severity at maximal contraction per area (0 none – 3 severe)",
            "grade",
            (0.0, 3.0),
            &severity,
            &recorded,
            today,
            days,
        ));
    }
    let treated: Vec<_> = report
        .muscles
        .iter()
        .filter(|m| m.injected_units > 0.0)
        .take(8)
        .collect();
    for (title, value) in [
        ("Strength per treated muscle (1 = untreated)", 0usize),
        ("Mass per treated muscle (1 = untreated)", 1),
        ("Volume per treated muscle (1 = untreated)", 2),
    ] {
        let series: Vec<Series> = treated
            .iter()
            .map(|m| Series {
                label: format!("{} {}", words(&m.muscle), m.side),
                points: thin(&m.daily, |d| match value {
                    0 => d.strength,
                    1 => d.mass,
                    _ => d.volume,
                }),
            })
            .collect();
        if series.is_empty() {
            continue;
        }
        let low = if value == 0 { 0.0 } else { 0.6 };
        charts.push(line_chart(
            title,
            "relative",
            (low, 1.05),
            &series,
            &[],
            today,
            days,
        ));
    }
    if report.face.affected_side.is_some() {
        let scores = vec![
            Series {
                label: "Sunnybrook".into(),
                points: thin(&report.face.daily, |d| d.sunnybrook),
            },
            Series {
                label: "eFACE".into(),
                points: thin(&report.face.daily, |d| d.eface_total),
            },
        ];
        let recorded = vec![Dots {
            label: "recorded Sunnybrook".into(),
            points: observations
                .iter()
                .filter_map(|o| {
                    let day = forecast::day_number(&o.date)? - forecast.reference;
                    Some((day as f64, o.sunnybrook?))
                })
                .collect(),
        }];
        charts.push(line_chart(
            "Palsy scores over time",
            "score",
            (0.0, 100.0),
            &scores,
            &recorded,
            today,
            days,
        ));
    }
    charts
}

fn forecast_view(forecast: &Forecast, observations: &[Observation]) -> ForecastView {
    let report = &forecast.report;
    ForecastView {
        day0: forecast.date(0),
        today: forecast.today,
        charts: charts(forecast, observations),
        wear_off: forecast
            .wear_off()
            .into_iter()
            .map(|(muscle, side, date)| match date {
                Some(date) => format!("{} {side}: about {date}", words(&muscle)),
                None => format!("{} {side}: not within the forecast", words(&muscle)),
            })
            .collect(),
        warnings: report.warnings.clone(),
        risks: report
            .risks
            .iter()
            .map(|r| {
                (
                    words(&r.risk),
                    format!("{:.1}%", r.probability * 100.0),
                    r.driver.clone(),
                )
            })
            .collect(),
        disagreements: forecast.disagreements(observations),
    }
}

async fn patient_page(
    state: &AppState,
    user: User,
    id: &str,
    form: VisitForm,
    error: (String, String),
    share_url: String,
) -> Result<PatientPage> {
    let patient = state.store.patient(&user.clinic, id).await?;
    let visits = state.store.visits(&user.clinic, id).await?;
    let observations = state.store.observations(&user.clinic, id).await?;
    let photos = state.store.photos(&user.clinic, id).await?;
    let shares = state.store.active_shares(&user.clinic, id).await?;
    let (forecast, forecast_error, faces) = {
        let engine = state.engine.clone();
        let (patient, visits, observations) =
            (patient.clone(), visits.clone(), observations.clone());
        let photo_dates: Vec<String> = photos.iter().map(|(_, date)| date.clone()).collect();
        tokio::task::spawn_blocking(move || match Forecast::new(&engine, &patient, &visits) {
            Ok(f) => {
                let faces = faces_on_dates(&engine, &f, &photo_dates);
                (Some(forecast_view(&f, &observations)), String::new(), faces)
            }
            Err(e) => (None, format!("No forecast: {e}"), Vec::new()),
        })
        .await
        .map_err(|e| WebError::Internal(format!("forecast: {e}")))?
    };
    let photos = photos
        .into_iter()
        .enumerate()
        .map(|(n, (id, date))| (id, date, faces.get(n).cloned().unwrap_or_default()))
        .collect();
    let message = if error.0.is_empty() {
        error.1.clone()
    } else {
        String::new()
    };
    Ok(PatientPage {
        disclaimer: DISCLAIMER,
        clinician: user.role == crate::store::Role::Clinician,
        user,
        patient,
        visits,
        form,
        error,
        message,
        products: products()
            .iter()
            .flat_map(|p| std::iter::once(p.name.clone()).chain(p.brands.iter().cloned()))
            .collect(),
        forecast,
        forecast_error,
        observations: observations
            .iter()
            .map(|o| {
                [
                    o.date.clone(),
                    words(&o.area),
                    optional(o.rest_severity),
                    optional(o.max_severity),
                    o.movement_returned_day
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                    optional(o.masseter_mm),
                    optional(o.sunnybrook),
                    optional(o.eface),
                    o.house_brackmann.map(|d| d.to_string()).unwrap_or_default(),
                ]
            })
            .collect(),
        areas: wrinkle_areas(),
        photos,
        shares,
        share_url,
    })
}

/// The model's face on each date (as SVG), to stand beside the photo taken that day; dates
/// before the first visit show the untreated face, dates past the forecast its last day.
fn faces_on_dates(
    engine: &bontsim_core::Engine,
    forecast: &Forecast,
    dates: &[String],
) -> Vec<String> {
    if dates.is_empty() {
        return Vec::new();
    }
    let last = forecast.report.days.saturating_sub(1) as i64;
    let days: Vec<usize> = dates
        .iter()
        .map(|date| {
            forecast::day_number(date)
                .map(|d| (d - forecast.reference).clamp(0, last) as usize)
                .unwrap_or_else(|| forecast.today_index())
        })
        .collect();
    FaceMap::on_days(engine, &forecast.plan, &days)
        .map(|maps| maps.iter().map(|m| m.svg(&[])).collect())
        .unwrap_or_default()
}

fn wrinkle_areas() -> Vec<String> {
    let anatomy = Anatomy::get();
    let mut areas: Vec<String> = anatomy
        .ids()
        .filter_map(|id| anatomy.muscle(id).wrinkle_area.clone())
        .collect();
    areas.sort();
    areas.dedup();
    areas
}

pub async fn patient(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
) -> Result<Response> {
    let form = VisitForm {
        date: format_iso_date(forecast::today()),
        product: "onabotulinumtoxinA".into(),
        dilution_ml: "2.5".into(),
        ..Default::default()
    };
    html(&patient_page(&state, user, &id, form, Default::default(), String::new()).await?)
}

fn check_visit(form: &VisitForm) -> Result<(String, String, String, String, f64)> {
    let date = check_date("date", &form.date)?;
    let product = check_product(&form.product)?;
    let lot = form.lot.trim();
    if lot.is_empty() || lot.len() > 64 {
        return Err(WebError::field("lot", "must be 1 to 64 characters"));
    }
    let expiry = check_date("expiry", &form.expiry)?;
    if expiry < date {
        return Err(WebError::field(
            "expiry",
            format!("the lot expired on {} before the visit", form.expiry.trim()),
        ));
    }
    let dilution = check_number("dilution_ml", &form.dilution_ml, 0.1, 10.0)?;
    Ok((
        format_iso_date(date),
        product,
        lot.to_string(),
        format_iso_date(expiry),
        dilution,
    ))
}

pub async fn create_visit(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
    Form(form): Form<VisitForm>,
) -> Result<Response> {
    clinician(&user)?;
    let patient = state.store.patient(&user.clinic, &id).await?;
    match check_visit(&form) {
        Ok((date, product, lot, expiry, dilution_ml)) => {
            let visit = state
                .store
                .create_visit(
                    &user.clinic,
                    &NewVisit {
                        patient: patient.id.clone(),
                        date,
                        product,
                        lot,
                        expiry,
                        dilution_ml,
                        amends: None,
                        note: String::new(),
                        points: Vec::new(),
                    },
                )
                .await?;
            state
                .store
                .audit(&user.clinic, &user.id, "create visit", &visit)
                .await?;
            Ok(Redirect::to(&format!("/visits/{visit}")).into_response())
        }
        Err(e) => {
            let page =
                patient_page(&state, user, &id, form, split_error(&e), String::new()).await?;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Deserialize)]
pub struct ObservationForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    rest_severity: String,
    #[serde(default)]
    max_severity: String,
    #[serde(default)]
    movement_returned_day: String,
    #[serde(default)]
    masseter_mm: String,
    #[serde(default)]
    sunnybrook: String,
    #[serde(default)]
    eface: String,
    #[serde(default)]
    house_brackmann: String,
}

pub async fn add_observation(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
    Form(form): Form<ObservationForm>,
) -> Result<Response> {
    clinician(&user)?;
    let patient = state.store.patient(&user.clinic, &id).await?;
    let checked = (|| -> Result<Observation> {
        let date = check_date("date", &form.date)?;
        if !form.area.is_empty() && !wrinkle_areas().contains(&form.area) {
            return Err(WebError::field(
                "area",
                format!("unknown area \"{}\"", form.area),
            ));
        }
        let whole = |field: &str, text: &str, low: f64, high: f64| -> Result<Option<i64>> {
            match optional_number(field, text, low, high)? {
                Some(v) if v.fract() != 0.0 => {
                    Err(WebError::field(field, "must be a whole number"))
                }
                other => Ok(other.map(|v| v as i64)),
            }
        };
        Ok(Observation {
            patient: patient.id.clone(),
            date: format_iso_date(date),
            area: form.area.clone(),
            rest_severity: optional_number("rest_severity", &form.rest_severity, 0.0, 3.0)?,
            max_severity: optional_number("max_severity", &form.max_severity, 0.0, 3.0)?,
            movement_returned_day: whole(
                "movement_returned_day",
                &form.movement_returned_day,
                0.0,
                3650.0,
            )?,
            masseter_mm: optional_number("masseter_mm", &form.masseter_mm, 1.0, 40.0)?,
            sunnybrook: optional_number("sunnybrook", &form.sunnybrook, 0.0, 100.0)?,
            eface: optional_number("eface", &form.eface, 0.0, 100.0)?,
            house_brackmann: whole("house_brackmann", &form.house_brackmann, 1.0, 6.0)?,
        })
    })();
    match checked {
        Ok(observation) => {
            state
                .store
                .add_observation(&user.clinic, &observation)
                .await?;
            state
                .store
                .audit(&user.clinic, &user.id, "record observation", &patient.id)
                .await?;
            Ok(Redirect::to(&format!("/patients/{id}")).into_response())
        }
        Err(e) => {
            let page = patient_page(
                &state,
                user,
                &id,
                VisitForm::default(),
                (String::new(), e.message()),
                String::new(),
            )
            .await?;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

// -----------------------------------------------------------------------------------------
// Visits and the face map.

#[derive(Template)]
#[template(path = "visit.html")]
struct VisitPage {
    disclaimer: &'static str,
    user: User,
    clinician: bool,
    patient: Patient,
    visit: Visit,
    editable: bool,
    map_svg: String,
    muscles: Vec<String>,
    sides: Vec<String>,
    totals: Vec<(String, String)>,
    overall: String,
    warnings: Vec<String>,
    message: String,
    error: (String, String),
}

impl VisitPage {
    fn error_for(&self, field: &str) -> String {
        if self.error.0 == field {
            self.error.1.clone()
        } else {
            String::new()
        }
    }
}

/// Units per treatment area (the muscle's wrinkle area, else its region) and in all.
pub fn totals(points: &[crate::store::Point]) -> (Vec<(String, String)>, String) {
    let anatomy = Anatomy::get();
    let mut per_area: BTreeMap<String, f64> = BTreeMap::new();
    for point in points {
        let area = anatomy
            .find(&point.muscle)
            .map(|id| {
                let m = anatomy.muscle(id);
                m.wrinkle_area.clone().unwrap_or_else(|| m.region.clone())
            })
            .unwrap_or_else(|| point.muscle.clone());
        *per_area.entry(words(&area)).or_default() += point.units;
    }
    let overall: f64 = points.iter().map(|p| p.units).sum();
    (
        per_area.into_iter().map(|(a, u)| (a, number(u))).collect(),
        number(overall),
    )
}

/// The visit's plan alone (its points on day 0), for the label warnings.
fn visit_plan(patient: &Patient, visit: &Visit) -> String {
    let mut alone = visit.clone();
    alone.status = "signed".into();
    alone.amends = None;
    forecast::plan_toml(patient, &[alone]).0
}

fn warnings_of(state: &AppState, patient: &Patient, visit: &Visit) -> Vec<String> {
    if visit.points.is_empty() {
        return Vec::new();
    }
    match state
        .engine
        .parse_plan(&visit_plan(patient, visit), Format::Toml)
    {
        Ok(plan) => state.engine.check(&plan).warnings,
        Err(e) => vec![e.to_string()],
    }
}

async fn visit_page(
    state: &AppState,
    user: User,
    id: &str,
    message: String,
    error: (String, String),
) -> Result<VisitPage> {
    let visit = state.store.visit(&user.clinic, id).await?;
    let patient = state.store.patient(&user.clinic, &visit.patient).await?;
    let map = state.untreated_map(&patient)?;
    let markers: Vec<Marker> = visit
        .points
        .iter()
        .map(|p| Marker {
            x: p.x,
            y: p.y,
            units: p.units,
            class: "point",
            id: p.id.clone(),
        })
        .collect();
    let (totals, overall) = totals(&visit.points);
    let clinician = user.role == crate::store::Role::Clinician;
    Ok(VisitPage {
        disclaimer: DISCLAIMER,
        warnings: warnings_of(state, &patient, &visit),
        editable: clinician && !visit.signed(),
        clinician,
        user,
        map_svg: map.cropped_svg(&markers),
        muscles: injectable_muscles(),
        sides: vec!["left".into(), "right".into(), "midline".into()],
        totals,
        overall,
        patient,
        visit,
        message,
        error,
    })
}

pub async fn visit(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
) -> Result<Response> {
    html(&visit_page(&state, user, &id, String::new(), Default::default()).await?)
}

#[derive(Deserialize)]
pub struct PointForm {
    #[serde(default)]
    x: String,
    #[serde(default)]
    y: String,
    #[serde(default)]
    muscle: String,
    #[serde(default)]
    side: String,
    #[serde(default)]
    units: String,
}

/// Check a point against the core's rules and the whole chart, then write it.
async fn save_points(
    state: &AppState,
    user: &User,
    visit: &Visit,
    points: Vec<NewPoint>,
) -> Result<()> {
    let patient = state.store.patient(&user.clinic, &visit.patient).await?;
    let mut visits = state.store.visits(&user.clinic, &patient.id).await?;
    if let Some(v) = visits.iter_mut().find(|v| v.id == visit.id) {
        for p in &points {
            v.points.push(crate::store::Point {
                id: String::new(),
                x: p.x,
                y: p.y,
                muscle: p.muscle.clone(),
                side: p.side.clone(),
                units: p.units,
            });
        }
        // Check the visit as a plan of its own too: a draft addendum is not in the chart.
        let alone = v.clone();
        state
            .engine
            .parse_plan(&visit_plan(&patient, &alone), Format::Toml)
            .map_err(|e| WebError::BadRequest(format!("plan: {e}")))?;
    }
    check_chart(state, &patient, &visits)?;
    state
        .store
        .add_points(&user.clinic, &visit.id, &points)
        .await
}

pub async fn add_point(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
    Form(form): Form<PointForm>,
) -> Result<Response> {
    clinician(&user)?;
    let visit = state.store.draft(&user.clinic, &id).await?;
    let patient = state.store.patient(&user.clinic, &visit.patient).await?;
    let result = async {
        let units = check_number("units", &form.units, 0.1, 500.0)?;
        let (mut muscle, mut side) = (form.muscle.clone(), form.side.clone());
        let (x, y) = match (form.x.trim().parse::<f64>(), form.y.trim().parse::<f64>()) {
            (Ok(x), Ok(y)) if x.is_finite() && y.is_finite() => (x, y),
            _ => {
                // No click: the point goes to the chosen muscle's place on the map.
                let map = state.untreated_map(&patient)?;
                let (m, s) = check_muscle_side(&muscle, &side)?;
                muscle = m;
                side = s;
                map.anchor(&muscle, &side)
            }
        };
        let (muscle, side) = check_muscle_side(&muscle, &side)?;
        save_points(
            &state,
            &user,
            &visit,
            vec![NewPoint {
                x,
                y,
                muscle,
                side,
                units,
            }],
        )
        .await
    }
    .await;
    match result {
        Ok(()) => {
            state
                .store
                .audit(&user.clinic, &user.id, "add point", &visit.id)
                .await?;
            Ok(Redirect::to(&format!("/visits/{id}")).into_response())
        }
        Err(e @ WebError::BadRequest(_)) => {
            let error = split_error(&e);
            let message = if error.0.is_empty() || error.0 == "plan" {
                e.message()
            } else {
                String::new()
            };
            let page = visit_page(&state, user, &id, message, error).await?;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

pub async fn update_point(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path((id, point)): Path<(String, String)>,
    Form(form): Form<PointForm>,
) -> Result<Response> {
    clinician(&user)?;
    let visit = state.store.draft(&user.clinic, &id).await?;
    let units = check_number("units", &form.units, 0.1, 500.0)?;
    let (muscle, side) = check_muscle_side(&form.muscle, &form.side)?;
    let patient = state.store.patient(&user.clinic, &visit.patient).await?;
    let mut changed = visit.clone();
    if let Some(p) = changed.points.iter_mut().find(|p| p.id == point) {
        p.muscle = muscle.clone();
        p.side = side.clone();
        p.units = units;
    }
    state
        .engine
        .parse_plan(&visit_plan(&patient, &changed), Format::Toml)
        .map_err(|e| WebError::BadRequest(format!("plan: {e}")))?;
    state
        .store
        .update_point(&user.clinic, &id, &point, &muscle, &side, units)
        .await?;
    state
        .store
        .audit(&user.clinic, &user.id, "change point", &id)
        .await?;
    Ok(Redirect::to(&format!("/visits/{id}")).into_response())
}

pub async fn delete_point(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path((id, point)): Path<(String, String)>,
) -> Result<Response> {
    clinician(&user)?;
    state.store.delete_point(&user.clinic, &id, &point).await?;
    state
        .store
        .audit(&user.clinic, &user.id, "remove point", &id)
        .await?;
    Ok(Redirect::to(&format!("/visits/{id}")).into_response())
}

/// "Repeat last visit": the points of the patient's latest earlier visit with points.
pub async fn repeat_last(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
) -> Result<Response> {
    clinician(&user)?;
    let visit = state.store.draft(&user.clinic, &id).await?;
    let visits = state.store.visits(&user.clinic, &visit.patient).await?;
    let previous = forecast::effective_visits(&visits)
        .into_iter()
        .rfind(|v| v.id != visit.id && v.date <= visit.date)
        .ok_or_else(|| {
            WebError::BadRequest("There is no earlier visit with points to repeat.".into())
        })?;
    let points = previous
        .points
        .iter()
        .map(|p| NewPoint {
            x: p.x,
            y: p.y,
            muscle: p.muscle.clone(),
            side: p.side.clone(),
            units: p.units,
        })
        .collect();
    save_points(&state, &user, &visit, points).await?;
    state
        .store
        .audit(&user.clinic, &user.id, "repeat last visit", &id)
        .await?;
    Ok(Redirect::to(&format!("/visits/{id}")).into_response())
}

/// "Mirror to the other side": every left or right point gets its twin on the other side,
/// unless that side already has a point in the same muscle.
pub async fn mirror(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
) -> Result<Response> {
    clinician(&user)?;
    let visit = state.store.draft(&user.clinic, &id).await?;
    let patient = state.store.patient(&user.clinic, &visit.patient).await?;
    let map = state.untreated_map(&patient)?;
    let points: Vec<NewPoint> = visit
        .points
        .iter()
        .filter(|p| p.side != "midline")
        .filter_map(|p| {
            let other = if p.side == "left" { "right" } else { "left" };
            let taken = visit
                .points
                .iter()
                .any(|q| q.muscle == p.muscle && q.side == other);
            (!taken).then(|| NewPoint {
                x: map.mirror_x(p.x),
                y: p.y,
                muscle: p.muscle.clone(),
                side: other.to_string(),
                units: p.units,
            })
        })
        .collect();
    if points.is_empty() {
        return Err(WebError::BadRequest(
            "Nothing to mirror: every point already has its twin on the other side.".into(),
        ));
    }
    save_points(&state, &user, &visit, points).await?;
    state
        .store
        .audit(&user.clinic, &user.id, "mirror points", &id)
        .await?;
    Ok(Redirect::to(&format!("/visits/{id}")).into_response())
}

pub async fn sign(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
) -> Result<Response> {
    clinician(&user)?;
    let visit = state.store.draft(&user.clinic, &id).await?;
    if visit.points.is_empty() {
        return Err(WebError::BadRequest(
            "A visit without points cannot be signed.".into(),
        ));
    }
    state.store.sign_visit(&user.clinic, &id, &user.id).await?;
    state
        .store
        .audit(&user.clinic, &user.id, "sign visit", &id)
        .await?;
    Ok(Redirect::to(&format!("/visits/{id}")).into_response())
}

/// A correction of a signed visit: a new draft with the original's details and points,
/// which replaces the original in the forecast once signed; the original stays as it was.
pub async fn addendum(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
) -> Result<Response> {
    clinician(&user)?;
    let original = state.store.visit(&user.clinic, &id).await?;
    if !original.signed() {
        return Err(WebError::BadRequest(
            "Only a signed visit takes an addendum; edit the draft.".into(),
        ));
    }
    let new = state
        .store
        .create_visit(
            &user.clinic,
            &NewVisit {
                patient: original.patient.clone(),
                date: original.date.clone(),
                product: original.product.clone(),
                lot: original.lot.clone(),
                expiry: original.expiry.clone(),
                dilution_ml: original.dilution_ml,
                amends: Some(original.id.clone()),
                note: "addendum".into(),
                points: original
                    .points
                    .iter()
                    .map(|p| NewPoint {
                        x: p.x,
                        y: p.y,
                        muscle: p.muscle.clone(),
                        side: p.side.clone(),
                        units: p.units,
                    })
                    .collect(),
            },
        )
        .await?;
    state
        .store
        .audit(&user.clinic, &user.id, "create addendum", &new)
        .await?;
    Ok(Redirect::to(&format!("/visits/{new}")).into_response())
}

#[derive(Deserialize)]
pub struct CheckQuery {
    x: Option<f64>,
    y: Option<f64>,
    muscle: Option<String>,
    side: Option<String>,
    units: Option<String>,
}

/// The live check of the face map: where a click lies (muscle and side) and the label
/// warnings of the visit with the point being placed.
pub async fn check(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
    Query(query): Query<CheckQuery>,
) -> Result<Response> {
    let mut visit = state.store.visit(&user.clinic, &id).await?;
    let patient = state.store.patient(&user.clinic, &visit.patient).await?;
    let mut located = None;
    if let (Some(x), Some(y)) = (query.x, query.y) {
        if x.is_finite() && y.is_finite() {
            let map = state.untreated_map(&patient)?;
            located = map.locate(x, y);
        }
    }
    let (muscle, side) = match &located {
        Some((m, s)) => (m.clone(), s.clone()),
        None => (
            query.muscle.unwrap_or_default(),
            query.side.unwrap_or_default(),
        ),
    };
    let mut errors = Vec::new();
    let units = query.units.as_deref().unwrap_or("");
    match (
        check_muscle_side(&muscle, &side),
        check_number("units", units, 0.1, 500.0),
    ) {
        (Ok((muscle, side)), Ok(units)) => visit.points.push(crate::store::Point {
            id: String::new(),
            x: 0.0,
            y: 0.0,
            muscle,
            side,
            units,
        }),
        (a, b) => {
            errors.extend(a.err().map(|e| e.message()));
            errors.extend(b.err().map(|e| e.message()));
        }
    }
    let (totals, overall) = totals(&visit.points);
    let body = serde_json::json!({
        "muscle": muscle,
        "side": side,
        "warnings": warnings_of(&state, &patient, &visit),
        "errors": errors,
        "totals": totals,
        "overall_units": overall,
    });
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response())
}

// -----------------------------------------------------------------------------------------
// Lots and audit.

#[derive(Template)]
#[template(path = "lots.html")]
struct LotsPage {
    disclaimer: &'static str,
    user: User,
    lot: String,
    rows: Vec<(String, String, Visit)>,
}

#[derive(Deserialize)]
pub struct LotQuery {
    #[serde(default)]
    lot: String,
}

pub async fn lots(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Query(query): Query<LotQuery>,
) -> Result<Response> {
    let lot = query.lot.trim().to_string();
    let rows = if lot.is_empty() {
        Vec::new()
    } else {
        state.store.lot_recall(&user.clinic, &lot).await?
    };
    html(&LotsPage {
        disclaimer: DISCLAIMER,
        user,
        lot,
        rows,
    })
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    disclaimer: &'static str,
    user: User,
    entries: Vec<(String, String, String)>,
}

pub async fn audit(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
) -> Result<Response> {
    let entries = state
        .store
        .audit_entries(&user.clinic)
        .await?
        .into_iter()
        .map(|(action, object, at)| {
            let day = at.div_euclid(86_400);
            let seconds = at.rem_euclid(86_400);
            (
                action,
                object,
                format!(
                    "{} {:02}:{:02}",
                    format_iso_date(day),
                    seconds / 3600,
                    seconds % 3600 / 60
                ),
            )
        })
        .collect();
    html(&AuditPage {
        disclaimer: DISCLAIMER,
        user,
        entries,
    })
}

/// The patient page with a just-created share link shown once.
pub(crate) async fn patient_with_share(
    state: &AppState,
    user: User,
    id: &str,
    share_url: String,
) -> Result<Response> {
    let page = patient_page(
        state,
        user,
        id,
        VisitForm::default(),
        Default::default(),
        share_url,
    )
    .await?;
    html(&page)
}
