"""CloudInstance: prices by commitment and the checks on one entry."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from solver.specs.cloud import CloudCatalogFile, CloudInstance

BASE = {"id": "x-8", "name": "X 8", "provider": "x", "instance_type": "x.8", "gpu": "h100-sxm", "gpus": 8, "scaleup_domain": 8, "confidence": "[D]", "source": "test", "as_of": dt.date(2026, 11, 30)}


def test_price_by_commitment_is_none_where_unpublished():
    instance = CloudInstance.model_validate({**BASE, "on_demand_usd_per_hour": 10.0, "spot_usd_per_hour": 3.0})
    assert instance.usd_per_hour("on-demand") == 10.0 and instance.usd_per_hour("spot") == 3.0
    assert instance.usd_per_hour("1y") is None and instance.usd_per_hour("3y") is None


def test_confidence_tag_is_a_bracketed_tag():
    with pytest.raises(ValidationError):
        CloudInstance.model_validate({**BASE, "on_demand_usd_per_hour": 1.0, "confidence": "probably"})


def test_ids_are_unique_in_a_file():
    entry = {**BASE, "on_demand_usd_per_hour": 1.0}
    with pytest.raises(ValidationError, match="unique"):
        CloudCatalogFile.model_validate({"instances": [entry, entry]})
