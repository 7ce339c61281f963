"""Staff sign-in shared by the staff API and the console: sessions, CSRF, MFA steps."""
