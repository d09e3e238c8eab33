"""Every URL, its methods and its endpoint name stay as they are when code moves.

tests/snapshots/url_map.txt was written from the app before the code was reorganised by
feature; a change to the URL map must be deliberate: update the snapshot in the same
commit (``python -m tests.test_url_map > tests/snapshots/url_map.txt``).
"""

from pathlib import Path

from flask import Flask

SNAPSHOT = Path(__file__).parent / "snapshots" / "url_map.txt"
IMPLICIT = {"HEAD", "OPTIONS"}


def url_map_lines(app: Flask) -> list[str]:
    """One line per rule: the rule, its methods (without HEAD/OPTIONS) and its endpoint."""
    return sorted(
        f"{rule.rule} {','.join(sorted(set(rule.methods or ()) - IMPLICIT))} {rule.endpoint}"
        for rule in app.url_map.iter_rules()
    )


def test_url_map_matches_the_snapshot(app):
    assert url_map_lines(app) == SNAPSHOT.read_text().splitlines()


if __name__ == "__main__":
    from eventapp import create_app

    print(
        "\n".join(
            url_map_lines(
                create_app(
                    {
                        "SECRET_KEY": "x",
                        "PUBLIC_BASE_URL": "http://localhost",
                        "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    }
                )
            )
        )
    )
