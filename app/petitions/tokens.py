"""Signed links in mail: they name a signature and a purpose, and confirmation links expire."""

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

CONFIRM, WITHDRAW, UNSUBSCRIBE = "confirm", "withdraw", "unsubscribe"


def serializer(purpose):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"signature-{purpose}")


def make(signature_id, purpose):
    return serializer(purpose).dumps(signature_id)


def read(token, purpose):
    """The signature id in `token`, or None when it is forged, for another purpose or expired."""
    # Withdrawing and unsubscribing must work from any old mail; confirming expires.
    max_age = current_app.config["CONFIRMATION_MAX_AGE"] if purpose == CONFIRM else None
    try:
        return serializer(purpose).loads(token, max_age=max_age)
    except BadSignature:
        return None
