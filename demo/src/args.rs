//! Command-line options of `hazcat-demo`, read without a parser crate (the demo builds nothing
//! but hazcat_core): `--name value`, `--name=value`, and `--flag` for options without a value.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::str::FromStr;

/// The options given on a command line.
#[derive(Debug, Default)]
pub struct Opts {
    values: BTreeMap<&'static str, String>,
}

impl Opts {
    /// Reads `args`: names in `flags` take no value, names in `valued` take one; anything else
    /// is an error naming it.
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        flags: &[&'static str],
        valued: &[&'static str],
    ) -> Result<Opts, String> {
        let mut out = Opts::default();
        let mut it = args.into_iter();
        while let Some(arg) = it.next() {
            let body = arg
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected argument '{arg}' (try --help)"))?;
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (body, None),
            };
            if let Some(&f) = flags.iter().find(|f| **f == name) {
                if inline.is_some() {
                    return Err(format!("--{name} takes no value"));
                }
                out.values.insert(f, String::new());
            } else if let Some(&v) = valued.iter().find(|v| **v == name) {
                let value = match inline {
                    Some(v) => v,
                    None => it.next().ok_or_else(|| format!("--{name} needs a value"))?,
                };
                out.values.insert(v, value);
            } else {
                return Err(format!("unknown option '--{name}' (try --help)"));
            }
        }
        Ok(out)
    }

    /// Whether `--name` was given.
    pub fn flag(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// The value of `--name`, or `default` when it was not given (`None`: the option is
    /// required).
    pub fn value<T: FromStr>(&self, name: &str, default: Option<T>) -> Result<T, String>
    where
        T::Err: Display,
    {
        match self.values.get(name) {
            Some(v) => v.parse().map_err(|e| format!("--{name} {v}: {e}")),
            None => default.ok_or_else(|| format!("--{name} is required")),
        }
    }

    /// The comma-separated values of `--name`, or of `default` when it was not given.
    pub fn list<T: FromStr>(&self, name: &str, default: &str) -> Result<Vec<T>, String>
    where
        T::Err: Display,
    {
        let v = self.values.get(name).map_or(default, String::as_str);
        v.split(',')
            .map(|s| s.parse().map_err(|e| format!("--{name} {s}: {e}")))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Opts, String> {
        Opts::parse(
            args.iter().map(|s| s.to_string()),
            &["wait"],
            &["count", "sizes"],
        )
    }

    #[test]
    fn values_flags_lists_and_errors() {
        let o = parse(&["--count", "7", "--wait", "--sizes=1,2"]).unwrap();
        assert_eq!(o.value::<u64>("count", Some(1)), Ok(7));
        assert!(o.flag("wait"));
        assert_eq!(o.list::<u32>("sizes", "9"), Ok(vec![1, 2]));
        let o = parse(&[]).unwrap();
        assert_eq!(o.value::<u64>("count", Some(5)), Ok(5));
        assert_eq!(o.list::<u32>("sizes", "3,4"), Ok(vec![3, 4]));
        assert!(!o.flag("wait"));
        assert_eq!(
            o.value::<u64>("count", None),
            Err("--count is required".into())
        );
        assert!(parse(&["--count"]).unwrap_err().contains("needs a value"));
        assert!(parse(&["--wait=1"]).unwrap_err().contains("takes no value"));
        assert!(parse(&["--colour", "x"])
            .unwrap_err()
            .contains("'--colour'"));
        assert!(parse(&["stray"]).unwrap_err().contains("'stray'"));
        let o = parse(&["--count", "x"]).unwrap();
        assert!(o
            .value::<u64>("count", None)
            .unwrap_err()
            .starts_with("--count x: "));
    }
}
