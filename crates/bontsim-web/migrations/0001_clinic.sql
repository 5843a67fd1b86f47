-- The clinic's schema, portable between SQLite and PostgreSQL: text ids, integer timestamps
-- (seconds since 1970), dates as ISO text, numbers as DOUBLE PRECISION.
CREATE TABLE clinics (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created BIGINT NOT NULL
);
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    clinic_id TEXT NOT NULL REFERENCES clinics(id),
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    created BIGINT NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    created BIGINT NOT NULL,
    expires BIGINT NOT NULL
);
CREATE TABLE patients (
    id TEXT PRIMARY KEY,
    clinic_id TEXT NOT NULL REFERENCES clinics(id),
    code TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_year BIGINT NOT NULL,
    palsy_side TEXT,
    palsy_house_brackmann BIGINT,
    palsy_onset TEXT,
    created BIGINT NOT NULL,
    UNIQUE (clinic_id, code)
);
CREATE TABLE visits (
    id TEXT PRIMARY KEY,
    clinic_id TEXT NOT NULL REFERENCES clinics(id),
    patient_id TEXT NOT NULL REFERENCES patients(id),
    visit_date TEXT NOT NULL,
    product TEXT NOT NULL,
    lot TEXT NOT NULL,
    expiry TEXT NOT NULL,
    dilution_ml DOUBLE PRECISION NOT NULL,
    status TEXT NOT NULL,
    amends TEXT REFERENCES visits(id),
    note TEXT NOT NULL,
    signed_by TEXT,
    signed_at BIGINT,
    created BIGINT NOT NULL
);
CREATE INDEX visits_patient ON visits (clinic_id, patient_id);
CREATE INDEX visits_lot ON visits (clinic_id, lot);
CREATE TABLE points (
    id TEXT PRIMARY KEY,
    visit_id TEXT NOT NULL REFERENCES visits(id),
    clinic_id TEXT NOT NULL REFERENCES clinics(id),
    x DOUBLE PRECISION NOT NULL,
    y DOUBLE PRECISION NOT NULL,
    muscle TEXT NOT NULL,
    side TEXT NOT NULL,
    units DOUBLE PRECISION NOT NULL,
    created BIGINT NOT NULL
);
CREATE INDEX points_visit ON points (visit_id);
CREATE TABLE observations (
    id TEXT PRIMARY KEY,
    clinic_id TEXT NOT NULL REFERENCES clinics(id),
    patient_id TEXT NOT NULL REFERENCES patients(id),
    observed_date TEXT NOT NULL,
    area TEXT NOT NULL,
    rest_severity DOUBLE PRECISION,
    max_severity DOUBLE PRECISION,
    movement_returned_day BIGINT,
    masseter_mm DOUBLE PRECISION,
    sunnybrook DOUBLE PRECISION,
    eface DOUBLE PRECISION,
    house_brackmann BIGINT,
    created BIGINT NOT NULL
);
CREATE INDEX observations_patient ON observations (clinic_id, patient_id);
CREATE TABLE shares (
    token_hash TEXT PRIMARY KEY,
    clinic_id TEXT NOT NULL REFERENCES clinics(id),
    patient_id TEXT NOT NULL REFERENCES patients(id),
    created BIGINT NOT NULL,
    revoked BIGINT
);
CREATE TABLE photos (
    id TEXT PRIMARY KEY,
    clinic_id TEXT NOT NULL REFERENCES clinics(id),
    patient_id TEXT NOT NULL REFERENCES patients(id),
    taken_date TEXT NOT NULL,
    file_name TEXT NOT NULL,
    created BIGINT NOT NULL
);
CREATE TABLE audit (
    id TEXT PRIMARY KEY,
    clinic_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    at BIGINT NOT NULL
)
