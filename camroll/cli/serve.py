"""``camroll serve``: the web app, on this computer only unless told otherwise.

Bound to 127.0.0.1 by default, it asks for no password (the person at the keyboard is the
user). Any other address needs ``--allow-remote`` and turns on login: the first start asks for an
admin name and password on the terminal, ``--add-user NAME`` adds people; each gets a library of
their own under ``<home>/users/<name>``.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from camroll.cli.common import HomeOption, app
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


@app.command("serve")
def serve_cmd(
    home: HomeOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on. Anything but loopback needs --allow-remote.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    allow_remote: Annotated[bool, typer.Option("--allow-remote", help="Allow a non-loopback address; turns on login.")] = False,
    add_user: Annotated[str | None, typer.Option("--add-user", help="Add a web user (asks for a password), then exit.")] = None,
    scan_root: Annotated[list[Path] | None, typer.Option("--scan-root", help="With login: a folder users may scan below (repeatable).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes for scans and analyses started from the web.")] = None,
) -> None:
    """Serve the web app: consent, library, people, places, moments, search, report."""
    import uvicorn

    from camroll.web.app import create_app
    from camroll.web.security import SecurityError, Users

    console = Console()
    config = Config(home=home) if home else Config()
    if workers:
        config.workers = workers
    users = Users(config.home)
    if add_user is not None:
        try:
            users.add(add_user.strip().lower(), _ask_password(console, add_user))
        except SecurityError as e:
            console.print(f"[red]{e}[/]")
            raise typer.Exit(2) from None
        console.print(f"Added {add_user}. Their library is {config.home / 'users' / add_user.strip().lower()}.")
        return
    login = not is_loopback(host)
    if login and not allow_remote:
        console.print(f"[red]Refusing to listen on {host}:[/] other computers could reach your photos. "
                      "Add --allow-remote to do it anyway (a login is then required).")  # fmt: skip
        raise typer.Exit(2)
    if login and not users.names():
        console.print("First start with login: create the first user.")
        name = str(typer.prompt("Name")).strip().lower()
        try:
            users.add(name, _ask_password(console, name))
        except SecurityError as e:
            console.print(f"[red]{e}[/]")
            raise typer.Exit(2) from None
    web = create_app(config, login=login, scan_roots=tuple(scan_root or ()))
    shown = f"[{host}]" if ":" in host else host
    console.print(f"camroll is at [bold]http://{shown}:{port}/[/]" + (" (login required)" if login else "")
                  + f"  library: {config.home}  (Ctrl-C stops it)")  # fmt: skip
    uvicorn.run(web, host=host, port=port, log_level="warning", access_log=False)
