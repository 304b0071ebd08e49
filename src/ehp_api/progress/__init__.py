"""The plan's figures: how readings, alerts and complaints become an indicator's value.

One home for the aggregation rules (`RULES` in `rules.py`), above the domains it reads
(readings, alerts, complaints, indicators, targets, activity status) and below what shows the
figures (the values endpoint here, the dashboard, the exports). Modules:

- `grain`: one organisation's figure from its validated readings (year, breakdown and
  region/cercle rules);
- `kept`: those figures kept at write time in `reading_totals`;
- `calendar`, `sums`: the periods a figure covers, and their sums from the kept figures (or
  from readings, place by place);
- `combine`: several organisations' figures made one (sum or collective), a value by measure
  and yes/no kind, shares over what is known, breakdowns, progress against targets;
- `computed`: the indicators counted from alerts and complaints;
- `points`, `values`, `router`: what the values endpoint, the dashboard and the exports show.
"""
