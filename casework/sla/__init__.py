"""Service-level clocks: targets per priority, business hours, pauses, warnings and breaches."""
