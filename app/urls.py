"""Absolute links to the site: always on the configured PUBLIC_URL, never on the request's Host."""

from flask import current_app, has_request_context, request, url_for


def public_url(endpoint, **values):
    """url_for, made absolute on PUBLIC_URL: for mails, shared links and the API."""
    return absolute(url_for(endpoint, **values))


def absolute(path):
    """A path of this site (as url_for writes it) on PUBLIC_URL."""
    root = request.script_root if has_request_context() else ""
    return current_app.config["PUBLIC_URL"] + path.removeprefix(root)
