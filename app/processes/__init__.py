"""Processes of our own: forked solver processes with limits, the plan's hand-over, bounded work,
the readers and writers they run, and the solver's side of fan-out."""
