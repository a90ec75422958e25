"""Pages of risks and dependencies, one module per page family; ``risks/urls.py`` wires them."""
