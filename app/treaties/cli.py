import click
from flask import current_app
from flask.cli import AppGroup

from app import audit
from app.extensions import db
from app.treaties.loader import LoadError, load
from app.treaties.texts import update_catalogs

data = AppGroup("data", help="Treaty, case and moratorium data.")


@data.command("load")
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="Defaults to data/.")
@click.option("--prune", is_flag=True, help="Delete rows that are no longer in the files.")
def load_command(directory, prune):
    """Validate data/*.csv and upsert it in one transaction; a bad row changes nothing."""
    try:
        tallies = load(directory or current_app.config["DATA_DIR"], prune)
    except LoadError as error:
        db.session.rollback()
        raise click.ClickException("\n  ".join(["Nothing was loaded; fix these rows and run again:", *map(str, error.problems)])) from None
    audit.record("data.load", f"dir:{directory or 'data/'}", actor="command line", after={
        name: {"created": t.created, "updated": t.updated, "pruned": len(t.absent) if t.pruned else 0}
        for name, t in tallies.items()})
    db.session.commit()
    for name, tally in tallies.items():
        click.echo(f"{name}: {tally.created} created, {tally.updated} updated, {tally.unchanged} unchanged")
        if tally.absent:
            verb = "deleted" if tally.pruned else "kept (use --prune to delete)"
            click.echo(f"  in the database but not in the file, {verb}: {', '.join(tally.absent)}")


@data.command("catalogs")
@click.argument("template", type=click.Path(exists=True, dir_okay=False))
def catalogs_command(template):
    """Merge the data template (from `make extract`) into every locale's data.po."""
    update_catalogs(template, current_app.config["BABEL_TRANSLATION_DIRECTORIES"])
