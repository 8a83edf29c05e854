//! Command-line values shared by the echo servers (`echo-server`, `echo-server-tokio`).

use std::time::Duration;

/// A positive number of seconds (fractions allowed) given to the flag `name`.
pub fn seconds(value: &str, name: &str) -> Result<Duration, String> {
    value
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e9)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("{name} takes a positive number of seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_takes_positive_finite_values_only() {
        assert_eq!(seconds("1.5", "--x"), Ok(Duration::from_millis(1500)));
        for bad in ["0", "-1", "nan", "inf", "1e10", "", "soon"] {
            assert_eq!(
                seconds(bad, "--x"),
                Err("--x takes a positive number of seconds".to_owned()),
                "{bad}"
            );
        }
    }
}
