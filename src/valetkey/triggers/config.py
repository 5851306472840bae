"""A trigger's configuration, checked against its type's JSON Schema: errors name the field."""

from __future__ import annotations

from typing import Any

import jsonschema

from valetkey.catalog.model import TriggerType
from valetkey.core.errors import ValidationError


def check_config(trigger: TriggerType, config: dict[str, Any]) -> dict[str, Any]:
    """`config` when it satisfies the type's schema; a 400 naming the first bad field otherwise."""
    validator_class = jsonschema.validators.validator_for(
        trigger.config_schema, default=jsonschema.Draft202012Validator
    )
    errors = sorted(
        validator_class(trigger.config_schema).iter_errors(config), key=lambda e: list(e.absolute_path)
    )
    if not errors:
        return config
    error = errors[0]
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required" and isinstance(error.message, str):
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        path, message = missing, "is required"
    elif error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(trigger.config_schema.get("properties", {})))
        path, message = ", ".join(extra), f"is not a setting of {trigger.slug}"
    else:
        message = error.message
    raise ValidationError(
        f"trigger_config.{path}: {message}" if path else f"trigger_config: {message}",
        suggested_fix=f"See the config schema of {trigger.slug}: GET /api/v3/triggers_types/{trigger.slug}.",
        extra={"field": f"trigger_config.{path}" if path else "trigger_config"},
    )
