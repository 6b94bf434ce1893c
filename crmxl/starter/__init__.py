"""``crmxl init``: the templates, the guide sheet and the sample data."""
