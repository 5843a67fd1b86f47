//! The clinic over HTTP: every route's success and refusal, on SQLite and (with
//! `BONTSIM_TEST_POSTGRES_URL`) on PostgreSQL, through the real router with its middleware
//! (sessions, CSRF, limits, security headers). Model numbers are never asserted exactly, only
//! their structure and plausibility, so the model may change underneath.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use bontsim_core::{Engine, Format};
use bontsim_web::facemap::FaceMap;
use bontsim_web::store::Role;
use common::{backends, link, Client, Clinic};

#[tokio::test]
async fn login_sets_a_strict_cookie_rotates_it_and_refuses_wrong_passwords() {
    for backend in backends() {
        let clinic = Clinic::open(&backend).await;
        let (_, email, password) = clinic.user(Role::Clinician).await;
        let mut client = Client::new(clinic.router.clone());
        // Not logged in: the login page.
        let response = client.get("/patients").await;
        assert_eq!(response.status, StatusCode::SEE_OTHER);
        assert_eq!(response.location(), "/login");
        // Wrong password.
        let response = client.login(&email, "not the password").await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "{}",
            clinic.backend
        );
        assert!(response.body.contains("Wrong email or password"));
        // Right password: a session cookie, HttpOnly and SameSite=Strict.
        let response = client.login(&email, &password).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER);
        let cookie = response
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with("bontsim_session="))
            .unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        let first = client.cookies["bontsim_session"].clone();
        assert_eq!(client.get("/patients").await.status, StatusCode::OK);
        // A second login gives a new token and ends the old session.
        client.login(&email, &password).await;
        let second = client.cookies["bontsim_session"].clone();
        assert_ne!(first, second);
        let mut old = Client::new(clinic.router.clone());
        old.cookies.insert("bontsim_session".into(), first);
        assert_eq!(old.get("/patients").await.status, StatusCode::SEE_OTHER);
        // Logging out ends the session.
        client.get("/patients").await;
        let response = client.post("/logout", &[]).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER);
        let mut again = Client::new(clinic.router.clone());
        again.cookies.insert("bontsim_session".into(), second);
        assert_eq!(again.get("/patients").await.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn failed_logins_are_limited() {
    for backend in backends() {
        let clinic = Clinic::open(&backend).await;
        let (_, email, password) = clinic.user(Role::Clinician).await;
        let mut client = Client::new(clinic.router.clone());
        for _ in 0..5 {
            assert_eq!(
                client.login(&email, "wrong password!").await.status,
                StatusCode::UNAUTHORIZED
            );
        }
        let response = client.login(&email, &password).await;
        assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(response.body.contains("Too many failed logins"));
    }
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused() {
    for backend in backends() {
        let clinic = Clinic::open(&backend).await;
        let mut client = clinic.logged_in(Role::Clinician).await;
        let response = client
            .post_raw("/patients", "code=X1&sex=female&birth_year=1980")
            .await;
        assert_eq!(response.status, StatusCode::FORBIDDEN);
        assert!(response.body.contains("security token"));
        let response = client
            .post_raw(
                "/patients",
                &format!("csrf={}&code=X1&sex=female&birth_year=1980", "0".repeat(64)),
            )
            .await;
        assert_eq!(response.status, StatusCode::FORBIDDEN);
        // Nothing was saved.
        assert!(!client.get("/patients").await.body.contains("X1"));
        // The login form has its own token.
        let mut anonymous = Client::new(clinic.router.clone());
        let response = anonymous
            .post_raw("/login", "email=a%40b.c&password=whatever12")
            .await;
        assert_eq!(response.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn pages_carry_a_strict_content_security_policy_and_assets_are_embedded() {
    for backend in backends() {
        let clinic = Clinic::open(&backend).await;
        let mut client = Client::new(clinic.router.clone());
        let response = client.get("/login").await;
        let policy = response.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"));
        assert!(!response.body.contains("<script>"), "no inline script");
        let script = client.get("/assets/facemap.js").await;
        assert_eq!(script.status, StatusCode::OK);
        assert!(script.body.contains("facemap"));
        assert!(client
            .get("/assets/app.css")
            .await
            .body
            .contains(".markers"));
        assert_eq!(
            client.get("/no/such/page").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(client.get("/healthz").await.body, "ok");
    }
}

#[tokio::test]
async fn patients_are_created_and_bad_fields_are_named_beside_the_field() {
    for backend in backends() {
        let clinic = Clinic::open(&backend).await;
        let mut client = clinic.logged_in(Role::Clinician).await;
        let patient = client.patient("P-001").await;
        assert!(link(&patient, "/patients/").is_some());
        let page = client.get(&patient).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Patient P-001"));
        client.get("/patients").await;
        let response = client
            .post(
                "/patients",
                &[("code", "P-002"), ("sex", "female"), ("birth_year", "18")],
            )
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response
            .body
            .contains("<span class=\"field-error\">birth_year: must be between 1900"));
        let response = client
            .post(
                "/patients",
                &[("code", "P-001"), ("sex", "female"), ("birth_year", "1980")],
            )
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response
            .body
            .contains("code: a patient P-001 exists already"));
        let response = client
            .post(
                "/patients",
                &[
                    ("code", "P-003"),
                    ("sex", "female"),
                    ("birth_year", "1980"),
                    ("palsy_side", "left"),
                    ("palsy_house_brackmann", "9"),
                    ("palsy_onset", "2026-01-01"),
                ],
            )
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response
            .body
            .contains("palsy_house_brackmann: must be between 1 and 6"));
        assert!(
            !client.get("/patients").await.body.contains("P-003"),
            "nothing half-saved"
        );
    }
}

#[tokio::test]
async fn a_visit_is_charted_on_the_face_map_signed_locked_and_corrected_by_an_addendum() {
    for backend in backends() {
        let clinic = Clinic::open(&backend).await;
        let mut client = clinic.logged_in(Role::Clinician).await;
        let patient = client.patient("V-1").await;
        // Refusals of the visit form name the field.
        client.get(&patient).await;
        let response = client
            .post(
                &format!("{patient}/visits"),
                &[
                    ("date", "2026-02-30"),
                    ("product", "Botox"),
                    ("lot", "L"),
                    ("expiry", "2027-01-01"),
                    ("dilution_ml", "2.5"),
                ],
            )
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            response.body.contains("<span class=\"field-error\">date:"),
            "{}",
            response.body
        );
        let response = client
            .post(
                &format!("{patient}/visits"),
                &[
                    ("date", "2026-02-01"),
                    ("product", "Botoxx"),
                    ("lot", "L"),
                    ("expiry", "2027-01-01"),
                    ("dilution_ml", "2.5"),
                ],
            )
            .await;
        assert!(response.body.contains("product: unknown product"));
        let response = client
            .post(
                &format!("{patient}/visits"),
                &[
                    ("date", "2026-02-01"),
                    ("product", "Botox"),
                    ("lot", "L"),
                    ("expiry", "2026-01-01"),
                    ("dilution_ml", "2.5"),
                ],
            )
            .await;
        assert!(response.body.contains("expiry: the lot expired"));
        // A brand name is accepted and stored as the product.
        let visit = client.visit(&patient, "2026-02-01", "LOT-A1").await;
        let page = client.get(&visit).await;
        assert!(page.body.contains("onabotulinumtoxinA · lot LOT-A1"));
        assert!(page.body.contains("id=\"facemap\""));
        // A click on the face: its muscle and side come from where it lies.
        let map = FaceMap::untreated(
            &Engine::default(),
            "[patient]\nsex = \"female\"\nage = 42\n",
        )
        .unwrap();
        let (x, y) = map.anchor("corrugator_supercilii", "left");
        let check = client
            .get(&format!("{visit}/check?x={x}&y={y}&units=4"))
            .await;
        let json: serde_json::Value = serde_json::from_str(&check.body).unwrap();
        assert_eq!(json["side"], "left");
        assert!(json["muscle"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(json["warnings"].is_array());
        let response = client
            .post(
                &format!("{visit}/points"),
                &[
                    ("x", &x.to_string()),
                    ("y", &y.to_string()),
                    ("muscle", "corrugator_supercilii"),
                    ("side", "left"),
                    ("units", "4"),
                ],
            )
            .await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
        // A bad point is refused with the field's message and not saved.
        let response = client.point(&visit, "procerus", "sideways", "4").await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.body.contains("<span class=\"field-error\">side: &#34;sideways&#34; is not left, right or midline"), "{}", response.body);
        let response = client.point(&visit, "frontalis", "midline", "4").await;
        assert!(response.body.contains("not on the midline"));
        let response = client.point(&visit, "procerus", "midline", "-3").await;
        assert!(response.body.contains("units: must be between"));
        // Live warnings: an overdose draws the core's warning.
        let check = client
            .get(&format!(
                "{visit}/check?muscle=procerus&side=midline&units=200"
            ))
            .await;
        let json: serde_json::Value = serde_json::from_str(&check.body).unwrap();
        assert!(!json["warnings"].as_array().unwrap().is_empty(), "{json}");
        // Mirror to the other side: the corrugator now on both sides.
        assert_eq!(
            client.post(&format!("{visit}/mirror"), &[]).await.status,
            StatusCode::SEE_OTHER
        );
        let page = client.get(&visit).await;
        assert_eq!(page.body.matches("class=\"point\"").count(), 2);
        assert!(page.body.contains("<td id=\"overall-units\">8 U</td>"));
        // Nothing more to mirror.
        assert_eq!(
            client.post(&format!("{visit}/mirror"), &[]).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        // Sign: locked.
        assert_eq!(
            client.post(&format!("{visit}/sign"), &[]).await.status,
            StatusCode::SEE_OTHER
        );
        let page = client.get(&visit).await;
        assert!(page.body.contains("id=\"visit-status\">signed"));
        assert!(!page.body.contains("id=\"point-form\""));
        let response = client
            .post(
                &format!("{visit}/points"),
                &[("muscle", "procerus"), ("side", "midline"), ("units", "4")],
            )
            .await;
        assert_eq!(response.status, StatusCode::CONFLICT);
        assert!(response.body.contains("signed and locked"));
        assert_eq!(
            client.post(&format!("{visit}/sign"), &[]).await.status,
            StatusCode::CONFLICT
        );
        assert_eq!(
            client.post(&format!("{visit}/mirror"), &[]).await.status,
            StatusCode::CONFLICT
        );
        // A correction is an addendum: the original stays, the addendum replaces it once signed.
        let response = client.post(&format!("{visit}/addendum"), &[]).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER);
        let addendum = response.location();
        assert_ne!(addendum, visit);
        let page = client.get(&addendum).await;
        assert!(page.body.contains("addendum correcting"));
        let point = link(&page.body, &format!("{}/points/", addendum)).unwrap();
        let response = client
            .post(
                &point,
                &[("muscle", "procerus"), ("side", "midline"), ("units", "6")],
            )
            .await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
        assert_eq!(
            client.post(&format!("{addendum}/sign"), &[]).await.status,
            StatusCode::SEE_OTHER
        );
        let original = client.get(&visit).await;
        assert!(
            original.body.contains("<td id=\"overall-units\">8 U</td>"),
            "the original is kept"
        );
        let plan = client.get(&format!("{patient}/export.toml")).await.body;
        assert!(
            plan.contains("units = 6") && plan.contains("units = 4"),
            "{plan}"
        );
        assert_eq!(
            plan.matches("[[injection]]").count(),
            2,
            "the addendum replaces the original: {plan}"
        );
        // Repeat last visit into a new draft.
        let next = client.visit(&patient, "2026-06-01", "LOT-A2").await;
        assert_eq!(
            client
                .post(&format!("{next}/repeat-last"), &[])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let page = client.get(&next).await;
        assert!(
            page.body.contains("<td id=\"overall-units\">10 U</td>"),
            "{}",
            clinic.backend
        );
        // Remove a point.
        let point = link(&page.body, &format!("{next}/points/")).unwrap();
        assert_eq!(
            client.post(&format!("{point}/delete"), &[]).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            client
                .get(&next)
                .await
                .body
                .matches("class=\"point\"")
                .count(),
            1
        );
        // The audit has who did what.
        let audit = client.get("/audit").await.body;
        for action in [
            "create patient",
            "create visit",
            "add point",
            "sign visit",
            "create addendum",
            "export toml",
        ] {
            assert!(audit.contains(action), "{action}");
        }
    }
}

#[tokio::test]
async fn the_forecast_chart_and_the_patients_page_show_what_the_plan_does() {
    for backend in backends() {
        let clinic = Clinic::open(&backend).await;
        let mut client = clinic.logged_in(Role::Clinician).await;
        let patient = client.patient("F-1").await;
        let visit = client.visit(&patient, "2026-01-10", "LOT-F").await;
        client.point(&visit, "masseter", "left", "25").await;
        client.point(&visit, "masseter", "right", "25").await;
        client.post(&format!("{visit}/sign"), &[]).await;
        let page = client.get(&patient).await;
        assert!(page.body.contains("id=\"forecast\""), "{}", page.body);
        assert!(page.body.contains("<path class=\"series\" d=\"M"));
        assert!(page.body.contains("Volume per treated muscle"));
        assert!(page.body.contains("masseter left: "));
        // An observation far from the forecast is said plainly.
        client.get(&patient).await;
        let response = client
            .post(
                &format!("{patient}/observations"),
                &[("date", "2026-02-10"), ("area", ""), ("masseter_mm", "14")],
            )
            .await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
        let response = client
            .post(
                &format!("{patient}/observations"),
                &[
                    ("date", "2026-02-10"),
                    ("area", "glabella"),
                    ("max_severity", "7"),
                ],
            )
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response
            .body
            .contains("max_severity: must be between 0 and 3"));
        client.get(&patient).await;
        client
            .post(
                &format!("{patient}/observations"),
                &[("date", "2026-05-10"), ("area", ""), ("masseter_mm", "7")],
            )
            .await;
        let page = client.get(&patient).await;
        assert!(page.body.contains("id=\"disagreements\""), "{}", page.body);
        assert!(page
            .body
            .contains("masseter measured 50% of its first recorded thickness"));
        // The patient's page: plain words per treated muscle and the disclaimer.
        let print = client.get(&format!("{patient}/page")).await;
        assert_eq!(print.status, StatusCode::OK);
        assert!(print.body.contains("Will my muscles atrophy?"));
        assert!(print.body.contains("Your masseter (left side)"));
        assert!(print.body.contains("shrinks"));
        assert!(print.body.contains("If treatment stopped now"));
        assert!(print.body.contains("not a medical device"));
        assert!(print.body.contains("class=\"chart\""));
    }
}

#[tokio::test]
async fn clinics_never_see_each_others_records() {
    for backend in backends() {
        let clinic = Clinic::open(&backend).await;
        let mut a = clinic.logged_in(Role::Clinician).await;
        let mut b = clinic.logged_in(Role::Clinician).await;
        let patient = a.patient("SECRET-A").await;
        let visit = a.visit(&patient, "2026-03-01", "LOT-SECRET").await;
        a.point(&visit, "procerus", "midline", "4").await;
        // B's list, pages, exports, lot search and the face map's check.
        assert!(!b.get("/patients").await.body.contains("SECRET-A"));
        for path in [
            patient.clone(),
            format!("{patient}/page"),
            format!("{patient}/export.json"),
            format!("{patient}/export.csv"),
            format!("{patient}/export.toml"),
            format!("{patient}/proposal"),
            visit.clone(),
            format!("{visit}/check?muscle=procerus&side=midline&units=4"),
        ] {
            let response = b.get(&path).await;
            assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
            assert!(!response.body.contains("SECRET-A"));
        }
        assert!(b
            .get("/lots?lot=LOT-SECRET")
            .await
            .body
            .contains("0 visit(s)"));
        assert!(a
            .get("/lots?lot=lot-secret")
            .await
            .body
            .contains("SECRET-A"));
        // B cannot change A's records either.
        b.get("/patients").await;
        for path in [
            format!("{visit}/points"),
            format!("{visit}/sign"),
            format!("{visit}/mirror"),
            format!("{patient}/visits"),
            format!("{patient}/share"),
        ] {
            let response = b
                .post(
                    &path,
                    &[("muscle", "procerus"), ("side", "midline"), ("units", "4")],
                )
                .await;
            assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        }
        // A share link opens only its patient's page, read-only, and can be revoked.
        a.get(&patient).await;
        let shared = a.post(&format!("{patient}/share"), &[]).await;
        let start = shared.body.find("id=\"share-url\">").unwrap() + "id=\"share-url\">".len();
        let url: String = shared.body[start..]
            .chars()
            .take_while(|c| *c != '<')
            .collect();
        assert_eq!(url.len(), "/share/".len() + 64, "32 random bytes");
        let mut anonymous = Client::new(clinic.router.clone());
        let page = anonymous.get(&url).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("SECRET-A") && page.body.contains("read-only"));
        assert!(
            !page.body.contains("name=\"csrf\""),
            "no form on a shared page"
        );
        assert_eq!(
            anonymous
                .get(&format!("/share/{}", "ab".repeat(32)))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(anonymous.get(&patient).await.status, StatusCode::SEE_OTHER);
        a.get(&patient).await;
        assert_eq!(
            a.post(&format!("{patient}/share/revoke"), &[]).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(anonymous.get(&url).await.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn an_assistant_reads_but_cannot_change() {
    for backend in backends() {
        let clinic = Clinic::open(&backend).await;
        let mut assistant = clinic.logged_in(Role::Assistant).await;
        let page = assistant.get("/patients").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("id=\"new-patient\""));
        let response = assistant
            .post(
                "/patients",
                &[("code", "A-1"), ("sex", "male"), ("birth_year", "1970")],
            )
            .await;
        assert_eq!(response.status, StatusCode::FORBIDDEN);
        assert!(response.body.contains("Assistants read only"));
    }
}

#[tokio::test]
async fn exports_import_and_the_plan_toml_is_a_valid_plan() {
    for backend in backends() {
        let clinic = Clinic::open(&backend).await;
        let mut client = clinic.logged_in(Role::Clinician).await;
        let patient = client.patient("E,1").await;
        let visit = client.visit(&patient, "2026-01-10", "LOT-E").await;
        client.point(&visit, "procerus", "midline", "4").await;
        client
            .point(&visit, "corrugator_supercilii", "left", "8")
            .await;
        let toml = client.get(&format!("{patient}/export.toml")).await;
        assert_eq!(toml.status, StatusCode::OK);
        let plan = Engine::default()
            .parse_plan(&toml.body, Format::Toml)
            .expect("the export is a plan");
        assert_eq!(plan.injections.len(), 2);
        let json = client.get(&format!("{patient}/export.json")).await;
        let value: serde_json::Value = serde_json::from_str(&json.body).unwrap();
        assert_eq!(value["patient"]["code"], "E,1");
        assert_eq!(value["visits"][0]["points"].as_array().unwrap().len(), 2);
        assert!(value["disclaimer"]
            .as_str()
            .unwrap()
            .contains("not a medical device"));
        let csv = client.get(&format!("{patient}/export.csv")).await;
        assert!(csv
            .body
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("patient,visit_date"));
        assert!(csv.body.contains("\"E,1\",2026-01-10,draft"));
        assert_eq!(
            client.get(&format!("{patient}/export.xml")).await.status,
            StatusCode::NOT_FOUND
        );
        // Import a plan as a draft visit.
        client.get(&patient).await;
        let text = include_str!("../../../examples/masseter_25u_every_3_months.toml");
        let response = client
            .post(
                &format!("{patient}/import"),
                &[("plan", text), ("date", "2026-04-01"), ("lot", "IMP-1")],
            )
            .await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
        let page = client.get(&response.location()).await;
        assert!(page.body.contains("id=\"visit-status\">draft"));
        assert!(page.body.contains("<td id=\"overall-units\">50 U</td>"));
        let response = client
            .post(
                &format!("{patient}/import"),
                &[
                    ("plan", "[patient]\nsex = \"female\"\n"),
                    ("date", "2026-04-01"),
                    ("lot", "IMP-2"),
                ],
            )
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.body.contains("plan:"));
    }
}

#[tokio::test]
async fn the_palsy_planner_proposal_is_accepted_as_editable_draft_points() {
    for backend in backends() {
        let clinic = Clinic::open(&backend).await;
        let mut client = clinic.logged_in(Role::Clinician).await;
        client.get("/patients").await;
        let response = client
            .post(
                "/patients",
                &[
                    ("code", "PALSY-1"),
                    ("sex", "female"),
                    ("birth_year", "1980"),
                    ("palsy_side", "left"),
                    ("palsy_house_brackmann", "4"),
                    ("palsy_onset", "2025-06-01"),
                ],
            )
            .await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
        let patient = response.location();
        let page = client.get(&patient).await;
        assert!(page.body.contains("Palsy scores over time"));
        let proposal = client.get(&format!("{patient}/proposal")).await;
        assert_eq!(proposal.status, StatusCode::OK, "{}", proposal.body);
        assert!(
            proposal.body.contains("class=\"proposal\""),
            "the proposal is drawn on the face map"
        );
        let response = client
            .post(
                &format!("{patient}/proposal/accept"),
                &[("product", "Botox"), ("lot", "PLAN-1")],
            )
            .await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
        let visit = client.get(&response.location()).await;
        assert!(visit.body.contains("id=\"visit-status\">draft"));
        assert!(visit.body.contains("id=\"point-form\""), "editable");
        assert!(visit.body.matches("class=\"point\"").count() >= 1);
        // Not a palsy patient: the planner says why.
        let other = client.patient("NOPALSY").await;
        let response = client.get(&format!("{other}/proposal")).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.body.contains("[palsy]"));
    }
}

/// A JPEG with an EXIF block (a GPS position) inserted after its start marker.
fn jpeg_with_exif() -> Vec<u8> {
    let picture = image::RgbImage::from_pixel(16, 16, image::Rgb([200, 100, 50]));
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(picture)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    let jpeg = out.into_inner();
    let payload = b"Exif\0\0GPS 48.8584 N 2.2945 E secret position";
    let mut with = jpeg[..2].to_vec();
    with.extend_from_slice(&[0xFF, 0xE1]);
    with.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    with.extend_from_slice(payload);
    with.extend_from_slice(&jpeg[2..]);
    with
}

fn multipart(date: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "bontsimboundary";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"date\"\r\n\r\n{date}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn photos_are_stripped_of_metadata_and_limited_in_size() {
    for backend in backends() {
        let clinic = Clinic::open(&backend).await;
        let mut client = clinic.logged_in(Role::Clinician).await;
        let patient = client.patient("PHOTO-1").await;
        let upload = |body: (String, Vec<u8>), csrf: String, cookies: String| {
            Request::post(format!("{patient}/photos?csrf={csrf}"))
                .header(header::COOKIE, cookies)
                .header(header::CONTENT_TYPE, body.0)
                .body(Body::from(body.1))
                .unwrap()
        };
        let cookies = format!("bontsim_session={}", client.cookies["bontsim_session"]);
        let original = jpeg_with_exif();
        assert!(String::from_utf8_lossy(&original).contains("secret position"));
        let response = client
            .send(upload(
                multipart("2026-03-01", &original),
                client.csrf.clone(),
                cookies.clone(),
            ))
            .await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
        let page = client.get(&patient).await;
        let photo = link(&page.body, "/photos/").unwrap();
        // Beside it, the model's face picture for the day the photo was taken.
        let pair = &page.body[page.body.find("class=\"photo-pair\"").unwrap()..];
        let pair = &pair[..pair.find("</div>").unwrap()];
        assert!(pair.contains("<svg") && pair.contains("the model's face, 2026-03-01"));
        let request = Request::get(&photo)
            .header(header::COOKIE, cookies.clone())
            .body(Body::empty())
            .unwrap();
        let stored = client.send(request).await;
        assert_eq!(stored.status, StatusCode::OK);
        assert!(!stored.body.contains("secret position") && !stored.body.contains("Exif"));
        // Not a picture; no token; too large.
        let response = client
            .send(upload(
                multipart("2026-03-01", b"not a picture"),
                client.csrf.clone(),
                cookies.clone(),
            ))
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.body.contains("photo: is not a JPEG or PNG"));
        let response = client
            .send(upload(
                multipart("2026-03-01", &original),
                String::new(),
                cookies.clone(),
            ))
            .await;
        assert_eq!(response.status, StatusCode::FORBIDDEN);
        let huge = vec![0u8; bontsim_web::records::PHOTO_LIMIT + 10_000];
        let response = client
            .send(upload(
                multipart("2026-03-01", &huge),
                client.csrf.clone(),
                cookies.clone(),
            ))
            .await;
        assert!(
            response.status == StatusCode::PAYLOAD_TOO_LARGE
                || response.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            response.status
        );
    }
}

#[tokio::test]
async fn large_forms_are_refused() {
    for backend in backends() {
        let clinic = Clinic::open(&backend).await;
        let mut client = clinic.logged_in(Role::Clinician).await;
        let body = format!("csrf={}&code={}", client.csrf, "x".repeat(2 << 20));
        let response = client.post_raw("/patients", &body).await;
        assert!(response.status.is_client_error(), "{}", response.status);
        assert!(!client.get("/patients").await.body.contains("xxxxxxxx"));
    }
}

#[tokio::test]
async fn a_backup_is_a_complete_database() {
    let backend = &backends()[0];
    let clinic = Clinic::open(backend).await;
    let mut client = clinic.logged_in(Role::Clinician).await;
    client.patient("BACKUP-1").await;
    let copy = backend.directory.join("copy.db");
    clinic
        .store
        .backup(&copy.display().to_string())
        .await
        .unwrap();
    assert!(
        clinic
            .store
            .backup(&copy.display().to_string())
            .await
            .is_err(),
        "never overwrites"
    );
    let restored = bontsim_web::store::Store::open(&copy.display().to_string())
        .await
        .unwrap();
    let row = sqlx::query("SELECT code FROM patients")
        .fetch_one(&restored.pool)
        .await
        .unwrap();
    assert_eq!(
        sqlx::Row::try_get::<String, _>(&row, 0).unwrap(),
        "BACKUP-1"
    );
}

/// Many people charting at once: every point written concurrently is saved, none refused
/// with "database is locked" (a write transaction on SQLite takes its lock before it reads).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_charting_saves_every_point() {
    for backend in backends() {
        let clinic = Clinic::open(&backend).await;
        let mut client = clinic.logged_in(Role::Clinician).await;
        let mut visits = Vec::new();
        for number in 0..4 {
            let patient = client.patient(&format!("C-{number}")).await;
            visits.push(client.visit(&patient, "2026-03-01", "LOT-C").await);
        }
        client.get(&visits[0]).await;
        let mut tasks = Vec::new();
        for writer in 0..32 {
            let mut client = client.clone();
            let visit = visits[writer % visits.len()].clone();
            tasks.push(tokio::spawn(async move {
                client
                    .post(
                        &format!("{visit}/points"),
                        &[("muscle", "procerus"), ("side", "midline"), ("units", "2")],
                    )
                    .await
            }));
        }
        for task in tasks {
            let response = task.await.unwrap();
            assert_eq!(
                response.status,
                StatusCode::SEE_OTHER,
                "{}: {}",
                clinic.backend,
                response.body
            );
        }
        for visit in &visits {
            let page = client.get(visit).await;
            assert!(
                page.body.contains("<td id=\"overall-units\">16 U</td>"),
                "{}: 8 points of 2 U on {visit}",
                clinic.backend
            );
        }
    }
}

/// The refusals of the visit's routes not met elsewhere: each names its reason, and the visit
/// is left as it was.
#[tokio::test]
async fn visit_routes_refuse_what_cannot_be_done() {
    for backend in backends() {
        let clinic = Clinic::open(&backend).await;
        let mut client = clinic.logged_in(Role::Clinician).await;
        let patient = client.patient("R-1").await;
        let visit = client.visit(&patient, "2026-01-10", "LOT-R").await;
        // An empty visit cannot be signed; the first visit has nothing to repeat; a draft
        // takes no addendum.
        let response = client.post(&format!("{visit}/sign"), &[]).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.body.contains("without points cannot be signed"));
        let response = client.post(&format!("{visit}/repeat-last"), &[]).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.body.contains("no earlier visit with points"));
        let response = client.post(&format!("{visit}/addendum"), &[]).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response
            .body
            .contains("Only a signed visit takes an addendum"));
        // A point's change is checked like a new point; an unknown point is not found.
        client.point(&visit, "procerus", "midline", "4").await;
        let page = client.get(&visit).await;
        let point = link(&page.body, &format!("{visit}/points/")).expect("a point's form");
        let response = client
            .post(
                &point,
                &[
                    ("muscle", "procerus"),
                    ("side", "midline"),
                    ("units", "abc"),
                ],
            )
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.body.contains("units:"), "{}", response.body);
        let response = client
            .post(
                &point,
                &[
                    ("muscle", "no_such_muscle"),
                    ("side", "left"),
                    ("units", "4"),
                ],
            )
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        let unknown = format!("{visit}/points/{}", "0".repeat(32));
        let response = client
            .post(
                &unknown,
                &[("muscle", "procerus"), ("side", "midline"), ("units", "4")],
            )
            .await;
        assert_eq!(response.status, StatusCode::NOT_FOUND);
        let response = client.post(&format!("{unknown}/delete"), &[]).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND);
        let page = client.get(&visit).await;
        assert!(page.body.contains("<td id=\"overall-units\">4 U</td>"));
        // Once signed, no point is changed or removed.
        assert_eq!(
            client.post(&format!("{visit}/sign"), &[]).await.status,
            StatusCode::SEE_OTHER
        );
        let response = client
            .post(
                &point,
                &[("muscle", "procerus"), ("side", "midline"), ("units", "6")],
            )
            .await;
        assert_eq!(response.status, StatusCode::CONFLICT);
        let response = client.post(&format!("{point}/delete"), &[]).await;
        assert_eq!(response.status, StatusCode::CONFLICT);
        let page = client.get(&visit).await;
        assert!(page.body.contains("<td id=\"overall-units\">4 U</td>"));
        assert_eq!(
            client
                .get(&format!("/visits/{}", "0".repeat(32)))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}
