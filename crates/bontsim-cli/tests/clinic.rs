//! The clinic end to end with the real binary: `bontsim serve --demo` on a loopback socket,
//! spoken to over plain HTTP/1.1; its plan export accepted unchanged by `bontsim simulate`;
//! `bontsim user add` and `bontsim db backup`; and a `kill -9` during writes losing no
//! committed point.

mod common;

use common::{bin, run, stderr, stdout};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

fn temporary_directory(name: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let directory = std::env::temp_dir().join(format!("bontsim-clinic-{name}-{nanos}"));
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

struct Server {
    child: Child,
    address: String,
    password: Option<String>,
    /// The rest of the server's standard output (kept open, so it can print as it stops).
    output: Option<std::io::Lines<BufReader<std::process::ChildStdout>>>,
}

impl Server {
    /// Start `bontsim serve` on a free loopback port and wait until it listens.
    fn start(database: &str, demo: bool) -> Server {
        let mut args = vec!["serve", "--database", database, "--listen", "127.0.0.1:0"];
        if demo {
            args.push("--demo");
        }
        let child = Command::new(bin())
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        // Owned at once, so the server is killed and waited for whatever happens next.
        let mut server = Server {
            child,
            address: String::new(),
            password: None,
            output: None,
        };
        let mut lines = BufReader::new(server.child.stdout.take().unwrap()).lines();
        while server.address.is_empty() {
            let line = lines
                .next()
                .expect("the server prints its address")
                .unwrap();
            if let Some(rest) = line.split(" with password ").nth(1) {
                server.password = Some(rest.trim().to_string());
            }
            if let Some(rest) = line.strip_prefix("bontsim clinic on http://") {
                server.address = rest.split('/').next().unwrap().to_string();
            }
        }
        server.output = Some(lines);
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Reply {
    status: u16,
    headers: String,
    body: String,
}

/// One HTTP/1.1 request on a fresh connection.
fn http(address: &str, method: &str, path: &str, cookie: &str, body: &str) -> Reply {
    let mut stream = TcpStream::connect(address).unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let (headers, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = headers[9..12].parse().unwrap();
    Reply {
        status,
        headers: headers.to_string(),
        body: body.to_string(),
    }
}

fn set_cookie(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_string())
}

fn csrf(page: &str) -> String {
    let start = page.find("name=\"csrf\" value=\"").unwrap() + 19;
    page[start..start + 64].to_string()
}

fn link(page: &str, prefix: &str) -> String {
    let start = page
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix} in {page}"));
    let id: String = page[start + prefix.len()..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    format!("{prefix}{id}")
}

/// Log in; returns (session cookie, CSRF token).
fn login(address: &str, email: &str, password: &str) -> (String, String) {
    let page = http(address, "GET", "/login", "", "");
    let login_cookie = set_cookie(&page, "bontsim_login").unwrap();
    let reply = http(
        address,
        "POST",
        "/login",
        &login_cookie,
        &format!(
            "email={}&password={password}&csrf={}",
            email.replace('@', "%40"),
            csrf(&page.body)
        ),
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
    let session = set_cookie(&reply, "bontsim_session").unwrap();
    let patients = http(address, "GET", "/patients", &session, "");
    (session, csrf(&patients.body))
}

#[test]
fn the_demo_clinic_serves_over_a_socket_and_its_plan_export_simulates_unchanged() {
    let directory = temporary_directory("demo");
    let database = directory.join("clinic.db").display().to_string();
    let server = Server::start(&database, true);
    assert!(
        std::path::Path::new(&database).exists(),
        "a fresh machine gets bontsim.db"
    );
    let password = server.password.clone().expect("the demo login is printed");
    let (session, _) = login(&server.address, "demo@bontsim.invalid", &password);
    let patients = http(&server.address, "GET", "/patients", &session, "");
    assert_eq!(patients.status, 200);
    for code in ["DEMO-GLABELLA", "DEMO-MASSETER", "DEMO-PALSY"] {
        assert!(patients.body.contains(code), "{code}");
    }
    let start = patients.body.find("\">DEMO-MASSETER").unwrap();
    let patient = link(&patients.body[start - 50..], "/patients/");
    let page = http(&server.address, "GET", &patient, &session, "");
    assert!(page.body.contains("<path class=\"series\""));
    let export = http(
        &server.address,
        "GET",
        &format!("{patient}/export.toml"),
        &session,
        "",
    );
    assert_eq!(export.status, 200);
    let plan = directory.join("exported.toml");
    std::fs::write(&plan, &export.body).unwrap();
    let output = run([
        "simulate".as_ref(),
        plan.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let masseter = report["muscles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["muscle"] == "masseter")
        .expect("the masseter is in the report");
    assert!(masseter["injected_units"].as_f64().unwrap() > 0.0);
    // A second demo start keeps the clinic (no patient twice) and prints a new password
    // that logs in, so a lost one never locks the demo out; the old one no longer works.
    drop(server);
    let again = Server::start(&database, true);
    let fresh = again
        .password
        .clone()
        .expect("the demo login is printed again");
    assert_ne!(fresh, password);
    let (session, _) = login(&again.address, "demo@bontsim.invalid", &fresh);
    let patients = http(&again.address, "GET", "/patients", &session, "");
    assert_eq!(patients.body.matches(">DEMO-MASSETER<").count(), 1);
    let page = http(&again.address, "GET", "/login", "", "");
    let refused = http(
        &again.address,
        "POST",
        "/login",
        &set_cookie(&page, "bontsim_login").unwrap(),
        &format!(
            "email=demo%40bontsim.invalid&password={password}&csrf={}",
            csrf(&page.body)
        ),
    );
    assert_eq!(refused.status, 401);
}

fn add_user(email: &str, database: &str) -> std::process::Output {
    run([
        "user",
        "add",
        "--clinic",
        "North",
        "--email",
        email,
        "--database",
        database,
    ])
}

#[test]
fn users_are_added_and_the_database_is_backed_up() {
    let directory = temporary_directory("users");
    let database = directory.join("clinic.db").display().to_string();
    let output = add_user("doc@north.invalid", &database);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("added doc@north.invalid (clinician)"));
    let password = text.split("password: ").nth(1).unwrap().trim().to_string();
    assert!(password.len() >= 10);
    let output = add_user("doc@north.invalid", &database);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("email: a user doc@north.invalid exists already"));
    let output = add_user("not-an-email", &database);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("email:"));
    // The user logs in.
    let server = Server::start(&database, false);
    let (session, _) = login(&server.address, "doc@north.invalid", &password);
    assert_eq!(
        http(&server.address, "GET", "/patients", &session, "").status,
        200
    );
    // A backup while the clinic runs.
    let copy = directory.join("copy.db").display().to_string();
    let output = run(["db", "backup", &copy, "--database", &database]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(std::fs::metadata(&copy).unwrap().len() > 0);
    let output = run(["db", "backup", &copy, "--database", &database]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("exists already"));
}

#[test]
fn a_kill_during_writes_loses_no_committed_point() {
    let directory = temporary_directory("kill");
    let database = directory.join("clinic.db").display().to_string();
    let output = run([
        "user",
        "add",
        "--clinic",
        "K",
        "--email",
        "k@k.invalid",
        "--database",
        &database,
    ]);
    let password = stdout(&output)
        .split("password: ")
        .nth(1)
        .unwrap()
        .trim()
        .to_string();
    let mut server = Server::start(&database, false);
    let address = server.address.clone();
    let (session, token) = login(&address, "k@k.invalid", &password);
    let reply = http(
        &address,
        "POST",
        "/patients",
        &session,
        &format!("csrf={token}&code=K1&sex=male&birth_year=1970"),
    );
    assert_eq!(reply.status, 303);
    let patient = link(&reply.headers, "/patients/");
    let reply = http(
        &address,
        "POST",
        &format!("{patient}/visits"),
        &session,
        &format!("csrf={token}&date=2026-01-05&product=Dysport&lot=K-LOT&expiry=2027-01-01&dilution_ml=2.5"),
    );
    let visit = link(&reply.headers, "/visits/");
    // Write points until the server dies; count those it acknowledged.
    let writer = {
        let (address, session, token, visit) = (
            address.clone(),
            session.clone(),
            token.clone(),
            visit.clone(),
        );
        std::thread::spawn(move || {
            let mut acknowledged = 0;
            for _ in 0..400 {
                let Ok(mut stream) = TcpStream::connect(&address) else {
                    break;
                };
                let body = format!("csrf={token}&muscle=masseter&side=left&units=1");
                let request = format!(
                    "POST {visit}/points HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: {session}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                if stream.write_all(request.as_bytes()).is_err() {
                    break;
                }
                let mut text = String::new();
                if stream.read_to_string(&mut text).is_err() || !text.starts_with("HTTP/1.1 303") {
                    break;
                }
                acknowledged += 1;
            }
            acknowledged
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(400));
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    let acknowledged = writer.join().unwrap();
    assert!(acknowledged > 0, "some points were written before the kill");
    drop(server);
    let server = Server::start(&database, false);
    let (session, _) = login(&server.address, "k@k.invalid", &password);
    let page = http(&server.address, "GET", &visit, &session, "");
    let stored = page.body.matches("class=\"point\"").count();
    assert!(
        stored >= acknowledged,
        "{stored} points stored, {acknowledged} acknowledged"
    );
}

#[test]
fn the_server_stops_cleanly_on_sigterm() {
    let directory = temporary_directory("stop");
    let database = directory.join("clinic.db").display().to_string();
    let mut server = Server::start(&database, true);
    let password = server.password.clone().unwrap();
    login(&server.address, "demo@bontsim.invalid", &password);
    let signalled = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let rest: Vec<String> = server.output.take().unwrap().map(|l| l.unwrap()).collect();
    assert!(
        rest.iter().any(|l| l == "bontsim clinic stopped"),
        "{rest:?}"
    );
    assert!(
        !directory.join("clinic.db-wal").exists(),
        "the write-ahead log is folded into the database on a clean stop"
    );
    // What it wrote is there at the next start: the demo login still logs in.
    let again = Server::start(&database, false);
    let (session, _) = login(&again.address, "demo@bontsim.invalid", &password);
    let patients = http(&again.address, "GET", "/patients", &session, "");
    assert!(patients.body.contains("DEMO-PALSY"));
}
