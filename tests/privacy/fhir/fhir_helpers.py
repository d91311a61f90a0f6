"""Checks for the FHIR export tests: what every exported bundle and resource must pass (R4B
validation, the codes the models list but do not enforce, security labels, references that
resolve), and rows built by hand for the builder tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir_core.fhirabstractmodel import FHIRAbstractModel

from privacy.fhir.codes import SECURITY_LABELS

REQUIRED_LABELS = {(label["system"], label["code"]) for label in SECURITY_LABELS[:2]}


# --- checks -----------------------------------------------------------------------------------


def enum_errors(model: FHIRAbstractModel, path: str = "") -> list[str]:
    """Coded values outside what the model's field lists (`fhir.resources` documents the
    allowed codes of required bindings but does not enforce them)."""
    errors = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name, None)
        if value is None:
            continue
        allowed = (info.json_schema_extra or {}).get("enum_values")
        items = value if isinstance(value, list) else [value]
        for item in items:
            if allowed and isinstance(item, str) and item not in allowed:
                errors.append(f"{path}{name}={item!r}")
            if isinstance(item, FHIRAbstractModel):
                errors += enum_errors(item, f"{path}{name}.")
    return errors


#: a fixed moment for rows built by hand.
NOW = datetime(2026, 11, 2, 10, 30, tzinfo=UTC)


def valid(found: dict[str, Any]) -> Any:
    """One resource validates with its model, uses allowed codes and carries the labels."""
    model = get_fhir_model_class(found["resourceType"]).model_validate(found)
    assert enum_errors(model) == []
    assert labels(found) >= REQUIRED_LABELS
    return model


def assessment_row(**kw: Any) -> SimpleNamespace:
    """A submitted assessment as the builders read it (no database)."""
    fields = {
        "id": 7,
        "assessed_on": date(2026, 11, 1),
        "submitted_at": NOW,
        "substances": [],
        "dsm5": None,
        "results": None,
    }
    return SimpleNamespace(**{**fields, **kw})


def resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry["resource"] for entry in bundle.get("entry", [])]


def types(bundle: dict[str, Any]) -> set[str]:
    return {found["resourceType"] for found in resources(bundle)}


def of_type(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [found for found in resources(bundle) if found["resourceType"] == resource_type]


def labels(found: dict[str, Any]) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in found.get("meta", {}).get("security", [])}


def references(value: Any) -> list[str]:
    """Every `reference` string anywhere in a resource."""
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [ref for item in value.values() for ref in references(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in references(item)]
    return []


def check_bundle(bundle: dict[str, Any], *, whole: bool = True) -> Bundle:
    """The bundle parses and validates as an R4B collection; coded values are allowed ones;
    the Bundle and every resource carry both labels; ids are unique; and (for the whole
    record) every reference resolves to an entry."""
    model = Bundle.model_validate(bundle)
    assert model.type == "collection"
    assert enum_errors(model) == []
    assert labels(bundle) >= REQUIRED_LABELS
    urls = [entry["fullUrl"] for entry in bundle.get("entry", [])]
    assert len(urls) == len(set(urls))
    for found in resources(bundle):
        assert labels(found) >= REQUIRED_LABELS, found["resourceType"]
    if whole:
        dangling = {ref for ref in references(resources(bundle)) if ref not in set(urls)}
        assert dangling == set()
    return model
