"""The task queue (Huey) every feature hands background work to: the app's Huey, how it
is configured (tasks.py) and the `worker` command that runs it (worker.py)."""
