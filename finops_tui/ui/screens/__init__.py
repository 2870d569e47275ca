"""One module per screen: title, briefing, turn, report, debrief, help, codex, saves."""
