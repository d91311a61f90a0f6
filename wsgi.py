"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from centre import create_app

app = create_app()
