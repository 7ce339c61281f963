"""Pages for partners without an API: one referral behind a signed, expiring link."""
