from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale

from app.countries import bp, geo, services
from app.countries.forms import CountryFilter
from app.i18n import negotiate
from app.treaties.status import Verdict


@bp.route("/")
def root():
    """Send the visitor to their language's home page."""
    response = redirect(url_for("countries.home", lang_code=negotiate()))
    response.vary.add("Accept-Language")
    return response


@bp.route("/<lang:lang_code>/")
def home():
    world = services.world(services.today())
    listed = sorted(
        ((code, s) for code, s in world.standings.items() if s.treaty or s.measure),
        key=lambda item: (list(Verdict).index(item[1].verdict), geo.name(item[0], get_locale())),
    )
    return render_template(
        "countries/home.html", world=world, listed=listed, latest=services.latest_developments(world)
    )


@bp.route("/<lang:lang_code>/countries/")
def index():
    form = CountryFilter(request.args).fill_choices(get_locale())
    world = services.world(services.today())
    if not form.validate():
        return render_template("countries/index.html", form=form, rows=[], world=world), 400
    rows = [
        (code, geo.name(code, get_locale()), s)
        for code, s in world.standings.items()
        if (not form.status.data or s.verdict == form.status.data)
        and (not form.region.data or geo.region(code) == form.region.data)
    ]
    rows.sort(key=lambda row: row[1].casefold())
    return render_template("countries/index.html", form=form, rows=rows, world=world)


@bp.route("/<lang:lang_code>/countries/<code>")
def show(code):
    if code != code.lower():
        return redirect(url_for("countries.show", code=code.lower()), 301)
    if not geo.exists(code.upper()):
        abort(404)
    country = services.country(code.upper(), services.today())
    return render_template("countries/show.html", country=country)


@bp.route("/<lang:lang_code>/methodology")
def methodology():
    return render_template(
        "countries/methodology.html", corrections=current_app.config["CORRECTIONS_EMAIL"]
    )


@bp.route("/healthz")
def healthz():
    """Liveness for load balancers; also the bare route benchmarks compare against."""
    return {"status": "ok"}
