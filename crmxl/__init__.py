"""crmxl: a CRM for sales teams that keep their customers in Excel."""

__version__ = "0.1.0"
