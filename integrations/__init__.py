"""Adapters to the outside world (Twilio, partner webhooks, email, key providers).

Each adapter implements a port from ``casework.ports`` and may import nothing else from the
domain; the delivery layer (``hotline``) wires adapters to the domain. Checked by
import-linter in CI.
"""
