"""Citation markers: ``[n]`` after the sentence it supports, numbered from 1."""

from __future__ import annotations

import re

MARKER = re.compile(r"\[(\d+)\]")
# a run of markers with the space before them: " [1][2]"
MARKER_RUN = re.compile(r"(?:\s*\[\d+\])+")
_SPACED_MARKER = re.compile(r"\s*\[\d+\]")
_MARKER_LIST = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_LIST_SEPARATOR = re.compile(r"\s*[,;]\s*")
_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d+\])+)")


def marker_numbers(text: str) -> list[int]:
    """The numbers of the markers in ``text``, in order, repeats kept."""
    return [int(n) for n in MARKER.findall(text)]


def strip_markers(text: str) -> str:
    """``text`` without its markers (and the space before each)."""
    return _SPACED_MARKER.sub("", text)


def split_marker_lists(text: str) -> str:
    """"[1, 2]" and "[1; 2]" become "[1][2]"."""
    return _MARKER_LIST.sub(
        lambda m: "".join(f"[{n}]" for n in _LIST_SEPARATOR.split(m.group(1))), text)


def markers_before_stop(text: str) -> str:
    """"text. [1]" becomes "text [1].": markers after a full stop belong to its sentence."""
    return _AFTER_STOP.sub(r"\2\1", text)
