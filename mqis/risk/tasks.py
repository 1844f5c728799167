"""Background job: score every location, run by `mqis worker` on a schedule."""

from django_tasks import task

from mqis.risk import scoring


@task()
def score_all() -> dict[str, int]:
    outcome = scoring.score_all()
    return {"scored": outcome.scored, "band_changes": outcome.band_changes, "removed": outcome.removed}
