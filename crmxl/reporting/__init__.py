"""The manager's report and the agenda: facts, KPIs, lists, chart data, the report workbook."""
