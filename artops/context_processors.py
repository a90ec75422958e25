"""What every page's navigation needs to know."""

import sys


def navigation(request) -> dict:
    """The section of the main navigation the current page belongs to.

    A views module names its section in ``NAV_SECTION``; pages of modules without one mark
    their navigation link by their exact path instead.
    """
    match = getattr(request, "resolver_match", None)
    module = sys.modules.get(match.func.__module__) if match else None
    return {"nav_section": getattr(module, "NAV_SECTION", "")}
