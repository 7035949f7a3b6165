"""Health checks for load balancers: /healthz (the process is up) and /readyz (the database
answers and is at the newest migration). Plain Starlette routes: they skip sessions, CSRF
and everything else that needs the database."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from fgdm import migrations_check
from fgdm.config import ConfigError


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def _ready(request: Request) -> tuple[bool, str]:
    try:
        migrations_check.require_current(request.app.state.engine, request.app.state.settings)
    except ConfigError:
        return False, "migrations pending"
    except SQLAlchemyError:
        return False, "database unreachable"
    return True, "ok"


async def readyz(request: Request) -> JSONResponse:
    ok, status = await run_in_threadpool(_ready, request)
    return JSONResponse({"status": status}, status_code=200 if ok else 503)
