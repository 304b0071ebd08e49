"""The quarterly protection note: the dashboard, charts and the register's follow-up, in Word."""
