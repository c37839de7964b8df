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
import time
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
from pipeline.names.registry.review import REVIEW_STATUSES
from pipeline.publish.charts import read_charts
from pipeline.review.actions import Reviewer
from pipeline.review.corpus import SORTS, STATUS_ORDER, Corpus, Group, changes_since_the_run, select, sort_groups, summary

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
        # Each group's decisions in this session, oldest first: (time, what was done, its result).
        self.history: dict[str, list[tuple[str, str, str]]] = {}
        self.templates = Environment(loader=PackageLoader("pipeline.review", "templates"), autoescape=True)

    async def page(self, request: Request) -> Response:
        self.corpus.refresh()
        params = request.query_params
        filters = {key: params.get(key, "") for key in ("status", "type", "outlet", "q", "sort")}
        groups = select(self.corpus.groups, filters["status"], filters["type"], filters["outlet"], filters["q"])
        groups = sort_groups(groups, filters["sort"])
        pages = max(1, -(-len(groups) // PAGE_GROUPS))
        asked = params.get("page", "1")
        page = min(max(1, int(asked) if _PAGE.fullmatch(asked) else 1), pages)
        shown = groups[(page - 1) * PAGE_GROUPS : page * PAGE_GROUPS]
        self.corpus.fill_groups(shown)
        message, self.message = self.message, ("", False)  # said once, not on every later page load
        html = self.templates.get_template("page.html").render(
            dataset=self.dataset,
            registry=self.registry,
            groups=shown,
            total=summary(self.corpus.groups),
            changes=changes_since_the_run(self.corpus.groups),
            sorts=SORTS,
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
            message=message,
            following=following_rows(shown),
            focus=(params.get("at", ""), params.get("row", "")),
            can_undo=bool(self.histories.get(request.cookies.get(REVIEWER_COOKIE, ""))),
            history=self.history,
        )
        return _with_reviewer(request, HTMLResponse(html, headers=SECURITY_HEADERS))

    async def action(self, request: Request) -> Response:
        form = await request.form()
        fields = {key: str(value) for key, value in form.items()}
        selected = [str(value) for value in form.getlist("selected")]
        if not secrets.compare_digest(fields.get("token", ""), self.token):
            return PlainTextResponse("forbidden: this page is out of date or not ours; reload it", status_code=403)
        reviewer = request.cookies.get(REVIEWER_COOKIE) or secrets.token_urlsafe(16)
        self.reviewer.history = self.histories.setdefault(reviewer, [])
        self.reviewer.registered = {}
        try:
            self.message = (self._do(fields, selected), False)
        except RegistryError as error:
            self.message = (f"not saved: {error}", True)
        self._remember(fields, selected)
        # Back where the reviewer was: the row after the one just decided gets the focus (j/a/j/a),
        # under its registry id if accepting its proposed group just gave it one.
        anchor_id = self.reviewer.registered.get(fields.get("anchor", ""), fields.get("anchor", ""))
        fields["anchor"] = anchor_id
        at = {"at": anchor_id, "row": fields.get("row", "")} if anchor_id else {}
        query = "&".join(part for part in (fields.get("back", ""), urlencode(at)) if part)
        anchor = f"#g-{fields['anchor']}" if fields.get("anchor") else ""
        response = RedirectResponse(f"/?{query}{anchor}", status_code=303)
        response.set_cookie(REVIEWER_COOKIE, reviewer, httponly=True, samesite="strict")
        return response

    def _remember(self, fields: dict[str, str], selected: list[str]) -> None:
        """The action in its groups' histories: the group it was made in, the group a spelling
        moved or merged into, the registry id a proposed group became."""
        action, entity_id = fields.get("action", ""), fields.get("entity_id", "")
        spellings = selected or ([fields["variant"]] if fields.get("variant") else [])
        what = action.replace("-", " ") + (" " + ", ".join(repr(s) for s in spellings) if spellings else "")
        if fields.get("target"):
            what += f" → {fields['target'].split(' — ', 1)[0]}"
        entry = (time.strftime("%H:%M:%S"), what, self.message[0])
        try:
            target = self.reviewer.entity_for(fields["target"]) if fields.get("target") else ""
        except RegistryError:  # a registry that no longer reads: the action said so already
            target = ""
        groups = {entity_id, self.reviewer.registered.get(entity_id, ""), target}
        for group in groups - {""}:
            self.history.setdefault(group, []).append(entry)

    def _do(self, fields: dict[str, str], selected: list[str]) -> str:
        action = fields.get("action", "")
        entity_id, variant = fields.get("entity_id", ""), fields.get("variant", "")
        target = fields.get("target", "").strip()
        if action in SPELLING_STATUSES:
            return self.reviewer.decide_spelling(variant, entity_id, SPELLING_STATUSES[action])
        if action in ("accept-group", "reject-group"):
            return self.reviewer.decide_group(entity_id, "accepted" if action == "accept-group" else "rejected")
        if action == "move":
            return self.reviewer.decide_spelling(variant, entity_id, "accepted", self.reviewer.entity_for(target))
        if action == "split":
            return self.reviewer.split(variant, entity_id)
        if action == "move-selected":
            return self.reviewer.decide_spellings(selected, entity_id, "accepted", self.reviewer.entity_for(target))
        if action == "split-selected":
            return self.reviewer.split_many(selected, entity_id)
        if action == "rename":
            return self.reviewer.rename(entity_id, fields.get("canonical", ""), fields.get("type", ""))
        if action == "merge":
            return self.reviewer.merge(entity_id, self.reviewer.entity_for(target))
        if action == "undo":
            return self.reviewer.undo()
        raise RegistryError(f"unknown action {action!r}")

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


def following_rows(groups: list[Group]) -> dict[tuple[str, str], tuple[str, str]]:
    """(entity id, variant) of each row on the page -> the row to go on with after deciding it:
    the next open one below it, else the first open one above (a/a/a works through the open work
    wherever the page put it), else the next row, else itself."""
    rows = [(group.entity_id, spelling.variant) for group in groups for spelling in group.spellings]
    is_open = [spelling.status in ("new", "pending") for group in groups for spelling in group.spellings]
    open_indexes = [index for index, flag in enumerate(is_open) if flag]
    following: dict[tuple[str, str], tuple[str, str]] = {}
    position = 0  # into open_indexes: the first open row after the current one
    for index, row in enumerate(rows):
        while position < len(open_indexes) and open_indexes[position] <= index:
            position += 1
        later = open_indexes[position] if position < len(open_indexes) else next((i for i in open_indexes if i != index), None)
        following[row] = rows[later] if later is not None else rows[min(index + 1, len(rows) - 1)]
    return following


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
    """Serve the page until Ctrl-C; the socket is bound and listening first, so port 0 picks a free
    port and the address printed takes connections at once.

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
    # Listening before the address is printed: a browser opened on it at once waits in the
    # backlog while uvicorn starts, instead of being refused (seen on a loaded machine).
    sock.listen(128)
    port = sock.getsockname()[1]
    url_token = secrets.token_urlsafe(32) if remote else None
    app = create_app(dataset, registry, allowed_hosts(host, port), url_token)
    address = f"http://{'[' + host + ']' if ':' in host else host}:{port}/" + (f"?token={url_token}" if url_token else "")
    print(f"review: {address}  (dataset {dataset}, registry {registry}; Ctrl-C stops)", file=announce or sys.stdout, flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    server.run(sockets=[sock])
