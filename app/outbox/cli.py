import logging
import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import InterfaceError, OperationalError

from app.extensions import end_session
from app.outbox.services import work

log = logging.getLogger(__name__)
outbox = AppGroup("outbox", help="Mail waiting to be sent.")


@outbox.command("work")
@click.option("--loop", is_flag=True, help="Keep delivering until stopped (what production runs).")
@click.option("--batch", default=50, show_default=True, help="Messages locked and sent per transaction.")
@click.option("--idle", default=2.0, show_default=True, help="Seconds to wait when nothing is due.")
def work_command(loop, batch, idle):
    """Deliver pending mail; several workers can run side by side on PostgreSQL."""
    while True:
        try:
            sent = work(batch)
        except (OperationalError, InterfaceError) as error:
            if not loop:
                raise
            # The database is restarting: wait and go on. A batch claimed before the failure
            # waits for its lease to run out; a message sent but not yet marked keeps its Message-ID.
            current_app.logger.warning("outbox: database unavailable (%s), retrying", type(error.orig).__name__)
            end_session()
            time.sleep(idle)
            continue
        if sent or not loop:  # a looping worker says nothing while nothing is due
            log.info("outbox delivered", extra={"fields": {"sent": sent}})
        if not loop:
            return
        if not sent:
            time.sleep(idle)
