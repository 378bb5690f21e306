"""Organisers: progress per drive, exports, the delivery pack."""

from collections import Counter
from copy import copy
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain

from flask import Response, render_template
from flask_babel import format_percent, get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import func, select

from app import audit, collation, disclosure, geo
from app.extensions import db
from app.i18n import current_tag, html_lang
from app.letters import services as letters
from app.petitions.models import Drive, PaperBatch, PaperKind, PaperSignature, Signature, SignatureState
from app.records import today
from app.staff import exports
from app.staff.auth import roles_required
from app.staff.forms import ExportForm
from app.staff.models import Role
from app.staff.routes import bp

CHART_WIDTH, CHART_HEIGHT = 720, 240  # the chart's own units; it scales to the page
CHART_MARGIN = 40  # room for the axis labels
SIGNER_ROWS = Markup("<!-- signer rows -->")  # where the pack's signer rows stream in
SIGNER_ROW = '<tr><td dir="auto">{}</td><td dir="auto">{}</td><td{}>{}</td><td>{}</td><td>{}</td></tr>\n'



@dataclass
class Progress:
    """What the dashboard shows of a drive, each figure aggregated in the database."""

    per_day: list  # [(day, confirmed that day)], days with confirmations only
    confirmed: int
    signatures: int  # pending ones included
    residences: list  # [(country name, confirmed)], most first
    letters_sent: int
    letters: list  # [(legislator, letters sent)]

    @property
    def rate(self):
        return format_percent(self.confirmed / self.signatures, one_decimal_percent()) if self.signatures else None


def figures(drive):
    """The dashboard's figures for `drive`: a handful of GROUP BY queries, whatever the number of signatures."""
    by_state = dict(db.session.execute(
        select(Signature.state, func.count()).where(Signature.drive_id == drive.id).group_by(Signature.state)).all())
    sent, per_legislator = letters.sent_counts(drive)
    return Progress(per_day=per_day(drive), confirmed=by_state.get(SignatureState.CONFIRMED, 0),
                   signatures=sum(by_state.values()), residences=residences(drive), letters_sent=sent,
                   letters=letters.with_legislators(per_legislator))


def confirmed(drive):
    return (Signature.drive_id == drive.id, Signature.state == SignatureState.CONFIRMED)


def per_day(drive):
    """[(UTC day, signatures confirmed that day)], oldest first."""
    day = exports.utc_text(Signature.confirmed_at, "day")
    rows = db.session.execute(select(day, func.count()).where(*confirmed(drive)).group_by(day).order_by(day))
    return [(date.fromisoformat(text), count) for text, count in rows]


def one_decimal_percent():
    """The language's own percent pattern (45 %, %45, 45%), with up to one decimal."""
    pattern = copy(get_locale().percent_formats[None])
    pattern.frac_prec = (0, 1)
    return pattern


def residences(drive):
    """[(country name in the page's language, confirmed signatures)], most first."""
    rows = db.session.execute(select(Signature.residence, func.count()).where(*confirmed(drive))
                              .group_by(Signature.residence))
    locale = get_locale()
    name = collation.sort_key(locale)
    named = [(geo.name(code, locale), count) for code, count in rows]
    return sorted(named, key=lambda pair: (-pair[1], name(pair[0])))


def regions(drive, named_only=False):
    """[(region as signers wrote it, confirmed signatures and names on paper)], most first; '' (none
    given) last of its count. With `named_only`, without the signers who asked not to be named."""
    online = db.session.execute(select(Signature.region, func.count())
                                .where(*confirmed(drive), *([Signature.unnamed.is_(False)] if named_only else []))
                                .group_by(Signature.region))
    on_paper = db.session.execute(select(PaperSignature.region, func.count())
                                  .where(PaperSignature.drive_id == drive.id).group_by(PaperSignature.region))
    counts = Counter()
    for region, count in chain(online, on_paper):
        counts[region] += count
    name = collation.sort_key(get_locale())
    return sorted(counts.items(), key=lambda pair: (-pair[1], not pair[0], name(pair[0])))


def public_regions(drive):
    """regions() as it may be handed over: named signers only (the pack lists them by name, so a
    region's count less its named rows would place an unnamed signer), small counts withheld (the
    pack shows the total), then most first with the withheld ones last, by name, so that their
    order says nothing of them."""
    table = disclosure.shown(dict(regions(drive, named_only=True)), total_shown=True)
    name = collation.sort_key(get_locale())
    return sorted(table.items(), key=lambda pair: (disclosure.most_first(pair[1]), not pair[0], name(pair[0])))


def counted_on_paper(drive):
    """The drive's batches known only by their count, oldest first: the pack lists their attestations."""
    return db.session.scalars(select(PaperBatch).where(PaperBatch.drive_id == drive.id, PaperBatch.kind == PaperKind.COUNT)
                              .order_by(PaperBatch.gathered_on, PaperBatch.id)).all()


@dataclass
class Bar:
    day: date
    count: int
    x: float
    y: float
    width: float
    height: float


def chart(per_day):
    """Bars from the first day with confirmations to the last, days without any at zero height."""
    if not per_day:
        return []
    counts, first = dict(per_day), per_day[0][0]
    days = [first + timedelta(days=n) for n in range((per_day[-1][0] - first).days + 1)]
    most = max(counts.values())
    width = (CHART_WIDTH - CHART_MARGIN) / len(days)
    plot = CHART_HEIGHT - CHART_MARGIN
    bars = []
    for n, day in enumerate(days):
        height = plot * counts.get(day, 0) / most
        bars.append(Bar(day, counts.get(day, 0), round(CHART_MARGIN + n * width, 2), round(plot - height, 2),
                        round(max(width * 0.8, 0.5), 2), round(height, 2)))
    return bars


def dashboard_page(drive, form, status=200):
    numbers = figures(drive)
    return render_template("staff/dashboard.html", drive=drive, form=form, figures=numbers,
                           bars=chart(numbers.per_day), chart_size=(CHART_WIDTH, CHART_HEIGHT, CHART_MARGIN)), status


@bp.route("/drives/<int:drive_id>/progress")
@roles_required(Role.ORGANISER)
def dashboard(drive_id):
    return dashboard_page(db.get_or_404(Drive, drive_id), ExportForm())


@bp.post("/drives/<int:drive_id>/export")
@roles_required(Role.ORGANISER)
def export(drive_id):
    """Stream the chosen export; bad filters show the dashboard again with the message beside the field."""
    drive = db.get_or_404(Drive, drive_id)
    form = ExportForm()
    if not form.validate_on_submit():
        return dashboard_page(drive, form, 400)
    chosen = form.export(drive)
    exports.record(chosen)
    db.session.commit()  # the audit entry exists before the first byte leaves
    return Response(exports.stream(chosen), content_type=exports.MEDIA_TYPES[chosen.format],
                    headers={"Content-Disposition": f'attachment; filename="{chosen.filename()}"'})


@bp.route("/drives/<int:drive_id>/pack")
@roles_required(Role.ORGANISER)
def pack(drive_id):
    """The printable delivery pack: petition, count, regions and every confirmed signer.

    The page is rendered around a mark where the signer rows go, and the rows stream in its
    place: only they grow with the drive. Writing them needs no request context, so nothing is
    held open if the reader stops halfway.
    """
    drive = db.get_or_404(Drive, drive_id)
    # The signer list is the delivery profile's rows: what leaves the system is logged like an export.
    audit.record("export.pack", f"drive:{drive.slug}", after={"format": "html", "confirmed_only": True})
    db.session.commit()
    country_lang = html_lang(drive.main_locale) if drive.main_locale != current_tag() else None
    signers = exports.Export(drive, "delivery", "html")  # as HTML the cells need no spreadsheet guard: they are escaped
    page = render_template("staff/pack.html", drive=drive, text=drive.text(drive.main_locale),
                           regions=public_regions(drive), counted=counted_on_paper(drive), signer_rows=SIGNER_ROWS,
                           unnamed=exports.unnamed_count(signers), today=today())
    head, tail = page.split(SIGNER_ROWS)
    chunks = exports.row_chunks(signers)
    sources = {"online": _("online"), "paper": _("on paper")}  # translated now: the rows stream after the request
    return Response(chain([head], signer_rows(chunks, country_lang, sources), [tail]), mimetype="text/html")


def signer_rows(chunks, country_lang, sources):
    """The signer table's rows as HTML, a chunk at a time, every cell escaped; names may be in any script.

    The delivery's summary row of unnamed signers is no signer's row: the page says their number below the table.
    """
    country = f' lang="{escape(country_lang)}"' if country_lang else ""
    for rows in chunks:
        yield "".join(SIGNER_ROW.format(escape(name), escape(region), country, escape(country_name), escape(day),
                                        escape(sources[source]))
                      for name, region, country_name, day, source, _count in rows if source != "unnamed")
