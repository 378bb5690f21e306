"""One number that changes whenever the public data does, so cached pages know they are stale."""

from sqlalchemy import event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.extensions import db


class PublicData:
    """Mixin for rows the public pages are built from: writing one bumps the revision."""


class Revision(db.Model):
    """The single row (id 1) holding the data's revision number."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(default=0)


REVISION = select(Revision.number).where(Revision.id == 1)


def read_one(statement):
    """The first row of a read-only statement, on a bare connection outside any transaction.

    For the hot paths of public pages: no ORM session and no BEGIN/ROLLBACK around the one
    SELECT, which on PostgreSQL halves the round trips of a single read.
    """
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return connection.execute(statement).first()


def read_all(statement):
    """Every row of a read-only statement: on the session's connection while it has a transaction
    open (a page rendered afresh: never a second connection from the pool), else on a bare one."""
    if db.session().in_transaction():
        return db.session.execute(statement).all()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return connection.execute(statement).all()


def current_revision():
    """The data's revision number, bumped by every change."""
    if db.session().in_transaction():  # its connection, rather than a second one from the pool
        return db.session.scalar(REVISION)
    return read_one(REVISION)[0]


@event.listens_for(Session, "before_flush")
def bump_revision(session, flush_context, instances):
    """Any write to public data, by any path, bumps the revision in the same transaction."""
    changed = [*session.new, *session.deleted, *(o for o in session.dirty if session.is_modified(o))]
    if any(isinstance(o, PublicData) for o in changed):
        # Incremented in SQL, under the row's lock, so concurrent writers never share a number.
        session.get(Revision, 1).number = Revision.number + 1
        session.info["revision_bumped"] = True
