"""`flask signatures export`: the back office's exports, to standard output."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.petitions.models import Drive
from app.staff import exports

signatures = AppGroup("signatures", help="A drive's signatures, as files.")
DAY = click.DateTime(formats=["%Y-%m-%d"])


@signatures.command("export")
@click.option("--drive", "slug", required=True, help="The drive's slug, e.g. sweden-2026.")
@click.option("--profile", type=click.Choice(exports.PROFILES), required=True,
              help="delivery (for a parliament, no e-mail addresses) or supporters (for a CRM, with consent only).")
@click.option("--format", "file_format", type=click.Choice(exports.FORMATS), default="csv", show_default=True)
@click.option("--since", type=DAY, help="Signed on or after this day (YYYY-MM-DD, UTC).")
@click.option("--until", type=DAY, help="Signed on or before this day (YYYY-MM-DD, UTC).")
@click.option("--all", "everyone", is_flag=True, help="Pending signatures too, not only confirmed ones.")
def export(slug, profile, file_format, since, until, everyone):
    """Write a drive's signatures to standard output, after logging the export in the audit log."""
    drive = db.session.scalar(select(Drive).where(Drive.slug == slug))
    if drive is None:
        raise click.ClickException(f"there is no drive {slug}")
    since, until = since and since.date(), until and until.date()
    if since and until and until < since:
        raise click.ClickException("--until cannot come before --since")
    chosen = exports.Export(drive, profile, file_format, since, until, confirmed_only=not everyone)
    exports.record(chosen, actor="command line")
    db.session.commit()
    with click.open_file("-", "wb") as out:
        for piece in exports.stream(chosen):
            out.write(piece)
