"""Inspect & Adapt: the event at the end of every PI where the train looks back and improves.

The PI System Demo, the quantitative review (the PI's metrics, frozen at the I&A date), a short
retrospective and the problem-solving workshop (SAFe's six steps: agree on the problem, root
causes on a fishbone with five whys, dot voting and Pareto, restatement, brainstorming,
improvement items). Each improvement item becomes a feature or enabler of the ART backlog in
its target PI, so that it is seen at PI Planning and followed until done.

Models in ``models.py`` (imported by ``metrics.models``, so the migrations stay in
``metrics/migrations/``), state changes in ``services.py``, pages in ``views.py``, the API in
``api.py``, the demo's part in ``demo.py``.
"""
