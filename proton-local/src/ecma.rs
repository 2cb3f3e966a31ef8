//! Smithy `@pattern` values are ECMA-262 regular expressions; the `regex` crate reads the same
//! text with other meanings: its `\d`, `\w`, `\s` and `\b` are Unicode-aware (so `1\u{663}`
//! would be "digits") and its `.` excludes only `\n`. [`compile`] parses a pattern with
//! `regex-syntax` and rewrites exactly those constructs to ECMA's definitions before compiling
//! it in Unicode mode, so literals, `.` and classes still work on whole characters (code points,
//! as ECMA's `u` flag and Smithy's `@length` count them):
//!
//! | construct | ECMA-262 meaning | written as |
//! |---|---|---|
//! | `\d` / `\D` | `[0-9]` / its complement | ASCII class |
//! | `\w` / `\W` | `[A-Za-z0-9_]` / its complement | ASCII class |
//! | `\s` / `\S` | WhiteSpace and LineTerminator code points | explicit class |
//! | `.` | any code point but `\n`, `\r`, U+2028, U+2029 | negated class |
//! | `\b` / `\B` | boundary between `\w` and non-`\w` | `(?-u:\b)` / `(?-u:\B)` |
//!
//! Syntax ECMA-262 reads differently or lacks (inline flags, `\p{..}`, `[[:alpha:]]`, `\A`,
//! `\z`) is refused rather than guessed at; the `regex` crate itself refuses lookaround and
//! backreferences. Matching stays linear in the input (no backtracking), which matters because
//! patterns run on request members of any length.

use regex::Regex;
use regex_syntax::ast::{
    self, parse::Parser, Assertion, AssertionKind, Ast, ClassPerl, ClassPerlKind, ClassSetItem,
    GroupKind, Span, Visitor,
};

/// ECMA-262 WhiteSpace and LineTerminator, as the body of a character class.
const ECMA_SPACE: &str = r"\t\n\x0B\x0C\r\x20\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}";
/// What ECMA-262's `.` matches (everything but the line terminators).
const ECMA_DOT: &str = r"[^\n\r\x{2028}\x{2029}]";
const DIGIT: &str = "0-9";
const WORD: &str = "0-9A-Za-z_";

/// Why a pattern cannot be compiled with ECMA-262 semantics.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EcmaPatternError {
    /// Not a regular expression `regex-syntax` can parse.
    #[error("cannot parse pattern {pattern:?}: {reason}")]
    Syntax { pattern: String, reason: String },
    /// Parsed, but the construct means something else (or nothing) in ECMA-262.
    #[error("pattern {pattern:?} uses {construct}, which ECMA-262 reads differently")]
    Unsupported {
        pattern: String,
        construct: &'static str,
    },
    /// The rewritten pattern did not compile.
    #[error("cannot compile pattern {pattern:?}: {reason}")]
    Compile { pattern: String, reason: String },
}

/// Compiles an ECMA-262 pattern into a `regex::Regex` with the same meaning.
pub fn compile(pattern: &str) -> Result<Regex, EcmaPatternError> {
    let rewritten = translate(pattern)?;
    Regex::new(&rewritten).map_err(|e| EcmaPatternError::Compile {
        pattern: pattern.to_string(),
        reason: e.to_string(),
    })
}

/// The pattern rewritten into `regex` syntax with ECMA-262 meanings (see the module docs).
pub(crate) fn translate(pattern: &str) -> Result<String, EcmaPatternError> {
    let parsed = Parser::new()
        .parse(pattern)
        .map_err(|e| EcmaPatternError::Syntax {
            pattern: pattern.to_string(),
            reason: e.kind().to_string(),
        })?;
    let edits = ast::visit(&parsed, Rewriter::default()).map_err(|construct| {
        EcmaPatternError::Unsupported {
            pattern: pattern.to_string(),
            construct,
        }
    })?;
    splice(pattern, edits).ok_or_else(|| EcmaPatternError::Compile {
        pattern: pattern.to_string(),
        reason: "rewrite spans do not fit the pattern".to_string(),
    })
}

/// Replaces each `(span, text)` in `source`; spans come from the parser, sorted and disjoint.
fn splice(source: &str, mut edits: Vec<(Span, String)>) -> Option<String> {
    edits.sort_by_key(|(span, _)| span.start.offset);
    let mut out = String::with_capacity(source.len() + 16 * edits.len());
    let mut copied = 0;
    for (span, text) in edits {
        out.push_str(source.get(copied..span.start.offset)?);
        out.push_str(&text);
        copied = span.end.offset;
    }
    out.push_str(source.get(copied..)?);
    Some(out)
}

/// Collects the rewrites; its error is the name of a construct that is refused.
#[derive(Default)]
struct Rewriter {
    edits: Vec<(Span, String)>,
}

fn perl_body(class: &ClassPerl) -> &'static str {
    match class.kind {
        ClassPerlKind::Digit => DIGIT,
        ClassPerlKind::Word => WORD,
        ClassPerlKind::Space => ECMA_SPACE,
    }
}

/// `\d` and friends as a stand-alone class (also valid nested inside a bracketed class).
fn perl_class(class: &ClassPerl) -> String {
    let negation = if class.negated { "^" } else { "" };
    format!("[{negation}{}]", perl_body(class))
}

impl Visitor for Rewriter {
    type Output = Vec<(Span, String)>;
    type Err = &'static str;

    fn finish(self) -> Result<Self::Output, Self::Err> {
        Ok(self.edits)
    }

    fn visit_pre(&mut self, ast: &Ast) -> Result<(), Self::Err> {
        match ast {
            Ast::Dot(span) => self.edits.push((**span, ECMA_DOT.to_string())),
            Ast::ClassPerl(class) => self.edits.push((class.span, perl_class(class))),
            Ast::Assertion(assertion) => self.assertion(assertion)?,
            Ast::Flags(_) => return Err("inline flags"),
            Ast::Group(group) => {
                if let GroupKind::NonCapturing(flags) = &group.kind {
                    if !flags.items.is_empty() {
                        return Err("inline flags");
                    }
                }
            }
            Ast::ClassUnicode(_) => return Err("a Unicode class (\\p)"),
            _ => {}
        }
        Ok(())
    }

    fn visit_class_set_item_pre(&mut self, item: &ClassSetItem) -> Result<(), Self::Err> {
        match item {
            ClassSetItem::Perl(class) if class.negated => {
                self.edits.push((class.span, perl_class(class)));
            }
            ClassSetItem::Perl(class) => {
                self.edits.push((class.span, perl_body(class).to_string()));
            }
            ClassSetItem::Ascii(_) => return Err("a POSIX class ([:name:])"),
            ClassSetItem::Unicode(_) => return Err("a Unicode class (\\p)"),
            ClassSetItem::Bracketed(_) => return Err("a nested class"),
            _ => {}
        }
        Ok(())
    }

    fn visit_class_set_binary_op_pre(
        &mut self,
        _op: &ast::ClassSetBinaryOp,
    ) -> Result<(), Self::Err> {
        Err("a class set operation (&&, --, ~~)")
    }
}

impl Rewriter {
    fn assertion(&mut self, assertion: &Assertion) -> Result<(), &'static str> {
        match assertion.kind {
            // Without the `m` flag both dialects anchor to the whole input.
            AssertionKind::StartLine | AssertionKind::EndLine => Ok(()),
            AssertionKind::WordBoundary => {
                self.edits.push((assertion.span, r"(?-u:\b)".to_string()));
                Ok(())
            }
            AssertionKind::NotWordBoundary => {
                self.edits.push((assertion.span, r"(?-u:\B)".to_string()));
                Ok(())
            }
            _ => Err("an assertion ECMA-262 lacks"),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn shorthand_classes_are_ascii() {
        let digits = compile(r"^\d+$").unwrap();
        assert!(digits.is_match("0123456789"));
        for lookalike in ["1\u{663}", "\u{FF11}", "\u{B2}", "\u{966}"] {
            assert!(!digits.is_match(lookalike), "{lookalike:?}");
        }
        let word = compile(r"^\w+$").unwrap();
        assert!(word.is_match("Az_09"));
        for lookalike in ["é", "а", "ß", "a\u{301}", "ǅ"] {
            assert!(!word.is_match(lookalike), "{lookalike:?}");
        }
        let in_class = compile(r"^[\w+=,.@-]+$").unwrap();
        assert!(in_class.is_match("key@a=b"));
        assert!(!in_class.is_match("kéy"));
        let negated = compile(r"^[^\W]+$").unwrap();
        assert!(negated.is_match("abc"));
        assert!(!negated.is_match("é"));
        let not_digit = compile(r"^\D$").unwrap();
        assert!(not_digit.is_match("\u{663}"));
        assert!(!not_digit.is_match("3"));
    }

    #[test]
    fn dot_is_one_code_point_but_no_line_terminator() {
        let dot = compile(r"^1.0$").unwrap();
        for ok in ["1.0", "1é0", "1😀0", "1\u{A0}0", "1\u{85}0"] {
            assert!(dot.is_match(ok), "{ok:?}");
        }
        for refused in ["1\n0", "1\r0", "1\u{2028}0", "1\u{2029}0", "10", "1ab0"] {
            assert!(!dot.is_match(refused), "{refused:?}");
        }
    }

    #[test]
    fn space_is_ecma_whitespace() {
        let space = compile(r"^\s$").unwrap();
        for ok in ["\t", "\u{B}", "\u{A0}", "\u{3000}", "\u{FEFF}", "\u{2028}"] {
            assert!(space.is_match(ok), "{ok:?}");
        }
        // U+0085 is Unicode whitespace (so `regex`'s `\s`) but not ECMA's.
        assert!(!space.is_match("\u{85}"));
    }

    #[test]
    fn literals_stay_whole_characters() {
        let literal = compile("^é{2}$").unwrap();
        assert!(literal.is_match("éé"));
        assert!(!literal.is_match("é"));
        let class = compile("^[é-ê]$").unwrap();
        assert!(class.is_match("ê"));
    }

    #[test]
    fn word_boundary_is_ascii() {
        let boundary = compile(r"a\b").unwrap();
        assert!(boundary.is_match("a-"));
        // `é` is not an ECMA word character, so there is a boundary between `a` and `é`.
        assert!(boundary.is_match("aé"));
    }

    #[test]
    fn constructs_ecma_reads_differently_are_refused() {
        for pattern in [
            r"(?i)a",
            r"(?i:a)",
            r"\pL",
            r"[[:alpha:]]",
            r"\Aa",
            r"a\z",
            r"[a&&b]",
            r"[a[b]]",
        ] {
            assert!(
                matches!(compile(pattern), Err(EcmaPatternError::Unsupported { .. })),
                "{pattern}"
            );
        }
        assert!(matches!(
            compile(r"(a"),
            Err(EcmaPatternError::Syntax { .. })
        ));
        assert!(compile(r"(?=a)").is_err());
    }
}
