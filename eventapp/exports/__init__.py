"""Agenda exports: iCalendar, frab schedule XML and JSON, public once the event is published."""
