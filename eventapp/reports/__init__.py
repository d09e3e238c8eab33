"""After the event: the signed attendance sheet and the funder report."""
