//! `sqlx::migrate!` embeds the files of migrations/postgres when the crate compiles, but on stable
//! Rust it cannot tell Cargo to look at the folder: without this, a new migration file would not be
//! compiled in until something else changed. (SQLite's are `include_str!`ed, which Cargo tracks.)
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
