"""One job end to end: claim it, run it in a solver process, beat, store its result; `desaplan worker`."""
