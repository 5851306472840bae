"""Every router of the operator dashboard, in the order they are mounted."""

from __future__ import annotations

from fastapi import APIRouter


def dashboard_routers() -> list[APIRouter]:
    from valetkey.api.routers.dashboard import router as dashboard
    from valetkey.api.routers.dashboard_activity import router as activity
    from valetkey.api.routers.dashboard_connections import router as connections
    from valetkey.api.routers.dashboard_tools import router as tools

    return [dashboard, connections, tools, activity]
