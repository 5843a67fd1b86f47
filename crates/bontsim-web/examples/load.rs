//! A bounded load test of the clinic (docs/performance.md): seeds a temporary SQLite clinic
//! with a patient charted every 3 months for 10 years and 200 logged-in sessions, each with
//! its own patient and draft visit, serves it on a loopback socket in this process, and
//! measures with plain HTTP/1.1 keep-alive clients:
//! (1) the 10-year patient's chart page and printable patient's page, one request at a time;
//! (2) 200 concurrent sessions browsing and charting as people do: each in turn reads the
//!     patient list, its draft visit's face map, places a point on it (a POST with the
//!     session's CSRF token) and reads a one-visit patient's page, thinking 0.5 to 1.5 s
//!     between clicks (a fixed, reproducible schedule per session);
//! (3) the same 200 sessions clicking without thinking: the capacity of the machine, where
//!     every request queues behind the others.
//! Any response other than the expected status stops the run with the path and status.
//!
//! `cargo run --release -p bontsim-web --example load [-- CLICKS_PER_SESSION]` (default 12)

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

/// One request on a kept-alive connection; the time to the whole response.
async fn request(
    stream: &mut BufReader<TcpStream>,
    method: &str,
    path: &str,
    cookie: &str,
    body: &str,
) -> Duration {
    let started = Instant::now();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: load\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
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
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.unwrap();
    let expected = if method == "GET" {
        "HTTP/1.1 200"
    } else {
        "HTTP/1.1 303"
    };
    assert!(
        status.starts_with(expected),
        "{method} {path}: {status}{}",
        String::from_utf8_lossy(&body)
    );
    started.elapsed()
}

async fn get(stream: &mut BufReader<TcpStream>, path: &str, cookie: &str) -> Duration {
    request(stream, "GET", path, cookie, "").await
}

/// One signed-in person: a session cookie, its CSRF token and a draft visit to chart on.
#[derive(Clone)]
struct Person {
    cookie: String,
    csrf: String,
    draft: String,
}

/// Every session clicks through the list, its draft's face map, a new point and a patient's
/// page, `clicks` requests in all, thinking between clicks when `think` is set. Returns every
/// request's time.
async fn sessions(
    address: std::net::SocketAddr,
    people: &[Person],
    short: &str,
    clicks: usize,
    think: bool,
) -> (Vec<Duration>, Duration) {
    let started = Instant::now();
    let mut workers = Vec::new();
    for (number, person) in people.iter().cloned().enumerate() {
        let short = short.to_string();
        workers.push(tokio::spawn(async move {
            let mut stream = BufReader::new(TcpStream::connect(address).await.unwrap());
            let mut times = Vec::new();
            for click in 0..clicks {
                if think {
                    // 0.5 to 1.5 s, a fixed pseudo-random schedule that differs per session.
                    let spread = (number * 7919 + click * 104_729) % 1000;
                    tokio::time::sleep(Duration::from_millis(500 + spread as u64)).await;
                }
                let draft = format!("/visits/{}", person.draft);
                let time = match click % 4 {
                    0 => get(&mut stream, "/patients", &person.cookie).await,
                    1 => get(&mut stream, &draft, &person.cookie).await,
                    2 => {
                        let body = format!(
                            "csrf={}&muscle=procerus&side=midline&units=2&x=&y=",
                            person.csrf
                        );
                        let path = format!("{draft}/points");
                        request(&mut stream, "POST", &path, &person.cookie, &body).await
                    }
                    _ => get(&mut stream, &format!("/patients/{short}"), &person.cookie).await,
                };
                times.push(time);
            }
            times
        }));
    }
    let mut times = Vec::new();
    for worker in workers {
        times.extend(worker.await.unwrap());
    }
    (times, started.elapsed())
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
    let clicks: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(12);
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
    visit(&store, &clinic, &short, today - 30, &user).await;
    let mut people = Vec::new();
    for number in 0..SESSIONS {
        let token = random_hex(32);
        let csrf = random_hex(32);
        store
            .create_session(&user, &token_hash(&token), &csrf, 3600)
            .await
            .unwrap();
        let patient = store
            .create_patient(&clinic, &new_patient(&format!("S-{number:03}")))
            .await
            .unwrap();
        let draft = store
            .create_visit(
                &clinic,
                &NewVisit {
                    patient,
                    date: format_iso_date(today),
                    product: "onabotulinumtoxinA".into(),
                    lot: "LOAD".into(),
                    expiry: format_iso_date(today + 365),
                    dilution_ml: 2.5,
                    amends: None,
                    note: String::new(),
                    points: Vec::new(),
                },
            )
            .await
            .unwrap();
        people.push(Person {
            cookie: format!("bontsim_session={token}"),
            csrf,
            draft,
        });
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let state = AppState::new(store.clone(), directory.join("photos"));
    tokio::spawn(async move { axum::serve(listener, router(state)).await.unwrap() });

    // (1) The 10-year patient's chart page and printable patient's page, sequentially.
    let mut stream = BufReader::new(TcpStream::connect(address).await.unwrap());
    for (what, page) in [
        ("chart page", format!("/patients/{long}")),
        (
            "patient's page (printable)",
            format!("/patients/{long}/page"),
        ),
    ] {
        get(&mut stream, &page, &people[0].cookie).await; // warm up
        let mut times = Vec::new();
        for _ in 0..100 {
            times.push(get(&mut stream, &page, &people[0].cookie).await);
        }
        percentiles(
            &format!("{what}, 10 years of visits (40 visits), 1 client"),
            times,
        );
    }

    // (2) 200 concurrent sessions browsing and charting, thinking between clicks.
    let (times, elapsed) = sessions(address, &people, &short, clicks, true).await;
    let total = times.len();
    percentiles(
        &format!("{SESSIONS} concurrent sessions browsing and charting, 0.5-1.5 s between clicks"),
        times,
    );
    println!(
        "  {:.0} requests/s over {:.1} s",
        total as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );

    // (3) The same sessions without thinking: the machine's capacity.
    let (times, elapsed) = sessions(address, &people, &short, clicks, false).await;
    let total = times.len();
    percentiles(
        &format!("{SESSIONS} concurrent sessions clicking without a pause (saturation)"),
        times,
    );
    println!(
        "  {:.0} requests/s over {:.1} s",
        total as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&directory);
}
