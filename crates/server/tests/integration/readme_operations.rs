//! The README's table of supported operations lists exactly the operation table, with its access class.

use cognate_wire::{Access, Operation};

#[test]
fn readme_lists_exactly_the_operation_table() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).expect("README.md");
    let table = readme.split("<!-- operations:begin -->").nth(1).and_then(|r| r.split("<!-- operations:end -->").next()).expect("markers");
    let rows: Vec<(String, String)> = table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| operation") && !l.starts_with("|---"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells[1].to_string(), cells[2].to_string())
        })
        .collect();
    let expected: Vec<(String, String)> = Operation::ALL
        .iter()
        .map(|op| {
            let access = match op.access() {
                Access::Iam => "IAM",
                Access::AccessToken => "token",
                Access::Public => "public",
            };
            (op.name().to_string(), access.to_string())
        })
        .collect();
    assert_eq!(rows, expected, "update the README table from crates/wire/src/ops.rs");
}
