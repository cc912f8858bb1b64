//! ROS name validation (the rules of librmw's `rmw_validate_full_topic_name`,
//! `rmw_validate_node_name` and `rmw_validate_namespace`, reimplemented so that no ROS library
//! is needed).

/// `RMW_TOPIC_MAX_NAME_LENGTH`.
pub const TOPIC_MAX_NAME_LENGTH: usize = 255;
/// `RMW_NODE_NAME_MAX_NAME_LENGTH`.
pub const NODE_NAME_MAX_LENGTH: usize = 255;
/// `RMW_NAMESPACE_MAX_LENGTH` (topic limit minus room for `/` and one character).
pub const NAMESPACE_MAX_LENGTH: usize = TOPIC_MAX_NAME_LENGTH - 2;

fn valid_token_chars(s: &str) -> Result<(), String> {
    if let Some((i, c)) = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '/'))
    {
        return Err(format!(
            "contains a character that is not alphanumeric, '_' or '/': '{c}' at index {i}"
        ));
    }
    Ok(())
}

fn check_tokens(s: &str) -> Result<(), String> {
    if s.contains("//") {
        return Err("contains repeated forward slashes".into());
    }
    for tok in s.split('/').filter(|t| !t.is_empty()) {
        if tok.as_bytes()[0].is_ascii_digit() {
            return Err(format!("token '{tok}' starts with a number"));
        }
    }
    Ok(())
}

/// A fully-qualified topic name: `/a/b_c`, no trailing `/`, no `//`, no token starting with a
/// digit, at most 255 characters.
pub fn validate_full_topic_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("topic name is empty".into());
    }
    if !name.starts_with('/') {
        return Err(format!(
            "topic name '{name}' is not absolute (must start with '/')"
        ));
    }
    if name.ends_with('/') {
        return Err(format!("topic name '{name}' ends with a forward slash"));
    }
    valid_token_chars(name).map_err(|e| format!("topic name '{name}' {e}"))?;
    check_tokens(name).map_err(|e| format!("topic name '{name}' {e}"))?;
    if name.len() > TOPIC_MAX_NAME_LENGTH {
        return Err(format!(
            "topic name '{name}' is longer than {TOPIC_MAX_NAME_LENGTH}"
        ));
    }
    Ok(())
}

/// A node name: non-empty, alphanumerics and `_`, not starting with a digit, at most 255.
pub fn validate_node_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("node name is empty".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Err(format!(
            "node name '{name}' contains '{c}' (only alphanumerics and '_')"
        ));
    }
    if name.as_bytes()[0].is_ascii_digit() {
        return Err(format!("node name '{name}' starts with a number"));
    }
    if name.len() > NODE_NAME_MAX_LENGTH {
        return Err(format!(
            "node name '{name}' is longer than {NODE_NAME_MAX_LENGTH}"
        ));
    }
    Ok(())
}

/// A node namespace: absolute, `/` alone allowed, otherwise like a topic name, at most 253.
pub fn validate_namespace(ns: &str) -> Result<(), String> {
    if ns.is_empty() {
        return Err("namespace is empty".into());
    }
    if !ns.starts_with('/') {
        return Err(format!(
            "namespace '{ns}' is not absolute (must start with '/')"
        ));
    }
    if ns.len() > 1 {
        if ns.ends_with('/') {
            return Err(format!("namespace '{ns}' ends with a forward slash"));
        }
        valid_token_chars(ns).map_err(|e| format!("namespace '{ns}' {e}"))?;
        check_tokens(ns).map_err(|e| format!("namespace '{ns}' {e}"))?;
    }
    if ns.len() > NAMESPACE_MAX_LENGTH {
        return Err(format!(
            "namespace '{ns}' is longer than {NAMESPACE_MAX_LENGTH}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names() {
        for ok in ["/chatter", "/a/b_c", "/_x/y1"] {
            assert!(validate_full_topic_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "chatter", "/", "/a/", "/foo bar", "//a", "/1a", "/a/~b", "/a{b}",
        ] {
            assert!(validate_full_topic_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn node_names_and_namespaces() {
        assert!(validate_node_name("talker_1").is_ok());
        for bad in ["", "my node", "1x", "a/b", "a-b"] {
            assert!(validate_node_name(bad).is_err(), "{bad}");
        }
        for ok in ["/", "/ns", "/a/b"] {
            assert!(validate_namespace(ok).is_ok(), "{ok}");
        }
        for bad in ["", "ns", "/a/", "/a b", "//"] {
            assert!(validate_namespace(bad).is_err(), "{bad}");
        }
    }
}
