"""gunicorn's settings, read from the folder it is started in (`make run`, bench/).

The command line gives the address and the number of workers; this file only adds what
every worker should do.
"""


def post_worker_init(worker):
    """Load the printing fonts and stylesheets in the background as soon as a worker is up
    (about a second of work), so the first badge reprinted at the door or programme built
    comes back in a fraction of a second instead of paying for it."""
    from eventapp.printing.badges import warm_up_in_background

    warm_up_in_background()
