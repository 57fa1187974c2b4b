from __future__ import annotations
import pytest, schemathesis
from hypothesis import HealthCheck, settings as hsettings, Phase
from django.core.wsgi import get_wsgi_application
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, content_type_conformance
from tests.conftest import api_client_for
from rest_framework_simplejwt.tokens import RefreshToken

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())

@pytest.fixture(autouse=True)
def _keep_conn():
    from django.core.signals import request_started, request_finished
    from django.db import close_old_connections
    request_started.disconnect(close_old_connections); request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections); request_finished.connect(close_old_connections)

@schema.parametrize()
@hsettings(max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
def test_fuzz(case, cast):
    token = RefreshToken.for_user(cast.alice).access_token
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error, response_schema_conformance, content_type_conformance])
