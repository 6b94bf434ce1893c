"""The model: the schema, cell values, settings, findings, typed frames and the workspace.

Everything above it (rules, checks, reporting, commands) works on these; below it only
:mod:`crmxl.workbook` knows the file format."""
