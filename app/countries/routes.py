from flask import current_app, redirect, render_template, request, url_for
from flask_babel import get_locale

from app import feeds
from app.caching import Shell, cached_page, slot
from app.countries import bp, developments, services
from app.countries.forms import CountryFilter
from app.i18n import negotiate
from app.petitions import services as petitions
from app.petitions.routes import live_counts
from app.records import today
from app.updates import services as updates


@bp.route("/")
def root():
    """Send the visitor to their language's home page."""
    response = redirect(url_for("countries.home", lang_code=negotiate()))
    response.vary.update(("Accept-Language", "Cookie"))
    return response


def live_progress(drive_ids):
    """Each open drive's progress on the cached home page, read fresh: one query, none without a drive."""
    counts = live_counts()
    return {f"progress-{id_}": counts.progress(drive, title_id=f"drive-{id_}-title")
            for id_, drive in petitions.live_drives(drive_ids).items()}


def by_country(drives):
    """Country code -> the drive to sign there: for the map and the country tables."""
    found = {}
    for drive in drives:
        found.setdefault(drive.iso2, drive)
    return found


@bp.route("/<lang:lang_code>/")
@cached_page(live=live_progress)
def home():
    """The open drives first (their counts live, see live_progress), then the figures, the map and the news."""
    day = today()
    world, drives = services.world(day), petitions.open_drives(day)
    html = render_template(
        "countries/home.html", world=world, listed=services.listed(world, get_locale()),
        latest=services.latest_developments(world), drives=drives, open_drives=by_country(drives),
        slots={d.id: slot(f"progress-{d.id}") for d in drives},
    )
    return Shell(html, [d.id for d in drives])


@bp.route("/<lang:lang_code>/countries/")
@cached_page(args=("status", "region"))
def index():
    form = CountryFilter(request.args).fill_choices(get_locale())
    day = today()
    world = services.world(day)
    if not form.validate():
        return render_template("countries/index.html", form=form, rows=[], world=world, open_drives={},
                               discoverable=False), 400
    rows = services.filtered(world, get_locale(), form.status.data, form.region.data)
    return render_template("countries/index.html", form=form, rows=rows, world=world,
                           open_drives=by_country(petitions.open_drives(day)))


@bp.route("/<lang:lang_code>/countries/<country:code>")
@cached_page()
def show(code):
    if code != code.lower():
        return redirect(url_for("countries.show", code=code.lower()), 301)
    day = today()
    country = services.country(code.upper(), day)
    drive = petitions.open_drive(code.upper(), day)
    milestone = updates.latest_milestone(code.upper())
    return render_template("countries/show.html", country=country, drive=drive, milestone=milestone)


@bp.route("/<lang:lang_code>/developments.atom")
@cached_page(mimetype=feeds.ATOM)
def developments_feed():
    """The data's developments (treaties, measures, cases), newest first, as an Atom feed."""
    return developments.feed(today())


@bp.route("/<lang:lang_code>/methodology")
@cached_page()
def methodology():
    return render_template(
        "countries/methodology.html", corrections=current_app.config["CORRECTIONS_EMAIL"],
        report=services.reconciliation(services.REPORT_DAY), listed=services.reconciliation(services.LIST_DAY),
    )
