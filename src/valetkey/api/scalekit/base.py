"""What every servicer shares: the calling project from the access token, and errors as statuses."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, NoReturn

import grpc
import pydantic

from valetkey.api.scalekit.auth import TokenCache, project_for
from valetkey.api.scalekit.errors import abort, abort_api_error, unsupported
from valetkey.api.state import AppState
from valetkey.core.context import ProjectContext
from valetkey.core.errors import ApiError

log = logging.getLogger("valetkey.scalekit")


class Servicer:
    def __init__(self, state: AppState, tokens: TokenCache) -> None:
        self.state = state
        self.tokens = tokens

    @asynccontextmanager
    async def call(self, context: grpc.aio.ServicerContext) -> AsyncIterator[ProjectContext]:
        """The project the call's access token acts for (UNAUTHENTICATED without a live one); the
        body's Valetkey errors leave as gRPC statuses."""
        metadata = context.invocation_metadata() or ()
        authorizations = [
            v.decode() if isinstance(v, bytes) else v for k, v in metadata if k.lower() == "authorization"
        ]
        project = await project_for(self.state, self.tokens, authorizations)
        if project is None:
            await abort(
                context,
                grpc.StatusCode.UNAUTHENTICATED,
                "Missing, expired or revoked access token: get one from /oauth/token with the project's "
                "client credentials (valetkey projects credentials PROJECT_ID)",
                "Unauthorized",
            )
        try:
            yield project
        except ApiError as exc:
            await abort_api_error(context, exc)
        except grpc.aio.AbortError:
            raise
        except pydantic.ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'request'}: {e['msg']}" for e in exc.errors()
            )
            await abort(context, grpc.StatusCode.INVALID_ARGUMENT, problems, "ValidationError")
        except Exception:
            log.exception("Scalekit call failed")
            await abort(context, grpc.StatusCode.INTERNAL, "Internal error", "InternalError")

    async def no_scoping(self, request: Any, context: grpc.aio.ServicerContext) -> None:
        """Scalekit's organization and user scoping of an account (B2B orgs) has no Valetkey equivalent."""
        for name in ("organization_id", "user_id"):
            if request.HasField(name) and getattr(request, name):
                await unsupported(
                    context, name, "Scalekit's organization/user scoping; name the user in identifier"
                )

    async def abort_unimplemented(self, context: grpc.aio.ServicerContext, message: str) -> NoReturn:
        await abort(context, grpc.StatusCode.UNIMPLEMENTED, message, "Unimplemented")
