"""Pages of the metrics, one module per page family.

=====================  ================================================================
module                 pages
=====================  ================================================================
``business_owner``     the Business Owner dashboard (business value and predictability
                       per team and for the train, edited in place; the trend across PIs)
``flow``               the RTE's flow dashboard (3–5 headline metrics with their trends,
                       cumulative flow, flow time, dependency aging; each chart's CSV)
``forecast``           "when will these features be done?", "how many by the end of the PI?"
``panels``             what the metrics contribute to the train's home and to the ART Sync
=====================  ================================================================
"""
