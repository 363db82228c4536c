//! Prints a dcmdump-like tree of each file given on the command line.

use rs_dicom::core::{Dataset, ElementValue};
use rs_dicom::dictionary;
use rs_dicom::parser::parse_file;
use rs_dicom::value::{Value, decode};

fn dump(ds: &Dataset, depth: usize) {
    for e in ds.iter() {
        let kw = dictionary::by_tag(e.tag).map_or("", |d| d.keyword);
        let indent = "  ".repeat(depth);
        match &e.value {
            ElementValue::Sequence(items) => {
                println!("{indent}{} SQ {kw} ({} items)", e.tag, items.len());
                for item in items {
                    println!("{indent}  ---");
                    dump(&item.read(), depth + 2);
                }
            }
            _ => {
                let v = match decode(ds, e) {
                    Value::Bytes(b) => format!("<{} bytes>", b.len()),
                    other => format!("{other:?}"),
                };
                let v: String = v.chars().take(80).collect();
                println!("{indent}{} {} {kw} {v}", e.tag, e.vr);
            }
        }
    }
}

fn main() {
    let mut failed = false;
    for path in std::env::args().skip(1) {
        match parse_file(&path) {
            Ok(f) => {
                println!("# {path} ({})", f.transfer_syntax.name);
                dump(&f.meta, 0);
                dump(&f, 0);
            }
            Err(e) => {
                failed = true;
                eprintln!("{path}: {e}");
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}
