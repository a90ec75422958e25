"""What every page's navigation needs to know."""

import sys

# The group of the main navigation each section belongs to (templates/_nav_sections.html).
NAV_GROUPS = {
    "backlog": "planning",
    "roadmap": "planning",
    "board": "planning",
    "plan": "planning",
    "objectives": "planning",
    "sync": "execution",
    "calendar": "execution",
    "ia": "execution",
    "coaching": "execution",
    "risks": "risks",
    "dependencies": "risks",
    "metrics": "metrics",
}


def navigation(request) -> dict:
    """The section of the main navigation the current page belongs to, and its group.

    A views module names its section in ``NAV_SECTION``; pages of modules without one mark
    their navigation link by their exact path instead.
    """
    match = getattr(request, "resolver_match", None)
    module = sys.modules.get(match.func.__module__) if match else None
    section = getattr(module, "NAV_SECTION", "")
    return {"nav_section": section, "nav_group": NAV_GROUPS.get(section, "")}
