import click
from flask import current_app
from flask.cli import AppGroup

from app.treaties.loader import LoadError, load

data = AppGroup("data", help="Treaty, case and moratorium data.")


@data.command("load")
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="Defaults to data/.")
def load_command(directory):
    """Validate data/*.csv and upsert it in one transaction; a bad row changes nothing."""
    try:
        tallies = load(directory or current_app.config["DATA_DIR"])
    except LoadError as error:
        click.echo("Nothing was loaded; fix these rows and run again:", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1) from None
    for name, tally in tallies.items():
        click.echo(f"{name}: {tally.created} created, {tally.updated} updated, {tally.unchanged} unchanged")
