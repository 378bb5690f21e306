"""Signed links in mail: they name a signature or a letter and a purpose; confirmation links expire."""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.keys import keyed_digest

CONFIRM, WITHDRAW, UNSUBSCRIBE = "confirm", "withdraw", "unsubscribe"
NAMING = "naming"  # changes whether the name goes on the list handed to parliament; never expires
LETTER = "letter"  # confirms a letter's address; names a Letter rather than a Signature
EXPIRING = {CONFIRM, LETTER}


def serializer(purpose):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"signature-{purpose}")


def fingerprint(email_key):
    """A short digest of the address, so that a link never fits another signature with a reused id.

    Keyed with the site's secret: the token's payload is readable (base64), and an unkeyed digest of
    an address could be matched against a list of addresses.
    """
    return keyed_digest(email_key, 6, person=b"link-fingerprint")


def legacy_fingerprint(email_key):
    """The unkeyed digest links carried until November 2026: withdraw and unsubscribe links never expire."""
    return hashlib.blake2b(email_key.encode(), digest_size=6).hexdigest()


def fits(email_key, print_):
    """Whether a link's fingerprint is this address's, in today's form or the old one."""
    return print_ in {fingerprint(email_key), legacy_fingerprint(email_key)}


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
