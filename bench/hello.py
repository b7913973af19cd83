"""The baseline: a Flask hello-world JSON endpoint, served with the same gunicorn
settings as the real server. Every figure of the benchmark is read against its
requests per second."""
from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello() -> dict:
    return {"hello": "world"}


@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}
