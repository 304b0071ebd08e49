"""The aggregation rules as a coordinator reads them: returned with every series of values
(`rules`), written in the workplan export's Notes (one rule a line, in the file's language), and
stated in docs/api.md. The code that applies them: `grain` (one organisation's figure) and
`combine` (the EHP's figure)."""

from ehp_api.core.i18n import N_

RULE_LIST = (
    N_(
        "Validated values only: a reading counts with its last validated value. A correction "
        "awaiting review is shown beside it (`pending`) and counts once the secretariat "
        "validates it."
    ),
    N_(
        "One organisation's figure, place by place: a place's figure is its total reading; "
        "posted by breakdown only, the sum of the options of one category (the one adding up to "
        "most), never of two categories (that counts the same people twice)."
    ),
    N_(
        "A region (admin 1) and the cercles (admin 2) inside it describe the same ground and "
        "are never added: the region's own figure stands for the region and covers its cercles; "
        "where the cercles add up to more, the larger counts and the difference is flagged "
        "(`cercles_exceed_region`). Readings without a place are added as work not placed."
    ),
    N_(
        "A year is its quarters; a whole-year reading counts only where the organisation posted "
        "no quarterly reading that year for the same place (or a place inside it or containing "
        "it) and zone. A quarter's cumulative figure leaves out whole-year readings of its own "
        "year."
    ),
    N_(
        "Several organisations: a `sum` indicator (each organisation's own work: projects, "
        "sessions, participants) adds their figures. A `collective` indicator (a fact of the "
        "EHP: a meeting, a note it deliberates, a forum) counts one figure: the reporter of "
        "record's for the period; when it reported nothing for the period, the largest figure "
        "another organisation reported, flagged `not_from_reporter_of_record`. Other figures "
        "are listed in `also_reported`, and `reporters_disagree` flags any that differ."
    ),
    N_(
        "A percentage is the sum of the numerators over the sum of the denominators, never an "
        "average of percentages; of two figures of the same thing, the larger is the one with "
        "the larger denominator."
    ),
    N_(
        "Yes/no by kind: a `milestone` is achieved from the first validated yes on "
        "(`achieved_in`); an `annual` one is answered for each year, yes from the first "
        "validated yes of that year to its end; an `updated` one (established / kept current) "
        "is yes once established, with the period it was last confirmed (`last_confirmed_in`). "
        "Before any answer the value is empty."
    ),
    N_(
        "Shares are over what is known: the Liptako Gourma share is the Liptako Gourma part "
        "over the part whose zone is known, and the rest is reported as `zone_unknown`; "
        "likewise the share in the field (`dont % sur le terrain`) over the sessions whose "
        "setting is known."
    ),
    N_(
        "A breakdown the indicator asks for is given option by option (`breakdown`), with the "
        "part posted without it as `unspecified`."
    ),
    N_(
        "Targets: the secretariat's target for the period's year (optionally for a zone) is "
        "compared with the year's figure to the end of the period (`achieved_to_date`, "
        "`percent_of_target`)."
    ),
    N_(
        "Computed indicators count the service's own records (alerts, complaints, the EHP's "
        "register), each record once; their counts are known even when zero."
    ),
)
RULES = "\n".join(f"- {rule}" for rule in RULE_LIST)
