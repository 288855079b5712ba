//! Exponential backoff with full jitter, and a small seedable PRNG for hosts.
//!
//! The delay before retry `n` (1 = after the first failure) is uniform in
//! `[0, min(cap, base · 2^(n-1))]`. The random number comes in as an argument: the
//! outbox never draws randomness itself.

/// The ceiling of the delay after `failures` failures.
pub fn backoff_ceiling(base_ms: u64, cap_ms: u64, failures: u32) -> u64 {
    let shift = failures.saturating_sub(1).min(63);
    base_ms.saturating_mul(1u64 << shift).min(cap_ms)
}

/// The jittered delay: `rand` (any u64, uniformly distributed) scaled into
/// `[0, backoff_ceiling(..)]`.
pub fn backoff_delay(base_ms: u64, cap_ms: u64, failures: u32, rand: u64) -> u64 {
    let ceiling = backoff_ceiling(base_ms, cap_ms, failures) as u128;
    ((rand as u128 * (ceiling + 1)) >> 64) as u64
}

/// SplitMix64: a tiny deterministic generator a host (or a test) may use to produce the
/// `rand` arguments. Seed it from anything; it is not for secrets.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator with this seed.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_within_the_capped_exponential_ceiling() {
        let mut rng = SplitMix64::new(7);
        for n in 1..12 {
            let ceiling = (1000u64 << (n - 1)).min(30_000);
            assert_eq!(backoff_ceiling(1000, 30_000, n), ceiling);
            let mut max_seen = 0;
            for _ in 0..500 {
                let d = backoff_delay(1000, 30_000, n, rng.next_u64());
                assert!(d <= ceiling);
                max_seen = max_seen.max(d);
            }
            // Full jitter spreads over the whole range.
            assert!(max_seen > ceiling / 2);
        }
        assert_eq!(backoff_delay(1000, 30_000, 3, 0), 0);
        assert_eq!(backoff_delay(1000, 30_000, 3, u64::MAX), 4000);
        assert_eq!(backoff_ceiling(1000, u64::MAX, 200), u64::MAX);
    }
}
