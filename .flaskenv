# Read by the flask command only (not by gunicorn): a checkout runs in development.
# Production sets APP_ENV=production and SECRET_KEY in the real environment, which wins.
FLASK_APP=wsgi.py
APP_ENV=development
