"""Routing: shifts, on-call rotas, languages, and who a new case goes to."""
