"""Staff identity: users, teams, passwords, TOTP, sessions and login throttling."""
