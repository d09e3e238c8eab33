"""gunicorn's settings, read from the working directory (`make run`, production).

Command-line options (workers, bind address) still win over these.
"""


def post_worker_init(worker):
    # Fonts and print stylesheets load before the worker takes requests (about a second),
    # so the first badge reprinted at the door is as quick as the next ones.
    from eventapp.printing.badges import warm_up

    warm_up()
