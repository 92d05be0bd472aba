"""Coaching mode: journey.yaml, the state machine over it, assessment, saved progress, export."""
