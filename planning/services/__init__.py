"""Every change of PI Planning, one function per intent.

The same functions serve the pages, their htmx endpoints, the API and the shell. Each checks
the capability, validates, writes atomically and returns the changed object:

- the ART backlog: business features need ``planning.edit_backlog``, enablers
  ``planning.edit_enablers``;
- a team's plan (capacity, stories, feature placements): ``planning.edit_team_plan`` for the
  team; a team member may change the stories they own (``planning.edit_own_stories``);
- PI objectives: ``planning.write_objectives`` for the team; their business value
  ``planning.set_business_value`` (Business Owners only).

Invalid input raises ``ValidationError`` and nothing is written; an edit based on a version
that is no longer current raises ``StaleVersion`` (a 409 on every interface).
"""

from artops.services import StaleVersion  # noqa: F401  (services.StaleVersion, as every caller reads it)
from planning.services.backlog import *  # noqa: F403
from planning.services.common import UNSET  # noqa: F401
from planning.services.jira import *  # noqa: F403
from planning.services.objectives import *  # noqa: F403
from planning.services.program_board import *  # noqa: F403
from planning.services.readiness import *  # noqa: F403
from planning.services.team_board import *  # noqa: F403
from planning.services.vote import *  # noqa: F403
