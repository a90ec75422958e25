"""Keep a membership's team inside the membership's train, in the database itself.

Django has no composite foreign keys, so this one is plain SQL: (team_id, art_id) of a
membership must match (id, art_id) of a team.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("artops", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql="""
                ALTER TABLE artops_membership
                ADD CONSTRAINT membership_team_same_art
                FOREIGN KEY (team_id, art_id) REFERENCES artops_team (id, art_id)
                ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
            """,
            reverse_sql="ALTER TABLE artops_membership DROP CONSTRAINT membership_team_same_art",
        ),
    ]
