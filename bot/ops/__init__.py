"""Running Tekkie: its processes, their supervision, the Rasa project and reports."""
