"""Who may do what to which case: one pure policy, enforced in the queries."""
