"""Error pages that look like the rest of the site."""

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        wants_json = request.accept_mimetypes.best == "application/json"
        if request.path.startswith("/healthz") or wants_json:
            return {"error": error.name, "status": error.code}, error.code
        return render_template("errors/error.html", error=error), error.code
