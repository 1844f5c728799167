from typing import Any

import pytest

from mqis.lib.testing import Market
from mqis.reports.tests.market import report_market


@pytest.fixture
def market(db: Any) -> Market:
    return report_market()
