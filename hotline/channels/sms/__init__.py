"""The SMS channel: Twilio webhooks, the development phone simulator."""
