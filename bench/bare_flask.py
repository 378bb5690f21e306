"""The default comparison for bench/sign.py: the same Flask app with one bare inserting route."""
# Served by gunicorn from bench/ (`bare_flask:app`) with the app's own environment. The route
# is added here, never to the app: Flask, Flask-SQLAlchemy's session and one committed INSERT,
# without the form, the checks, the mail or the templates that a signature costs.

import sys
from datetime import UTC, datetime
from pathlib import Path

from flask import redirect, request
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bare_insert import inserts  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import csrf, db  # noqa: E402

app = create_app()


@app.post("/insert")
@csrf.exempt
def bare_insert():
    """Insert the posted e-mail as one row, commit, 303."""
    db.session.execute(insert(inserts).values(email=request.form.get("email", ""), created_at=datetime.now(UTC)))
    db.session.commit()
    return redirect("/done", 303)
