"""What partners are served: the partner API (/api/partner/v1) and, for partners without an
API, one referral's page behind a signed, expiring link."""
