"""App-level orchestration that is neither UI nor storage: the sync run (enrol, push, pull,
conflicts), used by the sync screen and `asb-tui sync`."""
