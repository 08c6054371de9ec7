"""Each test starts with no cached catalogue (matching.catalogue rebuilds one from the tables it sees)."""

import pytest

from matching import catalogue


@pytest.fixture(autouse=True)
def fresh_catalogues():
    catalogue.forget()
    yield
    catalogue.forget()
