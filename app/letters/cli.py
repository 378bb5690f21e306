import click
from flask.cli import AppGroup

from app import audit
from app.extensions import db
from app.letters.importer import LegislatorImportError, import_file

legislators = AppGroup("legislators", help="The legislators letters go to.")


@legislators.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--country", help="ISO code for files that do not name it (Popolo), e.g. SE.")
@click.option("--language", help="Preferred language where the file gives none, e.g. sv.")
def import_command(path, country, language):
    """Import legislators from CSV (see docs/campaigners.md) or Popolo JSON; a bad row changes nothing."""
    try:
        result = import_file(path, country, language)
    except LegislatorImportError as error:
        db.session.rollback()
        raise click.ClickException("\n  ".join(["Nothing was imported; fix these and run again:", *map(str, error.problems)])) from None
    audit.record("legislators.import", f"file:{path}", actor="command line", after={
        "created": result.created, "updated": result.updated, "unchanged": result.unchanged})
    db.session.commit()
    click.echo(f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged")
    if result.skipped:
        click.echo(f"skipped, no e-mail address in the file: {', '.join(result.skipped)}")
