import click
import yaml
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

from app import audit
from app.extensions import db
from app.petitions.drivefile import DriveFileError, apply, parse

drives = AppGroup("drives", help="Country drives: their petitions, goals and dates.")


def run(path, creating):
    try:
        with open(path, encoding="utf-8") as handle:
            spec = parse(yaml.safe_load(handle))
        drive = apply(spec, creating)
        audit.record("drive.create" if creating else "drive.update", f"drive:{drive.slug}",
                     after={"file": str(path), "state": str(drive.state)}, actor="command line")
        db.session.commit()
    except (DriveFileError, yaml.YAMLError) as error:
        db.session.rollback()
        raise click.ClickException(f"{path}: {error}") from None
    except IntegrityError:
        db.session.rollback()
        raise click.ClickException(f"{path}: a drive with this slug already exists") from None
    click.echo(f"drive {drive.slug}: {drive.state}, {', '.join(sorted(t.locale for t in drive.texts))}")


@drives.command("create")
@click.option("--file", "path", required=True, type=click.Path(exists=True, dir_okay=False))
def create(path):
    """Create a drive from a YAML file (see docs/campaigners.md for an example)."""
    run(path, creating=True)


@drives.command("update")
@click.option("--file", "path", required=True, type=click.Path(exists=True, dir_okay=False))
def update(path):
    """Update the drive named by the file's slug; texts not in the file are kept."""
    run(path, creating=False)
