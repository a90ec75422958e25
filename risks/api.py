"""REST API of risks and dependencies.

Wiring (in ``artops/api_urls.py``): ``risks.api.register(router)``.
"""


def register(router) -> None:
    """Add the risks endpoints to the API router of ``artops/api_urls.py``."""
