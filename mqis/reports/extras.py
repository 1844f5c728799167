"""The report's risk and forecast sections, drawn from mqis.risk and mqis.forecasts.

Both read what those apps have stored (risk scores, forecasts); a report never scores a
location or fits a forecast itself, so it stays quick. Without stored figures the
section says so in a sentence. Alert volumes (mqis.alerts) sit in the risk section.
"""

import datetime as dt
from typing import Any

from django.db.models import Count
from django.utils.safestring import mark_safe

from mqis.accounts import scope
from mqis.alerts.stats import rule_stats
from mqis.forecasts.backtest import BACKTEST_WEEKS
from mqis.forecasts.models import Forecast
from mqis.forecasts.series import MEASURES
from mqis.reports import svgcharts
from mqis.reports.area import Area
from mqis.reports.content import Section, Table, count, plural
from mqis.risk.market import AT_RISK, watch_list
from mqis.risk.models import Band

WATCH_ROWS = 10
ALERT_WEEKS = 1
FORECAST_WEEKS = 4
HISTORY_WEEKS = 12
BAND_COLOURS = {Band.LOW: "#00703c", Band.MEDIUM: "#b58800", Band.HIGH: "#f47738", Band.CRITICAL: "#d4351c",
                "": "#b1b4b6"}
JUDGEMENT = ("A risk score helps decide where to look first; it informs professional judgement and does not "
             "replace it.")


def high_risk_by_council(area: Area) -> dict[int, int]:
    """Locations at high or critical risk, per council id."""
    rows = (area.locations.filter(deregistered=False, risk__band__in=AT_RISK)
            .values("council_id").annotate(n=Count("id")).order_by())
    return {row["council_id"]: row["n"] for row in rows}


def _band_counts(area: Area) -> list[tuple[str, str, int]]:
    rows = area.locations.filter(deregistered=False).values("risk__band").annotate(n=Count("id")).order_by()
    counts = {row["risk__band"] or "": row["n"] for row in rows}
    return [(band.value, band.label, counts.get(band.value, 0)) for band in Band] + \
        [("", "Not scored", counts.get("", 0))]


def _watch_table(area: Area) -> Table:
    rows = []
    for row in watch_list(area.locations, limit=WATCH_ROWS):
        where = row.location.council.name if area.is_region and row.location.council else row.location.provider.name
        rows.append([row.location.name, where, f"{row.score:.0f}", row.band_label,
                     row.reasons[0] if row.reasons else ""])
    columns = ["Location", "Council" if area.is_region else "Provider", "Score", "Band", "Weighs most"]
    return Table("The highest risk scores", columns, rows, key="risk-scores", text_columns=(1, 3, 4),
                 note="" if rows else "No location has a risk score yet.")


def _alerts_table(area: Area) -> Table:
    alerts = scope.visible_alerts(area.user).filter(location__in=area.locations)
    stats = [s for s in rule_stats(alerts, ALERT_WEEKS, area.now) if s.opened or s.open_now]
    rows = [[s.rule.name, count(s.opened), count(s.open_now), count(s.acknowledged)] for s in stats]
    return Table("Alerts opened in the last week, by rule", ["Rule", "Opened", "Still open", "Acknowledged"], rows,
                 note="" if rows else "No alerts were opened in the last week.", key="risk-alerts")


def risk(area: Area) -> Section:
    bands = _band_counts(area)
    scored = sum(n for band, _, n in bands if band)
    at_risk = sum(n for band, _, n in bands if band in AT_RISK)
    chart = svgcharts.bar_chart("chart-risk", "Locations by risk band", [label for _, label, _ in bands],
                                [n for _, _, n in bands], colours=[BAND_COLOURS[band] for band, _, _ in bands])
    if scored:
        lead = f"{plural(at_risk, 'location is', 'locations are')} at high or critical risk, of {scored:,} scored."
    else:
        lead = "No location in this area has a risk score yet."
    return Section(
        "risk", "Risk",
        summary=[lead, JUDGEMENT],
        chart=mark_safe(chart),
        chart_caption="Locations in each risk band, from their latest scores.",
        chart_table=Table("Locations by risk band", ["Band", "Locations"],
                          [[label, count(n)] for _, label, n in bands]),
        tables=[_watch_table(area), _alerts_table(area)],
    )


def _short_date(iso: str) -> str:
    return f"{dt.date.fromisoformat(iso):%-d %b}"


def _long_date(iso: str) -> str:
    return f"{dt.date.fromisoformat(iso):%-d %B %Y}"


def _forecasts(area: Area) -> list[Forecast]:
    return list(Forecast.objects.filter(council__in=area.councils).select_related("council")
                .order_by("council__name", "measure"))


def _next(forecast: Forecast) -> tuple[str, str]:
    """The next week's forecast and its 80% range, or dashes."""
    if forecast.status != Forecast.Status.OK or not forecast.points:
        return "–", "Too little history"
    _week, mean, lo80, hi80, *_ = forecast.points[0]
    return f"{round(mean):,}", f"{round(lo80):,} to {round(hi80):,}"


def _council_chart(forecast: Forecast) -> tuple[str, Table]:
    """The last weeks of occupied beds and the next FORECAST_WEEKS with the 80% range; its table."""
    history = forecast.history[-HISTORY_WEEKS:]
    ahead = forecast.points[:FORECAST_WEEKS]
    labels = [_short_date(h[0]) for h in history] + [_short_date(p[0]) for p in ahead]
    # The forecast line and its range start at the last week of returns, so they join.
    joined: list[float | None] = [None] * (len(history) - 1) + [history[-1][1]]
    svg = svgcharts.line_chart(
        "chart-forecast", "Occupied beds: returns and forecast", labels,
        [svgcharts.Series("Returns", [h[1] for h in history] + [None] * len(ahead)),
         svgcharts.Series("Forecast", joined + [p[1] for p in ahead])],
        from_zero=False,
        interval=svgcharts.Interval("80% range", joined + [p[2] for p in ahead], joined + [p[3] for p in ahead]),
    )
    rows = [[_long_date(h[0]), count(h[1]), "", ""] for h in history]
    rows += [[_long_date(p[0]), "", count(p[1]), f"{round(p[2]):,} to {round(p[3]):,}"] for p in ahead]
    table = Table("Occupied beds: returns and forecast, oldest first",
                  ["Week starting", "Returns", "Forecast", "80% range"], rows)
    return svg, table


def _past_error(forecast: Forecast) -> str:
    """How far off the forecast was on average over the past, at the backtest's horizon: "27 beds"."""
    error = (forecast.backtest or {}).get("mae_method")
    if error is None:
        return "–"
    n = round(error)
    unit = MEASURES[forecast.measure].unit
    return f"{n:,} {unit[:-1] if n == 1 else unit}"


def _council_rows(forecasts: list[Forecast]) -> list[list[str]]:
    order = list(MEASURES)
    rows = []
    for forecast in sorted(forecasts, key=lambda f: order.index(f.measure) if f.measure in order else len(order)):
        mean, range80 = _next(forecast)
        rows.append([MEASURES[forecast.measure].label.capitalize(), mean, range80, _past_error(forecast)])
    return rows


def _region_rows(forecasts: list[Forecast]) -> list[list[str]]:
    by_council: dict[str, dict[str, Forecast]] = {}
    for forecast in forecasts:
        by_council.setdefault(forecast.council.name, {})[forecast.measure] = forecast
    rows = []
    for name, found in by_council.items():
        row = [name]
        for key in ("occupied", "vacant", "unmet"):
            row.append(_next(found[key])[0] if key in found else "–")
        rows.append(row)
    return rows


def _summed(rows: list[list[list[Any]]], column: int) -> dict[str, float]:
    """The sum over councils of a column per week, for the weeks every council has a figure for."""
    totals: dict[str, float] = {}
    counts: dict[str, int] = {}
    for council_rows in rows:
        for row in council_rows:
            if row[column] is not None:
                totals[row[0]] = totals.get(row[0], 0.0) + row[column]
                counts[row[0]] = counts.get(row[0], 0) + 1
    return {week: round(total, 1) for week, total in totals.items() if counts[week] == len(rows)}


def _region_chart(forecasts: list[Forecast]) -> tuple[str, Table] | None:
    """The councils' occupied beds added up: the last weeks of returns and the next forecasts."""
    made = [f for f in forecasts if f.measure == "occupied" and f.status == Forecast.Status.OK and f.history]
    if not made:
        return None
    history = sorted(_summed([f.history for f in made], 1).items())[-HISTORY_WEEKS:]
    ahead = sorted(_summed([f.points for f in made], 1).items())[:FORECAST_WEEKS]
    if not history:
        return None
    labels = [_short_date(week) for week, _ in history + ahead]
    joined: list[float | None] = [None] * (len(history) - 1) + [history[-1][1]]
    svg = svgcharts.line_chart(
        "chart-forecast", "Occupied beds in the region: returns and forecast", labels,
        [svgcharts.Series("Returns", [v for _, v in history] + [None] * len(ahead)),
         svgcharts.Series("Forecast", joined + [v for _, v in ahead])], from_zero=False)
    rows = [[_long_date(w), count(v), ""] for w, v in history] + [[_long_date(w), "", count(v)] for w, v in ahead]
    table = Table("Occupied beds in the region: returns and forecast, oldest first",
                  ["Week starting", "Returns", "Forecast"], rows)
    return svg, table


def forecast(area: Area) -> Section:
    forecasts = _forecasts(area)
    section = Section("forecast", "Forecast")
    if not forecasts:
        section.summary = ["No forecasts have been made for this area yet."]
        return section
    made = max(f.made_at for f in forecasts)
    whose = "each council's" if area.is_region else f"{area.name}'s"
    section.summary = [f"Forecasts of the weeks ahead from {whose} returns, made {made:%-d %B %Y}. "
                       "The 80% range is where the figure is expected to fall 4 weeks in 5."]
    if area.is_region:
        drawn = _region_chart(forecasts)
        if drawn:
            section.chart, section.chart_table = mark_safe(drawn[0]), drawn[1]
            section.chart_caption = (f"Occupied beds in the councils with a forecast, added up: the last "
                                     f"{HISTORY_WEEKS} weeks of returns and the forecast for the next "
                                     f"{FORECAST_WEEKS}. Ranges cannot be added up, so none is shown.")
        section.tables = [Table("Next week's forecast, by council",
                                ["Council", "Occupied beds", "Vacant beds", "Unmet home care hours"],
                                _region_rows(forecasts), key="forecast-next-week")]
        return section
    occupied = next((f for f in forecasts if f.measure == "occupied" and f.status == Forecast.Status.OK), None)
    if occupied and occupied.history:
        svg, section.chart_table = _council_chart(occupied)
        section.chart = mark_safe(svg)
        section.chart_caption = (f"Occupied beds over the last {HISTORY_WEEKS} weeks of returns and the "
                                 f"forecast for the next {FORECAST_WEEKS}, with its 80% range shaded.")
    ahead = f"{BACKTEST_WEEKS} weeks ahead"
    section.tables = [Table("Next week's forecast", ["Measure", "Forecast", "80% range", f"Past error, {ahead}"],
                            _council_rows(forecasts), text_columns=(2,),
                            note=f"The past error is how far off forecasts made {ahead} were, on average.",
                            key="forecast-next-week")]
    return section
