//! The dcmdump-like text tree.

use super::shown::{keyword_text, length_text};
use super::text::{Checks, value_text_checked};
use super::{Node, plural, transfer_syntax_text};
use crate::core::{Dataset, Element, SharedDataset};
use crate::value;

/// Values are cut to this many characters by default (UIDs, dates and names fit).
pub const MAX_VALUE_CHARS: usize = 80;
/// Keywords are padded to this width so that values line up at every nesting level.
const KEYWORD_COLUMN: usize = 30;
/// Values are never cut shorter than this, even if the line gets longer than the width.
const MIN_VALUE_CHARS: usize = 16;
/// The column header of a tree with a file meta group.
pub const COLUMNS: &str = "# Tag       VR VM Length Keyword                        Value";

/// How values are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeOptions {
    /// Cut values so that lines fit in this many columns (deeply nested lines may still be
    /// longer); `Some(0)` never cuts; `None` cuts values to `value_limit` characters.
    pub width: Option<usize>,
    /// The most characters of a value when `width` is `None`.
    pub value_limit: usize,
}

impl Default for TreeOptions {
    fn default() -> Self {
        TreeOptions {
            width: None,
            value_limit: MAX_VALUE_CHARS,
        }
    }
}

/// The tree of `ds` line by line (no newlines). With a non-empty file `meta` group, the tree
/// starts with the column header, `# File Meta Information` and the meta elements, then
/// `# Dataset: <transfer syntax>`.
pub fn tree_lines<'a>(
    ds: &'a Dataset,
    meta: Option<&'a Dataset>,
    options: &TreeOptions,
) -> TreeLines<'a> {
    TreeLines::new(Node::Borrowed(ds), meta.map(Node::Borrowed), options)
}

/// The tree as one text (what `repr(dataset)` gives): values cut to 80 characters.
pub fn dataset_text(ds: &Dataset, meta: Option<&Dataset>) -> String {
    tree_lines(ds, meta, &TreeOptions::default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The lines of a tree, made one at a time: a tree of any size is printed without holding
/// all of it, and datasets are locked only while one of their elements is read.
pub struct TreeLines<'a> {
    options: TreeOptions,
    checks: Checks,
    /// What comes after the datasets being listed, next last.
    todo: Vec<Todo<'a>>,
    stack: Vec<Frame<'a>>,
}

enum Todo<'a> {
    Line(String),
    List(Node<'a>),
}

/// A dataset whose elements are being listed.
struct Frame<'a> {
    node: Node<'a>,
    /// The next element to list.
    next: usize,
    indent: String,
    /// The items of the sequence just listed, and the next one to list.
    items: Option<(Vec<SharedDataset>, usize)>,
}

impl<'a> TreeLines<'a> {
    fn new(ds: Node<'a>, meta: Option<Node<'a>>, options: &TreeOptions) -> TreeLines<'a> {
        let mut todo = vec![Todo::List(ds)];
        let meta = meta.filter(|m| m.with(|m| !m.is_empty()));
        if let Some(meta) = meta {
            let syntax = meta.with(|m| transfer_syntax_text(Some(m)));
            todo.push(Todo::Line(if syntax.is_empty() {
                "# Dataset".to_string()
            } else {
                format!("# Dataset: {syntax}")
            }));
            todo.push(Todo::List(meta));
            todo.push(Todo::Line("# File Meta Information".to_string()));
            todo.push(Todo::Line(COLUMNS.to_string()));
        }
        TreeLines {
            options: *options,
            checks: Checks::default(),
            todo,
            stack: Vec::new(),
        }
    }

    /// The tree of datasets shared by reference (what a Python object holds), which the
    /// lines may outlive.
    pub fn shared(
        ds: SharedDataset,
        meta: Option<SharedDataset>,
        options: &TreeOptions,
    ) -> TreeLines<'static> {
        TreeLines::new(Node::Shared(ds), meta.map(Node::Shared), options)
    }

    /// The next line of the datasets being listed; `None` when they are done.
    fn next_listed(&mut self) -> Option<String> {
        while let Some(frame) = self.stack.last_mut() {
            if let Some((items, next)) = &mut frame.items {
                let Some(item) = items.get(*next).cloned() else {
                    frame.items = None;
                    continue;
                };
                *next += 1;
                let n = item.read().len();
                let line = format!(
                    "{}  (FFFE,E000) Item #{next} ({n} element{})",
                    frame.indent,
                    plural(n)
                );
                let indent = format!("{}    ", frame.indent);
                self.stack.push(Frame {
                    node: Node::Shared(item),
                    next: 0,
                    indent,
                    items: None,
                });
                return Some(line);
            }
            let index = frame.next;
            frame.next += 1;
            let Frame { node, indent, .. } = &*frame;
            let (options, checks) = (&self.options, &mut self.checks);
            let row = node.with(|ds| {
                let e = ds.elements().get(index)?;
                let line = element_line(ds, e, indent, options, checks);
                Some((line, e.items().map(<[SharedDataset]>::to_vec)))
            });
            match row {
                Some((line, items)) => {
                    frame.items = items.map(|items| (items, 0));
                    return Some(line);
                }
                None => {
                    self.stack.pop();
                }
            }
        }
        None
    }
}

impl Iterator for TreeLines<'_> {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        loop {
            if let Some(line) = self.next_listed() {
                return Some(line);
            }
            match self.todo.pop()? {
                Todo::Line(line) => return Some(line),
                Todo::List(node) => self.stack.push(Frame {
                    node,
                    next: 0,
                    indent: String::new(),
                    items: None,
                }),
            }
        }
    }
}

fn element_line(
    ds: &Dataset,
    e: &Element,
    indent: &str,
    options: &TreeOptions,
    checks: &mut Checks,
) -> String {
    let keyword = keyword_text(e.tag, Some(ds));
    let column = KEYWORD_COLUMN
        .saturating_sub(indent.len())
        .max(keyword.chars().count());
    let head = format!(
        "{indent}{} {} {:>2} {:>6} {keyword:<column$} ",
        e.tag,
        e.vr,
        value::vm(ds, e),
        length_text(e)
    );
    let budget = match options.width {
        None => Some(options.value_limit),
        Some(0) => None,
        Some(width) => Some(
            width
                .saturating_sub(head.chars().count())
                .max(MIN_VALUE_CHARS),
        ),
    };
    head + &value_text_checked(ds, e, budget, checks)
}
