"""Reads, one module per concept: every query a page makes starts from what the user may
see (`projects.selectors.projects.projects_visible_to`)."""
