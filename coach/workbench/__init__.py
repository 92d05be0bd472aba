"""The lead's QI workbench: projects, their measures, charts and PDSA cycles.

Reading a team's data: ``sheets`` (CSV, Excel or pasted columns, with a message naming the row
for bad input) over ``columns`` and ``cells``; ``aim`` (the SMART-aim check and the progress
score scale). The chart: ``series`` (dated points, direction, options), ``runs`` (the expected
number of runs on a run chart, from the exact run-count distribution), ``rules`` (the run-chart
and Making Data Count rules over plain lists), ``spc`` (run and XmR charts: centre, limits,
signals, icons) with its value types in ``results``, ``reading`` (the plain-English reading and
its signal table), ``export`` (the computed series as CSV) and ``chart`` (the PNG and its text
alternative). The projects: ``projects`` (the values and their checks), ``store`` over ``rows``
(each user's projects in the database), ``measure_chart`` (a stored measure charted);
``summary`` (a project's summary for a board paper, Markdown or Word, through ``document``).
In the chat: ``chat`` (``WorkbenchChat``, a ``ports.JourneyRouter``: the user's
chart read by the rules, a PDSA cycle logged after a yes), ``chat_intents`` (data requests told
from guidance questions) and ``chat_replies`` (the replies, cited).
"""
