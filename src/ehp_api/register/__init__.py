"""The EHP's register: its meetings, thematic notes, information requests, decisions and their
action points (work plan axis 1, what the EHP does once)."""
