"""What administrators (and supervisors, for the rota) change: accounts, teams, partners and
their keys, routing and SLA configuration. Each use case declares the action it needs."""
