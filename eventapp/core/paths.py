"""Where the checkout's folders are: templates, static files, migrations, instance."""

from pathlib import Path

#: The project's root folder (the one holding eventapp/, templates/ and static/).
ROOT = Path(__file__).resolve().parent.parent.parent
