"""Background jobs about forecasts, run by `mqis worker` (django-tasks with the database backend)."""

from django_tasks import task

from mqis.forecasts import services


@task()
def refresh_forecasts() -> dict[str, int]:
    return services.refresh_all()
