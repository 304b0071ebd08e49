"""Scheduled jobs run by the worker (`ehp-api worker`): the retention purges and the daily digest
of what is overdue, each on a schedule of the settings, claimed by one worker per due time."""
