"""The open-data API: JSON, CSV and its OpenAPI description."""

import csv
import io
import re
from datetime import date

import pytest

from app.countries import services
from app.treaties.loader import SPECS

ENDPOINTS = ["/api/v1/countries", "/api/v1/countries/se", "/api/v1/stats", "/api/v1/countries.csv"]


def test_stats_as_of_31_january_2022_are_the_published_counts_but_for_the_disputed(app, client):
    stats = client.get("/api/v1/stats?as_of=2022-01-31").get_json()
    with app.app_context():
        report = services.reconciliation(date(2022, 1, 31))
    assert (stats["in_force"], stats["signed"], stats["as_of"]) == (
        43 - len(report.disputed_in_force), 14 - len(report.disputed_signed), "2022-01-31")
    for code in report.disputed_in_force + report.disputed_signed:
        country = client.get(f"/api/v1/countries/{code}?as_of=2022-01-31").get_json()
        assert (country["status"], country["treaty"]["dispute"]) == ("disputed", "in_force")


def test_stats_as_of_end_of_october_2018(client):
    assert client.get("/api/v1/stats?as_of=2018-10-31").get_json()["in_force"] == 37


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("bad", ["2022-13-01", "31/01/2022", "yesterday", ""])
def test_a_bad_as_of_is_a_400_with_a_message(client, endpoint, bad):
    response = client.get(f"{endpoint}?as_of={bad}")
    assert response.status_code == 400
    assert "as_of must be a date written YYYY-MM-DD" in response.get_json()["error"]


def test_countries_lists_every_iso_country_with_its_status(client):
    countries = client.get("/api/v1/countries?as_of=2022-01-31").get_json()["countries"]
    assert len(countries) == 248  # every ISO country but China itself
    statuses = [c["status"] for c in countries]
    stats = client.get("/api/v1/stats?as_of=2022-01-31").get_json()
    assert (statuses.count("in_force"), statuses.count("signed")) == (stats["in_force"], stats["signed"])
    sweden = next(c for c in countries if c["iso2"] == "SE")
    assert sweden == {**sweden, "name": "Sweden", "region": "150", "status": "no_treaty"}


def test_country_detail_keeps_precision_bounds_and_sources(client):
    angola = client.get("/api/v1/countries/AO").get_json()
    assert angola["treaty"]["in_force"] == {
        "on": None, "no_later_than": {"date": "2018-10", "precision": "month"}, "verified": False,
    }
    assert all(s["publisher"] and s["publisher_kind"] and s["title"] for s in angola["treaty"]["sources"])
    assert any(s["url"] and s["url"].startswith("http") for s in angola["treaty"]["sources"])
    sweden = client.get("/api/v1/countries/se").get_json()
    assert sweden["treaty"] is None
    assert sweden["cases"][0]["outcome"] == "refused"


def test_as_of_changes_the_country_status(client):
    assert client.get("/api/v1/countries/es?as_of=2006-01-01").get_json()["status"] == "signed"
    assert client.get("/api/v1/countries/es?as_of=2008-01-01").get_json()["status"] == "in_force"


def test_unknown_country_is_a_json_404(client):
    response = client.get("/api/v1/countries/xx")
    assert response.status_code == 404 and response.get_json() == {"error": "not found"}


def test_countries_csv_has_one_row_per_country(client):
    response = client.get("/api/v1/countries.csv?as_of=2022-01-31")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 248
    assert sum(r["status"] == "in_force" for r in rows) == client.get(
        "/api/v1/stats?as_of=2022-01-31").get_json()["in_force"]


def test_dataset_csv_downloads_load_into_an_empty_database(client, empty_app, tmp_path):
    for name in ("publishers", "treaties", "measures", "cases", "legal_basis"):
        response = client.get(f"/api/v1/{name}.csv")
        assert response.status_code == 200
        (tmp_path / f"{name}.csv").write_bytes(response.data)
    result = empty_app.test_cli_runner().invoke(args=["data", "load", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "treaties.csv: 61 created" in result.output
    copy = empty_app.test_client().get("/api/v1/stats?as_of=2022-01-31").get_json()
    assert copy == client.get("/api/v1/stats?as_of=2022-01-31").get_json()


def test_openapi_describes_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    described = set(document["paths"])
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
    }
    routes.discard("/openapi.json")
    routes.discard("/<any(publishers, treaties, measures, cases, legal_basis):name>.csv")
    routes |= {f"/{name.removesuffix('.csv')}.csv" for name in SPECS}
    assert described == routes


@pytest.mark.parametrize("method, path, status, error", [
    ("get", "/api/v1/nothing-here", 404, "not found"),
    ("get", "/api/v1/countries/%C3%9F", 404, "not found"),
    ("post", "/api/v1/stats", 405, "method not allowed"),
])
def test_api_errors_are_json(client, method, path, status, error):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.get_json() == {"error": error}


@pytest.mark.parametrize("almost", ["20220131", "2022-W05-1", "2022-01-31T00:00"])
def test_as_of_accepts_only_the_documented_form(client, almost):
    assert client.get(f"/api/v1/stats?as_of={almost}").status_code == 400
