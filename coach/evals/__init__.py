"""Answer-quality evaluation: suite and case files, metrics, runner."""
