"""Agenda rules: conflict detection, shifting, reordering, copying an event."""
