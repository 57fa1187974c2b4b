"""What spans apps is composed in editai by plain imports: no registry filled at start-up
stands in for one (issue 15: PUBLISHERS, SUBSCRIPTION_USAGE, DASHBOARD_COUNTERS)."""

from __future__ import annotations

import importlib.util

import costs.selectors
from editai import dashboard
from editai.oneclick import jobs as one_click_jobs
from editai.oneclick.api import OneClickSerializer
from library.jobs.registry import get_handler
from publishing.serializers import PublishSerializer


def test_no_start_up_registry_stands_in_for_an_import() -> None:
    assert not hasattr(costs.selectors, "SUBSCRIPTION_USAGE")
    assert not hasattr(dashboard, "DASHBOARD_COUNTERS")
    assert importlib.util.find_spec("library.jobs.oneclick") is None  # no PUBLISHERS either


def test_one_click_is_registered_from_editai_and_reuses_publishings_serializer() -> None:
    assert get_handler("one-click") is one_click_jobs.one_click
    assert type(OneClickSerializer().fields["publish"]) is PublishSerializer
