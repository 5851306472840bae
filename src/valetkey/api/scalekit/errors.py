"""Valetkey's errors as gRPC statuses the SDK turns into its exception classes.

The status code follows the error's HTTP status (the SDK maps them back the same way:
404 -> NOT_FOUND -> ScalekitNotFoundException, which `get_or_create_connected_account`
relies on); the details carry a `scalekit.v1.errdetails.ErrorInfo` with Valetkey's slug as
`error_code` (TOOL_ERROR for a tool that ran and failed, as Scalekit does).
"""

from __future__ import annotations

from typing import NoReturn

import grpc
from google.protobuf import any_pb2
from google.rpc import status_pb2
from grpc_status import rpc_status

from valetkey.core.errors import ApiError

HTTP_TO_GRPC = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.ALREADY_EXISTS,
    412: grpc.StatusCode.FAILED_PRECONDITION,
    413: grpc.StatusCode.RESOURCE_EXHAUSTED,
    422: grpc.StatusCode.FAILED_PRECONDITION,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    501: grpc.StatusCode.UNIMPLEMENTED,
    502: grpc.StatusCode.UNAVAILABLE,
    503: grpc.StatusCode.UNAVAILABLE,
    504: grpc.StatusCode.DEADLINE_EXCEEDED,
}


def status_of(http_status: int) -> grpc.StatusCode:
    if http_status in HTTP_TO_GRPC:
        return HTTP_TO_GRPC[http_status]
    return grpc.StatusCode.INVALID_ARGUMENT if http_status < 500 else grpc.StatusCode.INTERNAL


def rich_status(code: grpc.StatusCode, message: str, error_code: str) -> grpc.Status:
    from scalekit.v1.errdetails.errdetails_pb2 import ErrorInfo

    detail = any_pb2.Any()
    detail.Pack(ErrorInfo(error_code=error_code))
    return rpc_status.to_status(status_pb2.Status(code=code.value[0], message=message, details=[detail]))


async def abort(
    context: grpc.aio.ServicerContext, code: grpc.StatusCode, message: str, error_code: str
) -> NoReturn:
    await context.abort_with_status(rich_status(code, message, error_code))
    raise AssertionError("unreachable")  # abort_with_status raises


async def abort_api_error(context: grpc.aio.ServicerContext, exc: ApiError) -> NoReturn:
    message = exc.message + (f" ({exc.suggested_fix})" if exc.suggested_fix else "")
    await abort(context, status_of(exc.status), message, exc.slug)


async def unsupported(context: grpc.aio.ServicerContext, field: str, what: str) -> NoReturn:
    """A request field this server does not honour: refused by name, never ignored."""
    await abort(
        context,
        grpc.StatusCode.UNIMPLEMENTED,
        f"{field} is not supported by Valetkey ({what}); leave it unset",
        "UnsupportedField",
    )
