//! A bounded load test of the clinic (docs/performance.md): seeds a temporary SQLite clinic
//! with a patient charted every 3 months for 10 years and 200 logged-in sessions, serves it
//! on a loopback socket in this process, and measures with plain HTTP/1.1 keep-alive clients:
//! (1) the 10-year patient's page, one request at a time; (2) 200 concurrent sessions each
//! reading the patient list, a visit's face map and a one-visit patient's page in turn.
//!
//! `cargo run --release -p bontsim-web --example load [-- REQUESTS_PER_SESSION]`

use bontsim_core::plan::date::format_iso_date;
use bontsim_web::auth::token_hash;
use bontsim_web::store::{random_hex, NewPatient, NewPoint, NewVisit, Role, Store};
use bontsim_web::{add_user, router, AppState};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const SESSIONS: usize = 200;

async fn visit(store: &Store, clinic: &str, patient: &str, date: i64, user: &str) -> String {
    let points = [
        ("procerus", "midline", 4.0),
        ("corrugator_supercilii", "left", 8.0),
        ("corrugator_supercilii", "right", 8.0),
    ]
    .iter()
    .map(|(muscle, side, units)| NewPoint {
        x: 300.0,
        y: 250.0,
        muscle: muscle.to_string(),
        side: side.to_string(),
        units: *units,
    })
    .collect();
    let id = store
        .create_visit(
            clinic,
            &NewVisit {
                patient: patient.to_string(),
                date: format_iso_date(date),
                product: "onabotulinumtoxinA".into(),
                lot: "LOAD".into(),
                expiry: format_iso_date(date + 365),
                dilution_ml: 2.5,
                amends: None,
                note: String::new(),
                points,
            },
        )
        .await
        .unwrap();
    store.sign_visit(clinic, &id, user).await.unwrap();
    id
}

/// One GET on a kept-alive connection; the time to the whole response.
async fn get(stream: &mut BufReader<TcpStream>, path: &str, cookie: &str) -> Duration {
    let started = Instant::now();
    let request = format!("GET {path} HTTP/1.1\r\nHost: load\r\nCookie: {cookie}\r\n\r\n");
    stream
        .get_mut()
        .write_all(request.as_bytes())
        .await
        .unwrap();
    let mut length = 0usize;
    let mut status = String::new();
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).await.unwrap();
        if status.is_empty() {
            status = line.clone();
        }
        if line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap();
        }
    }
    assert!(status.starts_with("HTTP/1.1 200"), "{path}: {status}");
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.unwrap();
    started.elapsed()
}

fn percentiles(label: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |p: f64| times[((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1];
    println!(
        "{label}: {} requests, p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        times.len(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.95).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3
    );
}

#[tokio::main]
async fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10);
    let directory = std::env::temp_dir().join(format!("bontsim-load-{}", random_hex(6)));
    std::fs::create_dir_all(&directory).unwrap();
    let database = directory.join("load.db").display().to_string();
    let store = Store::open(&database).await.unwrap();
    let user = add_user(
        &store,
        "Load clinic",
        "load@clinic.invalid",
        "load test password",
        Role::Clinician,
    )
    .await
    .unwrap();
    let clinic = store.clinic_by_name("Load clinic").await.unwrap().unwrap();
    let new_patient = |code: &str| NewPatient {
        code: code.into(),
        sex: "female".into(),
        birth_year: 1980,
        palsy: None,
    };
    let today = bontsim_web::forecast::today();
    let long = store
        .create_patient(&clinic, &new_patient("TEN-YEARS"))
        .await
        .unwrap();
    for n in 0..40 {
        visit(&store, &clinic, &long, today - 3650 + n * 91, &user).await;
    }
    let short = store
        .create_patient(&clinic, &new_patient("ONE-VISIT"))
        .await
        .unwrap();
    let one_visit = visit(&store, &clinic, &short, today - 30, &user).await;
    let mut cookies = Vec::new();
    for _ in 0..SESSIONS {
        let token = random_hex(32);
        store
            .create_session(&user, &token_hash(&token), &random_hex(32), 3600)
            .await
            .unwrap();
        cookies.push(format!("bontsim_session={token}"));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let state = AppState::new(store.clone(), directory.join("photos"));
    tokio::spawn(async move { axum::serve(listener, router(state)).await.unwrap() });

    // (1) The 10-year patient's page, sequentially.
    let mut stream = BufReader::new(TcpStream::connect(address).await.unwrap());
    let page = format!("/patients/{long}");
    get(&mut stream, &page, &cookies[0]).await; // warm up
    let mut times = Vec::new();
    for _ in 0..100 {
        times.push(get(&mut stream, &page, &cookies[0]).await);
    }
    percentiles(
        "patient page, 10 years of visits (40 visits), 1 client",
        times,
    );

    // (2) 200 concurrent sessions.
    let started = Instant::now();
    let mut workers = Vec::new();
    for cookie in cookies.clone() {
        let paths = [
            "/patients".to_string(),
            format!("/visits/{one_visit}"),
            format!("/patients/{short}"),
        ];
        workers.push(tokio::spawn(async move {
            let mut stream = BufReader::new(TcpStream::connect(address).await.unwrap());
            let mut times = Vec::new();
            for round in 0..rounds {
                times.push(get(&mut stream, &paths[round % paths.len()], &cookie).await);
            }
            times
        }));
    }
    let mut times = Vec::new();
    for worker in workers {
        times.extend(worker.await.unwrap());
    }
    let total = times.len();
    percentiles(
        &format!(
            "{SESSIONS} concurrent sessions (patient list, visit face map, one-visit patient page)"
        ),
        times,
    );
    println!(
        "throughput {:.0} requests/s",
        total as f64 / started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&directory);
}
