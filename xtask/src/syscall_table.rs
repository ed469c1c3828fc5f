//! `cargo xtask syscalls`: docs/syscalls.md, the Linux system calls and which the kernel dispatches.
//!
//! The table is read from the kernel's dispatch `match` in kernel/src/syscall/mod.rs, whose arms
//! are `numbers => module::function(...),`, the numbers a single `n`, alternatives `a | b` or a
//! range `a..=b`. A call is *implemented* when an arm dispatches it, *partial* when that arm's
//! line also says `// partial: <what is missing>`, and *ENOSYS* when no arm does (the `_` arm must
//! be `Err(ENOSYS)`). Every dispatched number must be a Linux AArch64 system call.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;

use anyhow::{Context, Result, bail, ensure};

use crate::linux_syscalls::SYSCALLS;
use crate::workspace;

/// The dispatch table, relative to the workspace.
pub const SOURCE: &str = "kernel/src/syscall/mod.rs";
/// The generated table, relative to the workspace.
pub const OUTPUT: &str = "docs/syscalls.md";
/// The marker of a call that is only partly there, in a comment on its dispatch line.
const PARTIAL_MARKER: &str = "partial:";

/// One arm of the dispatch `match`.
#[derive(Debug, PartialEq, Eq)]
pub struct Arm {
    /// Its first line in the source, counted from 1.
    pub line: usize,
    pub numbers: Vec<u32>,
    /// `module::function`.
    pub handler: String,
    /// What is missing, from a `// partial: ...` comment.
    pub partial: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Implemented,
    Partial,
    Enosys,
}

impl Status {
    const ALL: [Status; 3] = [Status::Implemented, Status::Partial, Status::Enosys];

    fn label(self) -> &'static str {
        match self {
            Status::Implemented => "implemented",
            Status::Partial => "partial",
            Status::Enosys => "ENOSYS",
        }
    }
}

/// One Linux system call and what the kernel does with it.
#[derive(Debug)]
pub struct Row {
    pub number: u32,
    pub name: &'static str,
    pub status: Status,
    pub handler: Option<String>,
    pub note: Option<String>,
}

/// Writes docs/syscalls.md from the dispatch table as it is now.
pub fn run() -> Result<()> {
    let source_path = workspace::root().join(SOURCE);
    let source = fs::read_to_string(&source_path)
        .with_context(|| format!("reading {}", workspace::relative(&source_path)))?;
    let rows = table(&source)?;
    let output_path = workspace::root().join(OUTPUT);
    fs::write(&output_path, render(&rows))
        .with_context(|| format!("writing {}", workspace::relative(&output_path)))?;
    let counts = counts(&rows)
        .iter()
        .map(|(status, count)| format!("{count} {}", status.label()))
        .collect::<Vec<_>>()
        .join(", ");
    println!("wrote {OUTPUT}: {counts}");
    Ok(())
}

/// The rows of docs/syscalls.md for `source`, the text of kernel/src/syscall/mod.rs.
pub fn table(source: &str) -> Result<Vec<Row>> {
    rows(&parse_dispatch(source)?)
}

/// The arms of the `match number` in `fn dispatch`, the `_ => Err(ENOSYS)` arm left out.
pub fn parse_dispatch(source: &str) -> Result<Vec<Arm>> {
    let lines: Vec<&str> = source.lines().collect();
    let dispatch = lines
        .iter()
        .position(|line| line.contains("fn dispatch("))
        .with_context(|| format!("{SOURCE} has no `fn dispatch(`"))?;
    let opening = (dispatch..lines.len())
        .find(|&index| code_of(lines[index]).trim_end().ends_with("match number {"))
        .with_context(|| format!("`fn dispatch` in {SOURCE} has no `match number {{`"))?;

    let mut arms = Vec::new();
    let mut default_arm = false;
    // The arm being read, which may span lines: its text, first line and partial note.
    let mut pending = String::new();
    let mut pending_line = 0;
    let mut pending_note: Option<String> = None;
    let mut depth = 1usize;
    for (index, &line) in lines.iter().enumerate().skip(opening + 1) {
        let number = index + 1;
        let code = code_of(line);
        let note = partial_note(line, number)?;
        for character in code.chars() {
            match character {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                break;
            }
        }
        if depth == 0 {
            ensure!(
                pending.trim().is_empty(),
                "{SOURCE}:{pending_line}: the dispatch arm `{}` does not end with a comma",
                pending.trim()
            );
            ensure!(
                default_arm,
                "{SOURCE}:{number}: the dispatch `match` has no `_ => Err(ENOSYS)` arm"
            );
            return Ok(arms);
        }
        if code.trim().is_empty() {
            ensure!(
                note.is_none(),
                "{SOURCE}:{number}: a `// {PARTIAL_MARKER}` comment belongs on the line of the \
                 dispatch arm it describes"
            );
            continue;
        }
        if pending.is_empty() {
            pending_line = number;
        }
        pending.push_str(code.trim());
        pending.push(' ');
        if note.is_some() {
            pending_note = note;
        }
        if !ends_arm(&pending) {
            continue;
        }
        let text = pending.trim().trim_end_matches(',');
        match parse_arm(text, pending_line, pending_note.take())? {
            Some(arm) => arms.push(arm),
            None => default_arm = true,
        }
        pending.clear();
    }
    bail!(
        "{SOURCE}:{}: the dispatch `match` is not closed",
        opening + 1
    )
}

/// A line without its `//` comment.
fn code_of(line: &str) -> &str {
    line.find("//").map_or(line, |start| &line[..start])
}

/// The note of a `// partial: <note>` comment on `line`, if it has one. A comment that starts
/// with "partial" in any other way is a mistake, not a comment to ignore.
fn partial_note(line: &str, number: usize) -> Result<Option<String>> {
    let Some(start) = line.find("//") else {
        return Ok(None);
    };
    let comment = line[start + 2..].trim();
    if !comment.to_ascii_lowercase().starts_with("partial") {
        return Ok(None);
    }
    let note = comment.strip_prefix(PARTIAL_MARKER).map(str::trim);
    match note {
        Some(note) if !note.is_empty() => Ok(Some(note.to_owned())),
        _ => bail!(
            "{SOURCE}:{number}: write the partial marker as `// {PARTIAL_MARKER} <what is \
             missing>`, not `// {comment}`"
        ),
    }
}

/// Whether `text` is a whole arm: it ends with a comma outside any parentheses.
fn ends_arm(text: &str) -> bool {
    let mut depth = 0i32;
    for character in text.chars() {
        match character {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            _ => {}
        }
    }
    depth == 0 && text.trim_end().ends_with(',')
}

/// One arm, `pattern => expression` without its comma; `None` for the `_ => Err(ENOSYS)` arm.
fn parse_arm(text: &str, line: usize, partial: Option<String>) -> Result<Option<Arm>> {
    let (pattern, expression) = text
        .split_once("=>")
        .with_context(|| format!("{SOURCE}:{line}: `{text}` is not a `match` arm"))?;
    let (pattern, expression) = (pattern.trim(), expression.trim());
    if pattern == "_" {
        ensure!(
            expression == "Err(ENOSYS)",
            "{SOURCE}:{line}: the `_` arm must be `Err(ENOSYS)` for the table to call the \
             rest ENOSYS, not `{expression}`"
        );
        ensure!(
            partial.is_none(),
            "{SOURCE}:{line}: the `_` arm cannot be partial"
        );
        return Ok(None);
    }
    let mut numbers = Vec::new();
    for alternative in pattern.split('|').map(str::trim) {
        numbers.extend(parse_numbers(alternative, line)?);
    }
    Ok(Some(Arm {
        line,
        numbers,
        handler: parse_handler(expression, line)?,
        partial,
    }))
}

/// `n` or `a..=b`.
fn parse_numbers(alternative: &str, line: usize) -> Result<Vec<u32>> {
    let number = |text: &str| -> Result<u32> {
        text.trim().parse().with_context(|| {
            format!(
                "{SOURCE}:{line}: `{alternative}` is not a system-call number or a range `a..=b`"
            )
        })
    };
    if let Some((first, last)) = alternative.split_once("..=") {
        let (first, last) = (number(first)?, number(last)?);
        ensure!(
            first <= last,
            "{SOURCE}:{line}: the range `{alternative}` is empty"
        );
        return Ok((first..=last).collect());
    }
    Ok(vec![number(alternative)?])
}

/// `module::function` from `module::function(arguments)`.
fn parse_handler(expression: &str, line: usize) -> Result<String> {
    let path = expression
        .split_once('(')
        .filter(|_| expression.ends_with(')'))
        .map(|(path, _)| path.trim());
    let is_identifier = |part: &str| {
        part.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    match path {
        Some(path)
            if path.split_once("::").is_some_and(|(module, function)| {
                is_identifier(module) && is_identifier(function)
            }) =>
        {
            Ok(path.to_owned())
        }
        _ => bail!(
            "{SOURCE}:{line}: a dispatch arm calls its handler as `module::function(...)`, not \
             `{expression}`"
        ),
    }
}

/// Every Linux system call with what the dispatch table does with it.
pub fn rows(arms: &[Arm]) -> Result<Vec<Row>> {
    let mut dispatched: BTreeMap<u32, &Arm> = BTreeMap::new();
    for arm in arms {
        for &number in &arm.numbers {
            ensure!(
                SYSCALLS.iter().any(|&(linux, _)| linux == number),
                "{SOURCE}:{}: {number} is not a Linux AArch64 system call number",
                arm.line
            );
            if let Some(earlier) = dispatched.insert(number, arm) {
                bail!(
                    "{SOURCE}:{}: system call {number} is dispatched already on line {}",
                    arm.line,
                    earlier.line
                );
            }
        }
    }
    Ok(SYSCALLS
        .iter()
        .map(|&(number, name)| match dispatched.get(&number) {
            Some(arm) => Row {
                number,
                name,
                status: if arm.partial.is_some() {
                    Status::Partial
                } else {
                    Status::Implemented
                },
                handler: Some(arm.handler.clone()),
                note: arm.partial.clone(),
            },
            None => Row {
                number,
                name,
                status: Status::Enosys,
                handler: None,
                note: None,
            },
        })
        .collect())
}

fn counts(rows: &[Row]) -> Vec<(Status, usize)> {
    Status::ALL
        .iter()
        .map(|&status| {
            (
                status,
                rows.iter().filter(|row| row.status == status).count(),
            )
        })
        .collect()
}

/// The Markdown file.
pub fn render(rows: &[Row]) -> String {
    let mut text = format!(
        "# Linux system calls\n\
         \n\
         Generated by `cargo xtask syscalls` from the dispatch table in\n\
         [`{SOURCE}`](../{SOURCE}); do not edit by hand.\n\
         `cargo test -p xtask` fails when this file no longer matches that table.\n\
         \n\
         A call is *implemented* when an arm of the dispatch `match` handles it, *partial* when\n\
         that arm's line also carries a `// partial: <what is missing>` comment, and *ENOSYS*\n\
         when no arm does. The numbers and names are Linux's on AArch64 (the asm-generic table,\n\
         up to Linux 6.17).\n\
         \n\
         | status | calls |\n\
         |---|---:|\n"
    );
    for (status, count) in counts(rows) {
        writeln!(text, "| {} | {count} |", status.label()).expect("writing to a String");
    }
    writeln!(text, "| total | {} |", rows.len()).expect("writing to a String");
    text.push_str(
        "\n\
         | number | name | status | handler | note |\n\
         |---:|---|---|---|---|\n",
    );
    for row in rows {
        let handler = row
            .handler
            .as_ref()
            .map_or(String::new(), |handler| format!("`{handler}`"));
        // A `|` would end the cell, a `*` might start emphasis.
        let note = row
            .note
            .as_deref()
            .unwrap_or("")
            .replace('|', "\\|")
            .replace('*', "\\*");
        let cells = [
            row.number.to_string(),
            format!("`{}`", row.name),
            row.status.label().to_owned(),
            handler,
            note,
        ];
        text.push('|');
        for cell in cells {
            if cell.is_empty() {
                text.push_str(" |");
            } else {
                write!(text, " {cell} |").expect("writing to a String");
            }
        }
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dispatch function around `arms`, shaped as kernel/src/syscall/mod.rs has it.
    fn source(arms: &str) -> String {
        format!(
            "pub fn dispatch(frame: &mut TrapFrame) -> Option<Interrupted> {{\n\
             \x20   let number = frame.x[8];\n\
             \x20   let result = match number {{\n\
             {arms}\
             \x20       _ => Err(ENOSYS),\n\
             \x20   }};\n\
             \x20   let interrupted = match result {{\n\
             \x20       Err(error) => Interrupted::from_result(error, args.0[0]),\n\
             \x20       Ok(_) => None,\n\
             \x20   }};\n\
             }}\n"
        )
    }

    fn parse(arms: &str) -> Result<Vec<Arm>> {
        parse_dispatch(&source(arms))
    }

    fn error(arms: &str) -> String {
        let result = parse(arms).and_then(|arms| rows(&arms));
        format!("{:#}", result.expect_err("the table is refused"))
    }

    #[test]
    fn reads_single_numbers_alternatives_and_ranges() {
        let arms = parse(
            "        17 => paths::getcwd(&args),\n\
             \x20       82 | 83 => files::fsync(&args),\n\
             \x20       174..=177 => identity::root_id(),\n\
             \x20       132 => signal::sigaltstack(&args, frame),\n",
        )
        .unwrap();
        let summary: Vec<_> = arms
            .iter()
            .map(|arm| (arm.line, arm.numbers.clone(), arm.handler.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                (4, vec![17], "paths::getcwd"),
                (5, vec![82, 83], "files::fsync"),
                (6, vec![174, 175, 176, 177], "identity::root_id"),
                (7, vec![132], "signal::sigaltstack"),
            ]
        );
        assert!(arms.iter().all(|arm| arm.partial.is_none()));
    }

    #[test]
    fn a_partial_comment_on_the_arm_line_makes_the_call_partial() {
        let arms = parse(
            "        25 => files::fcntl(&args), // partial: no locks\n\
             \x20       143 | 145 => identity::set_ids(&args, 2), // partial: root's id only\n\
             \x20       57 => files::close(&args), // an ordinary comment\n",
        )
        .unwrap();
        assert_eq!(arms[0].partial.as_deref(), Some("no locks"));
        assert_eq!(arms[1].partial.as_deref(), Some("root's id only"));
        assert_eq!(arms[2].partial, None);
        let rows = rows(&arms).unwrap();
        let status = |number: u32| {
            let row = rows.iter().find(|row| row.number == number).unwrap();
            (row.status, row.handler.clone(), row.note.clone())
        };
        assert_eq!(
            status(25),
            (
                Status::Partial,
                Some("files::fcntl".into()),
                Some("no locks".into())
            )
        );
        assert_eq!(status(145).0, Status::Partial);
        assert_eq!(
            status(57),
            (Status::Implemented, Some("files::close".into()), None)
        );
        assert_eq!(status(0), (Status::Enosys, None, None));
    }

    #[test]
    fn an_arm_may_span_lines() {
        let arms = parse(
            "        220 => process::clone(\n\
             \x20           &args, frame, // partial: threads only\n\
             \x20       ),\n",
        )
        .unwrap();
        assert_eq!(arms.len(), 1);
        assert_eq!(arms[0].line, 4);
        assert_eq!(arms[0].handler, "process::clone");
        assert_eq!(arms[0].partial.as_deref(), Some("threads only"));
    }

    #[test]
    fn a_number_that_is_no_linux_system_call_is_an_error() {
        let message =
            error("        63 => files::read(&args),\n        42 => files::nothing(&args),\n");
        assert!(
            message.contains("mod.rs:5: 42 is not a Linux AArch64"),
            "{message}"
        );
        let message = error("        244..=246 => files::nothing(&args),\n");
        assert!(message.contains("244 is not a Linux AArch64"), "{message}");
        let message = error("        1000 => files::nothing(&args),\n");
        assert!(message.contains("1000 is not a Linux"), "{message}");
    }

    #[test]
    fn malformed_tables_are_errors() {
        for (arms, expected) in [
            (
                "        63 => files::read(&args),\n        63 => files::read(&args),\n",
                "dispatched already on line 4",
            ),
            (
                "        63 => files::read(&args), // Partial - no offsets\n",
                "write the partial marker",
            ),
            (
                "        63 => files::read(&args), // partial:\n",
                "write the partial marker",
            ),
            (
                "        // partial: no offsets\n        63 => files::read(&args),\n",
                "belongs on the line",
            ),
            ("        63 => Ok(0),\n", "`module::function(...)`"),
            (
                "        63 => |args| read(args),\n",
                "`module::function(...)`",
            ),
            (
                "        read => files::read(&args),\n",
                "`read` is not a system-call number",
            ),
            ("        64..=63 => files::read(&args),\n", "is empty"),
            (
                "        63..65 => files::read(&args),\n",
                "`63..65` is not a system-call number",
            ),
        ] {
            let message = error(arms);
            assert!(message.contains(expected), "{arms:?}: {message}");
        }
    }

    #[test]
    fn the_default_arm_must_be_enosys() {
        let text = source("").replace("_ => Err(ENOSYS)", "_ => Ok(0)");
        let message = format!("{:#}", parse_dispatch(&text).unwrap_err());
        assert!(message.contains("must be `Err(ENOSYS)`"), "{message}");
        let text = text.replace("        _ => Ok(0),\n", "");
        let message = format!("{:#}", parse_dispatch(&text).unwrap_err());
        assert!(message.contains("no `_ => Err(ENOSYS)` arm"), "{message}");
    }

    #[test]
    fn the_rendered_table_has_a_row_per_linux_system_call_and_counts() {
        let arms = parse(
            "        63 => files::read(&args),\n\
             \x20       25 => files::fcntl(&args), // partial: no F_SETLK | F_GETLK\n",
        )
        .unwrap();
        let text = render(&rows(&arms).unwrap());
        assert!(text.contains("do not edit by hand"));
        assert!(text.contains("| implemented | 1 |\n| partial | 1 |\n"));
        assert!(text.contains(&format!("| ENOSYS | {} |\n", SYSCALLS.len() - 2)));
        assert!(text.contains("| 63 | `read` | implemented | `files::read` | |\n"));
        assert!(
            text.contains("| 25 | `fcntl` | partial | `files::fcntl` | no F_SETLK \\| F_GETLK |\n")
        );
        assert!(text.contains("| 0 | `io_setup` | ENOSYS | | |\n"));
        let table_rows = text
            .lines()
            .filter(|line| line.starts_with("| ") && line.contains('`'));
        assert_eq!(table_rows.count(), SYSCALLS.len());
    }

    #[test]
    fn the_linux_table_is_in_order_without_repeats() {
        assert!(SYSCALLS.windows(2).all(|pair| pair[0].0 < pair[1].0));
        let mut names: Vec<_> = SYSCALLS.iter().map(|&(_, name)| name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SYSCALLS.len());
        assert_eq!(SYSCALLS.first(), Some(&(0, "io_setup")));
        assert!(SYSCALLS.contains(&(222, "mmap")));
    }

    /// CI's guard against a stale table: docs/syscalls.md must be what `cargo xtask syscalls`
    /// writes from kernel/src/syscall/mod.rs as it is now.
    #[test]
    fn docs_syscalls_md_matches_the_dispatch_table() {
        let source = fs::read_to_string(workspace::root().join(SOURCE)).unwrap();
        let expected = render(&table(&source).unwrap());
        let actual = fs::read_to_string(workspace::root().join(OUTPUT)).unwrap_or_default();
        if actual != expected {
            let mut wanted = expected.split_inclusive('\n');
            let mut found = actual.split_inclusive('\n');
            let (line, wanted, found) = (1..)
                .map(|line| (line, wanted.next(), found.next()))
                .find(|(_, wanted, found)| wanted != found)
                .expect("different texts differ in a line");
            panic!(
                "{OUTPUT} does not match {SOURCE}; run `cargo xtask syscalls` and commit it. \
                 Line {line} should be {wanted:?}, is {found:?}"
            );
        }
    }
}
