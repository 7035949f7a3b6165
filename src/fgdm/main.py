"""The app factory: settings, database, middleware, static files, error pages, routers."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

import anyio.to_thread
import babel.localedata
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from fgdm import health, i18n, migrations_check
from fgdm.accounts import routes as accounts_routes
from fgdm.admin import routes as admin_routes
from fgdm.api import routes as api_routes
from fgdm.audit import routes as audit_routes
from fgdm.audit import service as audit_service
from fgdm.compression import CompressionMiddleware
from fgdm.config import Environment, Settings
from fgdm.db import NotAllowedHere, NotFound, RequestSlotsMiddleware, StaleEdit, make_engine
from fgdm.exports import routes as exports_routes
from fgdm.families import caseload_routes, journey_routes
from fgdm.families import routes as families_routes
from fgdm.i18n import gettext as _
from fgdm.i18n import routes as i18n_routes
from fgdm.invites import routes as invites_routes
from fgdm.meetings import review_routes as meeting_review_routes
from fgdm.meetings import room_routes as meeting_room_routes
from fgdm.meetings import routes as meetings_routes
from fgdm.meetings.lock import PlanLocked
from fgdm.network import routes as network_routes
from fgdm.plans import decision_routes as plan_decision_routes
from fgdm.plans import print_routes as plan_print_routes
from fgdm.plans import routes as plans_routes
from fgdm.pwa import idempotency
from fgdm.pwa import routes as pwa_routes
from fgdm.pwa.offline import OfflinePagesMiddleware
from fgdm.safety import plan_routes as safety_plan_routes
from fgdm.safety import routes as safety_routes
from fgdm.security.deps import (
    CsrfRefused,
    NotAllowed,
    NotSignedIn,
    OnFamilyDevice,
    actor_from_request,
    csrf_protect,
    refuse_impossible_ids,
    send_to_family_time,
)
from fgdm.security.headers import SecurityHeadersMiddleware, add_security_headers
from fgdm.stories import routes as stories_routes
from fgdm.voice import routes as voice_routes
from fgdm.voice import view_routes as child_view_routes
from fgdm.web import STATIC_DIR, redirect, render, safe_next, templates

log = logging.getLogger("fgdm")


def warm_up(app: FastAPI) -> None:
    """Prepares what is otherwise prepared at its first use, before the worker takes its
    first request rather than while people wait (at start, and after a worker has been
    replaced):
    - every route, matched against an address none has: FastAPI prepares all the routes of
      a router the first time any of them is matched (a quarter of a second for all, most
      of it in a worker's first few pages otherwise);
    - every template (from the compiled copies other workers left, a fiftieth of a second;
      most of a second without them);
    - each offered language's dates, numbers and lists (Babel reads them at first use,
      a few hundredths of a second).
    Meanwhile the other workers take the requests."""
    scope = {"type": "http", "method": "GET", "path": "/\x00", "root_path": "", "app": app}
    for route in app.router.routes:
        route.matches(dict(scope))
    for name in templates.env.list_templates():
        templates.env.get_template(name)
    for locale in i18n.LANGUAGES:
        babel.localedata.load(locale)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the app for one configuration (tests build one per database)."""
    settings = settings or Settings()
    settings.check_safe_to_start()
    # Every language's catalogue is read now: a broken one stops the app at start.
    i18n.load_catalogues()
    # Outside development, templates are read once: checking every file for changes on each
    # page (a dozen or more per page, with their includes) costs more than drawing some.
    templates.env.auto_reload = settings.env == Environment.development
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Read from app.state, the one place the app's settings and database are kept.
        migrations_check.require_current(app.state.engine, app.state.settings)
        # Routes run in worker threads; no more of them at once than requests let in at once
        # (RequestSlotsMiddleware), so requests queue instead of starving each other.
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = app.state.settings.db_pool_size
        warm_up(app)
        # What start-up made (modules, routes, templates, catalogues: about 300,000 objects)
        # lasts as long as the worker. Left to the garbage collector, every full collection
        # walks all of it, stopping the worker for 150-200 ms every 15 s or so under load;
        # frozen, a full collection walks only what came later (10-20 ms).
        gc.freeze()
        yield
        app.state.engine.dispose()

    docs = not settings.is_production
    app = FastAPI(
        title="fgdm",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
        dependencies=[
            Depends(refuse_impossible_ids),
            Depends(csrf_protect),
            Depends(idempotency.check_key),
        ],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.secret_key = settings.resolved_secret_key()

    # No more requests at once than the database pool can serve (see db.py).
    app.add_middleware(RequestSlotsMiddleware, slots=settings.db_pool_size)
    # Marks the pages a family member's phone may keep to read offline (pwa/offline.py).
    app.add_middleware(OfflinePagesMiddleware, secret_key=app.state.secret_key)
    app.add_middleware(SecurityHeadersMiddleware, settings=settings)
    app.add_middleware(CompressionMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_route("/healthz", health.healthz, methods=["GET"])
    app.add_route("/readyz", health.readyz, methods=["GET"])

    app.include_router(accounts_routes.router)
    app.include_router(families_routes.router)
    app.include_router(audit_routes.router)
    app.include_router(invites_routes.router)
    app.include_router(admin_routes.router)
    app.include_router(network_routes.router)
    app.include_router(safety_routes.router)
    app.include_router(safety_plan_routes.router)
    app.include_router(stories_routes.router)
    app.include_router(voice_routes.router)
    app.include_router(journey_routes.router)
    app.include_router(caseload_routes.router)
    app.include_router(meetings_routes.router)
    app.include_router(meeting_room_routes.router)
    app.include_router(meeting_review_routes.router)
    app.include_router(plans_routes.router)
    app.include_router(plan_print_routes.router)
    app.include_router(plan_decision_routes.router)
    app.include_router(pwa_routes.router)
    app.include_router(i18n_routes.router)
    app.include_router(child_view_routes.router)
    app.include_router(exports_routes.router)
    app.include_router(api_routes.router)
    _add_error_pages(app)
    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_page(
    request: Request, template: str, status_code: int, context: dict | None = None
) -> Response:
    """An error page. Answering an htmx request it replaces the whole page, not the part
    of it the request meant to update (a conflict, a refusal or "not found" must be seen,
    and must not be squeezed into a fragment's place)."""
    response = render(request, template, context or {}, status_code=status_code)
    if request.headers.get("HX-Request") == "true":
        response.headers["HX-Retarget"] = "body"
        response.headers["HX-Reswap"] = "innerHTML show:window:top"
    return response


def _add_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, _exc: NotSignedIn) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "Not signed in"}, status_code=401)
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        # Quoted, so a query string in the address comes back whole after sign-in.
        next_url = quote(safe_next(target), safe="/")
        url = "/login?next=" + next_url if request.method == "GET" else "/login"
        if request.headers.get("HX-Request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)

    # The meeting tablet during private family time: sent to the family time page from any
    # page outside its family group (more specific than NotSignedIn, so it wins).
    app.add_exception_handler(OnFamilyDevice, send_to_family_time)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, _exc: CsrfRefused) -> Response:
        audit_service.record_at_once(
            app.state.engine,
            actor=actor_from_request(request),
            action="csrf_refused",
            detail=request.url.path[:255],
        )
        if _wants_json(request):
            return JSONResponse({"detail": "CSRF check failed"}, status_code=403)
        return _error_page(request, "errors/csrf.html", 403)

    @app.exception_handler(NotAllowed)
    async def not_allowed(request: Request, _exc: NotAllowed) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "Not allowed"}, status_code=403)
        return _error_page(request, "errors/403.html", 403)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, _exc: NotFound) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        return _error_page(request, "errors/404.html", 404)

    @app.exception_handler(NotAllowedHere)
    async def not_allowed_here(request: Request, _exc: NotAllowedHere) -> Response:
        return await not_allowed(request, NotAllowed())

    @app.exception_handler(PlanLocked)
    async def plan_locked(request: Request, exc: PlanLocked) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "Private family time"}, status_code=423)
        context = {"family_group_id": exc.family_group_id}
        return _error_page(request, "errors/family_time.html", 423, context)

    # The offline outbox: a change sent again with its idempotency key.
    @app.exception_handler(idempotency.AlreadySaved)
    async def already_saved(request: Request, exc: idempotency.AlreadySaved) -> Response:
        return _already_saved(request, exc)

    async def key_refused(request: Request, exc: Exception) -> Response:
        if isinstance(exc, idempotency.BadKey):
            heading = _("This change could not be sent")
            message = _("The change came with a label we cannot read, so it was not saved.")
            return _outbox_page(request, 400, heading, message)
        heading = _("This change was not saved again")
        message = _("This change was sent before with different words, so it was not saved again.")
        return _outbox_page(request, 422, heading, message)

    app.add_exception_handler(idempotency.KeyReused, key_refused)
    app.add_exception_handler(idempotency.BadKey, key_refused)

    async def first_copy(request: Request) -> Response | None:
        """A change sent twice at once (from the page and by Background Sync): the answer
        of the copy saved first, when this one carried the same key and it was saved."""

        def answer_of_first() -> idempotency.AlreadySaved | None:
            with Session(app.state.engine) as session:
                return idempotency.answer_of_first(session, request)

        try:
            first = await run_in_threadpool(answer_of_first)
        except idempotency.KeyReused as exc:
            return await key_refused(request, exc)
        return None if first is None else _already_saved(request, first)

    @app.exception_handler(idempotency.KeyInUse)
    async def key_in_use(request: Request, _exc: idempotency.KeyInUse) -> Response:
        return await first_copy(request) or _outbox_page(
            request,
            409,
            _("This change is already being sent"),
            _("The same change is being saved right now. Look again soon: it is saved once."),
        )

    # A conflict, unless it was the other copy of the same change that got there first.
    @app.exception_handler(StaleEdit)
    async def stale_edit(request: Request, exc: StaleEdit) -> Response:
        answer = await first_copy(request)
        return answer or _error_page(request, "errors/conflict.html", 409, {"conflict": exc})

    @app.exception_handler(StaleDataError)
    async def stale_data(request: Request, _exc: StaleDataError) -> Response:
        answer = await first_copy(request)
        return answer or _error_page(request, "errors/conflict.html", 409, {"conflict": None})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        if exc.status_code in (404, 405):
            return _error_page(request, "errors/404.html", exc.status_code)
        status = {"status": exc.status_code}
        return _error_page(request, "errors/error.html", exc.status_code, status)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": _("The request was not valid.")}, status_code=422)
        return _error_page(request, "errors/error.html", 400, {"status": 400})

    @app.exception_handler(OperationalError)
    async def database_down(request: Request, exc: OperationalError) -> Response:
        log.error("database error request_id=%s: %s", _request_id(request), type(exc).__name__)
        return _error_page(request, "errors/503.html", 503)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error request_id=%s", _request_id(request), exc_info=exc)
        response: Response
        if _wants_json(request):
            response = JSONResponse({"detail": "Server error"}, status_code=500)
        else:
            response = _error_page(
                request, "errors/500.html", 500, {"request_id": _request_id(request)}
            )
        # Starlette sends this page from outside every middleware, so add the headers here.
        add_security_headers(
            response.headers, settings=app.state.settings, request_id=_request_id(request)
        )
        return response

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> Response:
        # Two copies of the same change at once may both make the same new row (the
        # family's plan, say): the copy saved first answers for both.
        answer = await first_copy(request)
        if answer is not None:
            return answer
        # Two people saving at the same moment (two new actions on one plan both taking
        # its next revision number): the second save is refused whole, like a stale edit.
        log.warning(
            "save refused by the database request_id=%s: %s",
            _request_id(request),
            type(exc.orig).__name__,
        )
        return _error_page(request, "errors/conflict.html", 409, {"conflict": None})


def _outbox_page(request: Request, status_code: int, heading: str, message: str) -> Response:
    context = {"heading": heading, "message": message}
    return _error_page(request, "pwa/outbox_answer.html", status_code, context)


def _already_saved(request: Request, exc: idempotency.AlreadySaved) -> Response:
    """Answers a change sent again as the first time: the same redirect, or its status."""
    if exc.location:
        response = redirect(request, exc.location)
    else:
        response = _outbox_page(
            request,
            exc.status_code,
            _("This change was already saved"),
            _("It was saved when it was sent the first time, so it was not saved again."),
        )
    response.headers[idempotency.REPLAYED_HEADER] = "true"
    return response


def _request_id(request: Request) -> str:
    return getattr(request.state, "request_id", "")
