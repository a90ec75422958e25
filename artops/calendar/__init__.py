"""The ART calendar: the train's cadence of events (PI Planning, ART Sync, System Demos,
Inspect & Adapt, iteration and PI boundaries), published as a page and as an iCal feed.

Part of the core app ``artops``: its models are imported at the end of ``artops/models.py``
so that they belong to that app and their migrations live in ``artops/migrations/``.
Nothing here imports planning, risks, sync or metrics.
"""
