"""Regions and schools: where a report happened and who covers it."""
