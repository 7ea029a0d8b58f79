//! Secrets given inline or in a file (`--smtp-password` or `--smtp-password-file`), so that they
//! need not appear in a process listing or in `cognate.toml`.

use std::path::{Path, PathBuf};

use super::error::ConfigError;

/// The secret `name`, given inline or in a file (one of the two); a file's trailing newline is dropped.
pub fn secret(name: &'static str, inline: Option<String>, file: Option<PathBuf>) -> Result<Option<String>, ConfigError> {
    match (inline, file) {
        (Some(_), Some(_)) => Err(ConfigError::SecretTwice { name }),
        (Some(s), None) => Ok(Some(s)),
        (None, Some(path)) => Ok(Some(read_text(&path)?.trim_end_matches(['\r', '\n']).to_string())),
        (None, None) => Ok(None),
    }
}

pub fn read_text(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })
}
