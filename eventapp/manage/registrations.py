"""The organisers' registration desk."""

from . import bp  # noqa: F401  (routes register themselves on bp)
