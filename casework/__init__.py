"""The domain of the Safeguarding Hotline: reports, cases, triage and follow-up.

This package never imports the web layer, the adapters or any vendor SDK; it talks to the
outside through ``casework.ports`` (checked by import-linter in CI).
"""
