//! The HTML table Jupyter shows for a dataset: no JavaScript, sequences and items as
//! collapsible `<details>`, and a row budget so that huge datasets cannot freeze a notebook.

use super::shown::{Shown, element_name, keyword_text, length_text, shown};
use super::text::{Checks, plain_value_checked};
use super::{Node, plural, transfer_syntax_text};
use crate::core::{Dataset, SharedDataset, VR};
use crate::value;

/// Element rows shown by [`dataset_html`] by default before it stops.
pub const MAX_HTML_ROWS: usize = 2000;
/// Values in the HTML table are cut to this many characters.
pub const MAX_HTML_VALUE_CHARS: usize = 200;

const CSS: &str = "<style>\
    .rs-dicom table{border-collapse:collapse;margin:2px 0}\
    .rs-dicom th,.rs-dicom td{text-align:left;vertical-align:top;padding:1px 8px;\
    font-family:monospace;white-space:pre-wrap}\
    .rs-dicom tr:nth-child(even){background:rgba(127,127,127,.08)}\
    .rs-dicom summary{cursor:pointer}\
    </style>";
const HEAD: &str =
    "<tr><th>Tag</th><th>Keyword</th><th>VR</th><th>VM</th><th>Length</th><th>Value</th></tr>";

/// Text escaped for HTML content and attribute values (as Python's `html.escape`).
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
}

/// Standard base64 with padding.
fn push_base64(out: &mut String, bytes: &[u8]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
}

/// `1234567` → `1,234,567`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A row budget shared across nested tables.
struct Rows {
    limit: usize,
    count: usize,
    truncated: bool,
}

impl Rows {
    fn take(&mut self) -> bool {
        if self.count >= self.limit {
            self.truncated = true;
            return false;
        }
        self.count += 1;
        true
    }
}

/// The items of the sequence in the row being written.
struct Items {
    items: Vec<SharedDataset>,
    next: usize,
    /// An item's `<details>` is open.
    open: bool,
}

/// A table being written.
struct Table<'a> {
    node: Node<'a>,
    next: usize,
    items: Option<Items>,
}

/// Appends one element row, up to its value cell; returns the items of a sequence, whose
/// tables go into the cell.
fn push_row(
    ds: &Dataset,
    index: usize,
    checks: &mut Checks,
    out: &mut String,
) -> Option<Vec<SharedDataset>> {
    let e = ds.elements().get(index)?;
    out.push_str(&format!("<tr><td>{}</td><td title=\"", e.tag));
    push_escaped(out, element_name(e.tag));
    out.push_str("\">");
    push_escaped(out, &keyword_text(e.tag, Some(ds)));
    out.push_str(&format!(
        "</td><td>{}</td><td>{}</td><td>{}</td><td>",
        e.vr,
        value::vm(ds, e),
        length_text(e)
    ));
    if e.vr == VR::SQ
        && let Shown::Items(items) = shown(ds, e)
    {
        let n = items.len();
        out.push_str(&format!(
            "<details><summary>{n} item{}</summary>",
            plural(n)
        ));
        return Some(items.to_vec());
    }
    push_escaped(
        out,
        &plain_value_checked(ds, e, Some(MAX_HTML_VALUE_CHARS), checks),
    );
    out.push_str("</td></tr>");
    None
}

fn push_table(top: Node<'_>, rows: &mut Rows, checks: &mut Checks, out: &mut String) {
    out.push_str("<table>");
    out.push_str(HEAD);
    let mut stack = vec![Table {
        node: top,
        next: 0,
        items: None,
    }];
    while let Some(table) = stack.last_mut() {
        if let Some(seq) = &mut table.items {
            if seq.open {
                out.push_str("</details>");
                seq.open = false;
            }
            let item = seq.items.get(seq.next).filter(|_| !rows.truncated);
            if let Some(item) = item.cloned() {
                seq.next += 1;
                seq.open = true;
                let size = item.read().len();
                out.push_str(&format!(
                    "<details><summary>Item {} ({size} element{})</summary><table>{HEAD}",
                    seq.next,
                    plural(size)
                ));
                stack.push(Table {
                    node: Node::Shared(item),
                    next: 0,
                    items: None,
                });
            } else {
                out.push_str("</details></td></tr>");
                table.items = None;
            }
            continue;
        }
        let index = table.next;
        let more = table.node.with(|ds| index < ds.len());
        if more && rows.take() {
            table.next += 1;
            let items = table.node.with(|ds| push_row(ds, index, checks, out));
            table.items = items.map(|items| Items {
                items,
                next: 0,
                open: false,
            });
        } else {
            out.push_str("</table>");
            stack.pop();
        }
    }
}

/// An HTML table for Jupyter: tag, keyword (the name as tooltip), VR, VM, length, value.
///
/// Sequences and their items are collapsible `<details>` elements (no JavaScript); the file
/// `meta` group is a collapsed section above the dataset. Text is HTML-escaped and values are
/// cut to 200 characters. After `max_rows` element rows the output stops with a note. A
/// `thumbnail_png` (PNG bytes of the first frame) is shown above the tables.
pub fn dataset_html(
    ds: &Dataset,
    meta: Option<&Dataset>,
    max_rows: usize,
    thumbnail_png: Option<&[u8]>,
) -> String {
    let mut rows = Rows {
        limit: max_rows,
        count: 0,
        truncated: false,
    };
    let mut checks = Checks::default();
    let mut out = String::from("<div class=\"rs-dicom\">");
    out.push_str(CSS);
    let n = ds.len();
    let mut title = format!("Dataset: {n} element{}", plural(n));
    let syntax = transfer_syntax_text(meta);
    if !syntax.is_empty() {
        title.push_str(", ");
        title.push_str(&syntax);
    }
    out.push_str("<div><b>");
    push_escaped(&mut out, &title);
    out.push_str("</b></div>");
    if let Some(png) = thumbnail_png {
        out.push_str("<div><img src=\"data:image/png;base64,");
        push_base64(&mut out, png);
        out.push_str("\" alt=\"first frame\"></div>");
    }
    if let Some(meta) = meta.filter(|m| !m.is_empty()) {
        out.push_str(&format!(
            "<details><summary>File Meta Information ({} elements)</summary>",
            meta.len()
        ));
        push_table(Node::Borrowed(meta), &mut rows, &mut checks, &mut out);
        out.push_str("</details>");
    }
    if !rows.truncated {
        push_table(Node::Borrowed(ds), &mut rows, &mut checks, &mut out);
    }
    if rows.truncated {
        out.push_str(&format!(
            "<p><i>Output truncated after {} rows; use repr(), iteration or rs-dicom meta to \
             see everything.</i></p>",
            thousands(max_rows)
        ));
    }
    out.push_str("</div>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_python_html_escape() {
        let mut out = String::new();
        push_escaped(&mut out, "<a href='x'>\"&\"</a>");
        assert_eq!(
            out,
            "&lt;a href=&#x27;x&#x27;&gt;&quot;&amp;&quot;&lt;/a&gt;"
        );
    }

    #[test]
    fn base64_with_padding() {
        for (bytes, text) in [
            (&b""[..], ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"\x89PNG\r\n\x1a\n", "iVBORw0KGgo="),
        ] {
            let mut out = String::new();
            push_base64(&mut out, bytes);
            assert_eq!(out, text);
        }
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(2000), "2,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
