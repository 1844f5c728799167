"""Background jobs about reports, run by `mqis worker` (django-tasks with the database backend)."""

from django_tasks import task

from mqis.reports import weekly


@task()
def send_weekly_reports() -> dict[str, int]:
    return weekly.send_due()
