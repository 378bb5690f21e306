"""The API against its own OpenAPI description, fuzzed by schemathesis: the two cannot drift apart."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CHECKS, load_all_checks

from tests.helpers import migrated_app

OPERATIONS = ["GET /countries", "GET /countries/{code}", "GET /drives/{slug}", "GET /stats", "GET /countries.csv",
              "GET /publishers.csv", "GET /treaties.csv", "GET /measures.csv", "GET /cases.csv", "GET /legal_basis.csv"]


@pytest.fixture(scope="module")
def api_schema(databases):
    app = migrated_app(databases.new())
    assert app.test_cli_runner().invoke(args=["data", "load"]).exit_code == 0
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def test_the_description_lists_every_operation_fuzzed_here(api_schema):
    assert sorted(op.ok().label for op in api_schema.get_all_operations()) == sorted(OPERATIONS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_every_operation_answers_as_its_description_says(api_schema, label):
    operation = next(op.ok() for op in api_schema.get_all_operations() if op.ok().label == label)

    load_all_checks()
    checks = [c for c in CHECKS.get_all() if c.__name__ not in {"ignored_auth", "object_level_authorization",
                                                                 "use_after_free", "ensure_resource_availability"}]

    @given(case=operation.as_strategy())
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        case.call_and_validate(checks=checks)

    check()
