//! The clinic's commands: `bontsim serve` (the web app of the bontsim-web crate),
//! `bontsim user add` (accounts) and `bontsim db backup` (a consistent copy of the SQLite
//! database while the clinic runs). The work is the web crate's; this module reads the
//! options and turns its errors into the CLI's messages and exit codes.

use bontsim_web::store::{random_hex, Role, Store};
use bontsim_web::{add_user, runtime, serve, ServeOptions};
use clap::{Args, Subcommand, ValueEnum};
use std::io::Read;

#[derive(Args)]
pub struct ServeArgs {
    /// The database: a SQLite file (created and migrated when missing) or a
    /// postgres://user:password@host/database URL.
    #[arg(long, default_value = "bontsim.db")]
    database: String,
    /// Address and port to listen on (keep it on loopback behind a TLS reverse proxy).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Seed a demo clinic with example patients and print its login.
    #[arg(long)]
    demo: bool,
    /// Mark cookies Secure (when a TLS reverse proxy serves the clinic).
    #[arg(long)]
    secure_cookies: bool,
}

#[derive(Subcommand)]
pub enum UserAction {
    /// Add a user to a clinic (the clinic is created when new). Prints a generated password
    /// unless --password-stdin gives one (at least 10 characters).
    Add {
        #[arg(long)]
        clinic: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum, default_value = "clinician")]
        role: RoleArg,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        #[arg(long, default_value = "bontsim.db")]
        database: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    /// Charts, signs and exports.
    Clinician,
    /// Reads only.
    Assistant,
}

#[derive(Subcommand)]
pub enum DbAction {
    /// Write a consistent copy of the SQLite database to PATH (a new file), even while the
    /// clinic runs (SQLite `VACUUM INTO`). For PostgreSQL use pg_dump.
    Backup {
        path: String,
        #[arg(long, default_value = "bontsim.db")]
        database: String,
    },
}

/// (message, exit code) of a refusal.
pub type Refusal = (String, u8);

fn refusal(error: bontsim_web::error::WebError) -> Refusal {
    let code = match error {
        bontsim_web::error::WebError::Internal(_) => 1,
        _ => 2,
    };
    (error.to_string(), code)
}

pub fn run_serve(args: ServeArgs) -> Result<(), Refusal> {
    let runtime = runtime().map_err(refusal)?;
    runtime
        .block_on(serve(ServeOptions {
            database: args.database,
            listen: args.listen,
            demo: args.demo,
            secure_cookies: args.secure_cookies,
        }))
        .map_err(refusal)
}

pub fn run_user(action: UserAction) -> Result<(), Refusal> {
    let UserAction::Add {
        clinic,
        email,
        role,
        password_stdin,
        database,
    } = action;
    let password = if password_stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| (format!("password: cannot read standard input: {e}"), 2))?;
        text.trim_end_matches(['\n', '\r']).to_string()
    } else {
        random_hex(10)
    };
    let role = match role {
        RoleArg::Clinician => Role::Clinician,
        RoleArg::Assistant => Role::Assistant,
    };
    let runtime = runtime().map_err(refusal)?;
    runtime.block_on(async {
        let store = Store::open(&database).await.map_err(refusal)?;
        add_user(&store, &clinic, &email, &password, role)
            .await
            .map_err(refusal)
    })?;
    println!(
        "added {} ({}) to clinic \"{clinic}\"",
        email.trim().to_lowercase(),
        role.name()
    );
    if !password_stdin {
        println!("password: {password}");
    }
    Ok(())
}

pub fn run_db(action: DbAction) -> Result<(), Refusal> {
    let DbAction::Backup { path, database } = action;
    let runtime = runtime().map_err(refusal)?;
    runtime.block_on(async {
        let store = Store::open(&database).await.map_err(refusal)?;
        store.backup(&path).await.map_err(refusal)
    })?;
    println!("backed up {database} to {path}");
    Ok(())
}
