"""WSGI entry for Kinto under gunicorn (runs inside Kinto's own virtual environment)."""
import logging.config
import os

from pyramid.paster import get_app

_ini = os.environ["KINTO_INI"]
logging.config.fileConfig(_ini, disable_existing_loggers=False)
app = get_app(_ini, "main")
