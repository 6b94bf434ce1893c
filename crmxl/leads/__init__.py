"""Leads: assigning waiting leads to the team (SPEC 2.5)."""
