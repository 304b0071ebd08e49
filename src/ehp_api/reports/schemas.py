"""The note's path parameter."""

# A quarter only: the note is the EHP's quarterly one (the dashboard also takes a year).
QUARTER_PATTERN = r"^\d{4}Q[1-4]$"
