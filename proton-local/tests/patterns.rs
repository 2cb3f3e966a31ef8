//! Every `@pattern` of the Proton model (botocore `proton/2020-07-20/service-2.json`, all 13)
//! compiles with ECMA-262 semantics, and each is walked with Unicode look-alikes: replacing
//! any character of a valid value with a look-alike (Arabic-Indic or fullwidth digit, accented
//! or Cyrillic letter, fullwidth punctuation) or adding a combining mark makes it invalid,
//! except where the pattern has `.`, which matches any character but a line terminator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proton_local::model::MODEL_PATTERNS;

struct Case {
    pattern: &'static str,
    valid: &'static [&'static str],
    /// Character positions matched by `.` (in every valid example).
    dot_positions: &'static [usize],
    anchored: bool,
}

const fn case(pattern: &'static str, valid: &'static [&'static str]) -> Case {
    Case {
        pattern,
        valid,
        dot_positions: &[],
        anchored: true,
    }
}

const ROLE_ARN: &str =
    r"^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:role/([\w+=,.@-]{1,512}[/:])*([\w+=,.@-]{1,64})$";

const CASES: &[Case] = &[
    case(
        r"^arn:(aws|aws-cn|aws-us-gov):[a-zA-Z0-9-]+:[a-zA-Z0-9-]*:\d{12}:([\w+=,.@-]+[/:])*[\w+=,.@-]+$",
        &["arn:aws:kms:us-east-1:123456789012:key/a_b+c=d,e.f@g-h"],
    ),
    case(r"^\d{12}$", &["123456789012"]),
    case(r"^[!-~]*$", &["a!~Z9/"]),
    case(
        r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        &["d2f0c5a1-1111-2222-3333-444455556666"],
    ),
    Case {
        pattern: r"^(0|([1-9]{1}\d*)).(0|([1-9]{1}\d*))$",
        valid: &["1.0", "7.9"],
        dot_positions: &[1],
        anchored: true,
    },
    case(r"^[A-Za-z0-9+=/]+$", &["ab+/=Z9"]),
    Case {
        pattern: r"[A-Za-z0-9_.-].*/[A-Za-z0-9_.-].*",
        valid: &["a/b"],
        dot_positions: &[],
        anchored: false,
    },
    case(r"^[0-9A-Za-z]+[0-9A-Za-z_\-]*$", &["web-App_9"]),
    case(r"(^$)|^[0-9A-Za-z]+[0-9A-Za-z_\-]*$", &["web-App_9"]),
    case(ROLE_ARN, &["arn:aws:iam::123456789012:role/my-role"]),
    case(
        r"(^$)|(^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:role/([\w+=,.@-]{1,512}[/:])*([\w+=,.@-]{1,64})$)",
        &["arn:aws:iam::123456789012:role/my-role"],
    ),
    case(r"^[a-z0-9]+[a-z0-9-\.]+[a-z0-9]+$", &["my.bucket-1"]),
    case(r"^(0|([1-9]{1}\d*))$", &["10", "0"]),
];

fn lookalikes(c: char) -> Vec<char> {
    match c {
        '0'..='9' => vec!['\u{663}', '\u{FF11}', '\u{B2}', '\u{966}', '\u{1D7CE}'],
        'a'..='z' | 'A'..='Z' => vec!['é', '\u{430}', '\u{FF45}', '\u{131}', 'ß'],
        '-' => vec!['\u{2010}', '\u{2212}', '\u{FF0D}'],
        '_' => vec!['\u{FF3F}'],
        '.' => vec!['\u{FF0E}', '\u{3002}'],
        ':' => vec!['\u{FF1A}', '\u{2236}'],
        '/' => vec!['\u{FF0F}', '\u{2215}'],
        '+' => vec!['\u{FF0B}'],
        '=' => vec!['\u{FF1D}'],
        ',' => vec!['\u{FF0C}'],
        '@' => vec!['\u{FF20}'],
        '!' => vec!['\u{FF01}'],
        '~' => vec!['\u{FF5E}'],
        other => panic!("no look-alikes listed for {other:?}"),
    }
}

#[test]
fn every_model_pattern_is_walked_with_lookalikes() {
    for case in CASES {
        let regex = proton_local::ecma::compile(case.pattern)
            .unwrap_or_else(|e| panic!("{}: {e}", case.pattern));
        for valid in case.valid {
            assert!(regex.is_match(valid), "{} refuses {valid:?}", case.pattern);
            let chars: Vec<char> = valid.chars().collect();
            for (i, &c) in chars.iter().enumerate() {
                for lookalike in lookalikes(c) {
                    let mut changed = chars.clone();
                    changed[i] = lookalike;
                    let changed: String = changed.into_iter().collect();
                    let expected = case.dot_positions.contains(&i);
                    assert_eq!(
                        regex.is_match(&changed),
                        expected,
                        "{} on {changed:?} (position {i} of {valid:?})",
                        case.pattern
                    );
                }
                if case.anchored {
                    let mut marked = chars.clone();
                    marked.insert(i + 1, '\u{301}');
                    let marked: String = marked.into_iter().collect();
                    assert!(
                        !regex.is_match(&marked),
                        "{} accepts {marked:?}",
                        case.pattern
                    );
                }
            }
        }
    }
}

#[test]
fn the_dot_is_ecmas() {
    let regex = proton_local::ecma::compile(r"^(0|([1-9]{1}\d*)).(0|([1-9]{1}\d*))$").unwrap();
    for terminator in ['\n', '\r', '\u{2028}', '\u{2029}'] {
        assert!(!regex.is_match(&format!("1{terminator}0")));
    }
    assert!(regex.is_match("1😀0"));
}

#[test]
fn the_served_patterns_are_model_patterns_and_compile() {
    assert_eq!(MODEL_PATTERNS.len(), 7);
    for pattern in MODEL_PATTERNS {
        assert!(pattern.compiles(), "{} does not compile", pattern.source);
        assert!(
            CASES.iter().any(|c| c.pattern == pattern.source),
            "{} is not a model pattern",
            pattern.source
        );
        // What the server checks with is what was walked above.
        let case = CASES.iter().find(|c| c.pattern == pattern.source).unwrap();
        for valid in case.valid {
            assert!(pattern.is_match(valid));
            let lookalike: String = valid
                .chars()
                .map(|c| if c.is_ascii_digit() { '\u{663}' } else { c })
                .collect();
            if lookalike != *valid && case.dot_positions.is_empty() {
                assert!(
                    !pattern.is_match(&lookalike),
                    "{} {lookalike:?}",
                    pattern.source
                );
            }
        }
    }
}
