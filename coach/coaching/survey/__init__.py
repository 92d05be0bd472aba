"""Team readiness surveys: ``store.py`` (codes, answers, owner-only results, in the app's
database), ``stats.py`` (pure: means, spreads, agreement, groups, disagreements), ``render.py``
(tables, chart, CSV, JSON) and ``cli.py`` (`coach survey`). The Coach tab's section is
``coach/ui/survey_section.py``."""
