import time

import click
from flask.cli import AppGroup

from app.outbox.services import work

outbox = AppGroup("outbox", help="Mail waiting to be sent.")


@outbox.command("work")
@click.option("--loop", is_flag=True, help="Keep delivering until stopped (what production runs).")
@click.option("--batch", default=50, show_default=True, help="Messages locked and sent per transaction.")
@click.option("--idle", default=2.0, show_default=True, help="Seconds to wait when nothing is due.")
def work_command(loop, batch, idle):
    """Deliver pending mail; several workers can run side by side on PostgreSQL."""
    while True:
        sent = work(batch)
        click.echo(f"sent {sent}")
        if not loop:
            return
        if not sent:
            time.sleep(idle)
