"""Insights for editors and admins: the question log (store.py) and answer feedback
(feedback.py), what they add up to (aggregate.py, pure), content gaps grouped with the embedder
(gaps.py), charts (charts.py), the gathered report and its CSV/JSON export (report.py) and
`coach insights` (cli.py). The Insights tab is coach/ui/insights_tab.py."""
