"""The transactional outbox: background work recorded with the change that asks for it.

A request that must start background work (send a mail, recompute a figure) calls
``enqueue(task_name, *args)`` inside its transaction. The work is a row of ``OutboxTask``, so it is
kept exactly when the change is kept: a rolled-back change leaves no task, and a committed one
leaves its task even while Redis is down. After the commit, ``relay()`` hands the waiting rows to
Celery; if Redis cannot be reached, they wait, and the next commit or the ``relay-outbox`` beat
entry (every minute) hands them over once Redis is back.

Exactly once: a row may reach the broker twice (a relay that dies between sending and marking the
row sent), and Redis may deliver a task twice (a worker killed before acknowledging it). A task
sent through the outbox therefore runs its body under ``run_once``: the row is marked done in the
same transaction as the task's writes, and a second delivery finds it done and does nothing.
Mail leaves the database, so it is claimed before it is sent (``claim_first``): a worker killed
while sending loses that message rather than sending it twice (the RTE can send an invitation
again), and an SMTP failure releases the claim for the retry.
"""

from artops.outbox.models import OutboxTask
from artops.outbox.services import enqueue, relay, run_once

__all__ = ["OutboxTask", "enqueue", "relay", "run_once"]
