"""Validation (``crmxl validate``): the checks of cells and across sheets, and the annotated copy."""
