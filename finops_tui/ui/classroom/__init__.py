"""The classroom's own screens: the live scoreboard and the facilitator's console."""
