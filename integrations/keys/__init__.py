"""Key providers and signers: where master keys live.

``local.LocalKeyFile`` keeps versioned master keys and the audit signing key in one JSON
file (mode 0600). To use a KMS or Vault transit key instead, implement
``casework.ports.KeyProvider`` (``wrap`` = Encrypt with the "encryption context"/"context"
set to the given bytes, ``unwrap`` = Decrypt, ``current_key_id`` = the key version Encrypt
uses) and ``casework.ports.Signer`` (an Ed25519 key that signs remotely, e.g. Vault transit
``ed25519``), and select it in ``hotline.bootstrap``. Nothing else changes: data keys,
field encryption, blind indexes and the audit trail only ever see the ports. Rotation then
happens in the KMS; ``hotline keys rotate --rewrap-only`` re-wraps data keys to the new
version.

Several API hosts with local key files: every host must hold a new master key version
before any host wraps with it, and ``add_version`` makes it current at once. Copy the rotated
file to every host (they re-read it when it changes) before running ``keys rotate`` again,
or use a shared provider (KMS/Vault), which is the production setup this port is shaped for.
"""
