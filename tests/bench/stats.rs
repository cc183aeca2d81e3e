//! Order statistics over samples (nearest-rank percentiles: no interpolation, so a p95 is a
//! value that was really measured).

#[derive(Debug, Clone, Copy)]
pub struct Summary {
    pub n: usize,
    pub min: f64,
    pub median: f64,
    pub mean: f64,
    pub p95: f64,
    pub max: f64,
}

pub fn summary(samples: &[f64]) -> Summary {
    let mut v: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return Summary { n: 0, min: f64::NAN, median: f64::NAN, mean: f64::NAN, p95: f64::NAN, max: f64::NAN };
    }
    let rank = |p: f64| v[((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    let median = if v.len() % 2 == 1 { v[v.len() / 2] } else { (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0 };
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    Summary { n: v.len(), min: v[0], median, mean, p95: rank(0.95), max: v[v.len() - 1] }
}

impl Summary {
    /// "min–max over n runs".
    pub fn spread(&self, unit: &str) -> String {
        format!("{:.1}–{:.1} {unit} (n={})", self.min, self.max, self.n)
    }
}

/// How many samples fall on each whole millisecond, the slowest first, the rest summed:
/// "18+: 31, 17: 250, ≤16: 200" (frame times, which the webview gives in whole milliseconds).
pub fn histogram(samples: &[f64], top: usize) -> String {
    let mut counts = std::collections::BTreeMap::<i64, usize>::new();
    for s in samples.iter().filter(|s| s.is_finite()) {
        *counts.entry(s.round() as i64).or_default() += 1;
    }
    let buckets: Vec<(i64, usize)> = counts.into_iter().rev().collect();
    let mut parts: Vec<String> = buckets.iter().take(top).map(|(ms, n)| format!("{ms}: {n}")).collect();
    let rest: usize = buckets.iter().skip(top).map(|(_, n)| n).sum();
    if let Some((ms, _)) = buckets.get(top) {
        parts.push(format!("≤{ms}: {rest}"));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let s = summary(&(1..=100).map(f64::from).collect::<Vec<_>>());
        assert_eq!((s.min, s.median, s.p95, s.max), (1.0, 50.5, 95.0, 100.0));
        let s = summary(&[3.0, 1.0, 2.0]);
        assert_eq!((s.median, s.p95), (2.0, 3.0));
        // The mean leaves out what is not a number, as the percentiles do.
        assert_eq!(summary(&[1.0, f64::NAN, 2.0, 6.0]).mean, 3.0);
    }

    #[test]
    fn histogram_slowest_first() {
        assert_eq!(histogram(&[16.0, 17.0, 17.0, 33.0, 16.2, 15.0], 2), "33: 1, 17: 2, ≤16: 3");
        assert_eq!(histogram(&[16.0], 3), "16: 1");
    }
}
