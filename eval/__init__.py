"""Offline evaluation of the scoring core on pairs of strong and weak answers (`python -m eval.run`)."""
