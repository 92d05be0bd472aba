"""The Library workflows, over the ingest engine (coach/ingest/): adding uploaded guidance
files (uploads.py: check, copy into the knowledge folder, index) and the changes made to the
shared library with their audit trail (changes.py: who added, replaced or removed which
document; removing one). The Library tab is coach/ui/library_tab.py."""
