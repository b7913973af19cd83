"""The app with the test-only note domain, for a server process the crash test kills.

``gunicorn proof_wsgi:app`` (with ``tests/sync`` on ``PYTHONPATH``). The product's
``wsgi.py`` registers no mutator yet that a test can drive freely, and the server has no
hook to load extra sync handlers from the environment, so the crash test serves this.
"""
from proof_support import install_proof_domain

from server import create_app

app = install_proof_domain(create_app())
