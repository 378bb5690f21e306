"""The OpenAPI 3.1 description of the open-data API."""

from app.i18n import languages
from app.treaties.models import LegalBasisKind, PublisherKind
from app.treaties.status import Verdict
from app.updates.models import Outcome, UpdateKind

AS_OF = {
    "name": "as_of", "in": "query", "required": False,
    "description": "Derive every status as it stood on this date (default: today).",
    "schema": {"type": "string", "format": "date"},
}
ISO2 = {
    "name": "code", "in": "path", "required": True,
    "description": "ISO 3166-1 alpha-2 code, any case.",
    "schema": {"type": "string", "pattern": "^[A-Za-z]{2}$"},
}
SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
BAD_LANGUAGE = {"description": "lang is not a language the site is published in.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
BAD_DATE = {"description": "as_of is not a YYYY-MM-DD date.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def json_response(description, schema):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def csv_response(description):
    return {"description": description, "content": {"text/csv": {"schema": {"type": "string"}}}}


def partial_date():
    return {"type": ["object", "null"], "properties": {
        "date": {"type": "string", "description": "YYYY, YYYY-MM or YYYY-MM-DD"},
        "precision": {"enum": ["year", "month", "day"]}}}


def schemas():
    ref = {"$ref": "#/components/schemas/PartialDate"}
    source = {"type": "object", "properties": {
        "publisher": {"type": ["string", "null"], "description": "null only for a source no registered publisher covers"},
        "publisher_kind": {"enum": [*(k.value for k in PublisherKind), None]},
        "title": {"type": "string", "description": "the page's title or date, or the citation"},
        "url": {"type": ["string", "null"]},
        "read_on": {"type": ["string", "null"], "description": "the site a syndicated copy was read on"}}}
    sourced = {"sources": {"type": "array", "items": source}, "public_note": {"type": "string"}}
    return {
        "Error": {"type": "object", "properties": {"error": {"type": "string"}}},
        "PartialDate": partial_date(),
        "CountrySummary": {"type": "object", "properties": {
            "iso2": {"type": "string"}, "name": {"type": "string"},
            "region": {"type": ["string", "null"], "description": "UN M49 region code"},
            "status": {"enum": [v.value for v in Verdict] + [None],
                       "description": "null for the PRC itself, the requesting state"},
            "as_of": {"type": "string", "format": "date"}, "url": {"type": "string"}}},
        "Country": {"allOf": [{"$ref": "#/components/schemas/CountrySummary"}, {"type": "object", "properties": {
            "treaty": {"type": ["object", "null"], "properties": {
                "signed": {"type": "object", "properties": {"on": ref, "no_later_than": ref, "verified": {"type": "boolean"}}},
                "in_force": {"type": "object", "properties": {"on": ref, "no_later_than": ref, "verified": {"type": "boolean"}}},
                "dispute": {"type": ["string", "null"]}, "disputed_since": ref,
                "basis": {"enum": ["sourced", "inferred"]}, **sourced}},
            "legal_basis": {"type": ["object", "null"], "properties": {
                "basis": {"enum": [k.value for k in LegalBasisKind]}, **sourced}},
            "measures": {"type": "array", "items": {"type": "object", "properties": {
                "key": {"type": "string"}, "kind": {"type": "string"}, "taken_on": ref, "ends_on": ref,
                "actor": {"type": "string"}, "instrument": {"type": "string"}, **sourced}}},
            "cases": {"type": "array", "items": {"type": "object", "properties": {
                "key": {"type": "string"}, "kind": {"type": "string"}, "decided_on": ref,
                "person": {"type": "string"}, "forum": {"type": "string"}, "outcome": {"type": "string"},
                "summary": {"type": "string"}, "sources": sourced["sources"]}}}}}]},
        "Drive": {"type": "object", "properties": {
            "slug": {"type": "string"}, "iso2": {"type": "string"},
            "state": {"enum": ["open", "closed", "archived"]},
            "goal": {"type": "integer"},
            "confirmed": {"type": "integer", "description": "signatures confirmed online, exact"},
            "paper": {"type": "integer", "description": "signatures gathered on paper, recorded by the campaign"},
            "total": {"type": "integer", "description": "confirmed + paper: the drive's count"},
            "signable": {"type": "boolean"},
            "opens_on": {"type": ["string", "null"], "format": "date"},
            "closes_on": {"type": ["string", "null"], "format": "date"},
            "title": {"type": "string", "description": "in the drive's main language"},
            "languages": {"type": "array", "items": {"type": "string"}}, "url": {"type": "string"},
            "letters_sent": {"type": "integer",
                             "description": "letters to legislators the mail server accepted, exact"},
            "legislators": {"type": "array", "description": "whom the drive's letters go to; empty without a letter",
                            "items": {"type": "object", "properties": {
                                "id": {"type": "string", "description": "the id in the imported source"},
                                **{k: {"type": "string"} for k in ("name", "chamber", "party", "region")},
                                "letters_sent": {"type": ["integer", "null"], "description":
                                    "null when withheld: fewer than min_public_count, or withheld so that such a "
                                    "figure cannot be worked out from letters_sent less the others"}}}},
            "min_public_count": {"type": "integer",
                                 "description": "counts of people per region below this are withheld (null)"},
            "updates": {"type": "array", "items": {"$ref": "#/components/schemas/Update"},
                        "description": "the drive's published updates and milestones, newest first"}}},
        "Update": update_schema(),
        "Stats": {"type": "object", "properties": {
            "as_of": {"type": "string", "format": "date"},
            **{k: {"type": "integer"} for k in ("in_force", "signed", "disputed", "moratoria", "refusals")}}},
    }


def update_schema():
    nullable = lambda kind, description: {"type": [kind, "null"], "description": description}  # noqa: E731
    return {"type": "object", "properties": {
        "id": {"type": "integer"},
        "kind": {"enum": [k.value for k in UpdateKind],
                 "description": "news, or a milestone: handed_over, response (the government's), debate, outcome"},
        "published_at": {"type": "string", "format": "date-time"},
        "happened_on": {"type": ["string", "null"], "format": "date",
                        "description": "a milestone's own date (handed over, debated)"},
        "handed_to": nullable("string", "handed_over: to whom the signatures were handed"),
        "signatures_handed": nullable("integer", "handed_over: how many signatures"),
        "link": nullable("string", "response: the government's response; debate: its record"),
        "outcome": {"enum": [o.value for o in Outcome] + [None], "description": "outcome: how the campaign ended"},
        "language": {"type": "string", "description": "the language of title and body: lang if the update "
                                                      "has it, else the drive's main language"},
        "title": {"type": "string"},
        "body": {"type": "string", "description": "plain text: blank lines part paragraphs"},
        "url": {"type": "string", "description": "the update on the drive's page, in the language of its text"}}}


def paths():
    ref = lambda name: {"$ref": f"#/components/schemas/{name}"}  # noqa: E731
    return {
        "/countries": {"get": {"summary": "Every ISO country with its status", "parameters": [AS_OF],
            "responses": {"200": json_response("Countries", {"type": "object", "properties": {
                "countries": {"type": "array", "items": ref("CountrySummary")}}}), "400": BAD_DATE}}},
        "/countries/{code}": {"get": {"summary": "One country: status, treaty, measures, cases, sources",
            "parameters": [ISO2, AS_OF], "responses": {"200": json_response("Country", ref("Country")),
                "400": BAD_DATE, "404": json_response("Not an ISO country code", ref("Error"))}}},
        "/drives/{slug}": {"get": {"summary": "A country drive: its state, goal, counts (online, on paper, total), letters sent and updates",
            "parameters": [SLUG, {"name": "lang", "in": "query", "required": False,
                                  "description": "The language of the updates' texts (default: the drive's main language).",
                                  "schema": {"enum": sorted(languages())}}],
            "responses": {"200": json_response("Drive", ref("Drive")), "400": BAD_LANGUAGE,
                          "404": json_response("No public drive with this slug", ref("Error"))}}},
        "/stats": {"get": {"summary": "Headline figures", "parameters": [AS_OF],
            "responses": {"200": json_response("Figures", ref("Stats")), "400": BAD_DATE}}},
        "/countries.csv": {"get": {"summary": "Every country's status as CSV", "parameters": [AS_OF],
            "responses": {"200": csv_response("iso2,name,region,status,as_of"), "400": BAD_DATE}}},
        **{f"/{name}.csv": {"get": {"summary": f"The {name} data, in the columns of data/{name}.csv",
            "responses": {"200": csv_response(f"data/{name}.csv")}}} for name in ("publishers", "treaties", "measures", "cases", "legal_basis")},
    }


def document():
    return {
        "openapi": "3.1.0",
        "info": {"title": "Moratorium open data", "version": "1",
                 "description": "Extradition treaties with the PRC, moratorium measures and cases, "
                                "every fact with its sources. Statuses are derived from the dates."},
        "servers": [{"url": "/api/v1"}],
        "paths": paths(),
        "components": {"schemas": schemas()},
    }
