"""The auth feature's router: auth configs and connected accounts."""

from fastapi import APIRouter

from valetkey.api.routers.auth_configs import router as configs_router
from valetkey.api.routers.connected_accounts import router as accounts_router
from valetkey.api.routers.oauth import router as oauth_router

router = APIRouter()
router.include_router(configs_router)
# Before the accounts router: POST /connected_accounts/link must not be read as an account id.
router.include_router(oauth_router)
router.include_router(accounts_router)
