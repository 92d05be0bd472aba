"""The Library workflows, over the ingest engine (coach/ingest/): adding uploaded guidance
files (uploads.py: check, copy into the knowledge folder, index), the changes made to the
shared library with their audit trail (changes.py: who added, replaced or removed which
document; removing one), and opening a cited document (opening.py: the ``/source/<source id>``
URL scheme and the lookup of an indexed id to its file inside the library; pages.py: a
Markdown, HTML or text document as a safe page). The Library tab is coach/ui/library_tab.py;
the route that serves documents is coach/ui/sources_route.py."""
