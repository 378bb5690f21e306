"""Open data: JSON and CSV, each as of any date."""

import csv
import io
import re
from datetime import date

from flask import Response, current_app, jsonify, request
from sqlalchemy import select

from app import geo
from app.api import bp
from app.api.openapi import document
from app.countries import services
from app.extensions import db
from app.http import or_404
from app.i18n import languages
from app.letters import services as letters
from app.petitions import services as petitions
from app.records import as_utc, today
from app.treaties.loader import SPECS, rows_as_csv
from app.treaties.sources import cited
from app.updates import services as updates
from app.urls import public_url

AS_OF = re.compile(r"\d{4}-\d{2}-\d{2}")


class BadRequest(Exception):
    pass


@bp.errorhandler(BadRequest)
def bad_request(error):
    return jsonify(error=str(error)), 400


def as_of():
    """The ?as_of=YYYY-MM-DD date, today by default."""
    text = request.args.get("as_of")
    if text is None:
        return today()
    try:
        if not AS_OF.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"as_of must be a date written YYYY-MM-DD, not {text!r}") from None


def partial(value):
    return None if value is None else {"date": value.isoformat(), "precision": value.precision}


def treaty_json(treaty):
    if treaty is None:
        return None
    return {
        "signed": {"on": partial(treaty.signed_on), "no_later_than": partial(treaty.signed_by),
                   "verified": treaty.signed_verified},
        "in_force": {"on": partial(treaty.in_force_on), "no_later_than": partial(treaty.in_force_by),
                     "verified": treaty.in_force_verified},
        "dispute": treaty.dispute,
        "disputed_since": partial(treaty.disputed_since),
        "basis": treaty.basis,
        "sources": sources_json(treaty.sources),
        "public_note": treaty.public_note,
    }


def sources_json(items):
    """Each source with its publisher: research notes never leave the database."""
    return [{"publisher": s.publisher and s.publisher.name, "publisher_kind": s.publisher and s.publisher.kind,
             "title": s.title, "url": s.url,
             "read_on": s.host.name if s.host else None} for s in cited(items)]


def legal_basis_json(basis):
    if basis is None:
        return None
    return {"basis": basis.basis, "sources": sources_json(basis.sources), "public_note": basis.public_note}


def summary_json(code, standing, day):
    return {
        "iso2": code,
        "name": geo.name(code, "en"),
        "region": geo.region(code),
        "status": standing.verdict.value if standing else None,
        "as_of": day.isoformat(),
        "url": public_url("api.country", code=code.lower()),
    }


@bp.get("/countries")
def countries():
    day = as_of()
    world = services.world(day)
    return jsonify(countries=[summary_json(c, s, day) for c, s in world.standings.items()])


@bp.get("/countries/<country:code>")
def country(code):
    day = as_of()
    found = services.country(code.upper(), day)
    return jsonify(
        **summary_json(found.code, found.standing, day),
        treaty=treaty_json(found.treaty),
        legal_basis=legal_basis_json(found.basis),
        measures=[measure_json(m) for m in found.measures],
        cases=[case_json(c) for c in found.cases],
    )


def measure_json(measure):
    return {"key": measure.key, "kind": measure.kind, "taken_on": partial(measure.taken_on),
            "ends_on": partial(measure.ends_on), "actor": measure.actor, "instrument": measure.instrument,
            "sources": sources_json(measure.sources), "public_note": measure.public_note}


def case_json(case):
    return {"key": case.key, "kind": case.kind, "decided_on": partial(case.decided_on),
            "person": case.person, "forum": case.forum, "outcome": case.outcome,
            "summary": case.summary, "sources": sources_json(case.sources)}


@bp.get("/stats")
def stats():
    day = as_of()
    figures = services.world(day).figures
    return jsonify(as_of=day.isoformat(), **vars(figures))


@bp.get("/countries.csv")
def countries_csv():
    day = as_of()
    world = services.world(day)
    header = ["iso2", "name", "region", "status", "as_of"]
    summaries = (summary_json(c, s, day) for c, s in world.standings.items())
    rows = [[summary[h] or "" for h in header] for summary in summaries]
    return csv_response("countries.csv", header, rows)


@bp.get("/<any(publishers, treaties, measures, cases, legal_basis):name>.csv")
def dataset_csv(name):
    """The data as loaded, in the same columns as data/, so it can be loaded again."""
    spec = SPECS[f"{name}.csv"]
    objects = db.session.scalars(select(spec.model).order_by(spec.model.id)).all()
    return csv_response(f"{name}.csv", *rows_as_csv(f"{name}.csv", objects))


def csv_response(filename, header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def language():
    """The ?lang= tag of a shipped language, or None for the drive's main language."""
    tag = request.args.get("lang")
    if tag is not None and tag not in languages():
        raise BadRequest(f"lang must be one of {', '.join(sorted(languages()))}, not {tag!r}")
    return tag


def update_json(update, drive, tag):
    """A published update: its facts, and its texts in `tag` (else the main language), naming the one used."""
    text = update.text(tag, drive.main_locale)
    return {"id": update.id, "kind": update.kind, "published_at": as_utc(update.published_at).isoformat(),
            "happened_on": update.happened_on and update.happened_on.isoformat(),
            "handed_to": update.handed_to, "signatures_handed": update.signatures_handed,
            "link": update.link, "outcome": update.outcome,
            "language": text.locale, "title": text.title, "body": text.body,
            "url": public_url("petitions.drive", slug=drive.slug, lang_code=text.locale) + f"#update-{update.id}"}


@bp.get("/drives/<slug>")
def drive(slug):
    tag = language()
    found = or_404(petitions.visible_drive(slug))
    main = found.text(found.main_locale)
    letters_sent, per_legislator = letters.public_sent_counts(found)
    targets = letters.recipients(found) if letters.has_letter(found) else []
    return jsonify(
        slug=found.slug, iso2=found.iso2, state=found.state, goal=found.goal,
        confirmed=found.confirmed_count, paper=found.paper_count, total=found.total, signable=found.signable_on(today()),
        opens_on=found.opens_on and found.opens_on.isoformat(),
        closes_on=found.closes_on and found.closes_on.isoformat(),
        title=main.title, languages=sorted(t.locale for t in found.texts),
        url=public_url("petitions.drive", slug=found.slug, lang_code=found.main_locale),
        letters_sent=letters_sent,
        updates=[update_json(update, found, tag or found.main_locale) for update in updates.published(found.id)
                 if update.text(tag or found.main_locale, found.main_locale) is not None],
        legislators=[{"id": person.source_id, "name": person.name, "chamber": person.chamber, "party": person.party,
                      "region": person.region, "letters_sent": per_legislator[person.id].value if person.id in per_legislator else 0}
                     for person in targets],
        min_public_count=current_app.config["MIN_PUBLIC_COUNT"],
    )


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
