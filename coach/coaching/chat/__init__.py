"""The chat coaches: journey requests and the guided step dialogue in the chat window.

``router.JourneyChat`` decides whether a message is a journey turn (``recogniser`` and the
pure ``intents``) and which turn runs (``turns``, or ``tools`` for a chat model that calls
tools); ``context`` holds what every turn is built from; ``replies`` writes the text;
``dialogue`` is the guided dialogue's state machine and ``store`` where it is kept.
"""
