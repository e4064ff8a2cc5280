"""`cdw docs`: generate the dbt docs of this home's warehouse and serve them (the analysts' catalogue).

dbt runs through :func:`core.dbt.run_dbt` (the profile, the build warehouse of ``CDW_HOME``, the
per-home target folder), so no environment variable or flag is needed. The site's home page, the
exposures (dashboard pages, syncs) and owners come from ``python -m dashboard.catalog``.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
from typing import Annotated

import typer
from rich.console import Console

from core.dbt import DbtError, run_dbt
from core.settings import get_paths

console = Console()


def docs(
    port: Annotated[int, typer.Option(help="Port for the docs site.")] = 8080,
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0: the network).")] = "127.0.0.1",
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the site after generating it.")] = True,
) -> None:
    """Generate the dbt docs (models, columns, metrics, exposures, owners) and serve them.

    Relations show as the build warehouse names them (build.marts.<name>); analysts query the same
    table as analytics.<name> in the serving copy (the site's home page says so).
    """
    paths = get_paths()
    if not paths.build_db.exists():
        console.print(f"[bold red]error:[/] no build warehouse at {paths.build_db}\n"
                      "[yellow]next:[/] run `make demo` (or `cdw run`) first")
        raise typer.Exit(code=1)
    target = paths.home / "dbt" / "docs"
    try:
        result = run_dbt(paths, ["docs", "generate"], target_path=target)
    except DbtError as exc:
        console.print(f"[bold red]error:[/] {exc}\n[yellow]next:[/] wait for a running `cdw run` to finish, "
                      "or fix the model named above")
        raise typer.Exit(code=1) from None
    if not result.success or not (target / "index.html").exists():
        console.print("[bold red]error:[/] dbt docs generate failed; `cdw build` shows why")
        raise typer.Exit(code=1)
    console.print(f"[green]✓[/] dbt docs generated in {target} ({result.seconds:.1f}s)")
    if not serve:
        return
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(target))
    with http.server.ThreadingHTTPServer((host, port), handler) as server:
        console.print(f"[bold]dbt docs[/] on http://{host}:{port}  (Ctrl-C to stop)")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
