from flask import current_app, redirect, render_template, request, url_for
from flask_babel import get_locale

from app.caching import cached_page
from app.countries import bp, services
from app.countries.forms import CountryFilter
from app.i18n import negotiate
from app.petitions import services as petitions
from app.records import today
from app.updates import services as updates


@bp.route("/")
def root():
    """Send the visitor to their language's home page."""
    response = redirect(url_for("countries.home", lang_code=negotiate()))
    response.vary.update(("Accept-Language", "Cookie"))
    return response


@bp.route("/<lang:lang_code>/")
@cached_page()
def home():
    world = services.world(today())
    return render_template(
        "countries/home.html", world=world, listed=services.listed(world, get_locale()),
        latest=services.latest_developments(world),
    )


@bp.route("/<lang:lang_code>/countries/")
@cached_page(args=("status", "region"))
def index():
    form = CountryFilter(request.args).fill_choices(get_locale())
    world = services.world(today())
    if not form.validate():
        return render_template("countries/index.html", form=form, rows=[], world=world), 400
    rows = services.filtered(world, get_locale(), form.status.data, form.region.data)
    return render_template("countries/index.html", form=form, rows=rows, world=world)


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


@bp.route("/<lang:lang_code>/methodology")
@cached_page()
def methodology():
    return render_template(
        "countries/methodology.html", corrections=current_app.config["CORRECTIONS_EMAIL"],
        report=services.reconciliation(services.REPORT_DAY), listed=services.reconciliation(services.LIST_DAY),
    )


@bp.route("/healthz")
def healthz():
    """Liveness for load balancers; also the bare route benchmarks compare against."""
    return {"status": "ok"}
