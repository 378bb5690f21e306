"""Absolute links to the site: always on the configured PUBLIC_URL, never on the request's Host."""

from urllib.parse import urlsplit

from flask import current_app, has_request_context, request


def public_url(endpoint, **values):
    """url_for, made absolute on PUBLIC_URL: for mails, shared links and the API.

    Built the same way in a request and outside one (the outbox worker writes links into the
    mail it renders): the request's own host and root never enter it.
    """
    current_app.inject_url_defaults(endpoint, values)
    parts = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def absolute(path):
    """A path of this site (as url_for writes it) on PUBLIC_URL."""
    root = request.script_root if has_request_context() else ""
    return current_app.config["PUBLIC_URL"] + path.removeprefix(root)
