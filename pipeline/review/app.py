"""The review web app (Starlette + Jinja2, one small script for the keyboard, no CDN).

Safety: names and contexts come from untrusted documents, so every template value is escaped
(Jinja2 autoescape) and the Content-Security-Policy allows only this server's own script and
style files. Requests whose Host or Origin is not this server are refused (a DNS-rebinding page
could otherwise reach 127.0.0.1). Every POST carries a token made when the app starts. Only the
dataset folder and the registry named on the command line are ever read or written: no path
comes from a request.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import socket
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from pipeline.names.entity import ENTITY_TYPES
from pipeline.names.registry import RegistryError
from pipeline.names.review import REVIEW_STATUSES
from pipeline.publish.charts import read_charts
from pipeline.review.actions import Reviewer
from pipeline.review.corpus import STATUS_ORDER, Corpus, select, summary

PAGE_GROUPS = 40
# A page number as a person types it: ASCII digits, few of them (int() of 5,000 digits or of "²" raises).
_PAGE = re.compile(r"[0-9]{1,9}")
# Who a browser is (for its own Undo), and, when serving beyond this machine, that it was given the token.
REVIEWER_COOKIE = "reviewer"
TOKEN_COOKIE = "review_token"
# The page's buttons for one spelling, and the status each gives it.
SPELLING_STATUSES = {"accept": "accepted", "reject": "rejected", "not-a-name": "not_a_name"}
STATIC = Path(__file__).parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: under it a browser sends `Origin: null` with a form, which the Origin check refuses.
    "Referrer-Policy": "same-origin",
}


class SameOriginOnly:
    """Refuse requests whose Host is not one of ours, and cross-site requests (a foreign Origin).

    With `token` (serving beyond this machine, where any Host can be sent: `Host: 0.0.0.0:P`),
    every request must carry the token instead: in the URL the server printed (`?token=`), then
    in the cookie that first visit sets.
    """

    def __init__(self, app: ASGIApp, hosts: set[str], token: str | None = None) -> None:
        self.app, self.hosts, self.token = app, hosts, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        host, origin = request.headers.get("host", ""), request.headers.get("origin")
        hosts = {host} if self.token else self.hosts
        if host not in hosts:
            await PlainTextResponse("forbidden: unknown Host", status_code=403)(scope, receive, send)
            return
        if origin is not None and origin not in {f"http://{name}" for name in hosts}:
            await PlainTextResponse("forbidden: cross-site request", status_code=403)(scope, receive, send)
            return
        if self.token is not None:
            given = request.query_params.get("token") or request.cookies.get(TOKEN_COOKIE, "")
            if not secrets.compare_digest(given.encode(), self.token.encode()):
                await PlainTextResponse("forbidden: open the address with ?token= that the server printed", status_code=403)(
                    scope, receive, send
                )
                return
            if request.query_params.get("token"):
                response = RedirectResponse("/", status_code=303)  # the token leaves the address bar
                response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class ReviewApp:
    def __init__(self, dataset: Path, registry: Path) -> None:
        self.dataset, self.registry = dataset, registry
        self.corpus = Corpus(dataset, registry)
        self.reviewer = Reviewer(dataset, registry)
        self.token = secrets.token_urlsafe(32)
        self.message: tuple[str, bool] = ("", False)  # the last action's result, and whether it failed
        # Each browser's own Undo: one reviewer's Undo never reverts another's decision.
        self.histories: dict[str, list[Any]] = {}
        self.templates = Environment(loader=PackageLoader("pipeline.review", "templates"), autoescape=True)

    async def page(self, request: Request) -> Response:
        self.corpus.refresh()
        params = request.query_params
        filters = {key: params.get(key, "") for key in ("status", "type", "outlet", "q")}
        groups = select(self.corpus.groups, filters["status"], filters["type"], filters["outlet"], filters["q"])
        pages = max(1, -(-len(groups) // PAGE_GROUPS))
        asked = params.get("page", "1")
        page = min(max(1, int(asked) if _PAGE.fullmatch(asked) else 1), pages)
        shown = groups[(page - 1) * PAGE_GROUPS : page * PAGE_GROUPS]
        self.corpus.fill_contexts([spelling for group in shown for spelling in group.spellings])
        html = self.templates.get_template("page.html").render(
            dataset=self.dataset,
            registry=self.registry,
            groups=shown,
            total=summary(self.corpus.groups),
            matching=len(groups),
            page=page,
            pages=pages,
            filters=filters,
            back=urlencode({key: value for key, value in {**filters, "page": str(page)}.items() if value}),
            query=lambda **changes: urlencode({k: v for k, v in {**filters, "page": str(page), **changes}.items() if v}),
            statuses=sorted({*REVIEW_STATUSES, "new"}, key=lambda s: STATUS_ORDER.get(s, 9)),
            types=ENTITY_TYPES,
            outlets=sorted({outlet for group in self.corpus.groups for outlet in group.outlets}),
            entities=self.corpus.entity_choices(),
            charts=read_charts(self.dataset),
            token=self.token,
            message=self.message,
            can_undo=bool(self.histories.get(request.cookies.get(REVIEWER_COOKIE, ""))),
        )
        return _with_reviewer(request, HTMLResponse(html, headers=SECURITY_HEADERS))

    async def action(self, request: Request) -> Response:
        form = await request.form()
        fields = {key: str(value) for key, value in form.items()}
        if not secrets.compare_digest(fields.get("token", ""), self.token):
            return PlainTextResponse("forbidden: this page is out of date or not ours; reload it", status_code=403)
        reviewer = request.cookies.get(REVIEWER_COOKIE) or secrets.token_urlsafe(16)
        self.reviewer.history = self.histories.setdefault(reviewer, [])
        try:
            self.message = (self._do(fields), False)
        except RegistryError as error:
            self.message = (f"not saved: {error}", True)
        anchor = f"#g-{fields['anchor']}" if fields.get("anchor") else ""
        response = RedirectResponse(f"/?{fields.get('back', '')}{anchor}", status_code=303)
        response.set_cookie(REVIEWER_COOKIE, reviewer, httponly=True, samesite="strict")
        return response

    def _do(self, fields: dict[str, str]) -> str:
        action = fields.get("action", "")
        entity_id, variant = fields.get("entity_id", ""), fields.get("variant", "")
        target = fields.get("target", "").strip()
        if action in SPELLING_STATUSES:
            return self.reviewer.decide_spelling(variant, entity_id, SPELLING_STATUSES[action])
        if action in ("accept-group", "reject-group"):
            return self.reviewer.decide_group(entity_id, "accepted" if action == "accept-group" else "rejected")
        if action == "move":
            return self.reviewer.decide_spelling(variant, entity_id, "accepted", self._entity_id(target))
        if action == "split":
            return self.reviewer.split(variant, entity_id)
        if action == "rename":
            return self.reviewer.rename(entity_id, fields.get("canonical", ""), fields.get("type", ""))
        if action == "merge":
            return self.reviewer.merge(entity_id, self._entity_id(target))
        if action == "undo":
            return self.reviewer.undo()
        raise RegistryError(f"unknown action {action!r}")

    def _entity_id(self, text: str) -> str:
        """An entity typed in the search box: its id, or the id shown before its canonical name."""
        return text.split(" — ", 1)[0].strip()

    async def chart(self, request: Request) -> Response:
        # Only the files the chart index lists, inside the dataset folder: no path from the request.
        files = {Path(chart.file).name: chart.file for chart in read_charts(self.dataset) if not chart.missing}
        name = request.path_params["name"]
        # The index is a file of the dataset, which anyone may have written: `../../etc/hostname`
        # must not lead out of the charts folder.
        folder = (self.dataset / "charts").resolve()
        path = (self.dataset / files[name]).resolve() if name in files else None
        if path is None or not path.is_relative_to(folder) or not path.is_file():
            return PlainTextResponse("no such chart", status_code=404)
        return FileResponse(path, media_type="image/png")


def _with_reviewer(request: Request, response: Response) -> Response:
    if not request.cookies.get(REVIEWER_COOKIE):
        response.set_cookie(REVIEWER_COOKIE, secrets.token_urlsafe(16), httponly=True, samesite="strict")
    return response


def create_app(dataset: Path, registry: Path, hosts: set[str], url_token: str | None = None) -> Starlette:
    """The app; `url_token`: serving beyond this machine, every request must carry this token."""
    review = ReviewApp(dataset, registry)
    app = Starlette(
        routes=[
            Route("/", review.page),
            Route("/action", review.action, methods=["POST"]),
            Route("/charts/{name}", review.chart),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ]
    )
    app.add_middleware(SameOriginOnly, hosts=hosts, token=url_token)
    app.state.review = review
    return app


def allowed_hosts(host: str, port: int) -> set[str]:
    names = {host, "localhost", "127.0.0.1"} if host in ("127.0.0.1", "localhost") else {host}
    return {f"{name}:{port}" for name in names} | ({f"[{host}]:{port}"} if ":" in host else set())


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may name any address
        return False


def serve(
    dataset: Path, registry: Path, host: str = "127.0.0.1", port: int = 8765, announce: Any = None, allow_remote: bool = False
) -> None:
    """Serve the page until Ctrl-C; the socket is bound first, so port 0 picks a free port.

    Only this machine may reach the page unless `allow_remote`; then the address printed carries
    a token, and a request without it is refused (the page can change the registry).
    """
    import uvicorn

    remote = not is_loopback(host)
    if remote and not allow_remote:
        raise OSError(
            f"{host} can be reached from other machines, and the page can change the registry: "
            "serve on 127.0.0.1 (the default), or pass --allow-remote to serve there with a token in the address"
        )
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    port = sock.getsockname()[1]
    url_token = secrets.token_urlsafe(32) if remote else None
    app = create_app(dataset, registry, allowed_hosts(host, port), url_token)
    address = f"http://{'[' + host + ']' if ':' in host else host}:{port}/" + (f"?token={url_token}" if url_token else "")
    print(f"review: {address}  (dataset {dataset}, registry {registry}; Ctrl-C stops)", file=announce or sys.stdout, flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    server.run(sockets=[sock])
