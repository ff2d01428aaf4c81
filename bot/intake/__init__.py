"""Intake appointments: slots, availability, booking, the chat flow, notices and .ics files."""
