"""The review queue: real answers reviewed by editors and admins, and turned into eval cases.

``store.py`` (the ``review_items`` and ``reviews`` tables: items, rubrics, the share judged good
per month), ``queue.py`` (what enters the queue: thumbs-down, a sample, answers the pipeline
flagged), ``cases.py`` (save a reviewed item as a case of a Q&A suite), ``cli.py``
(`coach eval review`). The web app's Review queue is in coach/ui/review_section.py.
"""
