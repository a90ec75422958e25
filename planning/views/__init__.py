"""Pages of PI Planning, one module per page family; ``planning/urls.py`` wires them."""
