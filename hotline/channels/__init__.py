"""How reporters reach the hotline: SMS (Twilio webhooks and the development phone), the web
form and its follow-up pages, and the smartphone app's API."""
