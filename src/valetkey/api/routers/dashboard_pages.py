"""Every router of the operator dashboard, in the order they are mounted."""

from __future__ import annotations

from fastapi import APIRouter


def dashboard_routers() -> list[APIRouter]:
    from valetkey.api.routers.dashboard import router as dashboard

    return [dashboard]
