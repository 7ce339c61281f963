"""Twilio: webhook signatures, sending texts, fetching MMS media, TwiML answers.

Everything goes through the official ``twilio`` library. ``api_base`` replaces
``https://api.twilio.com`` so tests and the embedded simulator can stand in for Twilio.
"""
