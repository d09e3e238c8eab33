"""Feedback surveys after the event: the organisers' form (services.py), sending it to the
people who came and the reminder (sending.py, tasks.py), answering it through one's own
link (public_views.py) and the results (results.py, charts.py, export.py)."""
