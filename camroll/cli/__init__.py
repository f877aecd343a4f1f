"""The camroll command line: one command per thing a person wants to do.

Every listing takes ``--json`` for scripts; long work shows a Rich progress bar with its rate and
time left, and ends with a summary in plain words. Each module here holds the commands of one
area and registers them on the one Typer ``app`` (or on a sub-app added below).
"""

from camroll.cli import (  # noqa: F401 - importing registers their commands
    analysis,
    consent,
    export,
    jobs,
    library,
    make_images,
    make_video,
    moments,
    remove,
    report,
    retention,
    search,
    serve,
    share,
)
from camroll.cli.audit import audit_app
from camroll.cli.common import app
from camroll.cli.make import make_app
from camroll.cli.people import people_app

app.add_typer(people_app, name="people")
app.add_typer(audit_app, name="audit")
app.add_typer(make_app, name="make")


def main() -> None:
    """``camroll``: run the app. A :class:`~camroll.errors.CamrollError` is caught once, inside the
    app's own group (:class:`~camroll.cli.common.CamrollGroup`, which every command runs in),
    rather than around this call, so that a test driving ``app`` with ``CliRunner`` sees the
    same message and exit status a person does."""
    app()


__all__ = ["app", "main"]
