"""Chat routers in a chain: each ``ports.JourneyRouter`` is offered a message in turn, and the
first reply wins (``None`` from all of them: an ordinary question for the answer pipeline).

At the pipeline's floor (it imports only the ports and the types), so ``pipeline.Coach`` can
hold a chain without importing a feature. ``app.build_coach`` chains the workbench's chat
(``workbench.chat.WorkbenchChat``: "how is our falls measure doing?", "log a PDSA: …") before
the journey chat coaches (``coaching.chat.router.JourneyChat``). Every router reads the
message embedded once: the pipeline embeds the retrieval query and each router's intent form
(``intent_texts``) in one model call, and ``reply`` hands each router the vector of its own
form. A router whose form is None for a message (the workbench's, for a message that cannot be
its request) gets no vector, but is still asked: a "yes" to its last question needs none.
"""

from __future__ import annotations

from collections.abc import Sequence

from coach.ports import JourneyRouter, Vectors
from coach.types import Answer, Asked


class RouterChain:
    """Routers asked in order; the first that replies answers the message."""

    def __init__(self, routers: Sequence[JourneyRouter]):
        self.routers = tuple(routers)

    def intent_texts(self, text: str, user: str | None) -> tuple[str | None, ...]:
        """Each router's intent form of ``user``'s ``text`` (None: that router needs no
        vector for it)."""
        return tuple(router.intent_text(text, user) for router in self.routers)

    def reply(self, asked: Asked, user: str | None,
              vectors: Sequence[Vectors | None]) -> Answer | None:
        """The first router's reply, or None; ``vectors[i]`` embeds router i's intent form
        (None where ``intent_texts`` gave None: every router is asked all the same)."""
        for router, vector in zip(self.routers, vectors, strict=True):
            answer = router.reply(asked, user, vector)
            if answer is not None:
                return answer
        return None
