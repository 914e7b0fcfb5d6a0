//! Hive-style SHOW patterns: `*` matches any run, `.` any one character, `|` separates
//! alternatives, `\\` escapes; matching ignores case.

pub fn matches(pattern: &str, name: &str) -> bool {
    let name: Vec<char> = name.to_lowercase().chars().collect();
    pattern
        .to_lowercase()
        .split('|')
        .any(|alt| match_here(&alt.trim().chars().collect::<Vec<_>>(), &name))
}

fn match_here(p: &[char], s: &[char]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some('*') => (0..=s.len()).any(|i| match_here(&p[1..], &s[i..])),
        Some('.') => !s.is_empty() && match_here(&p[1..], &s[1..]),
        Some('\\') if p.len() > 1 => s.first() == Some(&p[1]) && match_here(&p[2..], &s[1..]),
        Some(c) => s.first() == Some(c) && match_here(&p[1..], &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn hive_globs() {
        assert!(matches("*", "anything"));
        assert!(matches("jdbc*", "JDBC_test"));
        assert!(matches("jdbc.test.schema", "jdbc_test_schema"));
        assert!(!matches("jdbc.test", "jdbc_test_schema"));
        assert!(matches("a|b*", "bee"));
        assert!(matches("a\\.b", "a.b"));
        assert!(!matches("a\\.b", "axb"));
    }
}
