"""Triage: explainable rules that decide how urgent a report is."""
