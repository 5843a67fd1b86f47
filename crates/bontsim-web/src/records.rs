//! What leaves and enters the clinic for one patient: the printable patient's page in plain
//! language (also behind a read-only share link), exports as JSON, CSV and plan TOML, a
//! plan TOML imported as a draft visit, photos (re-encoded so no camera metadata or GPS
//! position is kept) and the palsy symmetry planner's proposal accepted as draft points.

use crate::auth::{clinician, token_hash};
use crate::error::WebError;
use crate::facemap::{FaceMap, Marker};
use crate::forecast::{self, line_chart, thin, Forecast, Series};
use crate::pages::{check_muscle_side, check_product, number, words};
use crate::store::{random_hex, NewPoint, NewVisit, Patient, User, Visit};
use crate::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use bontsim_core::engine::SymmetryRequest;
use bontsim_core::plan::date::{format_iso_date, parse_iso_date};
use bontsim_core::plan::Site;
use bontsim_core::report::{MuscleReport, DISCLAIMER};
use bontsim_core::{Engine, Format};
use serde::Deserialize;

type Result<T> = std::result::Result<T, WebError>;

/// Largest photo accepted.
pub const PHOTO_LIMIT: usize = 8 << 20;

// -----------------------------------------------------------------------------------------
// The patient's page.

#[derive(Debug, PartialEq)]
pub struct MuscleAnswer {
    name: String,
    shrink: String,
    visible: String,
    recovery: String,
    interval: String,
}

#[derive(Template)]
#[template(path = "patient_page.html")]
struct PatientPrint {
    disclaimer: &'static str,
    code: String,
    prepared: String,
    shared: bool,
    face: String,
    chart: String,
    muscles: Vec<MuscleAnswer>,
}

/// Visits at the same place `days` apart after `last`, `count` of them.
fn repeated(last: &Visit, every: i64, count: i64) -> Vec<Visit> {
    let start = forecast::day_number(&last.date).unwrap_or_else(forecast::today);
    (1..=count)
        .map(|n| {
            let mut v = last.clone();
            v.id = format!("{}-repeat-{n}", last.id);
            v.date = format_iso_date(start + every * n);
            v.status = "signed".into();
            v.amends = None;
            v
        })
        .collect()
}

/// The largest volume loss (%) of a muscle and side under a what-if, and its daily volume.
fn volume_loss(
    muscles: Option<&[MuscleReport]>,
    muscle: &str,
    side: &str,
) -> Option<(f64, Vec<f64>)> {
    let m = muscles?
        .iter()
        .find(|m| m.muscle == muscle && m.side == side)?;
    Some((
        m.summary.volume_loss_percent,
        m.daily.iter().map(|d| d.volume).collect(),
    ))
}

/// The plain-language answers per treated muscle. `what_if` gives the muscles of the
/// forecast of other visits ([`Forecast::muscles`] on the page).
fn answers(
    patient: &Patient,
    visits: &[Visit],
    forecast: &Forecast,
    what_if: impl Fn(&[Visit]) -> Option<Vec<MuscleReport>>,
) -> Vec<MuscleAnswer> {
    let today = forecast::today();
    let counting: Vec<Visit> = forecast::effective_visits(visits)
        .into_iter()
        .cloned()
        .collect();
    let past: Vec<Visit> = counting
        .iter()
        .filter(|v| forecast::day_number(&v.date).is_some_and(|d| d <= today))
        .cloned()
        .collect();
    let dates: Vec<i64> = counting
        .iter()
        .filter_map(|v| forecast::day_number(&v.date))
        .collect();
    let interval = if dates.len() >= 2 {
        let mut gaps: Vec<i64> = dates
            .windows(2)
            .map(|w| w[1] - w[0])
            .filter(|g| *g > 0)
            .collect();
        gaps.sort();
        gaps.get(gaps.len() / 2)
            .copied()
            .unwrap_or(120)
            .clamp(60, 365)
    } else {
        120
    };
    let last = counting.last().cloned();
    // Three what-ifs shared by every muscle (one simulation each, not one per muscle):
    // treatment stopping now, and the next four treatments at the usual interval or 60 days later.
    let (usual, longer) = match &last {
        Some(last) => {
            let mut usual = counting.clone();
            usual.extend(repeated(last, interval, 4));
            let mut longer = counting.clone();
            longer.extend(repeated(last, interval + 60, 4));
            (usual, longer)
        }
        None => (Vec::new(), Vec::new()),
    };
    let what_if = |visits: &[Visit]| (!visits.is_empty()).then(|| what_if(visits)).flatten();
    let (stopped, usual, longer) = (what_if(&past), what_if(&usual), what_if(&longer));
    forecast
        .report
        .muscles
        .iter()
        .filter(|m| m.injected_units > 0.0)
        .map(|m| {
            let name = format!("Your {} ({} side)", words(&m.muscle), m.side);
            let loss = m.summary.volume_loss_percent;
            let shrink = if loss < 1.0 {
                "It hardly shrinks: less than 1% at most over this plan.".to_string()
            } else {
                let smallest = m
                    .daily
                    .iter()
                    .min_by(|a, b| a.volume.total_cmp(&b.volume))
                    .map(|d| d.day)
                    .unwrap_or(m.summary.minimum_mass_day);
                format!(
                    "At most it shrinks by about {:.0}% of its volume, around {}.",
                    loss,
                    forecast.date(smallest as i64)
                )
            };
            let visible = if loss >= m.summary.measurable_change_percent {
                format!(
                    "That is more than the {}% an ultrasound scan can measure in this muscle{}.",
                    number(m.summary.measurable_change_percent),
                    if m.muscle == "masseter" { "; in the jaw muscle a change this size usually slims the lower face visibly" } else { "; you are unlikely to see it in the mirror" }
                )
            } else {
                format!(
                    "That is less than the {}% an ultrasound scan can measure, so it is not visible.",
                    number(m.summary.measurable_change_percent)
                )
            };
            let recovery = match volume_loss(stopped.as_deref(), &m.muscle, &m.side) {
                Some((_, daily)) if !past.is_empty() => {
                    let last_past = past.iter().filter_map(|v| forecast::day_number(&v.date)).max().unwrap_or(today);
                    let reference = forecast::reference_day(patient, &forecast::effective_visits(&past));
                    let start = (last_past - reference).max(0) as usize;
                    let lowest = daily.iter().skip(start).enumerate().min_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i + start);
                    let back = lowest.and_then(|low| daily.iter().enumerate().skip(low).find(|(_, v)| **v >= 0.98).map(|(d, _)| d));
                    match back {
                        Some(day) => format!(
                            "If treatment stopped now, it would be back to within 2% of its size around {} (about {} months after the last treatment).",
                            format_iso_date(reference + day as i64),
                            ((day as i64 + reference - last_past) as f64 / 30.4).round()
                        ),
                        None => "If treatment stopped now, it would still be recovering a year after the last treatment.".to_string(),
                    }
                }
                _ => "No treatment has been given yet, so nothing needs to recover.".to_string(),
            };
            let interval = match (
                volume_loss(usual.as_deref(), &m.muscle, &m.side),
                volume_loss(longer.as_deref(), &m.muscle, &m.side),
            ) {
                (Some((a, _)), Some((b, _))) => format!(
                    "Treating every {} days instead of every {interval} days for the next four treatments would change its largest shrink from about {a:.0}% to about {b:.0}%.",
                    interval + 60
                ),
                _ => String::new(),
            };
            MuscleAnswer { name, shrink, visible, recovery, interval }
        })
        .collect()
}

/// The printable patient's page as HTML; `what_if` as in [`answers`].
fn printable(
    engine: &Engine,
    patient: &Patient,
    visits: &[Visit],
    shared: bool,
    what_if: impl Fn(&[Visit]) -> Option<Vec<MuscleReport>>,
) -> Result<String> {
    let f = Forecast::new(engine, patient, visits).map_err(WebError::BadRequest)?;
    let face = FaceMap::new(engine, &f.plan, f.today_index())
        .map(|m| m.svg(&[]))
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let series: Vec<Series> = f
        .report
        .muscles
        .iter()
        .filter(|m| m.injected_units > 0.0)
        .take(6)
        .map(|m| Series {
            label: format!("{} {}", words(&m.muscle), m.side),
            points: thin(&m.daily, |d| d.volume),
        })
        .collect();
    let chart = line_chart(
        "Muscle size over time (1 = untreated size)",
        "size",
        (0.6, 1.05),
        &series,
        &[],
        Some(f.today as f64),
        f.report.days as f64,
    );
    PatientPrint {
        disclaimer: DISCLAIMER,
        code: patient.code.clone(),
        prepared: format_iso_date(forecast::today()),
        shared,
        face,
        chart,
        muscles: answers(patient, visits, &f, what_if),
    }
    .render()
    .map_err(|e| WebError::Internal(e.to_string()))
}

async fn print_page(
    state: &AppState,
    clinic: &str,
    patient_id: &str,
    shared: bool,
) -> Result<Response> {
    let patient = state.store.patient(clinic, patient_id).await?;
    let visits = state.store.visits(clinic, patient_id).await?;
    let engine = state.engine.clone();
    let text = tokio::task::spawn_blocking(move || {
        printable(&engine, &patient, &visits, shared, |visits| {
            Forecast::muscles(&engine, &patient, visits).ok()
        })
    })
    .await
    .map_err(|e| WebError::Internal(format!("patient page: {e}")))??;
    Ok(Html(text).into_response())
}

pub async fn patient_print(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
) -> Result<Response> {
    print_page(&state, &user.clinic, &id, false).await
}

/// A new read-only share link: 32 random bytes; only its hash is stored, so it is shown once.
pub async fn share(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
) -> Result<Response> {
    clinician(&user)?;
    let patient = state.store.patient(&user.clinic, &id).await?;
    let token = random_hex(32);
    state
        .store
        .create_share(&user.clinic, &patient.id, &token_hash(&token))
        .await?;
    state
        .store
        .audit(&user.clinic, &user.id, "share patient page", &patient.id)
        .await?;
    crate::pages::patient_with_share(&state, user, &id, format!("/share/{token}")).await
}

pub async fn revoke(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
) -> Result<Response> {
    clinician(&user)?;
    let patient = state.store.patient(&user.clinic, &id).await?;
    state.store.revoke_shares(&user.clinic, &patient.id).await?;
    state
        .store
        .audit(&user.clinic, &user.id, "revoke share links", &patient.id)
        .await?;
    Ok(Redirect::to(&format!("/patients/{id}")).into_response())
}

pub async fn shared(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(WebError::NotFound);
    }
    let (clinic, patient) = state.store.share(&token_hash(&token)).await?;
    print_page(&state, &clinic, &patient, true).await
}

// -----------------------------------------------------------------------------------------
// Exports and import.

pub async fn export(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path((id, format)): Path<(String, String)>,
) -> Result<Response> {
    let patient = state.store.patient(&user.clinic, &id).await?;
    let visits = state.store.visits(&user.clinic, &id).await?;
    let (content_type, body) = match format.as_str() {
        "export.toml" => (
            "application/toml; charset=utf-8",
            forecast::plan_toml(&patient, &visits).0,
        ),
        "export.csv" => {
            let mut text = String::from("# ");
            text.push_str(DISCLAIMER);
            text.push_str("\npatient,visit_date,status,amends,product,lot,expiry,dilution_ml,muscle,side,units,x,y\n");
            let cell = |t: &str| {
                if t.contains([',', '"', '\n']) {
                    format!("\"{}\"", t.replace('"', "\"\""))
                } else {
                    t.to_string()
                }
            };
            for v in &visits {
                for p in &v.points {
                    text.push_str(&format!(
                        "{},{},{},{},{},{},{},{},{},{},{},{:.1},{:.1}\n",
                        cell(&patient.code),
                        v.date,
                        v.status,
                        v.amends.as_deref().unwrap_or(""),
                        cell(&v.product),
                        cell(&v.lot),
                        v.expiry,
                        number(v.dilution_ml),
                        p.muscle,
                        p.side,
                        number(p.units),
                        p.x,
                        p.y
                    ));
                }
            }
            ("text/csv; charset=utf-8", text)
        }
        "export.json" => {
            let observations = state.store.observations(&user.clinic, &id).await?;
            let json = serde_json::json!({
                "disclaimer": DISCLAIMER,
                "patient": {
                    "code": patient.code,
                    "sex": patient.sex,
                    "birth_year": patient.birth_year,
                    "palsy": patient.palsy.as_ref().map(|p| serde_json::json!({
                        "affected_side": p.side, "house_brackmann": p.house_brackmann, "onset": p.onset
                    })),
                },
                "visits": visits.iter().map(|v| serde_json::json!({
                    "date": v.date, "status": v.status, "amends": v.amends, "product": v.product,
                    "lot": v.lot, "expiry": v.expiry, "dilution_ml": v.dilution_ml,
                    "points": v.points.iter().map(|p| serde_json::json!({
                        "muscle": p.muscle, "side": p.side, "units": p.units, "x": p.x, "y": p.y
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "observations": observations.iter().map(|o| serde_json::json!({
                    "date": o.date, "area": o.area, "rest_severity": o.rest_severity,
                    "max_severity": o.max_severity, "movement_returned_day": o.movement_returned_day,
                    "masseter_mm": o.masseter_mm, "sunnybrook": o.sunnybrook, "eface": o.eface,
                    "house_brackmann": o.house_brackmann,
                })).collect::<Vec<_>>(),
                "plan_toml": forecast::plan_toml(&patient, &visits).0,
            });
            (
                "application/json",
                serde_json::to_string_pretty(&json).unwrap_or_default(),
            )
        }
        _ => return Err(WebError::NotFound),
    };
    state
        .store
        .audit(
            &user.clinic,
            &user.id,
            &format!("export {}", format.trim_start_matches("export.")),
            &id,
        )
        .await?;
    let file = format!(
        "attachment; filename=\"patient-{}.{}\"",
        patient
            .code
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"),
        format.trim_start_matches("export.")
    );
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, file),
        ],
        body,
    )
        .into_response())
}

fn site_name(site: Site) -> &'static str {
    match site {
        Site::Left => "left",
        Site::Right => "right",
        Site::Midline => "midline",
    }
}

#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    plan: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    lot: String,
}

/// A plan TOML as a draft visit: the injections of its first session (day) become points
/// at their muscles' places on the face map.
pub async fn import(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
    Form(form): Form<ImportForm>,
) -> Result<Response> {
    clinician(&user)?;
    let patient = state.store.patient(&user.clinic, &id).await?;
    let plan = state
        .engine
        .parse_plan(&form.plan, Format::Toml)
        .map_err(|e| WebError::BadRequest(format!("plan: {e}")))?;
    let date = parse_iso_date(form.date.trim()).map_err(|e| WebError::field("date", e))?;
    let lot = form.lot.trim();
    if lot.is_empty() || lot.len() > 64 {
        return Err(WebError::field("lot", "must be 1 to 64 characters"));
    }
    let first = plan
        .injections
        .first()
        .ok_or_else(|| WebError::field("plan", "has no injection to import"))?;
    let map = state.untreated_map(&patient)?;
    let anatomy = bontsim_core::anatomy::Anatomy::get();
    let points: Vec<NewPoint> = plan
        .injections
        .iter()
        .filter(|i| i.day == first.day)
        .map(|i| {
            let muscle = anatomy.muscle(i.muscle).name.clone();
            let side = site_name(i.site).to_string();
            let (x, y) = map.anchor(&muscle, &side);
            NewPoint {
                x,
                y,
                muscle,
                side,
                units: i.units,
            }
        })
        .collect();
    let visit = state
        .store
        .create_visit(
            &user.clinic,
            &NewVisit {
                patient: patient.id.clone(),
                date: format_iso_date(date),
                product: check_product(first.product)?,
                lot: lot.to_string(),
                expiry: format_iso_date(date + 365),
                dilution_ml: 2.5,
                amends: None,
                note: "imported plan".into(),
                points,
            },
        )
        .await?;
    state
        .store
        .audit(&user.clinic, &user.id, "import plan", &visit)
        .await?;
    Ok(Redirect::to(&format!("/visits/{visit}")).into_response())
}

// -----------------------------------------------------------------------------------------
// Photos.

pub async fn upload_photo(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Result<Response> {
    clinician(&user)?;
    let patient = state.store.patient(&user.clinic, &id).await?;
    let (mut date, mut bytes) = (String::new(), Vec::new());
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| WebError::field("photo", format!("unreadable upload: {e}")))?
    {
        match field.name() {
            Some("date") => date = field.text().await.map_err(|e| WebError::field("date", e))?,
            Some("photo") => {
                bytes = field
                    .bytes()
                    .await
                    .map_err(|_| {
                        WebError::field("photo", format!("larger than {} MB", PHOTO_LIMIT >> 20))
                    })?
                    .to_vec()
            }
            _ => {}
        }
    }
    let date = parse_iso_date(date.trim()).map_err(|e| WebError::field("date", e))?;
    let (file_name, encoded) = reencode(&bytes)?;
    let directory = state.photo_dir.clone();
    tokio::fs::create_dir_all(&directory)
        .await
        .map_err(|e| WebError::Internal(format!("photos folder {}: {e}", directory.display())))?;
    let file_name = format!("{}-{file_name}", random_hex(16));
    let path = directory.join(&file_name);
    let temporary = directory.join(format!("{file_name}.partial"));
    tokio::fs::write(&temporary, &encoded)
        .await
        .map_err(|e| WebError::Internal(format!("photo {}: {e}", path.display())))?;
    tokio::fs::rename(&temporary, &path)
        .await
        .map_err(|e| WebError::Internal(format!("photo {}: {e}", path.display())))?;
    let photo = state
        .store
        .add_photo(
            &user.clinic,
            &patient.id,
            &format_iso_date(date),
            &file_name,
        )
        .await?;
    state
        .store
        .audit(&user.clinic, &user.id, "upload photo", &photo)
        .await?;
    Ok(Redirect::to(&format!("/patients/{id}")).into_response())
}

/// Decode a JPEG or PNG and encode its pixels again: nothing but the picture survives (no
/// EXIF, no GPS position). Returns the file name's ending and the bytes.
pub fn reencode(bytes: &[u8]) -> Result<(&'static str, Vec<u8>)> {
    use image::ImageFormat;
    let format = image::guess_format(bytes)
        .map_err(|_| WebError::field("photo", "is not a JPEG or PNG picture"))?;
    let (ending, output) = match format {
        ImageFormat::Jpeg => ("photo.jpg", ImageFormat::Jpeg),
        ImageFormat::Png => ("photo.png", ImageFormat::Png),
        _ => return Err(WebError::field("photo", "is not a JPEG or PNG picture")),
    };
    let picture = image::load_from_memory_with_format(bytes, format)
        .map_err(|e| WebError::field("photo", format!("cannot be read: {e}")))?;
    let mut out = std::io::Cursor::new(Vec::new());
    let picture = if output == ImageFormat::Jpeg {
        image::DynamicImage::ImageRgb8(picture.to_rgb8())
    } else {
        picture
    };
    picture
        .write_to(&mut out, output)
        .map_err(|e| WebError::Internal(format!("photo encoding: {e}")))?;
    Ok((ending, out.into_inner()))
}

pub async fn photo(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
) -> Result<Response> {
    let file = state.store.photo_file(&user.clinic, &id).await?;
    let bytes = tokio::fs::read(state.photo_dir.join(&file))
        .await
        .map_err(|_| WebError::NotFound)?;
    let content_type = if file.ends_with(".png") {
        "image/png"
    } else {
        "image/jpeg"
    };
    Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
}

// -----------------------------------------------------------------------------------------
// The symmetry planner.

#[derive(Template)]
#[template(path = "proposal.html")]
struct ProposalPage {
    disclaimer: &'static str,
    user: User,
    clinician: bool,
    patient: Patient,
    date: String,
    map_svg: String,
    doses: Vec<(String, String, String, String)>,
    summary: String,
}

struct Proposed {
    date: String,
    doses: Vec<(String, String, f64, String)>,
    summary: String,
    map: FaceMap,
}

/// The planner's proposal for a visit today (or after the last charted visit).
fn propose(engine: &Engine, patient: &Patient, visits: &[Visit]) -> Result<Proposed> {
    let f = Forecast::new(engine, patient, visits).map_err(WebError::BadRequest)?;
    let last = f.plan.injections.iter().map(|i| i.day).fold(0.0, f64::max);
    let day = (f.today.max(0) as f64)
        .max(if f.plan.injections.is_empty() {
            0.0
        } else {
            last + 1.0
        })
        .ceil();
    let mut request = SymmetryRequest::new(&f.plan);
    request.day = day;
    let (proposal, _) = engine
        .plan_symmetry(&request)
        .map_err(|e| WebError::BadRequest(format!("planner: {e}")))?;
    let anatomy = bontsim_core::anatomy::Anatomy::get();
    let map = FaceMap::new(engine, &f.plan, f.today_index())
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(Proposed {
        date: f.date(day as i64),
        doses: proposal
            .doses
            .iter()
            .map(|d| {
                (
                    anatomy.muscle(d.muscle).name.clone(),
                    d.side.name().to_string(),
                    d.units,
                    d.reason.clone(),
                )
            })
            .collect(),
        summary: format!(
            "Mean Sunnybrook over the next {} days: {:.0} without these doses, {:.0} with them.",
            request.horizon_days, proposal.before.mean_sunnybrook, proposal.after.mean_sunnybrook
        ),
        map,
    })
}

pub async fn proposal(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
) -> Result<Response> {
    let patient = state.store.patient(&user.clinic, &id).await?;
    let visits = state.store.visits(&user.clinic, &id).await?;
    let engine = state.engine.clone();
    let p = patient.clone();
    let proposed = tokio::task::spawn_blocking(move || propose(&engine, &p, &visits))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))??;
    let markers: Vec<Marker> = proposed
        .doses
        .iter()
        .map(|(m, s, u, _)| {
            let (x, y) = proposed.map.anchor(m, s);
            Marker {
                x,
                y,
                units: *u,
                class: "proposal",
                id: format!("{m}_{s}"),
            }
        })
        .collect();
    let page = ProposalPage {
        disclaimer: DISCLAIMER,
        clinician: user.role == crate::store::Role::Clinician,
        user,
        patient,
        date: proposed.date.clone(),
        map_svg: proposed.map.cropped_svg(&markers),
        doses: proposed
            .doses
            .iter()
            .map(|(m, s, u, r)| (words(m), s.clone(), number(*u), r.clone()))
            .collect(),
        summary: proposed.summary.clone(),
    };
    let text = page
        .render()
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(Html(text).into_response())
}

#[derive(Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    product: String,
    #[serde(default)]
    lot: String,
}

/// Accept the proposal: a draft visit with the proposed doses as editable points.
pub async fn accept_proposal(
    State(state): State<AppState>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
    Form(form): Form<AcceptForm>,
) -> Result<Response> {
    clinician(&user)?;
    let patient = state.store.patient(&user.clinic, &id).await?;
    let visits = state.store.visits(&user.clinic, &id).await?;
    let product = check_product(&form.product)?;
    let lot = form.lot.trim();
    if lot.is_empty() || lot.len() > 64 {
        return Err(WebError::field("lot", "must be 1 to 64 characters"));
    }
    let engine = state.engine.clone();
    let p = patient.clone();
    let proposed = tokio::task::spawn_blocking(move || propose(&engine, &p, &visits))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))??;
    let map = state.untreated_map(&patient)?;
    let mut points = Vec::new();
    for (muscle, side, units, _) in &proposed.doses {
        let (muscle, side) = check_muscle_side(muscle, side)?;
        let (x, y) = map.anchor(&muscle, &side);
        points.push(NewPoint {
            x,
            y,
            muscle,
            side,
            units: *units,
        });
    }
    let date = parse_iso_date(&proposed.date).map_err(|e| WebError::Internal(e.to_string()))?;
    let visit = state
        .store
        .create_visit(
            &user.clinic,
            &NewVisit {
                patient: patient.id.clone(),
                date: proposed.date.clone(),
                product,
                lot: lot.to_string(),
                expiry: format_iso_date(date + 365),
                dilution_ml: 2.5,
                amends: None,
                note: "symmetry planner proposal".into(),
                points,
            },
        )
        .await?;
    state
        .store
        .audit(&user.clinic, &user.id, "accept planner proposal", &visit)
        .await?;
    Ok(Redirect::to(&format!("/visits/{visit}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{random_hex, Store};

    /// The page's what-ifs report their muscles alone; the answers must be the very words
    /// the whole forecast of each what-if gives, for every demo patient.
    #[tokio::test]
    async fn the_page_from_muscles_alone_is_the_page_from_the_whole_forecasts() {
        let directory = std::env::temp_dir().join(format!("bontsim-records-{}", random_hex(8)));
        std::fs::create_dir_all(&directory).unwrap();
        let store = Store::open(&directory.join("clinic.db").display().to_string())
            .await
            .unwrap();
        let engine = Engine::default();
        crate::seed_demo(&store, &engine).await.unwrap();
        let clinic = store.clinic_by_name("Demo clinic").await.unwrap().unwrap();
        let patients = store.patients(&clinic).await.unwrap();
        assert_eq!(patients.len(), 3);
        for patient in patients {
            let visits = store.visits(&clinic, &patient.id).await.unwrap();
            let forecast = Forecast::new(&engine, &patient, &visits).unwrap();
            let muscles_alone =
                |visits: &[Visit]| Forecast::muscles(&engine, &patient, visits).ok();
            let whole_forecast = |visits: &[Visit]| {
                Forecast::new(&engine, &patient, visits)
                    .ok()
                    .map(|f| f.report.muscles)
            };
            let page = answers(&patient, &visits, &forecast, muscles_alone);
            assert!(!page.is_empty(), "{}", patient.code);
            assert!(
                page.iter()
                    .all(|a| a.interval.starts_with("Treating every")),
                "{}: {page:?}",
                patient.code
            );
            assert_eq!(
                page,
                answers(&patient, &visits, &forecast, whole_forecast),
                "{}",
                patient.code
            );
            // The whole printed page, byte for byte.
            let printed = printable(&engine, &patient, &visits, false, muscles_alone).unwrap();
            assert!(printed.contains(DISCLAIMER));
            assert_eq!(
                printed,
                printable(&engine, &patient, &visits, false, whole_forecast).unwrap(),
                "{}",
                patient.code
            );
        }
        let _ = std::fs::remove_dir_all(&directory);
    }
}
