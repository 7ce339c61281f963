"""Intake: turning a contact on any channel into a report inside a case."""
