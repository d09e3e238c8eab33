"""A command starts the whole app: the libraries that take long to import and serve one
feature are imported where that feature needs them, not by every process
(CONTRIBUTING.md, "Layout"). Checked in a fresh interpreter, as a command starts."""

import json
import os
import subprocess
import sys

#: Imported by the functions that use them (Alembic: only `flask db`).
LAZY = (
    "alembic",
    "flask_migrate",
    "faker",
    "cryptography.x509",
    "icalendar",
    "markdown_it",
    "email_validator",
    "zxcvbn",
    "openpyxl",
    # Huey when a task is first used (eventapp/queue/tasks.py); its storage module imports
    # the Redis and PostgreSQL drivers.
    "huey",
    "redis",
    "psycopg",
)

SCRIPT = """
import json, sys
from eventapp import create_app
app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
app.cli.get_command(None, "badges")
print(json.dumps(sorted(sys.modules)))
"""


def test_starting_the_app_imports_no_library_only_one_feature_needs(tmp_path):
    env = {**os.environ, "EVENTAPP_INSTANCE_PATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert [name for name in LAZY if name in loaded] == []
    assert "flask_sqlalchemy" in loaded  # the check sees what the app imports
