"""Self-assessment scores typed at the terminal, for `coach journey assess` and `coach survey
respond`: from --scores, from --file or, failing both, by asking each statement in turn."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

import yaml

from coach import yamlio
from coach.coaching import assessment
from coach.coaching.journey import Journey
from coach.errors import BadInputError


def read_scores(journey: Journey, args: argparse.Namespace) -> Mapping[str, object]:
    """Scores from --scores, --file or, failing both, by asking each statement in turn."""
    if args.scores:
        return assessment.parse_list(journey, args.scores)
    if args.file:
        try:
            data = yamlio.load(args.file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
            raise BadInputError(f"{args.file}: cannot read the scores file ({exc}).") from exc
        if isinstance(data, list):
            return assessment.parse_list(journey, ",".join(map(str, data)))
        if not isinstance(data, dict):
            raise BadInputError(f"{args.file}: expected item-id: score pairs or a list.")
        return data
    return _prompt_scores(journey)


def _prompt_scores(journey: Journey) -> dict[str, int]:
    a = journey.assessment
    scale = ", ".join(f"{k} {v}" for k, v in a.scale.items())
    print(f"{a.title}: score each statement ({scale}).")
    scores: dict[str, int] = {}
    for enabler in journey.enablers:
        print(f"\n{enabler.title}")
        for item in [i for i in a.items if i.enabler == enabler.id]:
            print(f"  {len(scores) + 1}. {item.statement}")
            scores[item.id] = _ask_score()
    return scores


def _ask_score() -> int:
    while True:
        try:
            answer = input("     score 0-3: ").strip()
        except EOFError:
            raise BadInputError("The assessment stopped before the last item; nothing was "
                                "saved. Run it again, or pass --scores.") from None
        if answer in ("0", "1", "2", "3"):
            return int(answer)
        print("     Please type 0, 1, 2 or 3.")
