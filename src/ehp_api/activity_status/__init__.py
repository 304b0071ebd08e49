"""How each activity is going, in its leads' own words, quarter by quarter."""
