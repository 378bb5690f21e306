"""Digests keyed with the site's secret: one home for every "a hash of the address, never the address"."""

import hashlib

from flask import current_app


def keyed_digest(text, size, person=b""):
    """A BLAKE2b digest of `text` keyed with SECRET_KEY; `person` keeps one use's digests apart from another's."""
    secret = current_app.config["SECRET_KEY"].encode()[:64]
    return hashlib.blake2b(text.encode(), key=secret, digest_size=size, person=person).hexdigest()


def email_key(address):
    """What makes two addresses the same person's (signer, writer or staff): case and spaces around do not count."""
    return address.strip().casefold()
