//! README.md's configuration table against the declaration in [`Settings`]: every flag, variable
//! and file key documented, in one row per setting, and nothing documented that does not exist.

use std::collections::BTreeSet;

use clap::CommandFactory;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use super::settings::Settings;

/// One row of the table: the flag, its variable and its file key (if it has one).
type Row = (String, String, Option<String>);

/// The keys `cognate.toml` accepts, as serde's derive lists them: a deserializer that only records
/// the field names it is asked for.
fn file_keys() -> Vec<&'static str> {
    struct FieldNames(&'static [&'static str]);

    impl<'de> Deserializer<'de> for &mut FieldNames {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("only structs"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            self.0 = fields;
            Err(de::Error::custom("fields recorded"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }

    let mut names = FieldNames(&[]);
    let _ = Settings::deserialize(&mut names);
    names.0.to_vec()
}

fn declared() -> BTreeSet<Row> {
    let keys = file_keys();
    Settings::command()
        .get_arguments()
        .filter_map(|arg| {
            let env = arg.get_env()?.to_string_lossy().into_owned();
            let id = arg.get_id().as_str();
            Some((format!("--{}", arg.get_long()?), env, keys.contains(&id).then(|| id.to_string())))
        })
        .collect()
}

/// The code spans of a table cell: "`--admin-key ID:SECRET` or `x`" gives ["--admin-key ID:SECRET", "x"].
fn code_spans(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

/// The table under "## Configuration": `| flag | environment | cognate.toml | default | meaning |`.
fn documented(readme: &str) -> BTreeSet<Row> {
    let section = readme.split("\n## Configuration\n").nth(1).and_then(|rest| rest.split("\n## ").next()).unwrap_or_default();
    let mut rows = BTreeSet::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let first = |cell: usize| code_spans(cells.get(cell).copied().unwrap_or_default()).first().map(|s| s.to_string());
        let flag = first(1).and_then(|f| f.split_whitespace().next().map(str::to_string)).unwrap_or_default();
        let env = first(2).unwrap_or_default();
        let key = first(3).map(|k| k.split('=').next().unwrap_or_default().trim().to_string());
        rows.insert((flag, env, key));
    }
    rows
}

#[test]
fn the_readme_documents_every_setting_and_no_other() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let documented = documented(&readme);
    let declared = declared();
    assert!(declared.len() > 20, "{declared:?}");
    let missing: Vec<_> = declared.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&declared).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "README.md's configuration table (one row per setting: `--flag` | `COGNATE_VAR` | `file_key` or empty):\n\
         declared but not documented: {missing:?}\ndocumented but not declared: {unknown:?}"
    );
}

#[test]
fn the_table_reader_reads_rows() {
    let readme = "# X\n\n## Configuration\n\n| flag | environment | `cognate.toml` | default | meaning |\n|---|---|---|---|---|\n\
                  | `--admin-key ID:SECRET` | `COGNATE_ADMIN_KEYS` (comma separated) | `admin_keys = [\"ID:SECRET\"]` | none | keys |\n\
                  | `--config` | `COGNATE_CONFIG` | | | file |\n\n## Next\n| `--not-here` | `X` | | | |\n";
    let rows: Vec<Row> = documented(readme).into_iter().collect();
    assert_eq!(
        rows,
        vec![
            ("--admin-key".into(), "COGNATE_ADMIN_KEYS".into(), Some("admin_keys".into())),
            ("--config".into(), "COGNATE_CONFIG".into(), None),
        ]
    );
}
