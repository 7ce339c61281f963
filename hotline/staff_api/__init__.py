"""The staff API (JSON, /api/staff/v1): sign-in, cases within scope, workflow, administration."""
