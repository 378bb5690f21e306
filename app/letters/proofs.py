"""Proof that this browser reads an address: set when its owner presses a confirmation button.

A keyed digest, so that the (signed, not encrypted) session cookie does not carry the address
and no one can forge the proof for another address.
"""

from flask import session

from app.keys import keyed_digest

PROOFS_KEPT = 10  # addresses a browser has proved it reads, remembered in its session


def proof(email_key):
    return keyed_digest(email_key, 32, person=b"letter-proof")


def remember_proof(email_key):
    proofs = [p for p in session.get("proofs", []) if p != proof(email_key)]
    session["proofs"] = [*proofs, proof(email_key)][-PROOFS_KEPT:]


def proven(email_key):
    return proof(email_key) in session.get("proofs", [])
