"""A project's page addresses without resolving the URLconf each time (projects/addresses.py)."""

import pytest
from django.urls import get_script_prefix, reverse, set_script_prefix

from projects.addresses import project_url


@pytest.fixture
def script_prefix():
    before = get_script_prefix()
    yield set_script_prefix
    set_script_prefix(before)


@pytest.mark.parametrize("name", ["projects:detail", "projects:charter", "projects:goals"])
@pytest.mark.parametrize("prefix", ["/", "/tollgate/"])
def test_the_address_is_the_one_reverse_gives(name, prefix, script_prefix):
    script_prefix(prefix)
    for pk in (1, 42, 10_016, 987_654_320, 987_654_322):
        assert project_url(name, pk) == reverse(name, args=[pk])
