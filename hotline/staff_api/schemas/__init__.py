"""Inputs and outputs of the staff API by topic (never table models): signin, cases,
workflow, admin and routing. The class names are the OpenAPI document's schema names."""
