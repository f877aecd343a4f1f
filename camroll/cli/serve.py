"""``camroll serve``: the web app, on this computer only unless told otherwise.

Bound to 127.0.0.1 by default, it asks for no password (the person at the keyboard is the
user). ``--allow-remote`` turns on login, whatever the address (it is also what a reverse proxy
on this machine needs), and any address other than loopback requires it: the first start asks
for an admin name and password on the terminal, ``--add-user NAME`` adds people (a new password
ends that person's open sessions); each gets a library of their own under ``<home>/users/<name>``.

In every mode the server answers only to the loopback names, the ``--host`` address and the
``--allow-host`` names (a page elsewhere cannot rebind its own name to this computer), and the
scan form accepts only folders below a scan root (``--scan-root``, or, without login, a folder
``camroll scan`` started from). ``--tls-cert``/``--tls-key`` make it speak HTTPS (the session
cookie is then ``Secure``); plain HTTP on an address other than loopback is warned about.
"""

from __future__ import annotations

import ipaddress
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from camroll.cli.common import HomeOption, app, fail, shown
from camroll.config import Config


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _ask_password(console: Console, name: str) -> str:
    while True:
        password = typer.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)
        if len(password) >= 8:
            return str(password)
        console.print("[red]A password needs at least 8 characters.[/]")


def _tls_files(cert: Path | None, key: Path | None) -> dict[str, Any]:
    """uvicorn's TLS arguments, after checking both files are given and readable."""
    if cert is None and key is None:
        return {}
    if cert is None or key is None:
        fail("--tls-cert and --tls-key go together: give the certificate and its private key.")
    for what, path in (("certificate", cert), ("private key", key)):
        if not path.is_file():
            fail(f"The TLS {what} {path} is not a file.")
    return {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}


@app.command("serve")
def serve_cmd(
    home: HomeOption = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on. Anything but loopback needs --allow-remote.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote", help="Let other computers in (directly or through a proxy): always turns on login."
        ),
    ] = False,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            help="A host name browsers may use to reach the server, besides loopback and --host (repeatable).",
        ),
    ] = None,
    add_user: Annotated[
        str | None, typer.Option("--add-user", help="Add a web user (asks for a password), then exit.")
    ] = None,
    scan_root: Annotated[
        list[Path] | None, typer.Option("--scan-root", help="A folder the web's scan form may scan below (repeatable).")
    ] = None,
    tls_cert: Annotated[
        Path | None, typer.Option("--tls-cert", help="Serve HTTPS with this certificate (PEM); needs --tls-key.")
    ] = None,
    tls_key: Annotated[Path | None, typer.Option("--tls-key", help="The certificate's private key (PEM).")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes for scans and analyses started from the web.")
    ] = None,
    upload_dir: Annotated[
        Path | None,
        typer.Option(
            "--upload-dir",
            help="Let phones send photos here (an upload page at /upload/, with --allow-remote): "
            "they land in DIR/YYYY/MM/ and are catalogued at once.",
        ),
    ] = None,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="While serving, keep the library's folders catalogued as `camroll watch` does "
            "(each change is a job of the library, in the same queue as the web's).",
        ),
    ] = False,
) -> None:
    """Serve the web app: consent, library, people, places, moments, search, report."""
    import uvicorn

    from camroll.web.app import create_app
    from camroll.web.security import HostPolicy, SecurityError, Users
    from camroll.web.sessions import Logins

    console = Console()
    config = Config(home=home) if home else Config()
    if workers:
        config.workers = workers
    users = Users(config.home)
    if add_user is not None:
        name = add_user.strip().lower()
        try:
            users.add(name, _ask_password(console, add_user))
        except SecurityError as e:
            fail(str(e))
        ended = Logins(config.home / "web" / "sessions.db", time.time)
        try:
            gone = ended.end_user(name)  # a new password: whoever held the old one is logged out
        finally:
            ended.close()
        console.print(
            f"Added {shown(name)}. Their library is {shown(str(config.home / 'users' / name))}."
            + (f" Ended {gone} open session(s)." if gone else ""),
            highlight=False,
        )
        return
    remote = not is_loopback(host)
    if remote and not allow_remote:
        fail(
            f"Refusing to listen on {host}: other computers could reach your photos. "
            "Add --allow-remote to do it anyway (a login is then required)."
        )
    login = allow_remote  # whatever --host is: a proxy on loopback carries other computers' requests
    try:
        hosts = HostPolicy.for_server(host, allow_host or ())
    except SecurityError as e:
        fail(str(e))
    roots = tuple(scan_root or ())
    for root in roots:
        if not root.is_dir():
            fail(f"The scan root {root} is not a folder.")
    tls = _tls_files(tls_cert, tls_key)
    if upload_dir is not None:
        if not allow_remote:
            fail("--upload-dir needs --allow-remote: a phone on the network sends photos, and must log in.")
        upload_dir = upload_dir.expanduser()
        try:
            upload_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            fail(f"Cannot use {upload_dir} for uploads: {e.strerror}.")
    if login and not users.names():
        console.print("First start with login: create the first user.")
        first = str(typer.prompt("Name")).strip().lower()
        try:
            users.add(first, _ask_password(console, first))
        except SecurityError as e:
            fail(str(e))
    web = create_app(
        config,
        login=login,
        scan_roots=roots,
        bind_host=host,
        allow_hosts=allow_host or (),
        secure_cookies=bool(tls),
        upload_dir=upload_dir,
    )
    if remote and not tls:
        console.print(
            f"[yellow]Warning:[/] plain HTTP on {shown(host)}: passwords, cookies and photos cross the "
            "network unencrypted. Give --tls-cert and --tls-key, or put a reverse proxy with HTTPS in "
            "front (and serve on 127.0.0.1 with --allow-remote --allow-host NAME).",
            highlight=False,
        )
    if host in ("0.0.0.0", "::") and not allow_host:
        console.print(
            "[yellow]Note:[/] only the loopback names are accepted in the address bar; add --allow-host "
            "NAME for the name or address other computers use to reach this one.",
            highlight=False,
        )
    address = f"[{host}]" if ":" in host else host
    scheme = "https" if tls else "http"
    console.print(
        f"camroll is at [bold]{scheme}://{shown(address)}:{port}/[/]"
        + (" (login required)" if login else "")
        + (f"  phones upload at {scheme}://{shown(address)}:{port}/upload/" if upload_dir else "")
        + f"  library: {shown(str(config.home))}  names: {shown(', '.join(sorted(hosts.names)))}"
        + "  (Ctrl-C stops it)",
        highlight=False,
    )
    watching = None
    if watch:  # a thread of this process; its bursts wait in the library's one job queue
        from camroll.cli.watch import BackgroundWatch
        from camroll.web.security import LOCAL_USER, user_home

        people = sorted(users.names()) if login else [LOCAL_USER]
        libraries = [
            (
                Config(home=user_home(config.home, p), workers=config.workers),
                "watch" if p == LOCAL_USER else f"watch:{p}",
            )
            for p in people
        ]
        watching = BackgroundWatch(libraries, lambda line: console.print(shown(line), highlight=False))
        watching.start()
    try:
        uvicorn.run(web, host=host, port=port, log_level="warning", access_log=False, **tls)
    finally:
        if watching is not None:
            watching.stop()
