"""The role check around every event of the web app: the Gradio adapter of the access policy
(coach/access/roles.py).

``guard`` wraps every event handler of a ``gr.Blocks``: before it runs, the caller's role is
looked up (``Access``) and an event it may not use is refused with a ``gr.Error``, whichever
client sent it. An event with no declared role stops the app from building, so nothing is open
by default.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from coach.access.roles import Access, allows
from coach.errors import NotAllowedError

if TYPE_CHECKING:
    import gradio as gr


def guard(demo: gr.Blocks, declared: dict[int, str], access: Access) -> None:
    """Wrap every server-side event of ``demo`` with its role check.

    ``declared`` maps the fn ids of ``demo.fns`` to the role each needs. Raises RuntimeError
    naming any event without a declared role: nothing is open by default.
    """
    missing = [f"{fn.api_name or fn.name}" for key, fn in demo.fns.items()
               if fn.fn is not None and key not in declared]
    if missing:
        raise RuntimeError("These web app events declare no role (add them to a tab in "
                           f"TABS or declare one): {', '.join(missing)}")
    for key, block_fn in demo.fns.items():
        if block_fn.fn is None or getattr(block_fn.fn, "_coach_role", None):
            continue
        what = str(block_fn.api_name or block_fn.name).replace("_", " ")
        # a page-load refresh of a tab the user may not see skips quietly (no data, no error)
        quiet = bool(block_fn.targets) and all(t[1] == "load" for t in block_fn.targets)
        block_fn.fn = guarded(block_fn.fn, declared[key], access, what,
                              quiet=len(block_fn.outputs) if quiet else 0)


def guarded(fn: Callable[..., Any], needed: str, access: Access, what: str, *,
            quiet: int = 0) -> Callable[..., Any]:
    """``fn`` behind a role check, with a signature that still gets Gradio's gr.Request.
    ``quiet``: refuse by leaving that many outputs unchanged instead of raising."""
    import gradio as gr

    def allowed(request: Any) -> bool:
        if quiet:  # one role lookup: skip quietly rather than refuse
            return allows(access.role_for(request), needed)
        try:
            access.check(request, needed, what)
        except NotAllowedError as exc:  # shown on the page, whichever client sent the event
            raise gr.Error(str(exc), title="Not allowed") from exc
        return True

    skipped = tuple(gr.skip() for _ in range(quiet)) if quiet != 1 else gr.skip()

    sig = inspect.signature(fn)
    try:
        hints = typing.get_type_hints(fn)
    except (NameError, TypeError):
        hints = {}
    params = list(sig.parameters.values())
    positional = [p for p in params
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) != len(params):
        raise TypeError(f"{what}: the role guard needs handlers with positional parameters")
    own = next((i for i, p in enumerate(positional)
                if hints.get(p.name) in (gr.Request, typing.Optional[gr.Request])), None)  # noqa: UP045
    index = own if own is not None else len(positional)
    if own is None:
        extra = inspect.Parameter("_coach_request", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                  annotation=gr.Request,
                                  default=None if any(p.default is not p.empty
                                                      for p in positional) else
                                  inspect.Parameter.empty)
        positional = [*positional, extra]
    annotations = {**hints, "_coach_request": gr.Request}

    def split(args: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
        request = args[index] if index < len(args) else None
        return request, (args if own is not None else args[:index] + args[index + 1:])

    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen_wrapper(*args: Any) -> Iterator[Any]:
            request, rest = split(args)
            if not allowed(request):
                yield skipped
                return
            yield from fn(*rest)
        wrapper: Callable[..., Any] = gen_wrapper
    elif inspect.iscoroutinefunction(fn):
        raise TypeError(f"{what}: async handlers are not supported by the role guard")
    else:
        @functools.wraps(fn)
        def call_wrapper(*args: Any) -> Any:
            request, rest = split(args)
            return fn(*rest) if allowed(request) else skipped
        wrapper = call_wrapper
    wrapper.__signature__ = sig.replace(parameters=positional)  # type: ignore[attr-defined]
    wrapper.__annotations__ = annotations
    del wrapper.__wrapped__  # type: ignore[attr-defined]  # Gradio must see our signature
    wrapper._coach_role = needed  # type: ignore[attr-defined]
    return wrapper
