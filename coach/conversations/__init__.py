"""Conversations: each user's saved Ask-tab conversations (store.py) and their export to
Markdown and Word (export.py). The history panel that lists them is in coach/ui/ask_tab.py."""
