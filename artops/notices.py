"""Notices by email about something a person was given: "you are now the owner of …".

One service for every app: risks and dependencies today; action items and improvement items
through the same call later. A person turns them off on their profile (``User.assignment_notices``);
nobody is told about what they did themselves.
"""

from __future__ import annotations

from artops.mail import absolute_url, send_template_after_commit
from artops.models import ART, User


def notify_owner(*, person: User | None, by: User, art: ART, what: str, path: str) -> bool:
    """Tell ``person`` that ``by`` made them the owner of ``what`` (a link to ``path``); whether a mail goes.

    ``what`` names the thing as a sentence reads it: "the risk “Card vendor late”". Sent after
    the transaction commits, so a change that is refused tells nobody.
    """
    if person is None or person.pk == by.pk or not person.is_active or not person.assignment_notices:
        return False
    send_template_after_commit(
        to=person.email,
        template="mail/owner_notice.txt",
        context={"person": person, "by": by, "art": art, "what": what, "link": absolute_url(path)},
    )
    return True
