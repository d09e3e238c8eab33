"""gunicorn's settings, read from the folder it is started in (`make run`, bench/).

The command line gives the address and the number of workers; this file only adds what
every worker should do.
"""


#: The access log (`--access-logfile`) shows paths with their tokens and codes redacted.
logger_class = "eventapp.web.access_log.RedactingLogger"


def post_worker_init(worker):
    """Load the printing fonts and stylesheets in the background as soon as a worker is up
    (about a second of work), so the first badge reprinted at the door or programme built
    comes back in a fraction of a second instead of paying for it; then freeze what is
    loaded (below)."""
    import gc
    import threading

    from eventapp.printing.badges import warm_up

    def warm_up_then_freeze():
        warm_up()
        # Fonts, stylesheets, templates and the ORM's structures live as long as the
        # worker: frozen, they are out of the garbage collector's full passes. Such a pass
        # took about 100 ms, and when it fell between a check-in's UPDATE and its COMMIT it
        # held SQLite's write lock as long, so the other worker waited (bench/checkin.py:
        # scan p99 120-145 ms instead of about 25).
        gc.collect()
        gc.freeze()

    threading.Thread(target=warm_up_then_freeze, name="warm-up", daemon=True).start()
