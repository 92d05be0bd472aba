"""Coaching: the journey definition (journey.yaml) and, later, the coaching state machine."""
