//! The clinic's records in SQL: one portable schema (`migrations/`) and plain queries with
//! `$n` parameters that SQLite and PostgreSQL both accept, run through sqlx's `Any` driver, so
//! a single clinic's embedded `bontsim.db` and a group's PostgreSQL server hold the same data
//! the same way. Every query that reads or changes a clinic's records takes the clinic's id
//! and filters on it: isolation between clinics lives here, not in the pages.

use crate::error::WebError;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::time::{SystemTime, UNIX_EPOCH};

/// The migrations in order: (version, SQL). Statements are separated by `;` lines.
const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../migrations/0001_clinic.sql"))];

/// Which server holds the records (the few statements that differ: backup).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pub pool: AnyPool,
    pub backend: Backend,
}

pub type Result<T> = std::result::Result<T, WebError>;

/// Seconds since 1970.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `n` random bytes from the operating system, as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).expect("the operating system's random source is available");
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new record id: 16 random bytes.
pub fn new_id() -> String {
    random_hex(16)
}

/// The database URL for `--database`: a `sqlite:`/`postgres:` URL as given, anything else a
/// SQLite file path (created when missing).
pub fn database_url(given: &str) -> String {
    if given.starts_with("sqlite:")
        || given.starts_with("postgres:")
        || given.starts_with("postgresql:")
    {
        given.to_string()
    } else {
        format!("sqlite://{given}?mode=rwc")
    }
}

impl Store {
    /// Connect to `url` (see [`database_url`]) and bring the schema up to date.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let url = database_url(url);
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let pool = AnyPoolOptions::new()
            .max_connections(16)
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets pages read while a visit is written; FULL sync and foreign
                        // keys keep every committed visit whole, even after a kill.
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA synchronous = FULL",
                            "PRAGMA foreign_keys = ON",
                            "PRAGMA busy_timeout = 5000",
                        ] {
                            sqlx::query(pragma).execute(&mut *connection).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|e| WebError::Internal(format!("cannot open the database {url}: {e}")))?;
        let store = Store { pool, backend };
        store.migrate().await?;
        Ok(store)
    }

    /// A transaction that will write. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred transaction that reads first and writes second cannot wait for
    /// a concurrent writer and fails with "database is locked" instead; taking the lock first
    /// makes it wait its turn (up to the busy timeout).
    async fn write_transaction(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Apply the migrations not yet applied, each in one transaction. On PostgreSQL an
    /// advisory lock lets only one server (or test) migrate at a time.
    async fn migrate(&self) -> Result<()> {
        let mut connection = self.pool.acquire().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_lock(7321)")
                .execute(&mut *connection)
                .await?;
        }
        let result = migrate_on(&mut connection).await;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_unlock(7321)")
                .execute(&mut *connection)
                .await?;
        }
        result
    }

    /// Write a consistent copy of the SQLite database to `path` while it is in use.
    pub async fn backup(&self, path: &str) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(WebError::BadRequest(
                "backup: the database is PostgreSQL; back it up with pg_dump (docs/clinic.md)"
                    .into(),
            ));
        }
        if std::path::Path::new(path).exists() {
            return Err(WebError::BadRequest(format!(
                "backup: {path} exists already; choose a new file"
            )));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(path.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn audit(&self, clinic: &str, user: &str, action: &str, object: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit (id, clinic_id, user_id, action, object, at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new_id())
        .bind(clinic.to_string())
        .bind(user.to_string())
        .bind(action.to_string())
        .bind(object.to_string())
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn audit_entries(&self, clinic: &str) -> Result<Vec<(String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT action, object, at FROM audit WHERE clinic_id = $1 ORDER BY at DESC, id LIMIT 200",
        )
        .bind(clinic.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    // -------------------------------------------------------------------------------------
    // Clinics, users and sessions.

    pub async fn create_clinic(&self, name: &str) -> Result<String> {
        let id = new_id();
        sqlx::query("INSERT INTO clinics (id, name, created) VALUES ($1, $2, $3)")
            .bind(id.clone())
            .bind(name.to_string())
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(id)
    }

    pub async fn clinic_by_name(&self, name: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT id FROM clinics WHERE name = $1")
            .bind(name.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    pub async fn create_user(
        &self,
        clinic: &str,
        email: &str,
        password_hash: &str,
        role: Role,
    ) -> Result<String> {
        let id = new_id();
        let taken = sqlx::query("SELECT id FROM users WHERE email = $1")
            .bind(email.to_string())
            .fetch_optional(&self.pool)
            .await?;
        if taken.is_some() {
            return Err(WebError::BadRequest(format!(
                "email: a user {email} exists already"
            )));
        }
        sqlx::query(
            "INSERT INTO users (id, clinic_id, email, password_hash, role, created) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.clone())
        .bind(clinic.to_string())
        .bind(email.to_string())
        .bind(password_hash.to_string())
        .bind(role.name().to_string())
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// Replace the password hash of `user` and end their sessions.
    pub async fn set_password(&self, user: &str, password_hash: &str) -> Result<()> {
        let mut transaction = self.write_transaction().await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash.to_string())
            .bind(user.to_string())
            .execute(&mut *transaction)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.to_string())
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        Ok(())
    }

    pub async fn user_count(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// (user id, password hash, clinic id) of `email`.
    pub async fn login_record(&self, email: &str) -> Result<Option<(String, String, String)>> {
        let row = sqlx::query("SELECT id, password_hash, clinic_id FROM users WHERE email = $1")
            .bind(email.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .transpose()
    }

    /// A new session for `user`: the token's hash is stored, never the token.
    pub async fn create_session(
        &self,
        user: &str,
        token_hash: &str,
        csrf: &str,
        lifetime: i64,
    ) -> Result<()> {
        let created = now();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf, created, expires) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash.to_string())
        .bind(user.to_string())
        .bind(csrf.to_string())
        .bind(created)
        .bind(created + lifetime)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires < $2")
            .bind(token_hash.to_string())
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn session_user(&self, token_hash: &str) -> Result<Option<User>> {
        let row = sqlx::query(
            "SELECT u.id, u.clinic_id, u.email, u.role, s.csrf, c.name FROM sessions s JOIN users u ON u.id = s.user_id JOIN clinics c ON c.id = u.clinic_id WHERE s.token_hash = $1 AND s.expires > $2",
        )
        .bind(token_hash.to_string())
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(User {
                id: r.try_get(0)?,
                clinic: r.try_get(1)?,
                email: r.try_get(2)?,
                role: Role::parse(&r.try_get::<String, _>(3)?),
                csrf: r.try_get(4)?,
                clinic_name: r.try_get(5)?,
            })
        })
        .transpose()
    }

    // -------------------------------------------------------------------------------------
    // Patients.

    pub async fn create_patient(&self, clinic: &str, patient: &NewPatient) -> Result<String> {
        let taken = sqlx::query("SELECT id FROM patients WHERE clinic_id = $1 AND code = $2")
            .bind(clinic.to_string())
            .bind(patient.code.clone())
            .fetch_optional(&self.pool)
            .await?;
        if taken.is_some() {
            return Err(WebError::field(
                "code",
                format!("a patient {} exists already", patient.code),
            ));
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO patients (id, clinic_id, code, sex, birth_year, palsy_side, palsy_house_brackmann, palsy_onset, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id.clone())
        .bind(clinic.to_string())
        .bind(patient.code.clone())
        .bind(patient.sex.clone())
        .bind(patient.birth_year)
        .bind(patient.palsy.as_ref().map(|p| p.side.clone()))
        .bind(patient.palsy.as_ref().map(|p| p.house_brackmann))
        .bind(patient.palsy.as_ref().map(|p| p.onset.clone()))
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    pub async fn patients(&self, clinic: &str) -> Result<Vec<Patient>> {
        let rows = sqlx::query(
            "SELECT id, code, sex, birth_year, palsy_side, palsy_house_brackmann, palsy_onset FROM patients WHERE clinic_id = $1 ORDER BY code",
        )
        .bind(clinic.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(patient_row).collect()
    }

    /// The patient `id` of `clinic` (not found for any other clinic's patient).
    pub async fn patient(&self, clinic: &str, id: &str) -> Result<Patient> {
        let row = sqlx::query(
            "SELECT id, code, sex, birth_year, palsy_side, palsy_house_brackmann, palsy_onset FROM patients WHERE clinic_id = $1 AND id = $2",
        )
        .bind(clinic.to_string())
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        patient_row(&row.ok_or(WebError::NotFound)?)
    }

    // -------------------------------------------------------------------------------------
    // Visits and points.

    pub async fn create_visit(&self, clinic: &str, visit: &NewVisit) -> Result<String> {
        let id = new_id();
        let mut transaction = self.write_transaction().await?;
        sqlx::query(
            "INSERT INTO visits (id, clinic_id, patient_id, visit_date, product, lot, expiry, dilution_ml, status, amends, note, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $10, $11)",
        )
        .bind(id.clone())
        .bind(clinic.to_string())
        .bind(visit.patient.clone())
        .bind(visit.date.clone())
        .bind(visit.product.clone())
        .bind(visit.lot.clone())
        .bind(visit.expiry.clone())
        .bind(visit.dilution_ml)
        .bind(visit.amends.clone())
        .bind(visit.note.clone())
        .bind(now())
        .execute(&mut *transaction)
        .await?;
        for point in &visit.points {
            insert_point(&mut transaction, clinic, &id, point).await?;
        }
        transaction.commit().await?;
        Ok(id)
    }

    pub async fn visits(&self, clinic: &str, patient: &str) -> Result<Vec<Visit>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{VISIT_COLUMNS} WHERE clinic_id = $1 AND patient_id = $2 ORDER BY visit_date, created, id"
        )))
        .bind(clinic.to_string())
        .bind(patient.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut visits: Vec<Visit> = rows.iter().map(visit_row).collect::<Result<_>>()?;
        let rows = sqlx::query(
            "SELECT p.id, p.visit_id, p.x, p.y, p.muscle, p.side, p.units FROM points p JOIN visits v ON v.id = p.visit_id WHERE v.clinic_id = $1 AND v.patient_id = $2 ORDER BY p.created, p.id",
        )
        .bind(clinic.to_string())
        .bind(patient.to_string())
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            let visit: String = row.try_get(1)?;
            if let Some(v) = visits.iter_mut().find(|v| v.id == visit) {
                v.points.push(point_row(row)?);
            }
        }
        Ok(visits)
    }

    /// The visit `id` of `clinic` with its points.
    pub async fn visit(&self, clinic: &str, id: &str) -> Result<Visit> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{VISIT_COLUMNS} WHERE clinic_id = $1 AND id = $2"
        )))
        .bind(clinic.to_string())
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let mut visit = visit_row(&row.ok_or(WebError::NotFound)?)?;
        let rows = sqlx::query(
            "SELECT id, visit_id, x, y, muscle, side, units FROM points WHERE clinic_id = $1 AND visit_id = $2 ORDER BY created, id",
        )
        .bind(clinic.to_string())
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        visit.points = rows.iter().map(point_row).collect::<Result<_>>()?;
        Ok(visit)
    }

    /// The visit, refusing a signed one: signed visits are locked.
    pub async fn draft(&self, clinic: &str, id: &str) -> Result<Visit> {
        let visit = self.visit(clinic, id).await?;
        if visit.signed() {
            return Err(WebError::Locked);
        }
        Ok(visit)
    }

    pub async fn add_points(&self, clinic: &str, visit: &str, points: &[NewPoint]) -> Result<()> {
        let mut transaction = self.write_transaction().await?;
        // The status is checked inside the transaction that writes, so a visit signed
        // meanwhile is never changed.
        let status = sqlx::query("SELECT status FROM visits WHERE clinic_id = $1 AND id = $2")
            .bind(clinic.to_string())
            .bind(visit.to_string())
            .fetch_optional(&mut *transaction)
            .await?
            .ok_or(WebError::NotFound)?;
        if status.try_get::<String, _>(0)? != "draft" {
            return Err(WebError::Locked);
        }
        for point in points {
            insert_point(&mut transaction, clinic, visit, point).await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    pub async fn delete_point(&self, clinic: &str, visit: &str, point: &str) -> Result<()> {
        self.draft(clinic, visit).await?;
        let done = sqlx::query(
            "DELETE FROM points WHERE clinic_id = $1 AND visit_id = $2 AND id = $3 AND visit_id IN (SELECT id FROM visits WHERE status = 'draft')",
        )
        .bind(clinic.to_string())
        .bind(visit.to_string())
        .bind(point.to_string())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(WebError::NotFound);
        }
        Ok(())
    }

    pub async fn update_point(
        &self,
        clinic: &str,
        visit: &str,
        point: &str,
        muscle: &str,
        side: &str,
        units: f64,
    ) -> Result<()> {
        self.draft(clinic, visit).await?;
        let done = sqlx::query(
            "UPDATE points SET muscle = $1, side = $2, units = $3 WHERE clinic_id = $4 AND visit_id = $5 AND id = $6 AND visit_id IN (SELECT id FROM visits WHERE status = 'draft')",
        )
        .bind(muscle.to_string())
        .bind(side.to_string())
        .bind(units)
        .bind(clinic.to_string())
        .bind(visit.to_string())
        .bind(point.to_string())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(WebError::NotFound);
        }
        Ok(())
    }

    pub async fn sign_visit(&self, clinic: &str, visit: &str, user: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE visits SET status = 'signed', signed_by = $1, signed_at = $2 WHERE clinic_id = $3 AND id = $4 AND status = 'draft'",
        )
        .bind(user.to_string())
        .bind(now())
        .bind(clinic.to_string())
        .bind(visit.to_string())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            self.visit(clinic, visit).await?;
            return Err(WebError::Locked);
        }
        Ok(())
    }

    /// Every visit of `clinic` that used `lot`, with its patient's code.
    pub async fn lot_recall(
        &self,
        clinic: &str,
        lot: &str,
    ) -> Result<Vec<(String, String, Visit)>> {
        let rows = sqlx::query(
            "SELECT v.id, v.patient_id, v.visit_date, v.product, v.lot, v.expiry, v.dilution_ml, v.status, v.amends, v.note, p.code FROM visits v JOIN patients p ON p.id = v.patient_id WHERE v.clinic_id = $1 AND p.clinic_id = $1 AND LOWER(v.lot) = LOWER($2) ORDER BY p.code, v.visit_date",
        )
        .bind(clinic.to_string())
        .bind(lot.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let visit = visit_row(r)?;
                Ok((r.try_get(10)?, visit.patient.clone(), visit))
            })
            .collect()
    }

    // -------------------------------------------------------------------------------------
    // Observations, shares and photos.

    pub async fn add_observation(&self, clinic: &str, observation: &Observation) -> Result<()> {
        sqlx::query(
            "INSERT INTO observations (id, clinic_id, patient_id, observed_date, area, rest_severity, max_severity, movement_returned_day, masseter_mm, sunnybrook, eface, house_brackmann, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(new_id())
        .bind(clinic.to_string())
        .bind(observation.patient.clone())
        .bind(observation.date.clone())
        .bind(observation.area.clone())
        .bind(observation.rest_severity)
        .bind(observation.max_severity)
        .bind(observation.movement_returned_day)
        .bind(observation.masseter_mm)
        .bind(observation.sunnybrook)
        .bind(observation.eface)
        .bind(observation.house_brackmann)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn observations(&self, clinic: &str, patient: &str) -> Result<Vec<Observation>> {
        let rows = sqlx::query(
            "SELECT patient_id, observed_date, area, rest_severity, max_severity, movement_returned_day, masseter_mm, sunnybrook, eface, house_brackmann FROM observations WHERE clinic_id = $1 AND patient_id = $2 ORDER BY observed_date, created",
        )
        .bind(clinic.to_string())
        .bind(patient.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Observation {
                    patient: r.try_get(0)?,
                    date: r.try_get(1)?,
                    area: r.try_get(2)?,
                    rest_severity: r.try_get(3)?,
                    max_severity: r.try_get(4)?,
                    movement_returned_day: r.try_get(5)?,
                    masseter_mm: r.try_get(6)?,
                    sunnybrook: r.try_get(7)?,
                    eface: r.try_get(8)?,
                    house_brackmann: r.try_get(9)?,
                })
            })
            .collect()
    }

    pub async fn create_share(&self, clinic: &str, patient: &str, token_hash: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO shares (token_hash, clinic_id, patient_id, created) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash.to_string())
        .bind(clinic.to_string())
        .bind(patient.to_string())
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Revoke every share link of a patient of `clinic`; the number revoked.
    pub async fn revoke_shares(&self, clinic: &str, patient: &str) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE shares SET revoked = $1 WHERE clinic_id = $2 AND patient_id = $3 AND revoked IS NULL",
        )
        .bind(now())
        .bind(clinic.to_string())
        .bind(patient.to_string())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    pub async fn active_shares(&self, clinic: &str, patient: &str) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM shares WHERE clinic_id = $1 AND patient_id = $2 AND revoked IS NULL",
        )
        .bind(clinic.to_string())
        .bind(patient.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// (clinic, patient) of a live share link.
    pub async fn share(&self, token_hash: &str) -> Result<(String, String)> {
        let row = sqlx::query(
            "SELECT clinic_id, patient_id FROM shares WHERE token_hash = $1 AND revoked IS NULL",
        )
        .bind(token_hash.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(WebError::NotFound)?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    pub async fn add_photo(
        &self,
        clinic: &str,
        patient: &str,
        date: &str,
        file_name: &str,
    ) -> Result<String> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO photos (id, clinic_id, patient_id, taken_date, file_name, created) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.clone())
        .bind(clinic.to_string())
        .bind(patient.to_string())
        .bind(date.to_string())
        .bind(file_name.to_string())
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// (id, date, file name) of a patient's photos.
    pub async fn photos(&self, clinic: &str, patient: &str) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT id, taken_date FROM photos WHERE clinic_id = $1 AND patient_id = $2 ORDER BY taken_date, created",
        )
        .bind(clinic.to_string())
        .bind(patient.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    pub async fn photo_file(&self, clinic: &str, id: &str) -> Result<String> {
        let row = sqlx::query("SELECT file_name FROM photos WHERE clinic_id = $1 AND id = $2")
            .bind(clinic.to_string())
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(WebError::NotFound)?;
        Ok(row.try_get(0)?)
    }
}

async fn migrate_on(connection: &mut sqlx::AnyConnection) -> Result<()> {
    use sqlx::Connection;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, applied BIGINT NOT NULL)",
    )
    .execute(&mut *connection)
    .await?;
    for (version, sql) in MIGRATIONS {
        let done = sqlx::query("SELECT version FROM schema_version WHERE version = $1")
            .bind(*version)
            .fetch_optional(&mut *connection)
            .await?;
        if done.is_some() {
            continue;
        }
        let mut transaction = connection.begin().await?;
        for statement in sql.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
            sqlx::query(statement).execute(&mut *transaction).await?;
        }
        sqlx::query("INSERT INTO schema_version (version, applied) VALUES ($1, $2)")
            .bind(*version)
            .bind(now())
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
    }
    Ok(())
}

const VISIT_COLUMNS: &str = "SELECT id, patient_id, visit_date, product, lot, expiry, dilution_ml, status, amends, note FROM visits";

async fn insert_point(
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    clinic: &str,
    visit: &str,
    point: &NewPoint,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO points (id, visit_id, clinic_id, x, y, muscle, side, units, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new_id())
    .bind(visit.to_string())
    .bind(clinic.to_string())
    .bind(point.x)
    .bind(point.y)
    .bind(point.muscle.clone())
    .bind(point.side.clone())
    .bind(point.units)
    .bind(now())
    .execute(&mut **transaction)
    .await?;
    Ok(())
}

fn patient_row(r: &AnyRow) -> Result<Patient> {
    let side: Option<String> = r.try_get(4)?;
    let grade: Option<i64> = r.try_get(5)?;
    let onset: Option<String> = r.try_get(6)?;
    Ok(Patient {
        id: r.try_get(0)?,
        code: r.try_get(1)?,
        sex: r.try_get(2)?,
        birth_year: r.try_get(3)?,
        palsy: match (side, grade, onset) {
            (Some(side), Some(house_brackmann), Some(onset)) => Some(Palsy {
                side,
                house_brackmann,
                onset,
            }),
            _ => None,
        },
    })
}

fn visit_row(r: &AnyRow) -> Result<Visit> {
    Ok(Visit {
        id: r.try_get(0)?,
        patient: r.try_get(1)?,
        date: r.try_get(2)?,
        product: r.try_get(3)?,
        lot: r.try_get(4)?,
        expiry: r.try_get(5)?,
        dilution_ml: r.try_get(6)?,
        status: r.try_get(7)?,
        amends: r.try_get(8)?,
        note: r.try_get(9)?,
        points: Vec::new(),
    })
}

fn point_row(r: &AnyRow) -> Result<Point> {
    Ok(Point {
        id: r.try_get(0)?,
        x: r.try_get(2)?,
        y: r.try_get(3)?,
        muscle: r.try_get(4)?,
        side: r.try_get(5)?,
        units: r.try_get(6)?,
    })
}

// -----------------------------------------------------------------------------------------
// Records.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Charts, signs, exports.
    Clinician,
    /// Reads only.
    Assistant,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Clinician => "clinician",
            Role::Assistant => "assistant",
        }
    }

    /// Anything but "clinician" reads only: an unknown role never gains rights.
    pub fn parse(text: &str) -> Role {
        if text == "clinician" {
            Role::Clinician
        } else {
            Role::Assistant
        }
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub clinic: String,
    pub clinic_name: String,
    pub email: String,
    pub role: Role,
    pub csrf: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Palsy {
    pub side: String,
    pub house_brackmann: i64,
    /// ISO date of onset.
    pub onset: String,
}

#[derive(Debug, Clone)]
pub struct NewPatient {
    pub code: String,
    pub sex: String,
    pub birth_year: i64,
    pub palsy: Option<Palsy>,
}

#[derive(Debug, Clone)]
pub struct Patient {
    pub id: String,
    pub code: String,
    pub sex: String,
    pub birth_year: i64,
    pub palsy: Option<Palsy>,
}

#[derive(Debug, Clone)]
pub struct NewPoint {
    pub x: f64,
    pub y: f64,
    pub muscle: String,
    pub side: String,
    pub units: f64,
}

#[derive(Debug, Clone)]
pub struct Point {
    pub id: String,
    pub x: f64,
    pub y: f64,
    pub muscle: String,
    pub side: String,
    pub units: f64,
}

#[derive(Debug, Clone)]
pub struct NewVisit {
    pub patient: String,
    pub date: String,
    pub product: String,
    pub lot: String,
    pub expiry: String,
    pub dilution_ml: f64,
    pub amends: Option<String>,
    pub note: String,
    pub points: Vec<NewPoint>,
}

#[derive(Debug, Clone)]
pub struct Visit {
    pub id: String,
    pub patient: String,
    pub date: String,
    pub product: String,
    pub lot: String,
    pub expiry: String,
    pub dilution_ml: f64,
    pub status: String,
    pub amends: Option<String>,
    pub note: String,
    pub points: Vec<Point>,
}

impl Visit {
    pub fn signed(&self) -> bool {
        self.status == "signed"
    }

    pub fn total_units(&self) -> f64 {
        self.points.iter().map(|p| p.units).sum()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Observation {
    pub patient: String,
    pub date: String,
    pub area: String,
    pub rest_severity: Option<f64>,
    pub max_severity: Option<f64>,
    pub movement_returned_day: Option<i64>,
    pub masseter_mm: Option<f64>,
    pub sunnybrook: Option<f64>,
    pub eface: Option<f64>,
    pub house_brackmann: Option<i64>,
}
