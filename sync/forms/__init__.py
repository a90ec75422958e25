"""Forms of the sync pages, one module per page family (as ``sync/views/``). They check shape; the services
check the rules. Choices (teams, people, features, agenda items) are the train's own, read once by the view
and handed in, so that another train's object is "not one of the choices" and a select costs no query."""
