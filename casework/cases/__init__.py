"""Cases: one or more linked reports, their status, priority and immutable event log."""
