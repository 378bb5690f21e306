"""The read side: what the public pages and the API show, as of a date."""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import collation, geo
from app.countries.labels import MEASURES
from app.extensions import db
from app.treaties.dates import PartialDate
from app.treaties.models import Case, LegalBasis, Measure, Treaty
from app.treaties.status import Verdict, figures, standing, standings


@dataclass(frozen=True)
class Event:
    """One dated line of a timeline."""

    when: PartialDate | None
    title: str
    iso2: str
    sources: list = field(default_factory=list)
    verified: bool = True
    bound: bool = False  # the date is a "no later than" bound, not the day itself
    case: Case | None = None
    lifted: bool = False  # the end of a measure, not its start
    key: str = ""  # what happened to which row ("measure/<key>/lifted"): the same across reloads of the data
    treaty: Treaty | None = None

    @property
    def sort_key(self):
        return chronological(self.when)


def chronological(when):
    """Sort key for a PartialDate or None; unknown dates sort first."""
    return when.start if when else date.min


@dataclass
class World:
    """Every country's standing at one date, with the headline figures."""

    day: date
    standings: dict
    figures: object
    measures: list
    cases: list


def world(day):
    """Standings of all ISO countries at `day`."""
    treaties = db.session.scalars(select(Treaty)).all()
    measures = db.session.scalars(select(Measure)).all()
    cases = db.session.scalars(select(Case)).all()
    bases = db.session.scalars(select(LegalBasis)).all()
    all_standings = standings(treaties, measures, day, geo.counterparts(), bases)
    return World(day, all_standings, figures(all_standings, cases, day), measures, cases)


def filtered(world, locale, status=None, region=None):
    """(code, name, standing) of the countries matching the filters, by name."""
    rows = [
        (code, geo.name(code, locale), s)
        for code, s in world.standings.items()
        if (not status or s.verdict == status) and (not region or geo.region(code) == region)
    ]
    return collation.by_name(rows, locale, name=lambda row: row[1])


def listed(world, locale):
    """(code, standing) of the countries with a treaty, any measure or their own arrangements, by verdict then name."""
    order = list(Verdict)
    rows = [(code, s) for code, s in world.standings.items() if s.listed]
    name = collation.sort_key(locale)
    return sorted(rows, key=lambda row: (order.index(row[1].verdict), name(geo.name(row[0], locale))))


@dataclass
class Country:
    """Everything the country page shows."""

    code: str
    standing: object | None  # None for the requesting state itself
    treaty: Treaty | None
    measures: list
    cases: list
    timeline: list
    basis: LegalBasis | None = None
    day: date | None = None


def country(code, day):
    """One country's standing, timeline and cases at `day`."""
    treaty = db.session.scalar(select(Treaty).where(Treaty.iso2 == code))
    measures = db.session.scalars(select(Measure).where(Measure.iso2 == code)).all()
    cases = db.session.scalars(select(Case).where(Case.iso2 == code)).all()
    basis = db.session.scalar(select(LegalBasis).where(LegalBasis.iso2 == code))
    cases = sorted(cases, key=lambda c: chronological(c.decided_on), reverse=True)
    measures = sorted(measures, key=lambda m: chronological(m.taken_on))
    events = treaty_events(treaty) + [measure_event(m) for m in measures]
    events += [measure_event(m, lifted=True) for m in measures if m.ends_on]
    events = sorted((e for e in events if begun(e.when, day)), key=lambda e: e.sort_key)
    found = None if code == geo.REQUESTING_STATE else standing(treaty, measures, day, basis)
    return Country(code, found, treaty, measures, cases, events, basis, day)


def begun(when, day):
    """False for an event dated after `day`: a lifting decided for later is not history yet."""
    return when is None or when.start <= day


def treaty_events(treaty):
    """Signed and in force, each with its precision, verification and bounds."""
    if treaty is None:
        return []
    events = []
    for on, by, verified, title, kind in (
        (treaty.signed_on, treaty.signed_by, treaty.signed_verified, _l("Treaty signed"), "signed"),
        (treaty.in_force_on, treaty.in_force_by, treaty.in_force_verified, _l("Treaty in force"), "in_force"),
    ):
        if on or by:
            events.append(Event(on or by, title, treaty.iso2, treaty.sources, verified, on is None,
                                key=f"treaty/{treaty.iso2.lower()}/{kind}", treaty=treaty))
    return events


def measure_event(measure, lifted=False):
    when = measure.ends_on if lifted else measure.taken_on
    key = f"measure/{measure.key}/{'lifted' if lifted else 'taken'}"
    return Event(when, MEASURES[measure.kind], measure.iso2, measure.sources, lifted=lifted, key=key)


def latest_developments(world, limit=6):
    """The most recent dated measures and cases, newest first."""
    return newest_first(measure_and_case_events(world.measures, world.cases), world.day)[:limit]


def developments(day, limit=50):
    """The most recent dated developments of all: treaties signed and in force, measures taken and lifted, cases."""
    treaties = db.session.scalars(select(Treaty)).all()
    measures = db.session.scalars(select(Measure)).all()
    cases = db.session.scalars(select(Case)).all()
    events = [e for t in treaties for e in treaty_events(t)] + measure_and_case_events(measures, cases)
    return newest_first(events, day)[:limit]


def measure_and_case_events(measures, cases):
    """Every dated measure taken or lifted and every dated case; undated ones have no place in time."""
    events = [measure_event(m) for m in measures if m.taken_on]
    events += [measure_event(m, lifted=True) for m in measures if m.ends_on]
    return events + [case_event(c) for c in cases if c.decided_on]


def newest_first(events, day):
    """The events that had happened by `day`, newest first; the key breaks ties, so the order never flickers."""
    events = sorted((e for e in events if e.when and begun(e.when, day)), key=lambda e: e.key)
    return sorted(events, key=lambda e: e.sort_key, reverse=True)


def case_event(case):
    return Event(case.decided_on, case.forum, case.iso2, case.sources, case=case, key=f"case/{case.key}")


REPORT_DAY = date(2022, 1, 31)  # the counts of the 2022 report, Returned Without Rights
LIST_DAY = date(2018, 10, 31)  # the Guangdong procuratorate's list of treaties in force


@dataclass
class Reconciliation:
    """The figures the data gives at a date, and the disputed treaties that explain any gap to a published count."""

    day: date
    figures: object
    disputed_in_force: list  # codes whose dates say in force, but a source disputes it
    disputed_signed: list  # codes whose dates say signed, but a source disputes whether it is in force

    @property
    def in_force_by_dates(self):
        return self.figures.in_force + len(self.disputed_in_force)

    @property
    def signed_by_dates(self):
        return self.figures.signed + len(self.disputed_signed)


def reconciliation(day):
    """The data's counts at `day` beside the counts its dates alone give, disputes set aside."""
    found = world(day)
    disputed = [(c, s.treaty) for c, s in found.standings.items() if s.verdict == Verdict.DISPUTED and s.treaty]
    return Reconciliation(
        day, found.figures,
        sorted(c for c, t in disputed if t.in_force_as_of(day)),
        sorted(c for c, t in disputed if t.signed_as_of(day) and not t.in_force_as_of(day)),
    )
