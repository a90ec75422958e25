"""Pages of the sync app, one module per page family: ``meetings`` (the syncs and their page),
``meeting_records`` (what a sync produces: the top 5, decisions, action items, ROAM), ``team_status``,
``impediments`` and ``system_demos``. Every page works with a plain full-page load; htmx makes it faster."""
