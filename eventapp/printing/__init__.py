"""Printed documents (badges, the programme): WeasyPrint lives only in this package.

render.py is the shared entry point (render_document, render_pdf, join_documents,
write_pdf); fetcher.py limits what a document may read; fonts.py holds the process's fonts.
"""
