"""Load the measurement set (catalogs/measurements.yaml) and check every name it uses."""

from __future__ import annotations

from pathlib import Path

from solver.catalog.loader import Catalog, bundled_catalog_dir
from solver.catalog.yaml_source import load_yaml, validate
from solver.errors import InputError, UnknownNameError
from solver.estimator.formats import KV_FORMAT_BYTES, WEIGHT_FORMATS
from solver.specs.measurement import Measurement, MeasurementFile

MEASUREMENTS_FILENAME = "measurements.yaml"


def measurements_path() -> Path:
    return bundled_catalog_dir() / MEASUREMENTS_FILENAME


def load_measurements(catalog: Catalog, path: Path | None = None) -> tuple[Measurement, ...]:
    """Every row, validated; hardware, model and formats must exist in `catalog`."""
    document = load_yaml(path or measurements_path())
    parsed = validate(MeasurementFile, document.data, document=document)
    for index, row in enumerate(parsed.measurements):
        base = ("measurements", index)
        checks = (
            ("hardware", lambda r=row: catalog.gpu(r.hardware)),
            ("model", lambda r=row: catalog.model(r.model)),
            ("precision", lambda r=row: _known("precision", r.precision, WEIGHT_FORMATS)),
            ("kv_precision", lambda r=row: _known("KV precision", r.kv_precision, KV_FORMAT_BYTES)),
        )
        for field, check in checks:
            try:
                check()
            except InputError as error:
                raise InputError(f"{document.where(base + (field,))}: measurements[{index}].{field} ({row.id}): {error.message}", hint=error.hint) from None
    return parsed.measurements


def _known(kind: str, name: str, valid: dict) -> None:
    if name not in valid:
        raise UnknownNameError(kind, name, list(valid))
