//! The retry rules of the Databricks connector retry spec (reliability-and-performance.md §1.5):
//! idempotent calls retry transient failures; statement submission retries only 429, 503 with
//! `Retry-After`, or a failure to connect. Pure decisions here; the waiting lives in `http`.

use std::time::Duration;

use rand::Rng;

/// Which API call a request is: decides whether repeating it is safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    CreateSession,
    CloseSession,
    ExecuteStatement,
    GetStatement,
    GetChunk,
    CancelStatement,
    CloseStatement,
    Token,
}

impl Operation {
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Operation::ExecuteStatement)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Operation::CreateSession => "open session",
            Operation::CloseSession => "close session",
            Operation::ExecuteStatement => "execute statement",
            Operation::GetStatement => "get statement status",
            Operation::GetChunk => "get result chunk links",
            Operation::CancelStatement => "cancel statement",
            Operation::CloseStatement => "close statement",
            Operation::Token => "fetch OAuth token",
        }
    }
}

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    /// No retry starts once this much time has passed since the first attempt.
    pub overall_budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            min_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            overall_budget: Duration::from_secs(900),
        }
    }
}

/// What went wrong with one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy)]
pub enum Failure {
    /// The server answered with this status; `retry_after` is its `Retry-After`, if any.
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// The TCP/TLS connection could not be established: nothing was sent.
    Connect,
    /// The request may have reached the server (reset, timeout, cut body).
    Transport,
    /// No retry can fix it: a host name that does not exist, a certificate not trusted.
    Permanent,
}

/// Statuses that a retry cannot fix.
const NEVER_RETRIED: [u16; 16] = [
    400, 401, 403, 404, 405, 409, 410, 411, 412, 413, 414, 415, 416, 501, 505, 422,
];

impl RetryPolicy {
    pub fn is_retryable(&self, op: Operation, failure: Failure) -> bool {
        match failure {
            Failure::Connect => true,
            Failure::Permanent => false,
            Failure::Transport => op.is_idempotent(),
            Failure::Status {
                status,
                retry_after,
            } => {
                if op.is_idempotent() {
                    status >= 400 && !NEVER_RETRIED.contains(&status)
                } else {
                    status == 429 || (status == 503 && retry_after.is_some())
                }
            }
        }
    }

    /// The wait before retry number `retry` (1-based): `Retry-After` clamped to the policy's
    /// bounds, or exponential backoff; both with 5-25 % jitter (at least 50 ms) so concurrent
    /// clients do not retry in lockstep.
    pub fn backoff(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let base = match retry_after {
            Some(ra) => ra.clamp(self.min_backoff, self.max_backoff),
            None => {
                let exp = 2u32.saturating_pow(retry.saturating_sub(1).min(20));
                self.min_backoff.saturating_mul(exp).min(self.max_backoff)
            }
        };
        let fraction = rand::rng().random_range(0.05..=0.25);
        let jitter = base.mul_f64(fraction).max(Duration::from_millis(50));
        base + jitter
    }
}

/// Parses `Retry-After` given in seconds (the form the service uses); dates are ignored.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(s: u16, ra: Option<u64>) -> Failure {
        Failure::Status {
            status: s,
            retry_after: ra.map(Duration::from_secs),
        }
    }

    #[test]
    fn execute_retries_only_429_503_with_retry_after_and_connect() {
        let p = RetryPolicy::default();
        let op = Operation::ExecuteStatement;
        assert!(p.is_retryable(op, status(429, None)));
        assert!(p.is_retryable(op, status(503, Some(1))));
        assert!(!p.is_retryable(op, status(503, None)));
        assert!(!p.is_retryable(op, status(500, None)));
        assert!(p.is_retryable(op, Failure::Connect));
        assert!(!p.is_retryable(op, Failure::Transport));
        assert!(!p.is_retryable(op, Failure::Permanent));
    }

    #[test]
    fn idempotent_calls_retry_transient_failures() {
        let p = RetryPolicy::default();
        for op in [
            Operation::GetStatement,
            Operation::GetChunk,
            Operation::CreateSession,
        ] {
            assert!(p.is_retryable(op, status(500, None)));
            assert!(p.is_retryable(op, status(503, None)));
            assert!(p.is_retryable(op, status(429, None)));
            assert!(p.is_retryable(op, Failure::Transport));
            assert!(!p.is_retryable(op, Failure::Permanent));
            for s in [400, 401, 403, 404] {
                assert!(!p.is_retryable(op, status(s, None)), "{s}");
            }
        }
    }

    #[test]
    fn backoff_honours_and_clamps_retry_after() {
        let p = RetryPolicy {
            max_backoff: Duration::from_secs(10),
            ..RetryPolicy::default()
        };
        let w = p.backoff(1, Some(Duration::from_secs(3)));
        assert!(
            w >= Duration::from_secs(3) && w <= Duration::from_millis(3750),
            "{w:?}"
        );
        let w = p.backoff(1, Some(Duration::from_secs(600)));
        assert!(
            w >= Duration::from_secs(10) && w <= Duration::from_millis(12500),
            "{w:?}"
        );
        let w = p.backoff(3, None);
        assert!(
            w >= Duration::from_secs(4) && w <= Duration::from_secs(5),
            "{w:?}"
        );
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
