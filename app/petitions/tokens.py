"""Signed links in mail: they name a signature and a purpose, and confirmation links expire."""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

CONFIRM, WITHDRAW, UNSUBSCRIBE = "confirm", "withdraw", "unsubscribe"
LETTER = "letter"  # confirms a letter's address; names a Letter rather than a Signature
EXPIRING = {CONFIRM, LETTER}


def serializer(purpose):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"signature-{purpose}")


def fingerprint(email_key):
    """A short digest of the address, so that a link never fits another signature with a reused id."""
    return hashlib.blake2b(email_key.encode(), digest_size=6).hexdigest()


def make(signature, purpose):
    """A link token naming the signature (or letter) and what it is for."""
    return serializer(purpose).dumps([signature.id, fingerprint(signature.email_key)])


def read(token, purpose):
    """(signature id, fingerprint), or None when forged, for another purpose or expired."""
    # Withdrawing and unsubscribing must work from any old mail; confirming expires.
    max_age = current_app.config["CONFIRMATION_MAX_AGE"] if purpose in EXPIRING else None
    try:
        signature_id, print_ = serializer(purpose).loads(token, max_age=max_age)
    except (BadSignature, TypeError, ValueError):
        return None
    return signature_id, print_
