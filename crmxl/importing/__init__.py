"""``crmxl import``: rows from a CSV or Excel sheet appended to a standard sheet."""
