"""Jobs: long runs (badge runs, certificates, exports, imports, bulk e-mails) done by the
task queue's workers, with a page that shows their progress, lets an organiser cancel
them and serves their result for 24 hours.

Features register their own kinds of job (registry.py) and start them through
services.start_job; jobs/ imports no feature."""
