"""HTTP helpers shared by every feature: the public base URL, security headers, the
access log's redaction."""
