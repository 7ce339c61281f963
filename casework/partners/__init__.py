"""Partner organisations, their API keys, and the referrals they receive."""
