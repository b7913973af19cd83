"""Run after ``flask db upgrade``: make the tables the app's models declare but the
migrations do not (yet) create, and print their names as JSON. The benchmark records and
prints them: an empty list is the normal case."""
import json

from sqlalchemy import inspect

from server import create_app
from server.extensions import db

app = create_app()
with app.app_context():
    before = set(inspect(db.engine).get_table_names())
    db.create_all()
    after = set(inspect(db.engine).get_table_names())
print(json.dumps(sorted(after - before)))
