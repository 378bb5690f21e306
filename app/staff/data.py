"""Campaigners edit treaty, moratorium and case data, each change with its source.

The form has one field per column of the data/ CSV file and checks each with the same parser
the loader uses, so a value the back office accepts is one `flask data load` accepts too.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.http import or_404
from app.staff.auth import roles_required
from app.staff.models import Role
from app.staff.routes import bp
from app.treaties.cells import sources as parse_sources
from app.treaties.cells import written
from app.treaties.checks import registry_checks
from app.treaties.loader import SPECS, parse_row, stale_sources
from app.treaties.sources import current_registry

KINDS = {name.removesuffix(".csv"): name for name in SPECS}
LONG = {"public_note", "research_note", "summary", "sources", "identifies"}  # edited in a text area


def spec_or_404(kind):
    name = or_404(KINDS.get(kind))
    return name, SPECS[name]


def key_attribute(spec):
    return getattr(spec.model, spec.attribute(spec.key))


def as_cells(spec, row):
    return {column: written(getattr(row, spec.attribute(column))) if row else "" for column in spec.columns}


@bp.route("/data/<kind>/")
@roles_required(Role.CAMPAIGNER)
def data_list(kind):
    _name, spec = spec_or_404(kind)
    rows = db.session.scalars(select(spec.model).order_by(key_attribute(spec))).all()
    return render_template("staff/data_list.html", kind=kind, kinds=KINDS, spec=spec, long=LONG,
                           rows=[(getattr(r, spec.attribute(spec.key)), as_cells(spec, r)) for r in rows])


@bp.route("/data/<kind>/new", methods=["GET", "POST"], defaults={"key": None})
@bp.route("/data/<kind>/<path:key>", methods=["GET", "POST"])
@roles_required(Role.CAMPAIGNER)
def data_edit(kind, key):
    name, spec = spec_or_404(kind)
    row = None
    if key is not None:
        row = or_404(db.session.scalar(select(spec.model).where(key_attribute(spec) == key)))
    cells, errors, change_source = as_cells(spec, row), {}, ""
    if request.method == "POST":
        cells = {column: request.form.get(column, "") for column in spec.columns}
        if row is not None:
            cells[spec.key] = key  # a row's key is what names it: it does not change
        change_source = request.form.get("change_source", "").strip()
        values, errors = checked(name, spec, cells, change_source)
        if not errors and row is None and db.session.scalar(
                select(key_attribute(spec)).where(key_attribute(spec) == values[spec.attribute(spec.key)])):
            errors[spec.key] = _("A row with this key exists already: edit that one.")
        if not errors:
            before = as_cells(spec, row) if row else None
            row = row or spec.model()
            for attribute, value in values.items():
                setattr(row, attribute, value)
            db.session.add(row)
            db.session.flush()
            if kind == "publishers" and (stale := stale_sources()):
                db.session.rollback()
                errors["identifies"] = _("Sources of other rows would no longer resolve to a publisher: %(rows)s",
                                         rows="; ".join(str(problem) for problem in stale[:5]))
                return render_template("staff/data_form.html", kind=kind, key=key, spec=spec, cells=cells,
                                       errors=errors, change_source=change_source, long=LONG), 400
            after = as_cells(spec, row)
            audit.record(f"data.{kind}", f"{kind}:{after[spec.key]}",
                         *(audit.changes(before, after) if before else (None, after)), source=change_source)
            db.session.commit()
            flash(_("Saved. The public pages show the change now."))
            if before and any(before[c] != after[c] for c in spec.texts):
                flash(_("The translations of the public text you changed are stale: until translators update "
                        "them, every language shows your English text, marked as English."))
            return redirect(url_for("staff.data_list", kind=kind), 303)
    return render_template("staff/data_form.html", kind=kind, key=key, spec=spec, cells=cells, errors=errors,
                           change_source=change_source, long=LONG), 400 if errors else 200


def checked(name, spec, cells, change_source):
    """(attributes, {column: message}): the loader's own parsers and row checks, plus the change's source."""
    errors = {}
    if not change_source:
        errors["change_source"] = _("Every change needs a source: the URL or citation you made it from.")
    elif problem := source_problem(spec, change_source):
        errors["change_source"] = problem
    elif "sources" in spec.columns:
        # The change's source becomes one of the row's sources, so that the public page cites it.
        listed = [s.strip() for s in cells["sources"].split(" | ") if s.strip()]
        cells["sources"] = " | ".join(listed if change_source in listed else [*listed, change_source])
    values, problems = parse_row(name, 0, cells, spec)
    for problem in problems:
        errors.setdefault(problem.column or spec.key, problem.message)
    if not problems:
        for column, reason in registry_checks(spec, values, current_registry()):
            errors.setdefault(column, reason)
    return values, errors


def source_problem(spec, change_source):
    """Why the change's own source cannot be cited, or None: one item, from a registered publisher.

    A publisher's own row is the exception: it is how a new publisher's host gets registered.
    """
    try:
        [item] = parse_sources(change_source)
        if "sources" in spec.columns:
            current_registry().resolve(item)
    except ValueError as error:
        return str(error) if " | " not in change_source else _("Give one source for the change.")
    return None
